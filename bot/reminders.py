"""The scheduled jobs of deadlines: reminders and escalations, and the leads' daily digest.

Both only find the work; the core decides it (`handlers.deadlines`) and `CaseService`
writes it, so each reminder, escalation and digest is one unit of work with its timeline
line, its DMs through the outbox, and a delivery id:
- an alert's id names the case, the deadline and the kind (`alert_delivery_id`), and the
  case records the alert too (`Case.alerts`), so no later run, replica or restart sends
  it again, however many slots find it due;
- a digest's id names the job's run (the working day) and the lead (`job_delivery_id`),
  and the scheduler runs each working day's digest once (`Store.claim_job`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.scheduler import Job
from bot.service import CaseService
from handlers import deadlines
from handlers.commands import Alert, CaseCommand
from handlers.delivery import BOT_ACTOR
from handlers.errors import Refusal
from storage.base import job_delivery_id

log = logging.getLogger(__name__)

ALERT_PERIOD = timedelta(minutes=5)  # how late after its moment an alert may go out
DIGEST = "digest"
DIGEST_GRACE = timedelta(hours=4)  # a digest is for the morning, not the afternoon


def deadline_jobs(service: CaseService) -> list[Job]:
    """The alert sweep every `ALERT_PERIOD`, and the digest at each working day's opening
    (within `DIGEST_GRACE` of it: a bot that was down then sends that day's none)."""

    async def alert(slot: str, now: datetime) -> None:
        calendar = service.directory.schedule.calendar
        for case in await service.store.open_cases():
            for deadline, kind in deadlines.due_alerts(case, now, calendar):
                command = Alert(case.id, BOT_ACTOR, deadline.key, kind)
                delivery_id = deadlines.alert_delivery_id(case.id, deadline, kind)
                await _quietly(service, command, delivery_id)

    async def digest(slot: str, now: datetime) -> None:
        if now - datetime.fromisoformat(slot) > DIGEST_GRACE:
            log.info("no digest for %s: the bot was not running at the day's opening", slot)
            return  # a bot started in the afternoon sends none; tomorrow's goes as usual
        cases = await service.store.open_cases()
        for lead in service.directory.leads():
            command = deadlines.digest_for(lead, cases, now)
            if command is not None:
                await _quietly(service, command, job_delivery_id(DIGEST, slot, lead))

    def working_day(now: datetime) -> datetime | None:
        return service.directory.schedule.calendar.opened_today(now)

    return [
        Job("deadline_alerts", ALERT_PERIOD, alert),
        Job(DIGEST, timedelta(days=1), digest, starts=working_day),
    ]


async def _quietly(service: CaseService, command: CaseCommand, delivery_id: str) -> None:
    """Run it; a refusal means the case moved on meanwhile (the step was done, or the case
    closed), which is no failure of the run."""
    try:
        await service.execute(command, delivery_id)
    except Refusal as refusal:
        log.info("%s on %s not sent: %s", type(command).__name__, command.case_id, refusal.key)
