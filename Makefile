# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: run test lint clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	COMPLAINTBOT_DIRECTORY=$${COMPLAINTBOT_DIRECTORY:-complaintbot.example.toml} \
	  $(BIN)/complaintbot serve --demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check bot handlers storage tests
	$(BIN)/mypy

# Short run (a few minutes); `make bench FULL=1` or BENCH_ARGS=--full for the full targets.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --write-doc $(if $(FULL),--full) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
