"""`complaintbot review --json` and `complaintbot export --client/--since`, as real
processes on a TinyDB store seeded through the core (tests/history.py)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from handlers.directory_file import load_directory
from handlers.model import Case
from storage.tinydb_store import TinyDBStore
from tests.history import seed_firm

from .conftest import EXAMPLE
from .test_cli import assert_one_error_line, run

# The stories are told in days before the real now: the command reads the clock itself.
NOW = datetime.now(UTC) - timedelta(minutes=5)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Case]]:
    """A store with the example firm's history, and its cases by story."""
    root = tmp_path_factory.mktemp("review")

    async def seed() -> dict[str, Case]:
        store = TinyDBStore(root / "data" / "complaintbot.json")
        await store.open()
        try:
            return await seed_firm(store, load_directory(EXAMPLE), NOW)
        finally:
            await store.close()

    return root, asyncio.run(seed())


def review_json(root: Path, *words: str) -> dict[str, Any]:
    result = run(root, "review", "--json", *words)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_the_portfolio_as_json(seeded: tuple[Path, dict[str, Case]]) -> None:
    root, firm = seeded
    data = review_json(root)
    assert data["view"] == "portfolio" and data["window"]["days"] == 90
    clients = [(c["client_id"], c["band"], round(c["score"], 4)) for c in data["clients"]]
    assert clients == [
        ("globex", "part_ways", 0.4464),
        ("initech", "watch", 0.8),
        ("acme", "keep", 0.9167),
    ]
    assert data["clients"][2]["mix"]["counts"]["right"] == 1
    assert [c["case_id"] for c in data["open"]["cases"]][0] == firm["A4"].id
    assert data["open"]["cases"][0]["owner"] == "avi"
    assert data["open"]["cases"][0]["owner_label"] == "Avi Katz"  # plain text, by name


def test_one_client_one_person_open_and_changes_as_json(
    seeded: tuple[Path, dict[str, Case]],
) -> None:
    root, firm = seeded
    acme = review_json(root, "client", "Acme", "Corp")
    assert acme["view"] == "client" and acme["client_id"] == "acme"
    assert acme["fit"]["score"] == pytest.approx(7.3333333 / 8)
    assert [(p["name"], p["weight"]) for p in acme["fit"]["parts"]][:2] == [
        ("valid", 1.0),
        ("not_right", 2.0),
    ]
    assert acme["fit"]["recommendation"]["headline"] == "Keep: the history shows a good fit."
    dana = review_json(root, "person", "dana")
    assert [f["kind"] for f in dana["support"]] == ["not_right", "abuse"]
    assert dana["title"] == "Dana Levi · last 90 days"
    opened = review_json(root, "open")
    assert opened["view"] == "open" and opened["total"] == 5 and opened["overdue"] == 1
    changes = review_json(root, "changes")
    assert [t["category"] for t in changes["themes"]] == ["scope", "billing", "quality", "delay"]


def test_review_words_it_does_not_know_are_one_line(
    seeded: tuple[Path, dict[str, Case]],
) -> None:
    root, _ = seeded
    result = run(root, "review", "--json", "client", "acmee")
    assert result.returncode == 2 and result.stdout == ""
    line = assert_one_error_line(result, "review client acmee: There is no client acmee")
    assert "Fix: Did you mean: Acme Corp (acme)? Usage: review" in line
    person = run(root, "review", "--json", "person", "dnaa")
    assert "Did you mean: Dana Levi" in assert_one_error_line(person, "review person dnaa:")
    typo = run(root, "review", "--json", "chnages")
    assert "review changes?" in assert_one_error_line(typo, "review chnages: I do not know")


def test_review_without_json_says_how(seeded: tuple[Path, dict[str, Case]]) -> None:
    root, _ = seeded
    result = run(root, "review", "open")
    assert result.returncode == 2
    line = assert_one_error_line(result, "--json: the review is written as JSON only")
    assert line.endswith("complaintbot review --json open")


# --- export --client and --since ------------------------------------------------------------


def exported(root: Path, *options: str) -> list[str]:
    result = run(root, "export", "--format", "json", *options)
    assert result.returncode == 0, result.stderr
    return [case["id"] for case in json.loads(result.stdout)["cases"]]


def story_ids(firm: dict[str, Case], *stories: str) -> list[str]:
    return sorted(firm[s].id for s in stories)


def test_export_one_client_since_a_date(seeded: tuple[Path, dict[str, Case]]) -> None:
    root, firm = seeded
    assert exported(root, "--client", "globex") == story_ids(
        firm, "G1", "G2", "G3", "G4", "G5", "G6"
    )
    since = (NOW - timedelta(days=25)).date().isoformat()  # midnight UTC, 25-26 days back
    assert exported(root, "--since", since) == story_ids(firm, "A4", "G1", "G2", "G6", "I4", "I5")
    assert exported(root, "--client", "globex", "--since", since) == story_ids(
        firm, "G1", "G2", "G6"
    )
    exact = firm["G2"].created_at.isoformat()  # a time: cases opened at or after it
    assert exported(root, "--since", exact) == story_ids(firm, "A4", "G2", "G6", "I5")
    rows = list(csv.DictReader(io.StringIO(run(root, "export", "--client", "acme").stdout)))
    assert [r["id"] for r in rows] == story_ids(firm, "A0", "A1", "A2", "A3", "A4")
    assert {r["client_id"] for r in rows} == {"acme"}
    assert exported(root) == sorted(case.id for case in firm.values())


@pytest.mark.parametrize(
    ("options", "starts", "fragment"),
    [
        (
            ("--since", "03/01/2024"),
            "--since: '03/01/2024' is not a date",
            "e.g. --since 2024-03-01",
        ),
        (("--since", "2024-13-01"), "--since: '2024-13-01' is not a date", "YYYY-MM-DD"),
        (("--client", "acmee"), "--client: no client 'acmee'", "(did you mean acme?)"),
        (("--client", "Acme Corp"), "--client: no client 'Acme Corp'", "e.g. --client acme"),
    ],
)
def test_a_bad_export_value_is_one_line_naming_the_flag(
    seeded: tuple[Path, dict[str, Case]], options: tuple[str, ...], starts: str, fragment: str
) -> None:
    root, _ = seeded
    result = run(root, "export", *options)
    assert result.returncode == 2 and result.stdout == ""
    assert fragment in assert_one_error_line(result, starts)


def test_the_review_and_export_commands_are_in_the_help(tmp_path: Path) -> None:
    helped = run(tmp_path, "export", "--help")
    assert "--client ID" in helped.stdout and "--since DATE" in helped.stdout
    review = run(tmp_path, "review", "--help")
    assert review.returncode == 0 and "--json" in review.stdout
    assert isinstance(review, subprocess.CompletedProcess)
