"""The outbox worker: carries stored effects out through the platform adapters.

Effects of one case leave in the order they were made; when one has to wait
(a rate limit, an outage), the later effects of that case wait behind it,
so a client never sees "resolved" before "we are looking into it". Other
cases go on. An effect is retried with growing pauses and given up only
after `MAX_ATTEMPTS`, loudly (log + the failed gauge), never silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.metrics import Metrics
from bot.service import utcnow
from handlers.effects import Effect
from handlers.errors import DeliveryError, TransientDeliveryError
from handlers.model import Case
from storage.base import OutboxItem, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BATCH = 200  # effects per pass; a pass that settled any is followed at once by another


class Sink(Protocol):
    """What an adapter implements to carry out effects on its platform."""

    async def deliver(self, effect: Effect, case: Case) -> None:
        """Do it, or raise TransientDeliveryError (retry) or DeliveryError (give up)."""


def backoff(attempts: int) -> float:
    return float(min(2**attempts, 300))


class Outbox:
    def __init__(
        self,
        store: Store,
        sinks: dict[str, Sink],
        metrics: Metrics,
        clock: Callable[[], datetime] = utcnow,
        idle_seconds: float = 5.0,
    ) -> None:
        self.store, self.sinks, self.metrics = store, sinks, metrics
        self._clock = clock
        self.idle_seconds = idle_seconds
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then finish the pass in hand."""
        while not stop.is_set():
            try:
                if await self.deliver_due():
                    continue
            except Exception:  # never let one bad pass kill the worker
                log.exception("outbox pass failed; trying again shortly")
            self._wake.clear()
            waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(
                waits, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for w in waits:
                w.cancel()

    async def deliver_due(self) -> int:
        """One pass over what is due; returns how many effects it settled (sent, or given up
        on for good)."""
        async with self._lock:
            now = self._clock()
            waiting: set[str] = set()  # cases whose effect must be retried later
            handled = 0
            for item in await self.store.due_effects(now, BATCH):
                if item.effect.case_id in waiting:
                    continue
                if await self._deliver(item, now):
                    handled += 1
                else:
                    waiting.add(item.effect.case_id)
            return handled

    async def _deliver(self, item: OutboxItem, now: datetime) -> bool:
        """Try one effect: True when it is settled, False when it waits for a retry."""
        case = await self.store.get_case(item.effect.case_id)
        if case is None:
            await self.store.fail_effect(item.id, "the case no longer exists")
            return True
        sink = self.sinks.get(case.source.platform)
        try:
            if sink is None:
                raise TransientDeliveryError(f"{case.source.platform} is off")
            await sink.deliver(item.effect, case)
        except TransientDeliveryError as err:
            return await self._retry(item, now, str(err), err.retry_after)
        except DeliveryError as err:
            self.metrics.effect_attempts_failed += 1
            log.error("gave up on %s for %s: %s", item.effect.kind, case.id, err)
            await self.store.fail_effect(item.id, str(err))
            return True
        except Exception as err:  # an adapter bug must not stop other cases
            log.exception("unexpected error delivering %s for %s", item.effect.kind, case.id)
            return await self._retry(item, now, repr(err), None)
        await self.store.complete_effect(item.id)
        self.metrics.effects_delivered += 1
        return True

    async def _retry(
        self, item: OutboxItem, now: datetime, error: str, retry_after: float | None
    ) -> bool:
        self.metrics.effect_attempts_failed += 1
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.error(
                "gave up on %s for %s after %d tries: %s",
                item.effect.kind,
                item.effect.case_id,
                attempts,
                error,
            )
            await self.store.fail_effect(item.id, error)
            return True
        delay = max(retry_after or 0.0, backoff(attempts))
        log.warning(
            "%s for %s failed (%s); retrying in %.0fs",
            item.effect.kind,
            item.effect.case_id,
            error,
            delay,
        )
        await self.store.retry_effect(item.id, error, now + timedelta(seconds=delay))
        return False
