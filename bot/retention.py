"""The retention jobs: closed and withdrawn cases past `retention_days` lose their words
(daily), and messages kept for a later flag go once past `KEEP_MESSAGES` (hourly).

The job only finds the cases (`handlers.redaction.expired`: closed or withdrawn more than
`retention_days` ago, counted from when it became so, not from its last write); the core
decides what goes and `CaseService.redact` rewrites each case in one unit of work whose
delivery id names the job's day and the case (`job_delivery_id`), so a day's run is done
once across restarts and replicas (`Store.claim_job`), and a run a dead replica left half
done is finished by the next one without redoing a case.

Forgetting kept messages is the same however often it runs, so it needs no delivery ids:
one replica runs each hour's sweep, and a run a dead replica left is simply run again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.export import EARLIEST
from bot.interaction import KEEP_MESSAGES
from bot.scheduler import Job
from bot.service import CaseService
from handlers.delivery import BOT_ACTOR
from handlers.redaction import Redact, expired
from storage.base import Forget, job_delivery_id

log = logging.getLogger(__name__)

RETENTION = "retention"
FORGET_MESSAGES = "forget_messages"
LEASE = timedelta(minutes=30)  # a run rewrites every expired case: give it time


def retention_jobs(service: CaseService) -> list[Job]:
    """The retention sweep, once a day (none when the directory keeps text for ever)."""
    days = service.directory.retention_days
    if days is None:
        return []

    async def sweep(slot: str, now: datetime) -> None:
        # A case final before the cut-off was opened before it: the read side's index finds
        # those without reading every case.
        for case in await service.store.cases_opened(EARLIEST, now - timedelta(days)):
            # Only a case that became final before it kept `final_at` needs its timeline.
            old = case.status.final and case.final_at is None
            timeline = await service.store.timeline(case.id) if old else []
            if expired(case, now, days, timeline):
                command = Redact(case.id, BOT_ACTOR, "retention")
                done = await service.redact(command, job_delivery_id(RETENTION, slot, case.id))
                if done.changed:
                    log.info("retention: %d texts of %s removed", len(done.removed), case.id)

    return [Job(RETENTION, timedelta(days=1), sweep, lease=LEASE)]


def kept_message_jobs(service: CaseService) -> list[Job]:
    """The sweep of kept messages past their time, every hour: the layer already reads
    none of them (`Interactions.kept`); this takes them out of the store."""

    async def sweep(slot: str, now: datetime) -> None:
        gone = await service.store.forget_messages(Forget(before=now - KEEP_MESSAGES))
        if gone:
            log.info("retention: %d kept messages forgotten", gone)

    return [Job(FORGET_MESSAGES, timedelta(hours=1), sweep)]
