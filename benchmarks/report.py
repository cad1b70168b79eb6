"""The one table a run prints, and docs/benchmarks.md."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.effects import Judgement
from benchmarks.load import LoadStats
from benchmarks.profiles import COMMON, FULL, SHORT, describe

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass
class Row:
    scenario: str
    target: str
    load: LoadStats | None = None
    ratio: float | None = None  # throughput / the floor's, same load, same run
    effects: Judgement | None = None
    rss_mb: float | None = None
    result: str = ""  # a measured figure that fits no other column (scenario e)
    passed: bool | None = None  # None: not judged (a reference row)
    notes: list[str] = field(default_factory=list)


COLUMNS = (
    "Scenario",
    "Events",
    "Ev/s",
    "× floor",
    "Ack p50",
    "p95",
    "p99",
    "max (ms)",
    "Non-200",
    "Unanswered",
    "Trigger→last effect p50",
    "p95 (ms)",
    "Lost",
    "Dup",
    "Peak RSS MB",
    "Result",
    "Target",
    "Pass",
)


def _ms(value: float) -> str:
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "never"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _cells(row: Row) -> list[str]:
    load, fx = row.load, row.effects
    verdict = {True: "yes", False: "**NO**", None: ""}[row.passed]
    return [
        row.scenario,
        str(load.sent) if load else "",
        f"{load.throughput:.0f}" if load else "",
        f"{row.ratio:.2f}" if row.ratio is not None else "",
        _ms(load.p50_ms) if load else "",
        _ms(load.p95_ms) if load else "",
        _ms(load.p99_ms) if load else "",
        _ms(load.max_ms) if load else "",
        str(load.non_200) if load else "",
        str(load.unanswered) if load else "",
        _ms(fx.effect_ms(50)) if fx and fx.triggers else "",
        _ms(fx.effect_ms(95)) if fx and fx.triggers else "",
        str(fx.lost) if fx else "",
        str(fx.duplicated) if fx else "",
        f"{row.rss_mb:.0f}" if row.rss_mb is not None else "",
        row.result,
        row.target,
        verdict,
    ]


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def _one_line(note: str, limit: int = 400) -> str:
    flat = " ".join(note.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def notes(rows: list[Row]) -> str:
    found = [f"- **{r.scenario}**: {_one_line(note)}" for r in rows for note in r.notes]
    return "\n".join(found) if found else "- none"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}; "
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}"
    )


def sizes() -> str:
    full, short = describe(FULL), describe(SHORT)
    lines = ["| | Full (`--full`) | Short (default) |", "|---|---|---|"]
    lines += [f"| {name} | {full[name]} | {short[name]} |" for name in full]
    lines.append(
        "| all | "
        + COMMON.format(settle=f"{FULL.settle_cap:.0f}", timeout=f"{FULL.timeout:.0f}")
        + " | "
        + COMMON.format(settle=f"{SHORT.settle_cap:.0f}", timeout=f"{SHORT.timeout:.0f}")
        + " |"
    )
    return "\n".join(lines)


def code_version(repo: Path = DOC.parents[1]) -> str:
    """The commit measured, and whether tracked files differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return done.stdout.strip()

    try:
        commit = git("log", "-1", "--format=%h %s")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, RuntimeError, subprocess.TimeoutExpired):
        return "not a git checkout"
    if len(commit) > 80:
        commit = commit[:79] + "…"
    return f"{commit}" + (" (plus uncommitted changes to tracked files)" if dirty else "")


EXPLANATION = """\
## How to run

    make bench            # the short run (a few minutes at most on 2 cores)
    make bench FULL=1     # the full targets (same as BENCH_ARGS=--full)

or directly: `.venv/bin/python -m benchmarks.run [--full] [--only a,b,...] [--write-doc]`.

Each scenario starts its own processes on 127.0.0.1: the fake Slack Web API
(`tests/fakes/slack_api.py`, in its own process) and a fresh `complaintbot serve
--no-playground` on a new temporary store, or the *floor* (`benchmarks/floor.py`: a bare
slack-bolt `AsyncApp` on aiohttp that checks the signature, acks and does nothing else).
The load generator signs every event as Slack does (v0 HMAC-SHA256). Absolute times drift
on shared machines; the ratio to the floor, measured in the same run, is the figure to
compare.

**PostgreSQL (b, c, e, g).** b and c run a second time on PostgreSQL (`--pg-url`, default
`$COMPLAINTBOT_BENCH_DATABASE_URL` or `postgresql://postgres@127.0.0.1:5432/test`): two
`complaintbot serve` replicas on one fresh schema (`cbbench_<random>`, named in the URL
with `?options=-csearch_path%3D...`, dropped after the run), started one after the other,
behind `benchmarks/proxy.py`, a small aiohttp reverse proxy that hands requests to the
replicas in turn and passes method, path, headers (Slack's `X-Slack-Signature` and
`X-Slack-Request-Timestamp` included) and body on unchanged, dropping only hop-by-hop
headers (`python -m benchmarks.proxy --self-check` checks that). The proxy runs in a
process of its own, not in the load generator's: the generator times every ack on its own
event loop, which must not wait behind forwarding work on a 2-CPU machine, and a real load
balancer is a hop of its own too. Its cost is in the reference row beside them: two floors
behind the same proxy, under the same load. PostgreSQL runs on the same machine, so the
replicas, the proxy, the fake, the generator and the database share its CPUs; each bot row
notes the CPU seconds every process used. When PostgreSQL cannot be used (unreachable,
or this checkout's store refuses the URL) its rows say `skipped: <reason>` and the rest
runs. `--py-spy DIR` samples every bot server with py-spy (collapsed stacks into DIR; it
slows the bot, so figures from such a run are not comparable).

**Review (g).** `benchmarks/review_cost.py`, in a process of its own, times `load_view`
(`bot/review.py`) for `/review` (the portfolio), `/review client NAME` (the busiest
client) and `/review person @someone` (the person named on the most cases) on one store
per backend grown through the sizes shown, p50 and p95 over the timed calls (the first
call warms up). The history: the example firm's stories (`tests/history.py`: every verdict,
feedback, reopens, abuse, change requests, withdrawn and open cases) played once through
the real core; each seeded case copies one of them, moved to its own opening over the span
shown, with its own number, source and client (a few large clients and a long tail), and is
written with its whole timeline by one `create_case` through the Store API. Cases older
than three weeks are final but for one in a hundred. TinyDB is reopened after seeding, as a
restarted bot finds it (final cases are then read from their files). The targets (client
and person ≤300 ms, portfolio ≤1 s) are for PostgreSQL at 100,000 cases (the full run),
judged on p95; the other rows, and TinyDB's, say how far it goes.

## Scenarios

{sizes}

## What the columns mean

- **Ev/s**: events answered 200 per second of the run; **× floor**: that divided by the
  floor's, under the same load in the same run (in a, the mean of the floor measured
  before and after the bot).
- **Ack**: from when a request was due (paced runs) or sent (full-speed runs) until its
  response was read. **Unanswered**: no answer within the request timeout.
- **Trigger→last effect**: from sending a complaint until the fake recorded the last of its
  case's effects (client thread reply, card, card note, DMs to the named employee and their
  manager); "never" when the percentile falls on a case still incomplete when the
  benchmark stopped waiting.
- **Lost**: expected effects not recorded by the end of the wait (five per complaint, one
  card note per client reply). The generator does not retry as Slack would, so a
  complaint left unanswered whose case never appeared counts five lost. **Dup**: bot posts
  made twice (the same effect key in the message metadata, or for bots without it the same
  text in the same place).
- **Peak RSS**: VmHWM of the server process at the end of the scenario.
- **Peak RSS** with replicas: the largest replica's; the note gives each one's, and how
  many requests the proxy sent to each.
- **e** rows time `save_case` of one open case through the Store API, in a process of its
  own, on stores seeded to the counts shown (the short run uses smaller counts); the
  figure is the median call against the median on the smaller store. On PostgreSQL one
  schema is grown through the sizes shown and timed at each: `save_case` of one open case
  (the case, one timeline event and a delivery id, as a change by the bot writes them)
  and `get_case` of a random seeded case (p95 in brackets). History is seeded through the
  Store API only: closed cases with three timeline events and a delivery id each, several
  `create_case` calls at a time on the store's pool.
- **g** rows: p50 and p95 of `load_view` for the view shown, on the history shown; the
  notes say how the history was seeded, how many cases fell in the 90-day window, how many
  were open, and how many the busiest client and the busiest person had in the window.
"""


def document(
    rows: list[Row], command: str, profile: str, seconds: float, load: tuple[float, float]
) -> str:
    """`load`: the 1-minute load average when the run began and when it ended."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "# Benchmarks\n\n"
        "Written by `benchmarks/run.py --write-doc`; rerun it rather than editing the "
        "figures.\n\n"
        f"## Latest run ({profile})\n\n"
        f"- When: {when}, took {seconds:.0f} s\n"
        f"- Machine: {machine()}\n"
        f"- Code: {code_version()}\n"
        f"- Load average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f} "
        "(other work on the machine shows here)\n"
        f"- Command: `{command}`\n\n"
        f"{table(rows)}\n\n"
        "### Notes\n\n"
        f"{notes(rows)}\n\n"
        f"{EXPLANATION.format(sizes=sizes())}"
    )


def write_doc(text: str, path: Path = DOC) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
