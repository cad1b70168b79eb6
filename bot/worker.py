"""What the workers share: a wake-up call and the wait between passes (the inbox and the
outbox), the requests being answered (background work gives way to them), and work
started after an answer that a stop waits for (the adapters)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager, suppress
from typing import Any


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


class Answering:
    """The requests this process is answering now. An ack has a deadline (Slack retries
    after three seconds, and a retry is a duplicate to refuse); an effect has none. So
    the outbox starts new deliveries only between answers (`quiet`), waiting at most
    `patience`: in a burst, the acks come first and the effects follow; at a steady
    trickle there are gaps enough that nothing waits."""

    def __init__(self) -> None:
        self._count = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @contextmanager
    def answer(self) -> Iterator[None]:
        self._count += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._count -= 1
            if not self._count:
                self._quiet.set()

    async def quiet(self, patience: float) -> None:
        """Until no request is being answered, or `patience` seconds."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._quiet.wait(), patience)


class Background:
    """Platform calls an adapter makes after its answer (an ephemeral, a form to open), so
    a slow platform never delays the answer; `drain` (and so a clean stop) waits for them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
