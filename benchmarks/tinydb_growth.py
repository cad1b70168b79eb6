"""How the embedded store's write cost grows with the number of live cases.

TinyDB rewrites its whole file on every write, so each write costs in
proportion to what the file holds. Run: `.venv/bin/python benchmarks/tinydb_growth.py`.
Numbers are for comparison within one run on one machine, not absolutes.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.service import CaseService
from handlers.commands import AddReply, OpenCase
from handlers.directory_file import load_directory
from handlers.model import MessageRef
from storage.tinydb_store import TinyDBStore

EXAMPLE = Path(__file__).resolve().parents[1] / "complaintbot.example.toml"
SIZES = (10, 100, 300, 1000)
SAMPLES = 30


async def measure(live_cases: int, folder: Path) -> tuple[float, int]:
    store = TinyDBStore(folder / f"bench-{live_cases}.json")
    await store.open()
    service = CaseService(store, load_directory(EXAMPLE))
    contact = service.directory.actor("slack", "U0CLIENT", "Carol")
    for n in range(live_cases):
        source = MessageRef("slack", "C0ACME", f"{n}.0")
        await service.open_case(
            OpenCase(contact, source, contact, "The report was late " * 10, "mention", ("dana",))
        )
    started = time.perf_counter()
    for n in range(SAMPLES):
        await service.execute(AddReply(f"C-{1 + n % live_cases:04d}", contact, "More detail."))
    per_write = (time.perf_counter() - started) / SAMPLES
    size = (folder / f"bench-{live_cases}.json").stat().st_size
    await store.close()
    return per_write, size


async def main() -> None:
    day = f"{datetime.now(UTC):%Y-%m-%d}"
    print(f"{day} TinyDB store: one case change (read + write) by live cases")
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for size in SIZES:
            seconds, nbytes = await measure(size, Path(tmp))
            base = base or seconds
            print(
                f"{size:>6} live cases  {seconds * 1000:8.1f} ms/write  "
                f"{nbytes / 1e6:6.2f} MB file  x{seconds / base:5.1f}"
            )


if __name__ == "__main__":
    asyncio.run(main())
