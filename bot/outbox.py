"""The outbox worker: carries stored effects out through the platform adapters.

Effects are delivered concurrently (at most `CONCURRENCY` in flight), and the
effects of one lane of a case (`Effect.lane`: its client thread, its card, the DMs
to one person) one at a time, in the order they were made: the store leases only
the head of each lane. When one has to wait (a rate limit, an outage), the later
effects of that lane wait behind it, so a client never sees "resolved" before "we
are looking into it"; other lanes and cases go on. A platform's `Retry-After`
becomes the item's next attempt time; nothing sleeps inside a call. An effect is
retried with growing pauses and given up only after `MAX_ATTEMPTS`, loudly (log +
the failed gauge), never silently: a given-up effect is reported to the core
(`on_failure`), which tells whoever can fix it, the same on every platform. A
delivered effect is completed with its receipt (the refs its post created) in one
write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.metrics import Metrics
from bot.service import utcnow
from bot.sink import Attempt, Refs
from bot.worker import Answering, Worker, backoff
from handlers.effects import Effect
from handlers.errors import DeliveryError, TransientDeliveryError
from handlers.model import Case
from storage.base import DEFAULT_LEASE, Completion, OutboxItem, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 16  # the pauses add up to about half an hour
CONCURRENCY = 32  # effects in flight at once, across cases and lanes
CLAIM_BATCH = 8  # free slots worth a claim while effects are in flight
PATIENCE = 0.5  # seconds a claim waits for a gap between requests being answered


OnFailure = Callable[[Effect, str, str], Awaitable[None]]  # (effect, error, item key)


class Sink(Protocol):
    """What an adapter implements to carry out effects on its platform."""

    async def deliver(self, effect: Effect, case: Case, attempt: Attempt) -> Refs:
        """Do it and return its refs, or raise TransientDeliveryError (retry) or
        DeliveryError (give up)."""


class Outbox(Worker):
    def __init__(
        self,
        store: Store,
        sinks: dict[str, Sink],
        metrics: Metrics,
        clock: Callable[[], datetime] = utcnow,
        idle_seconds: float = 1.0,
        concurrency: int = CONCURRENCY,
        on_failure: OnFailure | None = None,
        answering: Answering | None = None,
        patience: float = PATIENCE,
    ) -> None:
        super().__init__(idle_seconds)
        self.store, self.sinks, self.metrics = store, sinks, metrics
        self.on_failure = on_failure
        self.answering = answering  # whose answers come first (see bot.worker.Answering)
        self.patience = patience
        self._clock = clock
        self.concurrency = concurrency
        self._in_flight: set[asyncio.Task[None]] = set()
        self._completions = Completions(store)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then let the effects in flight finish."""
        while not stop.is_set():
            try:
                await self._start_due()
            except Exception:  # never let one bad pass kill the worker
                log.exception("outbox pass failed; trying again shortly")
            await self.idle(stop)
        await self.drain()

    async def deliver_due(self) -> int:
        """Deliver everything that is due now, and wait for it; how many were tried."""
        tried = 0
        while started := await self._start_due():
            tried += started
            await self.drain()
        return tried

    async def drain(self) -> None:
        while self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _start_due(self) -> int:
        """Lease what is due, up to the free slots, and start delivering it. While busy, a
        claim waits for `CLAIM_BATCH` free slots: one claim per settled effect would cost
        the store a query per effect (several replicas claim from one outbox)."""
        free = self.concurrency - len(self._in_flight)
        if free <= 0 or (self._in_flight and free < min(CLAIM_BATCH, self.concurrency)):
            return 0
        if self.answering is not None:
            await self.answering.quiet(self.patience)
        claimed = await self.store.claim_effects(self._clock(), free, DEFAULT_LEASE)
        for item in claimed:
            task = asyncio.create_task(self._deliver(item))
            self._in_flight.add(task)
            task.add_done_callback(self._settled)
        return len(claimed)

    def _settled(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self.wake()  # a slot is free, and the case's next effect may be due

    async def _deliver(self, item: OutboxItem) -> None:
        now = self._clock()
        case = item.case or await self.store.get_case(item.effect.case_id)
        if case is None:
            await self.store.fail_effect(item.id, "the case no longer exists")
            return
        sink = self.sinks.get(case.source.platform)
        attempt = Attempt(item.key, item.maybe_sent, item.refs)
        try:
            if sink is None:
                raise TransientDeliveryError(f"{case.source.platform} is off")
            refs = await sink.deliver(item.effect, case, attempt)
        except TransientDeliveryError as err:
            await self._retry(item, now, str(err), err.retry_after, err.maybe_done)
            return
        except DeliveryError as err:
            self.metrics.attempt_failed(item.effect.kind, gave_up=True)
            log.error("gave up on %s for %s: %s", item.effect.kind, case.id, err)
            await self._give_up(item, str(err))
            return
        except Exception as err:  # an adapter bug must not stop other cases
            log.exception("unexpected error delivering %s for %s", item.effect.kind, case.id)
            await self._retry(item, now, repr(err), None, maybe_sent=True)
            return
        await self._completions.done(item.id, refs)
        since_due = self._clock() - item.next_attempt_at
        self.metrics.delivered(item.effect.kind, since_due.total_seconds())

    async def _give_up(self, item: OutboxItem, error: str) -> None:
        """Report it first (the core says who is told), then mark it failed: a crash in
        between delivers and reports it again, and the report is keyed by the item."""
        if self.on_failure is not None:
            await self.on_failure(item.effect, error, item.key)
        await self.store.fail_effect(item.id, error)

    async def _retry(
        self,
        item: OutboxItem,
        now: datetime,
        error: str,
        retry_after: float | None,
        maybe_sent: bool,
    ) -> None:
        attempts = item.attempts + 1
        self.metrics.attempt_failed(item.effect.kind, gave_up=attempts >= MAX_ATTEMPTS)
        if attempts >= MAX_ATTEMPTS:
            log.error(
                "gave up on %s for %s after %d tries: %s",
                item.effect.kind,
                item.effect.case_id,
                attempts,
                error,
            )
            await self._give_up(item, error)
            return
        delay = retry_after if retry_after is not None else backoff(attempts, 0.5)
        log.warning(
            "%s for %s failed (%s); retrying in %.0fs",
            item.effect.kind,
            item.effect.case_id,
            error,
            delay,
        )
        await self.store.retry_effect(
            item.id, error, now + timedelta(seconds=delay), maybe_sent=maybe_sent
        )


class Completions:
    """Completions written together: each delivery waits until its own is durable, and what
    finishes while one write is under way goes in the next (one commit for many effects in
    a burst, and at a trickle the same one write per effect as before)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: list[tuple[Completion, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def done(self, item_id: int, refs: Refs) -> None:
        written = asyncio.get_running_loop().create_future()
        self._waiting.append(((item_id, refs), written))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await written

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self.store.complete_effects([completion for completion, _ in batch])
            except Exception as err:  # each delivery fails as its own write would have
                for _, written in batch:
                    if not written.done():  # (one whose delivery was cancelled is)
                        written.set_exception(err)
            else:
                for _, written in batch:
                    if not written.done():
                        written.set_result(None)
