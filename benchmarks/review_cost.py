"""Scenario g: what the leads' review costs as the history grows (issue 11's benchmark).

Times `bot.review.load_view` for the portfolio (`/review`), for one client (`/review client
NAME`, the busiest client: the largest history one client view reads) and for one person
(`/review person @someone`, the person named on the most cases) on a new store of each size
in `--sizes` (cases of history): PostgreSQL (`--pg-url`, a fresh schema each; skipped with
the reason when it cannot be used) and TinyDB (its own `--tinydb-sizes`), within
`--seed-cap` seconds of seeding per backend.

How the history is made: the example firm's seeded stories (`tests.history.FIRM`: verdicts
of every kind, feedback, reopens, abuse, change requests, withdrawn and open cases) are
played once through the real core (`CaseService`) on a memory store; each case and its
timeline is a template. Every seeded case copies one template: moved in time to its own
opening (spread evenly over `--days` before the review's "now"), given the next case
number, one of `--clients` clients (a Zipf-like share: a few large clients, a long tail)
and a source of its own, and written with its whole timeline by one `create_case` through
the Store API (with a delivery id, as the bot writes), in the order the cases opened (a
store fills up as time goes by), `--concurrency` calls at a time; no
SQL of the benchmark's own touches the store's tables. A case whose template takes longer
than its age is given a shorter one; cases older than three weeks are final (closed or
withdrawn) but for one in a hundred, so the open cases stay a few percent, as in a firm
that works its cases.

TinyDB is closed and opened again after seeding, as a restarted bot finds it: final cases
are then read from their files, not from memory. PostgreSQL waits for the autovacuum the
seeding woke (as scenario e does). The first call of each view warms up and is not
counted. Each schema or folder is dropped after it is timed.

Run on its own (`python -m benchmarks.review_cost --json`) or from `benchmarks.run`, in a
process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import statistics
import sys
import tempfile
import tomllib
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from benchmarks.load import percentile
from benchmarks.pg import default_url, fresh_schema, unavailable
from benchmarks.store_cost import emit, quiet
from bot.review import load_view
from handlers.directory import Directory
from handlers.directory_file import parse_directory
from handlers.model import Case, Event, MessageRef, case_id
from handlers.review_request import ReviewRequest
from storage import open_store
from storage.base import Store
from storage.memory import MemoryStore
from tests.history import FIRM, NOW, History

EXAMPLE = Path(__file__).resolve().parents[1] / "complaintbot.example.toml"
SETTLED_AFTER = timedelta(days=21)  # older cases are final, but for one in `STILL_OPEN`
STILL_OPEN = 100


@dataclass(frozen=True)
class Template:
    case: Case
    timeline: tuple[Event, ...]

    @property
    def length(self) -> timedelta:
        return max(e.at for e in self.timeline) - self.case.created_at


def shifted(value: Any, delta: timedelta) -> Any:
    """`value` with every datetime in it (through dataclasses, tuples and dicts) moved."""
    if isinstance(value, datetime):
        return value + delta
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        moved = {f.name: shifted(getattr(value, f.name), delta) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **moved)
    if isinstance(value, tuple):
        return tuple(shifted(v, delta) for v in value)
    if isinstance(value, dict):
        return {k: shifted(v, delta) for k, v in value.items()}
    return value


def firm(clients: int) -> Directory:
    """The example directory with `clients` clients more (c001, ...), each its own channel."""
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    managers = ("avi", "tamar")
    for n in range(1, clients + 1):
        data["clients"][f"c{n:03d}"] = {
            "name": f"Client {n:03d}",
            "slack_channels": [f"C0CLIENT{n:03d}"],
            "account_manager": managers[n % 2],
        }
    return parse_directory(data)


async def templates() -> list[Template]:
    """The example firm's stories, played through the real core, as templates."""
    store = MemoryStore()
    await store.open()
    example = parse_directory(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    cases = await History(store, example, NOW).tell_all(FIRM)
    found = [Template(c, tuple(await store.timeline(c.id))) for c in cases.values()]
    await store.close()
    return found


@dataclass(frozen=True)
class Plan:
    """Who opens the seeded cases, when, and after which template."""

    clients: list[str]  # busiest first
    weights: list[float]
    days: float
    final: list[Template]
    live: list[Template]

    @staticmethod
    def busiest_person(cases: list[tuple[str, datetime, Template]]) -> str:
        """The person named (`Case.affected`) on the most of `cases`."""
        named = Counter(p for _, _, template in cases for p in template.case.affected)
        return named.most_common(1)[0][0]

    def cases(self, rng: random.Random, count: int) -> list[tuple[str, datetime, Template]]:
        """`count` cases, in the order they opened: a store fills up as time goes by."""
        planned = []
        for _ in range(count):
            client = rng.choices(self.clients, self.weights)[0]
            age = timedelta(days=rng.uniform(0, self.days))
            settled = age > SETTLED_AFTER and rng.randrange(STILL_OPEN)
            pool = self.final if settled else self.final + self.live
            fitting = [t for t in pool if t.length < age] or [min(pool, key=lambda t: t.length)]
            planned.append((client, NOW - age, rng.choice(fitting)))
        return sorted(planned, key=lambda plan: plan[1])


async def seed(
    store: Store,
    directory: Directory,
    cases: list[tuple[str, datetime, Template]],
    deadline: float,
    concurrency: int,
) -> int:
    """The cases through the Store API, `concurrency` at a time, until `deadline`."""
    queue = iter(cases)
    written = 0

    async def one_writer() -> None:
        nonlocal written
        for client, opened, template in queue:
            if perf_counter() >= deadline:
                return
            delta = opened - template.case.created_at
            number = await store.next_case_number()
            channel = directory.clients[client].channels("slack")[0]
            case = dataclasses.replace(
                shifted(template.case, delta),
                id=case_id(number),
                client_id=client,
                source=MessageRef("slack", channel, f"{number}.000100"),
            )
            events = [
                dataclasses.replace(shifted(e, delta), case_id=case.id) for e in template.timeline
            ]
            await store.create_case(case, events, [], f"bench-review-{number}")
            written += 1

    await asyncio.gather(*(one_writer() for _ in range(concurrency)))
    return written


async def timed(
    store: Store, directory: Directory, request: ReviewRequest, calls: int
) -> dict[str, float]:
    times = []
    for _ in range(calls + 1):
        began = perf_counter()
        await load_view(store, directory, request, NOW)
        times.append((perf_counter() - began) * 1000)
    times = times[1:]  # the first warms up
    return {"p50_ms": statistics.median(times), "p95_ms": percentile(times, 95)}


async def measure(
    url: str, wanted: int, tinydb: bool, deadline: float, args: argparse.Namespace
) -> dict[str, Any]:
    """A new store at `url` seeded with `wanted` cases, each view timed on it. TinyDB is
    reopened first; PostgreSQL waits for the autovacuum the seeding woke."""
    directory = firm(args.clients)
    found = await templates()
    rank = range(1, args.clients + 1)
    plan = Plan(
        clients=[f"c{n:03d}" for n in rank],
        weights=[1 / n for n in rank],
        days=args.days,
        final=[t for t in found if t.case.status.final],
        live=[t for t in found if not t.case.status.final],
    )
    busiest = ReviewRequest("client", plan.clients[0])
    store = open_store(url)
    await store.open()
    try:
        began = perf_counter()
        cases = plan.cases(random.Random(wanted), wanted)
        named = Plan.busiest_person(cases)
        seeded = await seed(store, directory, cases, deadline, args.concurrency)
        seed_seconds = perf_counter() - began
        if tinydb:
            await store.close()
            store = open_store(url)
            await store.open()
        else:
            await quiet(args.pg_url)
        span = NOW - timedelta(days=directory.review.window_days)
        size = {
            "wanted": wanted,
            "seeded": seeded,
            "seed_seconds": seed_seconds,
            "window": len(await store.cases_opened(span, NOW)),
            "busiest": len(await store.cases_opened(span, NOW, busiest.subject)),
            "person_id": named,
            "person_cases": len(await store.person_history(named, span, NOW)),
            "open": len(await store.open_cases()),
            "portfolio": await timed(store, directory, ReviewRequest("portfolio"), args.calls),
            "client": await timed(store, directory, busiest, args.calls),
            "person": await timed(store, directory, ReviewRequest("person", named), args.calls),
        }
    finally:
        await store.close()
    print(f"review_cost {url[:10]}: {size}", file=sys.stderr, flush=True)
    return size


async def grown(
    sizes: list[int], args: argparse.Namespace, measured: Callable[[int, float], Awaitable[Any]]
) -> dict[str, Any]:
    """Each size on a store of its own, until the seeding cap runs out."""
    deadline = perf_counter() + args.seed_cap
    results = []
    for wanted in sorted(sizes):
        size = await measured(wanted, deadline)
        results.append(size)
        if size["seeded"] < wanted:
            break  # the seeding cap ran out: larger sizes would not be larger
    return {"sizes": results, "calls": args.calls, "concurrency": args.concurrency}


async def run_pg(args: argparse.Namespace) -> dict[str, Any]:
    reason = await unavailable(args.pg_url)
    if reason:
        return {"skipped": reason}

    async def measured(wanted: int, deadline: float) -> dict[str, Any]:
        async with fresh_schema(args.pg_url) as url:
            return await measure(url, wanted, False, deadline, args)

    return await grown(args.sizes, args, measured)


async def run_tinydb(args: argparse.Namespace) -> dict[str, Any]:
    async def measured(wanted: int, deadline: float) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="complaintbot-review-cost-") as tmp:
            (Path(tmp) / "data").mkdir()
            return await measure(
                str(Path(tmp) / "data" / "complaintbot.json"), wanted, True, deadline, args
            )

    return await grown(args.tinydb_sizes, args, measured)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for backend, runner in (("postgres", run_pg), ("tinydb", run_tinydb)):
        try:
            found[backend] = await runner(args)
        except Exception as err:  # report the error, go on with the next backend
            found[backend] = {
                "error": f"{type(err).__name__}: {err}",
                "trace": traceback.format_exc(limit=6),
            }
    return found


def _sizes(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[1_000, 10_000, 100_000])
    parser.add_argument("--tinydb-sizes", type=_sizes, default=[1_000, 10_000])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--days", type=float, default=450, help="the history's span")
    parser.add_argument("--calls", type=int, default=10, help="timed calls per view and size")
    parser.add_argument("--seed-cap", type=float, default=900, help="seconds per backend")
    parser.add_argument("--concurrency", type=int, default=8, help="seeding calls at once")
    parser.add_argument("--pg-url", default=default_url(), help="PostgreSQL server, or off")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    emit(asyncio.run(run(args)), args.json)


if __name__ == "__main__":
    main()
