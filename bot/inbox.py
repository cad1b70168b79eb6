"""The inbox worker: finishes triggers that were accepted before the platform's ack
but need the platform again first (a flag: the flagged message must be read).

Each adapter names the inbox kinds it accepts and the function that finishes one.
Finishing opens the case with the trigger's delivery id, which settles the item in
the same write; a trigger that opens nothing (its message already has a case, or the
core refused) is dropped. While the platform cannot answer, the item is retried with
growing pauses (1 s, 2 s, 4 s ... at most 5 minutes), and given up only after
`MAX_ATTEMPTS`, loudly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.service import utcnow
from bot.worker import Worker, backoff
from handlers.errors import StorageError, TransientDeliveryError
from storage.base import InboxItem, Store

log = logging.getLogger(__name__)

Finish = Callable[[InboxItem], Awaitable[None]]

MAX_ATTEMPTS = 30  # about two hours of retries
BATCH = 50


class Inbox(Worker):
    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime] = utcnow,
        idle_seconds: float = 1.0,
    ) -> None:
        super().__init__(idle_seconds)
        self.store = store
        self.finishers: dict[str, Finish] = {}
        self._clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        """Work through due items until `stop` is set; the batch in hand is finished."""
        while not stop.is_set():
            try:
                if await self.process_due():
                    continue
            except Exception:
                log.exception("inbox pass failed; trying again shortly")
            await self.idle(stop)

    async def process_due(self) -> int:
        """One pass over the due items this replica could claim, concurrently; how many were
        tried."""
        due = await self.store.claim_inbox(self._clock(), BATCH)
        await asyncio.gather(*(self._finish(item) for item in due))
        return len(due)

    async def _finish(self, item: InboxItem) -> None:
        finish = self.finishers.get(item.kind)
        try:
            if finish is None:
                raise TransientDeliveryError(f"no adapter for {item.kind} is on")
            await finish(item)
        except (TransientDeliveryError, StorageError) as err:
            await self._retry(item, str(err), getattr(err, "retry_after", None))
            return
        except Exception as err:
            log.exception("unexpected error finishing %s", item.delivery_id)
            await self._retry(item, repr(err), None)
            return
        # Settled already if it opened a case; otherwise there is nothing more to do.
        await self.store.drop_inbox(item.delivery_id, "finished without a new case")

    async def _retry(self, item: InboxItem, error: str, retry_after: float | None) -> None:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "gave up on %s after %d tries: %s", item.delivery_id, item.attempts + 1, error
            )
            await self.store.drop_inbox(item.delivery_id, f"gave up: {error}")
            return
        delay = retry_after if retry_after is not None else backoff(item.attempts + 1, 1.0)
        log.warning(
            "%s could not be finished (%s); retrying in %.0fs", item.delivery_id, error, delay
        )
        next_attempt = self._clock() + timedelta(seconds=delay)
        await self.store.retry_inbox(item.delivery_id, error, next_attempt)
