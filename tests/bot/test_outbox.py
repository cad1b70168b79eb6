"""The outbox: effects leave in order per case, survive failures, and are never dropped silently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.metrics import Metrics
from bot.outbox import MAX_ATTEMPTS, Outbox
from bot.service import CaseService
from bot.sink import Attempt, Refs
from handlers.commands import OpenCase
from handlers.directory import Directory
from handlers.effects import Effect
from handlers.errors import DeliveryError, TransientDeliveryError
from handlers.model import Case, MessageRef
from storage.tinydb_store import TinyDBStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class RecordingSink:
    """A platform that records what it is asked to do, and fails when told to."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: dict[str, list[Exception]] = {}

    async def deliver(self, effect: Effect, case: Case, attempt: Attempt) -> Refs:
        queue = self.failures.get(case.id)
        if queue:
            raise queue.pop(0)
        self.sent.append((case.id, effect.kind))
        return {}


async def open_two_cases(store: TinyDBStore, directory: Directory, clock: Clock) -> list[str]:
    service = CaseService(store, directory, clock=clock)
    contact = directory.actor("slack", "U0CLIENT", "Carol")
    channel = directory.clients["acme"].slack_channels[0]
    ids = []
    for ts in ("1.0", "2.0"):
        command = OpenCase(contact, MessageRef("slack", channel, ts), contact, "late", "mention")
        ids.append((await service.open_case(command)).case.id)
    return ids


def outbox(store: TinyDBStore, sink: RecordingSink, clock: Clock) -> Outbox:
    return Outbox(store, {"slack": sink}, Metrics(), clock=clock)


async def test_effects_leave_in_the_order_the_core_made_them(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    first, _ = await open_two_cases(store, directory, clock)
    await outbox(store, sink, clock).deliver_due()
    kinds = [kind for case_id, kind in sink.sent if case_id == first]
    assert kinds[:3] == ["client_post", "client_post", "card_update"]
    assert (await store.effect_counts())["pending"] == 0


async def test_a_rate_limited_case_waits_in_order_while_others_go_on(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    first, second = await open_two_cases(store, directory, clock)
    sink.failures[first] = [TransientDeliveryError("ratelimited", retry_after=30)]
    box = outbox(store, sink, clock)

    await box.deliver_due()
    assert not [s for s in sink.sent if s[0] == first]  # nothing after the failed first effect
    assert [s for s in sink.sent if s[0] == second]  # the other case was not held up

    clock.now += timedelta(seconds=10)  # Retry-After not over yet
    assert await box.deliver_due() == 0
    clock.now += timedelta(seconds=30)
    await box.deliver_due()
    kinds = [kind for case_id, kind in sink.sent if case_id == first]
    assert kinds[0] == "client_post" and kinds.count("client_post") == 2  # sent once each
    assert (await store.effect_counts()) == {"pending": 0, "failed": 0}


async def test_a_permanent_refusal_is_counted_and_the_case_goes_on(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    first, _ = await open_two_cases(store, directory, clock)
    sink.failures[first] = [DeliveryError("chat.postMessage: is_archived")]
    box = outbox(store, sink, clock)
    await box.deliver_due()
    assert (await store.effect_counts())["failed"] == 1
    assert (await store.get_case(first)) is not None
    assert [kind for case_id, kind in sink.sent if case_id == first][0] == "client_post"


async def test_retries_give_up_loudly_after_the_limit(
    store: TinyDBStore, directory: Directory
) -> None:
    clock, sink = Clock(), RecordingSink()
    first, _ = await open_two_cases(store, directory, clock)
    sink.failures[first] = [RuntimeError("adapter bug")] * MAX_ATTEMPTS
    box = outbox(store, sink, clock)
    for _ in range(MAX_ATTEMPTS):
        await box.deliver_due()
        clock.now += timedelta(minutes=10)
    assert (await store.effect_counts())["failed"] == 1
    assert box.metrics.effect_attempts_failed == MAX_ATTEMPTS


async def test_an_effect_for_a_platform_that_is_off_waits_rather_than_vanishing(
    store: TinyDBStore, directory: Directory
) -> None:
    clock = Clock()
    await open_two_cases(store, directory, clock)
    box = Outbox(store, {}, Metrics(), clock=clock)
    await box.deliver_due()
    counts = await store.effect_counts()
    assert counts["pending"] > 0 and counts["failed"] == 0
