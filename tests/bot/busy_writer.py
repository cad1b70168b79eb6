"""Writes cases until killed, folding its journal every few dozen cases, so that a reader
beside it (`complaintbot export`) keeps meeting folds, rotations and half-written lines.

Usage: python -m tests.bot.busy_writer STORE_PATH

Prints "created C-0001" once create_case has returned.
"""

from __future__ import annotations

import asyncio
import sys

from storage import tinydb_store
from storage.tinydb_store import TinyDBStore
from tests.storage.samples import make_case, make_effects, make_event


async def main(path: str) -> None:
    tinydb_store.COMPACT_BYTES = 100_000
    store = TinyDBStore(path)
    await store.open()
    while True:
        case = make_case(await store.next_case_number())
        await store.create_case(case, [make_event(case)], make_effects(case))
        print("created", case.id, flush=True)
        await asyncio.sleep(0.002)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
