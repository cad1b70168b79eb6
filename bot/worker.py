"""What the inbox and outbox workers share: a wake-up call, and the wait between passes."""

from __future__ import annotations

import asyncio


def backoff(tries: int, first: float) -> float:
    """Seconds to wait after failed try number `tries` (1, 2, ...): `first`, then doubling,
    at most five minutes."""
    return float(min(first * 2 ** (tries - 1), 300))


class Worker:
    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds  # the longest wait: a retry may fall due meanwhile
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New work (or a free slot): start the next pass now."""
        self._wake.set()

    async def idle(self, stop: asyncio.Event) -> None:
        """Wait until woken, stopped or `idle_seconds` have passed; the next wake starts
        from here."""
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(
                waits, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for wait in waits:
                wait.cancel()
        self._wake.clear()
