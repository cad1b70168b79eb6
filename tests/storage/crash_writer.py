"""Writes cases until killed, for the crash test in test_tinydb_store.py.

Usage: python -m tests.storage.crash_writer STORE_PATH

Prints "created C-0001" once create_case has returned, and for every third
case "closed C-0003" once the save that archives it has returned: every line
is a write the store acknowledged, so it must survive a SIGKILL.
"""

from __future__ import annotations

import asyncio
import sys

from handlers.model import Status
from storage.tinydb_store import TinyDBStore
from tests.storage.samples import T0, make_case, make_effects, make_event


async def main(path: str) -> None:
    store = TinyDBStore(path)
    await store.open()
    while True:
        case = make_case(await store.next_case_number())
        await store.create_case(case, [make_event(case)], make_effects(case))
        print("created", case.id, flush=True)
        if case.number % 3 == 0:
            closed = case.evolve(T0, status=Status.CLOSED)
            await store.save_case(closed, 0, [make_event(case, "closed", 1)], [])
            print("closed", case.id, flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
