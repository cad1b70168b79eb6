"""Run the benchmark: `python -m benchmarks.run [--full] [--only a,c] [--write-doc]`.

Scenarios (full targets; the default short run scales them down, see benchmarks/profiles.py):

a. plain channel messages at full speed, 16 senders, fresh store and after history, vs floor
b. mixed load, paced: 90% plain, 8% client replies in open cases, 2% new complaints
c. complaint burst: 100 complaints/s; every case complete within 5 s after
   (b and c: on TinyDB, and on PostgreSQL with two replicas behind benchmarks/proxy.py)
d. trigger to last effect with 50 ms added to every Web API call
e. store cost of one case change (and, on PostgreSQL, one read) as the store fills
   (Store API, its own process)
f. peak server RSS across the run
g. `/review`, `/review client NAME` and `/review person @someone` as the history grows to
   100k cases, on PostgreSQL and TinyDB (Store API, its own process: benchmarks/review_cost.py)

PostgreSQL is `--pg-url` (benchmarks/pg.py); its rows say "skipped: <reason>" when it
cannot be used, and the rest runs.

A scenario that fails to run is reported as such and the run goes on. Prints one markdown
table at the end; `--write-doc` also writes it to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks import processes, scenarios
from benchmarks.pg import DEFAULT_URL as DEFAULT_PG
from benchmarks.pg import ENV as PG_ENV
from benchmarks.pg import default_url
from benchmarks.processes import PYTHON, REPO
from benchmarks.profiles import FULL, SHORT, Profile
from benchmarks.report import Row, document, notes, table, write_doc

Scenario = Callable[[Profile, Path], Awaitable[list[Row]]]

TARGETS = {
    "a": "≥0.8× floor",
    "b": "ack p99 ≤100 ms, none lost/dup, all 200",
    "c": "ack p99 ≤250 ms, all complete ≤5 s after",
    "d": "trigger→last effect p95 ≤500 ms",
    "e": "≤2×",
    "g": "client, person ≤300 ms, portfolio ≤1 s (PostgreSQL, at 100k)",
}
REVIEW_LIMIT_MS = {"client": 300, "person": 300, "portfolio": 1000}
REVIEW_VIEWS = (
    ("portfolio", "/review"),
    ("client", "/review client (busiest)"),
    ("person", "/review person (busiest)"),
)
REVIEW_TARGET_CASES = 100_000  # the size the limits are for (both runs reach it on PostgreSQL)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ e. store cost


def _cost_rows(found: dict[str, Any]) -> list[Row]:
    rows = []
    for what, small, large in (
        ("closed", "closed_small", "closed_large"),
        ("open", "open_small", "open_large"),
    ):
        a, b = found.get(small, {}), found.get(large, {})
        errors = [f["error"] for f in (a, b) if "error" in f]
        if errors or not a or not b:
            label = f"e. save_case, TinyDB, {what} cases, many vs few"
            rows.append(
                Row(
                    label,
                    TARGETS["e"],
                    result="error",
                    passed=False,
                    notes=errors or ["no figures"],
                )
            )
            continue
        key = f"seeded_{what}"
        wanted = f"wanted_{what}"
        label = f"e. save_case, TinyDB, {b[key]:,} {what} vs {a[key]:,}"
        times = b["median_ms"] / a["median_ms"] if a["median_ms"] else float("inf")
        row = Row(
            label,
            TARGETS["e"],
            passed=times <= 2,
            result=f"{b['median_ms']:.2f} vs {a['median_ms']:.2f} ms = {times:.1f}×",
        )
        for f in (a, b):
            if f[key] < f[wanted]:
                row.notes.append(
                    f"seeding stopped at its cap: {f[key]:,} of {f[wanted]:,} {what} cases "
                    f"in {f['seed_seconds']:.0f} s"
                )
        rows.append(row)
    if "postgres" in found:
        rows += _pg_cost_rows(found["postgres"])
    return rows


def _pg_cost_rows(found: dict[str, Any]) -> list[Row]:
    """save_case and get_case at each size of history, against the smallest."""
    label = "e. save_case and get_case, PostgreSQL"
    if "skipped" in found:
        return [Row(label, TARGETS["e"], result=f"skipped: {found['skipped']}")]
    sizes = found.get("sizes") or []
    if "error" in found or len(sizes) < 2:
        note = found.get("error") or f"{len(sizes)} size(s) measured, 2 or more needed"
        return [Row(label, TARGETS["e"], result="error", passed=False, notes=[note])]
    rows = []
    first = sizes[0]
    for size in sizes[1:]:
        for call, key in (("save_case", "save"), ("get_case", "get")):
            a, b = first[f"{key}_median_ms"], size[f"{key}_median_ms"]
            times = b / a if a else float("inf")
            row = Row(
                f"e. {call}, PostgreSQL, {size['seeded']:,} cases vs {first['seeded']:,}",
                TARGETS["e"],
                passed=times <= 2,
                result=f"{b:.2f} vs {a:.2f} ms = {times:.1f}× "
                f"(p95 {size[f'{key}_p95_ms']:.2f} vs {first[f'{key}_p95_ms']:.2f})",
            )
            if call == "save_case":
                rate = (size["seeded"] - first["seeded"]) / size["seed_seconds"]
                row.notes.append(
                    f"seeded through the Store API ({found['concurrency']} create_case at a "
                    f"time): {first['seeded']:,} cases in {first['seed_seconds']:.0f} s, then "
                    f"{size['seeded'] - first['seeded']:,} more in {size['seed_seconds']:.0f} s "
                    f"({rate:.0f}/s); {found['samples']} timed calls each"
                )
                if size["seeded"] < size["wanted"]:
                    row.notes.append(
                        f"seeding stopped at its cap: {size['seeded']:,} of "
                        f"{size['wanted']:,} cases"
                    )
            rows.append(row)
    return rows


async def store_cost(p: Profile, work: Path) -> list[Row]:
    counts = p.store
    argv = [
        PYTHON, "-m", "benchmarks.store_cost", "--json",
        "--closed-small", str(counts.closed_small), "--closed-large", str(counts.closed_large),
        "--open-small", str(counts.open_small), "--open-large", str(counts.open_large),
        "--samples", str(counts.samples), "--seed-cap", str(counts.seed_cap),
        "--pg-url", p.pg_url or "off", "--pg-sizes", ",".join(map(str, counts.pg_sizes)),
        "--pg-samples", str(counts.pg_samples), "--pg-seed-cap", str(counts.pg_seed_cap),
    ]  # fmt: skip
    work.mkdir(parents=True, exist_ok=True)
    log = work / "store_cost.log"
    with log.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=err
        )
        try:
            limit = 4 * counts.seed_cap + counts.pg_seed_cap + 240
            out, _ = await asyncio.wait_for(process.communicate(), limit)
        except TimeoutError:
            process.kill()
            await process.wait()
            return [Row("e. store cost", TARGETS["e"], result="timed out", passed=False)]
    if process.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return [Row("e. store cost", TARGETS["e"], result="error", passed=False, notes=tail)]
    return _cost_rows(json.loads(out))


# ------------------------------------------------------------------ g. review cost


def _review_rows(backend: str, found: dict[str, Any]) -> list[Row]:
    """Each view at each size: p50 and p95 of `load_view`. PostgreSQL's row at 100k is
    judged against its limit (on p95); the others, and TinyDB's, say how far it goes."""
    name = {"postgres": "PostgreSQL", "tinydb": "TinyDB"}[backend]
    target = TARGETS["g"] if backend == "postgres" else "how far it goes"
    if "skipped" in found:
        return [Row(f"g. review, {name}", target, result=f"skipped: {found['skipped']}")]
    if "error" in found or not found.get("sizes"):
        note = found.get("error") or "no size measured"
        return [Row(f"g. review, {name}", target, result="error", passed=False, notes=[note])]
    rows = []
    for size in found["sizes"]:
        for view, label in REVIEW_VIEWS:
            figures = size[view]
            judged = backend == "postgres" and size["wanted"] == REVIEW_TARGET_CASES
            row = Row(
                f"g. {label}, {name}, {size['seeded']:,} cases",
                target,
                passed=figures["p95_ms"] <= REVIEW_LIMIT_MS[view] if judged else None,
                result=f"p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms",
            )
            if view == "portfolio":
                row.notes.append(
                    f"{size['seeded']:,} cases seeded on a store of their own through the "
                    f"Store API (one create_case with its whole timeline each, "
                    f"{found['concurrency']} at a time) in {size['seed_seconds']:.0f} s; "
                    f"{size['window']:,} "
                    f"opened in the 90-day window, {size['open']:,} open; "
                    f"{found['calls']} timed calls per view"
                )
            elif view == "client":
                row.notes.append(f"the busiest client: {size['busiest']:,} cases in the window")
            else:
                row.notes.append(
                    f"the person named on the most cases ({size['person_id']}): "
                    f"{size['person_cases']:,} cases that include them in the window"
                )
            if size["seeded"] < size["wanted"]:
                row.notes.append(
                    f"seeding stopped at its cap: {size['seeded']:,} of {size['wanted']:,} cases"
                )
            rows.append(row)
    return rows


async def review_cost(p: Profile, work: Path) -> list[Row]:
    counts = p.review
    argv = [
        PYTHON, "-m", "benchmarks.review_cost", "--json",
        "--sizes", ",".join(map(str, counts.sizes)),
        "--tinydb-sizes", ",".join(map(str, counts.tinydb_sizes)),
        "--calls", str(counts.calls), "--seed-cap", str(counts.seed_cap),
        "--clients", str(counts.clients), "--days", str(counts.days),
        "--pg-url", p.pg_url or "off",
    ]  # fmt: skip
    work.mkdir(parents=True, exist_ok=True)
    log = work / "review_cost.log"
    with log.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=err
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), 2 * counts.seed_cap + 600)
        except TimeoutError:
            process.kill()
            await process.wait()
            return [Row("g. review", TARGETS["g"], result="timed out", passed=False)]
    if process.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return [Row("g. review", TARGETS["g"], result="error", passed=False, notes=tail)]
    found = json.loads(out)
    return [
        row for backend in ("postgres", "tinydb") for row in _review_rows(backend, found[backend])
    ]


# ------------------------------------------------------------------ the run

SCENARIOS: dict[str, Scenario] = {
    "a": scenarios.plain_throughput,
    "b": scenarios.mixed_load,
    "c": scenarios.complaint_burst,
    "d": scenarios.slow_web_api,
    "e": store_cost,
    "g": review_cost,
}


async def run_all(profile: Profile, only: str, work: Path) -> list[Row]:
    rows: list[Row] = []
    for name, scenario in SCENARIOS.items():
        if name not in only:
            continue
        began = time.perf_counter()
        _log(f"scenario {name} ({profile.name}) ...")
        try:
            rows += await scenario(profile, work / name)
        except Exception as err:  # one broken scenario must not hide the others
            rows.append(
                Row(
                    f"{name}. (did not run)",
                    TARGETS[name],
                    result="error",
                    passed=False,
                    notes=[f"{type(err).__name__}: {err}"],
                )
            )
        _log(f"scenario {name} took {time.perf_counter() - began:.0f} s")
    if "f" in only:
        rows.append(scenarios.peak_memory(rows))
    return rows


def _command(args: list[str]) -> str:
    """How this run was started, as one could type it in the repository."""
    python = Path(PYTHON)
    shown = python.relative_to(REPO).as_posix() if python.is_relative_to(REPO) else PYTHON
    return shlex.join([shown, "-m", "benchmarks.run", *args])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full targets (long)")
    parser.add_argument("--only", default="abcdefg", help="scenarios to run, e.g. 'ab' or 'a,e'")
    parser.add_argument("--write-doc", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--pg-url",
        default=default_url(),
        help=f"PostgreSQL for b, c and e (default: ${PG_ENV} or {DEFAULT_PG}); off: skip it",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="sample every bot server with py-spy into DIR (collapsed stacks; slows the bot)",
    )
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every bot server, e.g. COMPLAINTBOT_DATABASE_POOL_SIZE=32 "
        "(repeatable; default: the bot's own defaults)",
    )
    args = parser.parse_args(argv)
    for pair in args.bot_env:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            parser.error(f"--bot-env wants NAME=VALUE, not {pair!r}")
        processes.bot_env[name] = value
    if args.py_spy:
        processes.profile_dir = args.py_spy.resolve()
    profile = replace(FULL if args.full else SHORT, pg_url=args.pg_url)
    command = _command(sys.argv[1:] if argv is None else argv)
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="complaintbot-bench-"))
    try:
        rows = asyncio.run(run_all(profile, args.only.replace(",", ""), work))
    finally:
        if args.keep:
            _log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - began
    load = (load_before, os.getloadavg()[0])
    print(table(rows))
    print("\nNotes:\n" + notes(rows))
    print(f"\n{profile.name} run took {seconds:.0f} s; load average {load[0]:.2f} -> {load[1]:.2f}")
    if args.write_doc:
        write_doc(document(rows, command, profile.name, seconds, load))
        _log("wrote docs/benchmarks.md")
    missed = any(r.passed is False for r in rows)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
