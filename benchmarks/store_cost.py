"""Scenario e: what one case change costs the store as it fills up.

Times `save_case` of one open case through the Store API (`storage.open_store`), on a
store seeded with many closed cases against few, and many open cases against few. Cases
are built like `tests/storage/samples.py` (`make_case`), numbered by `next_case_number`;
a case is closed by saving it with status CLOSED. Seeding stops at its time cap, and the
figures say how many cases were really there.

On PostgreSQL (`--pg-url`; skipped with the reason when it cannot be used) one fresh schema
is grown through `--pg-sizes` cases of history (default 1,000, 10,000, 100,000) and timed
at each size: `save_case` of one open case (a change as the bot makes it: the case, one
timeline event, a delivery id) and `get_case` of a random seeded case. History is seeded
through the Store API only (`next_case_number` + `create_case` of a closed case with three
timeline events and a delivery id), `--pg-concurrency` calls at a time on the store's
pool; no SQL of the benchmark's own touches the store's tables. After seeding, the timing
waits (up to 15 s) for autovacuum workers the seeding woke to finish. The schema is
dropped after.

Run on its own (`python -m benchmarks.store_cost --json`) or from `benchmarks.run`, which
starts it as a separate process so a failing or hanging store cannot stop the other
scenarios.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import sys
import tempfile
import traceback
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from time import perf_counter
from typing import Any

from benchmarks.load import percentile
from benchmarks.pg import default_url, fresh_schema, unavailable
from handlers.model import Case, Status
from storage import open_store
from storage.base import Store
from tests.storage.samples import make_case, make_event


@dataclass(frozen=True)
class Cost:
    wanted_open: int  # including the case being changed
    wanted_closed: int
    seeded_open: int
    seeded_closed: int
    seed_seconds: float
    median_ms: float
    mean_ms: float


async def _new_case(store: Store) -> Case:
    case = make_case(await store.next_case_number())
    await store.create_case(case, [], [])
    return case


async def _close(store: Store, case: Case) -> None:
    closed = replace(case, status=Status.CLOSED, version=case.version + 1)
    await store.save_case(closed, case.version, [], [])


async def measure(
    folder: Path, open_cases: int, closed_cases: int, samples: int, seed_cap: float
) -> Cost:
    store = open_store(str(folder / "data" / "complaintbot.json"))
    (folder / "data").mkdir(parents=True, exist_ok=True)
    await store.open()
    try:
        started = perf_counter()
        deadline = started + seed_cap
        seeded_closed = 0
        while seeded_closed < closed_cases and perf_counter() < deadline:
            await _close(store, await _new_case(store))
            seeded_closed += 1
        seeded_open = 0
        while seeded_open < open_cases - 1 and perf_counter() < deadline:
            await _new_case(store)
            seeded_open += 1
        seed_seconds = perf_counter() - started
        case = await _new_case(store)  # the one that changes
        seeded_open += 1
        times = []
        for n in range(samples + 1):
            changed = replace(case, summary=f"Change {n}", version=case.version + 1)
            began = perf_counter()
            await store.save_case(changed, case.version, [], [])
            if n:  # the first save warms up
                times.append(perf_counter() - began)
            case = changed
    finally:
        await store.close()
    return Cost(
        open_cases,
        closed_cases,
        seeded_open,
        seeded_closed,
        seed_seconds,
        statistics.median(times) * 1000,
        statistics.fmean(times) * 1000,
    )


# ------------------------------------------------------------------ PostgreSQL


@dataclass(frozen=True)
class Size:
    wanted: int  # cases of history, the changing one included
    seeded: int
    seed_seconds: float  # seeding up to this size, from the size before
    save_median_ms: float
    save_p95_ms: float
    get_median_ms: float
    get_p95_ms: float


async def _seed(
    store: Store, count: int, deadline: float, concurrency: int, ids: list[str]
) -> None:
    """`count` closed cases with three events and a delivery id each, through the Store
    API, `concurrency` at a time, until `deadline` (perf_counter)."""
    numbers = itertools.count()

    async def one_writer() -> None:
        while next(numbers) < count and perf_counter() < deadline:
            number = await store.next_case_number()
            case = make_case(number, status=Status.CLOSED)
            events = [
                make_event(case, kind, n) for n, kind in enumerate(("opened", "noted", "closed"))
            ]
            await store.create_case(case, events, [], f"bench-seed-{number}")
            ids.append(case.id)

    await asyncio.gather(*(one_writer() for _ in range(concurrency)))


async def quiet(url: str, cap: float = 15.0) -> None:
    """Wait (up to `cap` s) until no autovacuum worker runs in the database: seeding wakes
    them, and a size timed while they run measures them, not the size."""
    import psycopg

    deadline = perf_counter() + cap
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        while perf_counter() < deadline:
            cur = await conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                "'autovacuum worker' AND datname = current_database()"
            )
            row = await cur.fetchone()
            if not row or not row[0]:
                return
            await asyncio.sleep(0.25)


async def _timed(calls: list[Any]) -> list[float]:
    """Each awaitable factory called and awaited one after the other; ms each."""
    times = []
    for call in calls:
        began = perf_counter()
        await call()
        times.append((perf_counter() - began) * 1000)
    return times


async def measure_pg(
    url: str, sizes: list[int], samples: int, seed_cap: float, concurrency: int
) -> dict[str, Any]:
    rng = random.Random(9)
    found: list[dict[str, Any]] = []
    async with fresh_schema(url) as schema_url:
        store = open_store(schema_url)
        await store.open()
        try:
            case = await _new_case(store)  # the one that changes
            ids = [case.id]
            deadline = perf_counter() + seed_cap
            changes = itertools.count()
            for wanted in sorted(sizes):
                began = perf_counter()
                await _seed(store, wanted - len(ids), deadline, concurrency, ids)
                seeded_in = perf_counter() - began
                await quiet(url)
                saves = []
                for _ in range(samples + 1):
                    n = next(changes)
                    changed = replace(case, summary=f"Change {n}", version=case.version + 1)
                    event = make_event(changed, "noted", n)
                    expected = case.version

                    async def save(c: Case = changed, v: int = expected, e: Any = event) -> None:
                        await store.save_case(c, v, [e], [], f"bench-change-{c.version}")

                    saves.append(save)
                    case = changed
                save_ms = (await _timed(saves))[1:]  # the first warms up
                picks = [rng.choice(ids) for _ in range(samples + 1)]

                async def get(case_id: str) -> None:
                    if await store.get_case(case_id) is None:
                        raise RuntimeError(f"get_case({case_id}) found nothing")

                get_ms = (await _timed([lambda c=c: get(c) for c in picks]))[1:]
                size = Size(
                    wanted, len(ids), seeded_in,
                    statistics.median(save_ms), percentile(save_ms, 95),
                    statistics.median(get_ms), percentile(get_ms, 95),
                )  # fmt: skip
                found.append(asdict(size))
                print(f"postgres: {size}", file=sys.stderr, flush=True)
                if len(ids) < wanted:
                    break  # the seeding cap ran out: larger sizes would not be larger
        finally:
            await store.close()
    return {"sizes": found, "concurrency": concurrency, "samples": samples}


async def run_pg(args: argparse.Namespace) -> dict[str, Any]:
    reason = await unavailable(args.pg_url)
    if reason:
        return {"skipped": reason}
    sizes = [int(n) for n in args.pg_sizes.split(",") if n.strip()]
    try:
        return await measure_pg(
            args.pg_url, sizes, args.pg_samples, args.pg_seed_cap, args.pg_concurrency
        )
    except Exception as err:
        return {
            "error": f"{type(err).__name__}: {err}",
            "trace": traceback.format_exc(limit=6),
        }


async def run(args: argparse.Namespace) -> dict[str, object]:
    plan = {
        "closed_small": (1, args.closed_small),
        "closed_large": (1, args.closed_large),
        "open_small": (args.open_small, 0),
        "open_large": (args.open_large, 0),
    }
    if args.only_pg:
        plan = {}
    found: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="complaintbot-store-cost-") as tmp:
        for name, (open_cases, closed_cases) in plan.items():
            try:
                cost = await measure(
                    Path(tmp) / name, open_cases, closed_cases, args.samples, args.seed_cap
                )
                found[name] = asdict(cost)
            except Exception as err:  # report the error, go on with the next one
                found[name] = {
                    "error": f"{type(err).__name__}: {err}",
                    "trace": traceback.format_exc(limit=4),
                }
    if args.pg_sizes:
        found["postgres"] = await run_pg(args)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed-small", type=int, default=1_000)
    parser.add_argument("--closed-large", type=int, default=20_000)
    parser.add_argument("--open-small", type=int, default=10)
    parser.add_argument("--open-large", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--seed-cap", type=float, default=900, help="seconds per configuration")
    parser.add_argument("--pg-url", default=default_url(), help="PostgreSQL server, or off")
    parser.add_argument(
        "--pg-sizes", default="1000,10000,100000", help="cases of history; empty: no PostgreSQL"
    )
    parser.add_argument("--pg-samples", type=int, default=200)
    parser.add_argument("--pg-seed-cap", type=float, default=900, help="seconds in all")
    parser.add_argument("--pg-concurrency", type=int, default=8, help="seeding calls at once")
    parser.add_argument("--only-pg", action="store_true", help="skip the TinyDB figures")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    emit(asyncio.run(run(args)), args.json)


def emit(found: dict[str, Any], as_json: bool) -> None:
    """A benchmark's figures on stdout: one JSON object (for `benchmarks.run`), or a line
    each."""
    if as_json:
        json.dump(found, sys.stdout)
        print()
        return
    for name, figures in found.items():
        print(name, figures)


if __name__ == "__main__":
    main()
