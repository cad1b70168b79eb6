"""The deadline jobs on the scheduler: a job may name its own slots (the digest runs at
the opening of each working day, and not at all on a day off), and on PostgreSQL two
replicas sweeping in different slots at once send each reminder once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.reminders import deadline_jobs
from bot.scheduler import Job, Scheduler
from bot.service import CaseService
from handlers.commands import OpenCase
from handlers.effects import DirectMessage
from handlers.model import MessageRef
from storage.memory import MemoryStore
from storage.postgres import PostgresStore
from tests.handlers.conftest import make_directory

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # the default calendar: UTC, Mon-Fri 9-17


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_job_with_its_own_slots_runs_only_when_they_say() -> None:
    calendar = make_directory().schedule.calendar
    job = Job(
        "digest", timedelta(days=1), run=lambda s, n: asyncio.sleep(0), starts=calendar.opened_today
    )
    assert job.slot(MONDAY + timedelta(hours=5)) == MONDAY.isoformat()
    assert job.slot(MONDAY - timedelta(minutes=1)) is None
    assert job.slot(MONDAY + timedelta(days=5, hours=3)) is None  # Saturday


async def test_no_digest_on_a_day_off_and_one_on_a_working_day() -> None:
    store = MemoryStore()
    await store.open()
    clock = Clock(MONDAY + timedelta(days=5, hours=3))
    service = CaseService(store, make_directory(), clock=clock)
    await open_case(service)
    scheduler = Scheduler(store, deadline_jobs(service), clock=clock)
    assert [job for job, _ in await scheduler.tick()] == ["deadline_alerts"]
    clock.now = MONDAY + timedelta(days=7, hours=1)
    assert await scheduler.tick() == [
        ("deadline_alerts", "2026-12-07T10:00:00+00:00"),
        ("digest", "2026-12-07T09:00:00+00:00"),
    ]



async def test_a_bot_started_late_in_the_day_sends_that_days_digest_not_at_all() -> None:
    store = MemoryStore()
    await store.open()
    clock = Clock(MONDAY + timedelta(hours=5))  # past DIGEST_GRACE after the opening
    service = CaseService(store, make_directory(), clock=clock)
    case_id = await open_case(service)
    scheduler = Scheduler(store, deadline_jobs(service), clock=clock)
    await scheduler.tick()
    assert "digest" not in [e.kind for e in await store.timeline(case_id)]
    clock.now = MONDAY + timedelta(days=1, minutes=30)  # Tuesday, soon after the opening
    await scheduler.tick()
    digests = [e for e in await store.timeline(case_id) if e.kind == "digest"]
    assert len(digests) == len(service.directory.leads()) > 0  # one per lead


async def open_case(service: CaseService) -> str:
    directory = service.directory
    avi = directory.actor("slack", "U0AVI")
    client = directory.actor("slack", "U0CAROL", "Carol")
    command = OpenCase(
        avi, MessageRef("slack", "C0ACME", "1.0"), client, "Late again.", "reaction", ("dana",)
    )
    return (await service.open_case(command)).case.id


async def test_two_replicas_sweeping_in_different_slots_send_one_reminder(
    replicas: list[PostgresStore],
) -> None:
    directory = make_directory()
    opened = Clock(MONDAY)
    case_id = await open_case(CaseService(replicas[0], directory, clock=opened))
    remind = MONDAY + timedelta(hours=3)  # the acknowledgement's reminder (4 h, medium)
    clocks = [Clock(remind), Clock(remind + timedelta(minutes=5))]  # two slots: no lease shared
    schedulers = [
        Scheduler(store, deadline_jobs(CaseService(store, directory, clock=c)), clock=c)
        for store, c in zip(replicas, clocks, strict=True)
    ]
    for _ in range(3):
        await asyncio.gather(*(s.tick() for s in schedulers))
    timeline = [e.kind for e in await replicas[1].timeline(case_id)]
    assert timeline.count("reminded") == 1
    effects = []  # everything the outbox holds, in turn (a DM leaves after its card)
    while claimed := await replicas[0].claim_effects(remind + timedelta(hours=1), limit=100):
        effects += [i.effect for i in claimed]
        for item in claimed:
            await replicas[0].complete_effects([(item.id, {})])
    reminders = [
        e for e in effects if isinstance(e, DirectMessage) and "first answer" in e.text
    ]
    assert [r.person_id for r in reminders] == ["avi"]
