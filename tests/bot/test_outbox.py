"""The outbox: effects leave in order per lane of a case, survive failures, and are never
dropped silently."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.metrics import Metrics
from bot.outbox import MAX_ATTEMPTS, Outbox
from bot.service import CaseService
from bot.sink import Attempt, Refs
from bot.worker import Answering
from handlers.commands import OpenCase
from handlers.directory import Directory
from handlers.effects import Effect
from handlers.errors import DeliveryError, TransientDeliveryError
from handlers.model import Case, MessageRef
from storage.base import Completion
from storage.memory import MemoryStore
from storage.tinydb_store import TinyDBStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class RecordingSink:
    """A platform that records what it is asked to do, and fails when told to."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []  # (case id, lane, kind)
        self.failures: dict[tuple[str, str], list[Exception]] = {}  # (case id, lane) -> ...
        self.in_flight = 0
        self.most_in_flight = 0

    async def deliver(self, effect: Effect, case: Case, attempt: Attempt) -> Refs:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # let other deliveries start, as a real call would
            queue = self.failures.get((case.id, effect.lane))
            if queue:
                raise queue.pop(0)
            self.sent.append((case.id, effect.lane, effect.kind))
            return {}
        finally:
            self.in_flight -= 1

    def kinds(self, case_id: str, lane: str | None = None) -> list[str]:
        return [k for c, ln, k in self.sent if c == case_id and lane in (None, ln)]


async def open_two_cases(store: TinyDBStore, directory: Directory, clock: Clock) -> list[str]:
    service = CaseService(store, directory, clock=clock)
    contact = directory.actor("slack", "U0CLIENT", "Carol")
    channel = directory.clients["acme"].channels("slack")[0]
    ids = []
    for ts in ("1.0", "2.0"):
        command = OpenCase(contact, MessageRef("slack", channel, ts), contact, "late", "mention")
        ids.append((await service.open_case(command)).case.id)
    return ids


def outbox(store: TinyDBStore, sink: RecordingSink, clock: Clock) -> Outbox:
    return Outbox(store, {"slack": sink}, Metrics(), clock=clock)


async def test_effects_leave_in_the_order_the_core_made_them_in_each_lane(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    first, _ = await open_two_cases(store, directory, clock)
    await outbox(store, sink, clock).deliver_due()
    assert sink.kinds(first, "client") == ["client_post", "client_post"]
    assert sink.kinds(first, "card")[0] == "card_update"
    assert set(sink.kinds(first, "card")[1:]) == {"card_note"}
    assert (await store.effect_counts())["pending"] == 0
    assert sink.most_in_flight > 1, "lanes and cases go out side by side"


async def test_a_rate_limited_lane_waits_in_order_while_the_rest_goes_on(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    first, second = await open_two_cases(store, directory, clock)
    sink.failures[(first, "client")] = [TransientDeliveryError("ratelimited", retry_after=30)]
    box = outbox(store, sink, clock)

    await box.deliver_due()
    assert sink.kinds(first, "client") == []  # nothing after the failed first post
    assert sink.kinds(first, "card"), "the same case's card lane was not held up"
    assert sink.kinds(second, "client") == ["client_post", "client_post"]

    clock.now += timedelta(seconds=10)  # Retry-After not over yet
    assert await box.deliver_due() == 0
    clock.now += timedelta(seconds=30)
    await box.deliver_due()
    assert sink.kinds(first, "client") == ["client_post", "client_post"]  # once each, in order
    assert (await store.effect_counts()) == {"pending": 0, "failed": 0}


async def test_a_permanent_refusal_is_counted_and_the_lane_goes_on(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    first, _ = await open_two_cases(store, directory, clock)
    sink.failures[(first, "client")] = [DeliveryError("chat.postMessage: is_archived")]
    box = outbox(store, sink, clock)
    await box.deliver_due()
    assert (await store.effect_counts())["failed"] == 1
    assert sink.kinds(first, "client") == ["client_post"]  # the second post still went


async def test_retries_give_up_loudly_after_the_limit(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    first, _ = await open_two_cases(store, directory, clock)
    sink.failures[(first, "client")] = [RuntimeError("adapter bug")] * MAX_ATTEMPTS
    box = outbox(store, sink, clock)
    for _ in range(MAX_ATTEMPTS):
        await box.deliver_due()
        clock.now += timedelta(minutes=10)
    assert (await store.effect_counts())["failed"] == 1
    failed = "complaintbot_effect_attempts_failed_total"
    assert box.metrics.value(failed, kind="client_post", outcome="retried") == MAX_ATTEMPTS - 1
    assert box.metrics.value(failed, kind="client_post", outcome="gave_up") == 1


async def test_an_effect_for_a_platform_that_is_off_waits_rather_than_vanishing(
    store: TinyDBStore, directory: Directory
) -> None:
    clock = Clock()
    await open_two_cases(store, directory, clock)
    box = Outbox(store, {}, Metrics(), clock=clock)
    await box.deliver_due()
    counts = await store.effect_counts()
    assert counts["pending"] > 0 and counts["failed"] == 0


async def test_delivery_latency_runs_from_when_an_effect_was_due(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    await open_two_cases(store, directory, clock)
    clock.now += timedelta(seconds=7)
    box = outbox(store, sink, clock)
    await box.deliver_due()
    seconds = "complaintbot_effect_delivery_seconds"
    assert box.metrics.value(f"{seconds}_count", kind="client_post") == 4
    assert box.metrics.value(f"{seconds}_sum", kind="client_post") == 4 * 7
    assert box.metrics.value(f"{seconds}_bucket", kind="client_post", le="5.0") == 0
    assert box.metrics.value(f"{seconds}_bucket", kind="client_post", le="10.0") == 4


async def test_new_deliveries_wait_for_a_gap_between_answers(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    await open_two_cases(store, directory, clock)
    answering = Answering()
    box = Outbox(store, {"slack": sink}, Metrics(), clock=clock, answering=answering, patience=60)
    with answering.answer():
        delivering = asyncio.create_task(box.deliver_due())
        for _ in range(20):
            await asyncio.sleep(0)
        assert not delivering.done() and sink.sent == [], "nothing starts while one is answered"
    assert await delivering > 0
    assert sink.kinds(sink.sent[0][0])


class CountedWrites(MemoryStore):
    """The in-memory store, counting the completion writes, each taking a round trip."""

    writes: list[int]

    async def complete_effects(self, done: Sequence[Completion]) -> None:
        self.writes.append(len(done))
        await asyncio.sleep(0.01)
        await super().complete_effects(done)


async def test_effects_finishing_during_a_write_are_completed_in_the_next(
    directory: Directory,
) -> None:
    store = CountedWrites()
    store.writes = []
    await store.open()
    clock, sink = Clock(), RecordingSink()
    await open_two_cases(store, directory, clock)  # type: ignore[arg-type]
    box = Outbox(store, {"slack": sink}, Metrics(), clock=clock)
    delivered = await box.deliver_due()
    assert (await store.effect_counts()) == {"pending": 0, "failed": 0}
    assert sum(store.writes) == delivered == len(sink.sent)
    assert len(store.writes) < delivered, store.writes  # some writes took several
