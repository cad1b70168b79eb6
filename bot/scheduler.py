"""Scheduled work (reminders, digests, retention): each run once, across restarts and replicas.

A `Job` runs once per slot of its period: the slot is the period's start in UTC (a
daily job's slot on 1 December 2026 is "2026-12-01T00:00:00+00:00"), or what its own
`starts` says (the leads' digest: the opening of the firm's working day, and no slot
outside working hours). Every replica
ticks; the store hands each slot's run to one of them (`Store.claim_job`, a lease),
and the run is marked finished when it returns (`finish_job`), so no replica or
restart does it again.

Exactly once, also when a replica dies mid-run: its lease runs out and another replica
takes the run again. A job therefore writes through units of work whose delivery ids
are derived from its name and slot (`storage.base.job_delivery_id`), and the store
refuses the writes the dead runner had already made. Its effects leave through the
outbox, which is exactly-once on its own.

A slot missed while no replica ran is not made up: the next slot's run looks at the
state as it is then (a reminder job finds every case that is overdue, not only those
that fell due in its slot). A run must end well within `lease`, or a second replica may
start it too; a job that can take longer gives itself a longer lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.service import utcnow
from bot.worker import Worker
from storage.base import DEFAULT_LEASE, Store

log = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday, so weekly slots start on Mondays


@dataclass(frozen=True)
class Job:
    name: str
    period: timedelta
    run: Callable[[str, datetime], Awaitable[None]]  # (slot, now)
    lease: timedelta = DEFAULT_LEASE
    # When the run `now` belongs to began, or None when no run is due now; default: the
    # start of the period `now` falls in.
    starts: Callable[[datetime], datetime | None] | None = None

    def slot(self, now: datetime) -> str | None:
        """The start of the run `now` falls in, as the run's name; None: nothing to run."""
        if self.starts is not None:
            start = self.starts(now)
            return start.isoformat() if start else None
        return (EPOCH + self.period * ((now - EPOCH) // self.period)).isoformat()


class Scheduler(Worker):
    def __init__(
        self,
        store: Store,
        jobs: Sequence[Job] = (),
        clock: Callable[[], datetime] = utcnow,
        idle_seconds: float = 30.0,
    ) -> None:
        super().__init__(idle_seconds)
        self.store, self.jobs, self._clock = store, list(jobs), clock

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop`; a run in hand is finished first."""
        while not stop.is_set():
            await self.tick()
            await self.idle(stop)

    async def tick(self) -> list[tuple[str, str]]:
        """Run every job whose current slot no one has run; the (job, slot) pairs run here."""
        ran = []
        for job in self.jobs:
            now = self._clock()
            slot = job.slot(now)
            if slot is None:
                continue
            try:
                if not await self.store.claim_job(job.name, slot, now, job.lease):
                    continue
                await job.run(slot, now)
                await self.store.finish_job(job.name, slot)
            except Exception:  # the lease runs out and the run is tried again
                log.exception("scheduled job %s (%s) failed; it will be retried", job.name, slot)
                continue
            ran.append((job.name, slot))
        return ran
