"""Scenario e: what one case change costs the store as it fills up.

Times `save_case` of one open case through the Store API (`storage.open_store`), on a
store seeded with many closed cases against few, and many open cases against few. Cases
are built like `tests/storage/samples.py` (`make_case`), numbered by `next_case_number`;
a case is closed by saving it with status CLOSED. Seeding stops at its time cap, and the
figures say how many cases were really there.

Run on its own (`python -m benchmarks.store_cost --json`) or from `benchmarks.run`, which
starts it as a separate process so a failing or hanging store cannot stop the other
scenarios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import traceback
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from time import perf_counter

from handlers.model import Case, Status
from storage import open_store
from storage.base import Store
from tests.storage.samples import make_case


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


async def run(args: argparse.Namespace) -> dict[str, object]:
    plan = {
        "closed_small": (1, args.closed_small),
        "closed_large": (1, args.closed_large),
        "open_small": (args.open_small, 0),
        "open_large": (args.open_large, 0),
    }
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
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed-small", type=int, default=1_000)
    parser.add_argument("--closed-large", type=int, default=20_000)
    parser.add_argument("--open-small", type=int, default=10)
    parser.add_argument("--open-large", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--seed-cap", type=float, default=900, help="seconds per configuration")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    found = asyncio.run(run(args))
    if args.json:
        json.dump(found, sys.stdout)
        print()
        return
    for name, figures in found.items():
        print(name, figures)


if __name__ == "__main__":
    main()
