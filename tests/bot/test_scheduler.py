"""The scheduler: each run of a job once, across replicas (two PostgreSQL stores on one
database), across restarts (TinyDB), and after a runner died mid-run."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.scheduler import Job, Scheduler
from handlers.errors import DuplicateDelivery
from handlers.model import Event
from storage.base import Store, job_delivery_id
from storage.postgres import PostgresStore
from storage.tinydb_store import TinyDBStore
from tests.storage.samples import make_case

DAY = timedelta(days=1)
START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_slot_is_the_start_of_its_period_in_utc() -> None:
    job = Job("digest", DAY, run=lambda slot, now: asyncio.sleep(0))
    assert job.slot(START) == "2026-12-01T00:00:00+00:00"
    assert job.slot(START + timedelta(hours=17, minutes=59)) == job.slot(START)
    assert job.slot(START + timedelta(hours=18)) == "2026-12-02T00:00:00+00:00"
    hourly = Job("sweep", timedelta(hours=1), run=job.run)
    assert hourly.slot(START + timedelta(minutes=59)) == "2026-12-01T06:00:00+00:00"


async def test_two_replicas_ticking_together_run_each_slot_once(
    replicas: list[PostgresStore],
) -> None:
    clock = Clock(START)
    runs: list[tuple[int, str]] = []

    def job_for(replica: int) -> Job:
        async def digest(slot: str, now: datetime) -> None:
            runs.append((replica, slot))
            await asyncio.sleep(0.01)  # both replicas are in their tick meanwhile

        return Job("digest", DAY, digest)

    schedulers = [
        Scheduler(store, [job_for(i)], clock=clock) for i, store in enumerate(replicas)
    ]
    for day in range(5):
        clock.now = START + day * DAY
        for _ in range(3):  # replicas tick many times a day
            await asyncio.gather(*(s.tick() for s in schedulers))
    slots = [slot for _, slot in runs]
    assert slots == [(START + d * DAY).date().isoformat() + "T00:00:00+00:00" for d in range(5)]


async def test_a_run_whose_runner_died_is_taken_over_and_writes_nothing_twice(
    replicas: list[PostgresStore],
) -> None:
    """The first replica dies after its run's write, before marking the run finished: once
    its lease runs out the second runs it again, and the store refuses the repeated write."""
    dying, surviving = replicas
    case = make_case(1)
    await dying.create_case(case, [], [])
    clock = Clock(START)
    attempts: list[str] = []

    def reminder(store: Store) -> Job:
        async def run(slot: str, now: datetime) -> None:
            attempts.append(slot)
            current = await store.get_case(case.id)
            assert current is not None
            with suppress(DuplicateDelivery):  # done by the runner that died
                await store.save_case(
                    current.evolve(now),
                    current.version,
                    [Event(case.id, now, "complaintbot", "reminded")],
                    [],
                    job_delivery_id("reminders", slot, case.id),
                )
            if store is dying:
                raise SystemExit  # killed before finish_job

        return Job("reminders", DAY, run)

    with pytest.raises(SystemExit):
        await Scheduler(dying, [reminder(dying)], clock=clock).tick()
    survivor = Scheduler(surviving, [reminder(surviving)], clock=clock)
    assert await survivor.tick() == []  # the dead runner's lease still holds
    clock.now += reminder(surviving).lease + timedelta(seconds=1)
    assert await survivor.tick() == [("reminders", "2026-12-01T00:00:00+00:00")]
    assert await survivor.tick() == []
    assert len(attempts) == 2
    assert [e.kind for e in await surviving.timeline(case.id)] == ["reminded"]


async def test_a_failing_run_is_retried_after_its_lease(replicas: list[PostgresStore]) -> None:
    clock = Clock(START)
    outcomes = iter([RuntimeError("Slack is down"), None])

    async def flaky(slot: str, now: datetime) -> None:
        if error := next(outcomes):
            raise error

    scheduler = Scheduler(replicas[0], [Job("digest", DAY, flaky)], clock=clock)
    assert await scheduler.tick() == []
    clock.now += timedelta(minutes=3)
    assert await scheduler.tick() == [("digest", "2026-12-01T00:00:00+00:00")]


async def test_a_finished_run_is_not_run_again_after_a_restart(tmp_path: Path) -> None:
    clock = Clock(START)
    runs: list[str] = []

    async def digest(slot: str, now: datetime) -> None:
        runs.append(slot)

    for _ in range(2):  # the same day, before and after a restart
        store = TinyDBStore(tmp_path / "complaintbot.json")
        await store.open()
        await Scheduler(store, [Job("digest", DAY, digest)], clock=clock).tick()
        await store.close()
    assert runs == ["2026-12-01T00:00:00+00:00"]


def test_job_delivery_ids_of_different_runs_never_meet() -> None:
    assert job_delivery_id("a:b", "c") != job_delivery_id("a", "b:c")
    assert job_delivery_id("remind", "s", "C-0001") != job_delivery_id("remind", "s", "C-0002")
    assert job_delivery_id("digest", "s") != job_delivery_id("digest", "t")
