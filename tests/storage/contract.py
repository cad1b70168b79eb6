"""The Store contract (storage/base.py), written once for every backend.

A backend's test module subclasses `StoreContract` and provides two fixtures:

- `store`: an opened, empty store;
- `reopen`: an async callable that closes the current store (the one `store` gave, or the
  one the previous `reopen` returned) and returns a new, opened store over the same data,
  as a restart after a crash would find it;
- `kept`: an async callable that returns everything the backend keeps (its files, its
  rows, its in-memory data) as text, to search for words that must be gone.

Only the `Store` protocol is used here. Outbox items are due at their case's `updated_at`
(T0 and a little after), so `soon()` is a "now" when every one is due; claims pass `now`
explicitly, so leases are judged on the test's clock, not the wall clock; so do inbox claims
(at `soon()` and later) and job claims (at T0 and later).

The outbox promise is per lane (`Effect.lane`): a case's effects in one lane leave one at a
time, in the order they were made; its other lanes, and other cases, go on side by side.
`make_effects` gives one effect in each of three lanes (card, client, invite:devi), so a case's
first claim hands out all three; a test of order within a lane queues two effects of one
lane (two client posts, a card update and its notes, two DMs to one person).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers.directory_file import load_directory
from handlers.effects import (
    CardNote,
    CardUpdate,
    ClientThreadPost,
    DirectMessage,
    Effect,
    FeedbackRequest,
    Invite,
)
from handlers.errors import Conflict, DuplicateDelivery, DuplicateSource
from handlers.fit import CaseFacts, ReviewCase, totals
from handlers.model import Statement, Status, Verdict
from handlers.review import OpenCase, PersonCase
from handlers.trend import monthly_totals
from storage.base import CLIENT_THREAD, DEFAULT_LEASE, Forget, KeptMessage, OutboxItem, Store
from tests.handlers.conftest import EXAMPLE
from tests.history import NOW, seed_firm
from tests.storage.samples import LEAD, T0, make_case, make_effects, make_event, make_inbox_item

Reopen = Callable[[], Awaitable[Store]]
Kept = Callable[[], Awaitable[str]]


def soon() -> datetime:
    """A moment when every new outbox item is due, whatever clock the backend stamps them with."""
    return datetime.now(UTC) + timedelta(minutes=1)


FAR = timedelta(days=365)


async def drain(store: Store, now: datetime) -> list[OutboxItem]:
    """Claim and complete until nothing is handed out; every item, in the order handed out."""
    handed: list[OutboxItem] = []
    while batch := await store.claim_effects(now):
        for item in batch:
            await store.complete_effects([(item.id, {})])
        handed += batch
    return handed


async def rounds(store: Store, now: datetime) -> list[list[Effect]]:
    """Claim and complete until nothing is handed out; the effects each claim handed out.

    Everything one claim hands out could have been sent side by side; what has to wait for
    an earlier effect of its lane comes in a later round.
    """
    handed: list[list[Effect]] = []
    while batch := await store.claim_effects(now):
        for item in batch:
            await store.complete_effects([(item.id, {})])
        handed.append([item.effect for item in batch])
    return handed


def of_case(items: list[OutboxItem], case_id: str) -> list[Effect]:
    return [item.effect for item in items if item.effect.case_id == case_id]


async def snapshot(store: Store, *case_ids: str) -> tuple[Any, ...]:
    """What a refused write must leave as it was (read without claiming anything)."""
    timelines = [await store.timeline(case_id) for case_id in case_ids]
    inbox = await store.due_inbox(soon() + FAR)
    return await store.list_cases(), timelines, await store.effect_counts(), inbox


class StoreContract:
    # cases ----------------------------------------------------------------------------------

    async def test_create_then_get_returns_an_equal_case(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [make_event(case)], make_effects(case))
        assert await store.get_case(case.id) == case
        assert await store.get_case("C-9999") is None

    async def test_a_stored_case_does_not_change_with_the_callers_objects(
        self, store: Store
    ) -> None:
        case, event = make_case(1), make_event(make_case(1))
        await store.create_case(case, [event], [])
        case.accounts["lee"] = Statement(LEAD, "changed after the write", T0)
        event.detail["n"] = 99
        read = await store.get_case(case.id)
        assert read == make_case(1)
        assert read is not None
        read.accounts.clear()
        (await store.timeline(case.id))[0].detail.clear()
        assert await store.get_case(case.id) == make_case(1)
        assert await store.timeline(case.id) == [make_event(make_case(1))]

    async def test_second_case_for_a_source_is_refused(self, store: Store) -> None:
        first, second = make_case(1, "m-1"), make_case(2, "m-1")
        await store.create_case(first, [make_event(first)], make_effects(first))
        with pytest.raises(DuplicateSource) as refused:
            await store.create_case(second, [make_event(second)], make_effects(second))
        assert refused.value.case_id == first.id
        assert await store.get_case(second.id) is None
        assert await store.timeline(second.id) == []
        assert await store.effect_counts() == {"pending": 3, "failed": 0}
        assert of_case(await drain(store, soon()), first.id) == make_effects(first)

    async def test_second_case_for_a_closed_source_is_refused(self, store: Store) -> None:
        first = make_case(1, "m-1")
        await store.create_case(first, [], [])
        await store.save_case(first.evolve(T0, status=Status.CLOSED), 0, [], [])
        with pytest.raises(DuplicateSource) as refused:
            await store.create_case(make_case(2, "m-1"), [], [])
        assert refused.value.case_id == first.id
        assert [c.id for c in await store.list_cases()] == [first.id]

    async def test_case_for_source(self, store: Store) -> None:
        case = make_case(1, "m-1")
        await store.create_case(make_case(2, "m-2"), [], [])
        await store.create_case(case, [], [])
        assert await store.case_for_source(case.source.key) == case
        assert await store.case_for_source("slack:C-ACME:unknown") is None

    async def test_case_for_source_finds_a_case_by_its_client_thread(self, store: Store) -> None:
        case, other = make_case(1), make_case(2)
        await store.create_case(case, [], [ClientThreadPost(case.id, "hello")])
        await store.create_case(other, [], [])
        thread = "slack:C-ACME:1700000099.000001"
        assert await store.case_for_source(thread) is None
        [post] = await store.claim_effects(soon())
        await store.complete_effects([(post.id, {CLIENT_THREAD: thread})])
        assert await store.case_for_source(thread) == case
        assert await store.case_for_source(case.source.key) == case
        assert await store.case_for_source(other.source.key) == other

    async def test_save_with_the_right_version_stores_case_events_and_effects(
        self, store: Store
    ) -> None:
        case = make_case(1)
        opened = make_event(case, "opened", 0)
        await store.create_case(case, [opened], make_effects(case))
        saved = case.evolve(T0 + timedelta(hours=1), status=Status.ACKNOWLEDGED, summary="Late")
        acked = make_event(case, "acknowledged", 60)
        await store.save_case(saved, 0, [acked], [CardNote(case.id, "acknowledged")])

        assert await store.get_case(case.id) == saved
        assert await store.timeline(case.id) == [opened, acked]
        handed = [item.effect for item in await drain(store, soon())]
        assert handed == [*make_effects(case), CardNote(case.id, "acknowledged")]

    async def test_a_stale_version_conflicts_and_writes_nothing(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [make_event(case)], make_effects(case))
        current = case.evolve(T0, summary="first edit")
        await store.save_case(current, 0, [make_event(case, "edited", 1)], [])
        before = await snapshot(store, case.id)

        stale = case.evolve(T0, status=Status.CLOSED, summary="second edit")
        with pytest.raises(Conflict):
            await store.save_case(stale, 0, [make_event(case, "closed", 2)], make_effects(case))

        assert await store.get_case(case.id) == current
        assert await snapshot(store, case.id) == before

    async def test_saving_a_case_that_was_never_created_conflicts(self, store: Store) -> None:
        with pytest.raises(Conflict):
            await store.save_case(make_case(1, version=1), 0, [], make_effects(make_case(1)))
        assert await store.list_cases() == []
        assert await store.effect_counts() == {"pending": 0, "failed": 0}

    async def test_list_cases_is_ordered_by_number_and_includes_closed(self, store: Store) -> None:
        for number in (3, 1, 2):
            await store.create_case(make_case(number), [], [])
        closed = make_case(2).evolve(T0, status=Status.CLOSED)
        await store.save_case(closed, 0, [], [])

        cases = await store.list_cases()
        assert [c.number for c in cases] == [1, 2, 3]
        assert cases[1] == closed

    async def test_timeline_keeps_the_order_events_were_recorded(self, store: Store) -> None:
        case, other = make_case(1), make_case(2)
        events = [make_event(case, kind, minutes) for minutes, kind in enumerate("abcde")]
        await store.create_case(case, events[:2], [])
        await store.create_case(other, [make_event(other, "other")], [])
        await store.save_case(case.evolve(T0), 0, events[2:4], [])
        await store.save_case(case.evolve(T0).evolve(T0), 1, events[4:], [])
        assert await store.timeline(case.id) == events
        assert await store.timeline(other.id) == [make_event(other, "other")]

    async def test_a_closed_case_stays_readable_with_its_timeline(self, store: Store) -> None:
        case = make_case(1)
        opened, closed_event = make_event(case, "opened"), make_event(case, "closed", 9)
        await store.create_case(case, [opened], [])
        closed = case.evolve(T0 + timedelta(days=3), status=Status.CLOSED)
        await store.save_case(closed, 0, [closed_event], [CardNote(case.id, "closed")])

        assert await store.get_case(case.id) == closed
        assert await store.timeline(case.id) == [opened, closed_event]
        assert await store.case_for_source(case.source.key) == closed
        assert [i.effect for i in await drain(store, soon())] == [CardNote(case.id, "closed")]

    async def test_a_withdrawn_case_can_be_saved_again(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [make_event(case)], [])
        withdrawn = case.evolve(T0, status=Status.WITHDRAWN)
        await store.save_case(withdrawn, 0, [make_event(case, "withdrawn", 1)], [])
        reopened = withdrawn.evolve(T0, status=Status.REOPENED)
        await store.save_case(reopened, 1, [make_event(case, "reopened", 2)], [])

        assert await store.get_case(case.id) == reopened
        kinds = [event.kind for event in await store.timeline(case.id)]
        assert kinds == ["opened", "withdrawn", "reopened"]
        assert await store.list_cases() == [reopened]

    async def test_case_numbers_are_never_repeated(self, store: Store) -> None:
        sequential = [await store.next_case_number() for _ in range(5)]
        assert sequential == sorted(sequential)
        assert len(set(sequential)) == 5
        concurrent = await asyncio.gather(*(store.next_case_number() for _ in range(20)))
        assert len(set(concurrent)) == 20
        assert min(concurrent) > max(sequential)

    async def test_health_is_ok_and_counts_cases(self, store: Store) -> None:
        empty = await store.health()
        assert (empty["ok"], empty["cases"]) == (True, 0)
        await store.create_case(make_case(1), [], [])
        await store.create_case(make_case(2), [], [])
        await store.save_case(make_case(2).evolve(T0, status=Status.CLOSED), 0, [], [])
        health = await store.health()
        assert (health["ok"], health["cases"]) == (True, 2)

    # one call, one unit of work: delivery ids -----------------------------------------------

    async def test_a_delivery_id_is_recorded_with_its_change(self, store: Store) -> None:
        case = make_case(1)
        assert await store.seen("evt-1") is False
        await store.create_case(case, [make_event(case)], [], delivery_id="evt-1")
        assert await store.seen("evt-1") is True
        await store.save_case(case.evolve(T0), 0, [], [], delivery_id="evt-2")
        assert await store.seen("evt-2") is True
        await store.save_case(case.evolve(T0).evolve(T0), 1, [], [])
        assert await store.seen("evt-3") is False

    async def test_a_repeated_delivery_on_create_writes_nothing(self, store: Store) -> None:
        first, second = make_case(1), make_case(2)
        await store.create_case(first, [make_event(first)], make_effects(first), "evt-1")
        before = await snapshot(store, first.id, second.id)
        with pytest.raises(DuplicateDelivery) as refused:
            await store.create_case(second, [make_event(second)], make_effects(second), "evt-1")
        assert refused.value.delivery_id == "evt-1"
        assert await store.get_case(second.id) is None
        assert await snapshot(store, first.id, second.id) == before

    async def test_a_repeated_delivery_on_save_writes_nothing(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [make_event(case)], make_effects(case), "evt-1")
        await store.save_case(case.evolve(T0, summary="edit"), 0, [], [], "evt-2")
        before = await snapshot(store, case.id)
        for delivery_id in ("evt-1", "evt-2"):
            again = case.evolve(T0, summary="edit").evolve(T0, status=Status.CLOSED)
            with pytest.raises(DuplicateDelivery) as refused:
                await store.save_case(
                    again, 1, [make_event(case, "closed", 5)], make_effects(case), delivery_id
                )
            assert refused.value.delivery_id == delivery_id
        assert await snapshot(store, case.id) == before

    async def test_a_repeated_delivery_is_refused_before_source_or_version(
        self, store: Store
    ) -> None:
        case = make_case(1, "m-1")
        await store.create_case(case, [], [], delivery_id="evt-1")
        with pytest.raises(DuplicateDelivery):
            await store.create_case(make_case(2, "m-1"), [], [], delivery_id="evt-1")
        with pytest.raises(DuplicateDelivery):
            await store.save_case(case.evolve(T0), 7, [], [], delivery_id="evt-1")
        assert await store.list_cases() == [case]

    async def test_a_refused_create_does_not_record_its_delivery(self, store: Store) -> None:
        first, clash, other = make_case(1, "m-1"), make_case(2, "m-1"), make_case(3, "m-3")
        await store.create_case(first, [], [])
        with pytest.raises(DuplicateSource):
            await store.create_case(clash, [], [], delivery_id="evt-2")
        assert await store.seen("evt-2") is False
        await store.create_case(other, [make_event(other)], [], delivery_id="evt-2")
        assert await store.get_case(other.id) == other
        assert await store.seen("evt-2") is True

    async def test_a_conflicting_save_does_not_record_its_delivery(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], [])
        edited = case.evolve(T0, summary="edit")
        with pytest.raises(Conflict):
            await store.save_case(edited, 3, [make_event(case, "edited")], [], "evt-1")
        assert await store.seen("evt-1") is False
        await store.save_case(edited, 0, [make_event(case, "edited")], [], "evt-1")
        assert await store.get_case(case.id) == edited
        assert await store.timeline(case.id) == [make_event(case, "edited")]
        assert await store.seen("evt-1") is True

    async def test_seen_covers_recorded_and_waiting_deliveries_and_only_reads(
        self, store: Store
    ) -> None:
        assert await store.seen("evt-9") is False
        assert await store.seen("evt-9") is False, "asking must not record it"
        assert await store.accept(make_inbox_item("evt-9")) is True
        assert await store.seen("evt-9") is True
        await store.create_case(make_case(1), [], [], delivery_id="evt-1")
        assert await store.seen("evt-1") is True
        assert await store.seen("evt-2") is False

    # rewrites (redaction) ---------------------------------------------------------------------

    async def test_a_rewrite_replaces_the_timeline_and_the_pending_effects(
        self, store: Store, reopen: Reopen
    ) -> None:
        case = make_case(1)
        said = ClientThreadPost(case.id, "the secret words")
        await store.create_case(case, [make_event(case), make_event(case, "statement", 1)], [said])
        kept = [make_event(case)]
        card = CardUpdate(case.id)

        def scrubbed(effect: Effect) -> Effect:
            return ClientThreadPost(case.id, "gone") if effect == said else effect

        await store.rewrite_case(case.evolve(T0), 0, kept, "rewrite-1", scrubbed, [card])
        store = await reopen()
        assert await store.timeline(case.id) == kept
        assert (await store.get_case(case.id)) == case.evolve(T0)
        assert await store.seen("rewrite-1")
        assert of_case(await drain(store, soon()), case.id) == [
            ClientThreadPost(case.id, "gone"),
            card,
        ]

    async def test_a_rewrite_keeps_the_marks_its_timeline_tells(
        self, store: Store, reopen: Reopen
    ) -> None:
        """A redaction rewrites the timeline it was given: the reopens and the last
        resolution the review reads stay what that timeline says, not twice over."""
        case = make_case(1)
        kinds = ("opened", "resolved", "reopened", "resolved")
        timeline = [make_event(case, kind, minutes) for minutes, kind in enumerate(kinds)]
        resolved = case.evolve(T0, status=Status.RESOLVED, resolution="fixed")
        await store.create_case(resolved, timeline, [])
        await store.rewrite_case(resolved.evolve(T0), resolved.version, timeline, "rewrite-1")
        expected = [CaseFacts(ReviewCase.of(resolved.evolve(T0)), 1, T0 + timedelta(minutes=3))]
        assert await store.case_history(T0, T0 + FAR) == expected
        assert await (await reopen()).case_history(T0, T0 + FAR) == expected

    async def test_a_rewrite_is_refused_like_a_save(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [make_event(case)], [], "made")
        with pytest.raises(Conflict):
            await store.rewrite_case(case.evolve(T0), 7, [])
        with pytest.raises(DuplicateDelivery):
            await store.rewrite_case(case.evolve(T0), 0, [], "made")
        assert await store.timeline(case.id) == [make_event(case)]
        assert await store.get_case(case.id) == case

    # inbox ----------------------------------------------------------------------------------

    async def test_accept_keeps_an_item_and_refuses_a_repeat(self, store: Store) -> None:
        item = make_inbox_item("evt-1", 0)
        assert await store.accept(item) is True
        repeat = make_inbox_item("evt-1", 5)
        assert await store.accept(repeat) is False
        assert await store.due_inbox(soon()) == [item]

    async def test_accept_refuses_a_delivery_recorded_with_a_change(self, store: Store) -> None:
        await store.create_case(make_case(1), [], [], delivery_id="evt-1")
        assert await store.accept(make_inbox_item("evt-1")) is False
        assert await store.due_inbox(soon()) == []

    async def test_due_inbox_is_oldest_first_and_limited(self, store: Store) -> None:
        items = [make_inbox_item(f"evt-{n}", n) for n in range(1, 4)]
        for item in items:
            assert await store.accept(item) is True
        assert await store.due_inbox(soon()) == items
        assert await store.due_inbox(soon(), limit=2) == items[:2]
        assert await store.due_inbox(soon()) == items, "reading must not consume items"

    async def test_retry_inbox_counts_the_try_and_puts_the_item_off(self, store: Store) -> None:
        first, second = make_inbox_item("evt-1", 1), make_inbox_item("evt-2", 2)
        await store.accept(first)
        await store.accept(second)
        later = soon() + timedelta(hours=1)
        await store.retry_inbox("evt-1", "conversations.history: ratelimited", later)

        assert await store.due_inbox(soon()) == [second]
        assert await store.due_inbox(later - timedelta(seconds=1)) == [second]
        retried = (await store.due_inbox(later))[0]
        assert (retried.delivery_id, retried.attempts) == ("evt-1", 1)
        assert retried.next_attempt_at == later
        assert retried.errors == ("conversations.history: ratelimited",)
        assert retried.payload == first.payload

        latest = later + timedelta(hours=1)
        await store.retry_inbox("evt-1", "timeout", latest)
        [again] = [i for i in await store.due_inbox(latest) if i.delivery_id == "evt-1"]
        assert again.attempts == 2
        assert again.errors == ("conversations.history: ratelimited", "timeout")

    async def test_create_case_with_the_delivery_id_settles_its_inbox_item(
        self, store: Store
    ) -> None:
        await store.accept(make_inbox_item("evt-1", 1))
        await store.accept(make_inbox_item("evt-2", 2))
        await store.create_case(make_case(1), [], [], delivery_id="evt-1")
        assert [i.delivery_id for i in await store.due_inbox(soon() + FAR)] == ["evt-2"]
        assert await store.seen("evt-1") is True
        assert await store.accept(make_inbox_item("evt-1", 3)) is False

    async def test_save_case_with_the_delivery_id_settles_its_inbox_item(
        self, store: Store
    ) -> None:
        case = make_case(1)
        await store.create_case(case, [], [])
        await store.accept(make_inbox_item("evt-1"))
        await store.save_case(case.evolve(T0), 0, [], [], delivery_id="evt-1")
        assert await store.due_inbox(soon() + FAR) == []
        assert await store.seen("evt-1") is True

    async def test_a_refused_create_leaves_the_inbox_item_waiting(self, store: Store) -> None:
        await store.create_case(make_case(1, "m-1"), [], [])
        item = make_inbox_item("evt-2")
        await store.accept(item)
        with pytest.raises(DuplicateSource):
            await store.create_case(make_case(2, "m-1"), [], [], delivery_id="evt-2")
        assert await store.due_inbox(soon()) == [item]

    async def test_drop_inbox_settles_an_item_for_good(self, store: Store) -> None:
        kept = make_inbox_item("evt-2", 2)
        await store.accept(make_inbox_item("evt-1", 1))
        await store.accept(kept)
        await store.drop_inbox("evt-1", "the flagged message was deleted")
        assert await store.due_inbox(soon() + FAR) == [kept]
        assert await store.seen("evt-1") is True
        assert await store.accept(make_inbox_item("evt-1", 3)) is False
        assert await store.due_inbox(soon() + FAR) == [kept]

    async def test_a_dropped_inbox_item_keeps_none_of_what_it_said(
        self, store: Store, reopen: Reopen, kept: Kept
    ) -> None:
        """A dropped item is kept only to refuse its retries: what it carried (a form's
        summary, someone's words) goes with the drop, so no erasure has to find it."""
        item = make_inbox_item("evt-1", 1)
        said = replace(item, payload=item.payload | {"summary": "Her words FORM-7731"})
        await store.accept(said)
        assert "FORM-7731" in await kept()
        await store.drop_inbox("evt-1", "finished without a new case")
        store = await reopen()
        assert await store.seen("evt-1") is True
        assert "FORM-7731" not in await kept()

    # outbox: claims and leases --------------------------------------------------------------

    async def test_claim_hands_out_the_head_of_each_lane_oldest_first(self, store: Store) -> None:
        first, second = make_case(1), make_case(2)
        await store.create_case(first, [], [CardUpdate(first.id)])
        await store.create_case(second, [], make_effects(second, "two"))
        await store.save_case(first.evolve(T0), 0, [], [ClientThreadPost(first.id, "one")])

        claimed = await store.claim_effects(soon())
        assert [i.effect for i in claimed] == [
            CardUpdate(first.id),
            *make_effects(second, "two"),  # three lanes: card, client, invite:devi
            ClientThreadPost(first.id, "one"),  # the newest head, though its case is the oldest
        ]
        assert [i.id for i in claimed] == sorted(i.id for i in claimed)
        assert [(i.attempts, i.maybe_sent) for i in claimed] == [(0, False)] * 5
        assert claimed[0].key == f"{first.id}/{claimed[0].id}"

    async def test_a_dm_waits_for_its_cases_card_and_gets_its_refs(self, store: Store) -> None:
        case, other = make_case(1), make_case(2)
        dm = DirectMessage(case.id, "devi", "see the card")
        await store.create_case(case, [], [CardUpdate(case.id), dm])
        await store.create_case(other, [], [DirectMessage(other.id, "devi", "no card here")])
        now = soon()
        claimed = await store.claim_effects(now)
        assert [i.effect for i in claimed] == [
            CardUpdate(case.id),
            DirectMessage(other.id, "devi", "no card here"),  # its case has no card to wait for
        ]
        assert all(i.refs == {} for i in claimed)
        await store.complete_effects([(claimed[0].id, {"card": "111.1"})])
        [waited] = await store.claim_effects(now)
        assert (waited.effect, waited.refs) == (dm, {"card": "111.1"})

    async def test_a_dm_goes_without_the_card_once_the_card_failed(self, store: Store) -> None:
        case = make_case(1)
        dm = DirectMessage(case.id, "devi", "see the card")
        await store.create_case(case, [], [CardUpdate(case.id), dm])
        now = soon()
        [card] = await store.claim_effects(now)
        await store.retry_effect(card.id, "rate limited", now + timedelta(minutes=1))
        assert await store.claim_effects(now) == [], "a put-off card still holds the DM"
        await store.fail_effect(card.id, "channel_not_found")
        [alone] = await store.claim_effects(now)
        assert (alone.effect, alone.refs) == (dm, {})

    async def test_new_items_are_due_at_their_cases_updated_at(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        assert await store.claim_effects(case.updated_at - timedelta(seconds=1)) == []
        claimed = await store.claim_effects(case.updated_at)
        assert [i.effect for i in claimed] == make_effects(case)
        assert [i.next_attempt_at for i in claimed] == [case.updated_at] * 3

    async def test_effects_in_one_lane_leave_one_at_a_time_in_order(self, store: Store) -> None:
        case = make_case(1)
        card = [CardUpdate(case.id), CardNote(case.id, "opened"), CardNote(case.id, "acked")]
        client = [ClientThreadPost(case.id, "looking into it"), FeedbackRequest(case.id, "ok?")]
        await store.create_case(case, [], [card[0], client[0], card[1]])
        await store.save_case(case.evolve(T0), 0, [], [client[1], card[2]])

        assert await rounds(store, soon()) == [
            [card[0], client[0]],
            [card[1], client[1]],
            [card[2]],
        ]
        assert await store.effect_counts() == {"pending": 0, "failed": 0}

    async def test_a_later_item_waits_for_its_lane_head_to_be_completed(self, store: Store) -> None:
        case = make_case(1)
        posts = [ClientThreadPost(case.id, "one"), ClientThreadPost(case.id, "two")]
        await store.create_case(case, [], [*posts, CardUpdate(case.id)])
        now = soon()
        [head, card] = await store.claim_effects(now)
        assert (head.effect, card.effect) == (posts[0], CardUpdate(case.id))
        assert await store.claim_effects(now) == [], "the second post waits behind the leased one"
        await store.complete_effects([(card.id, {})])
        assert await store.claim_effects(now) == [], "another lane's completion frees nothing"
        await store.complete_effects([(head.id, {})])
        [second] = await store.claim_effects(now)
        assert (second.effect, second.id > head.id) == (posts[1], True)

    async def test_every_lane_of_a_case_is_handed_out_together(self, store: Store) -> None:
        """In the order a change makes them (handlers.outcome): the DMs after the card."""
        case = make_case(1)
        effects: list[Effect] = [
            ClientThreadPost(case.id, "hello"),
            FeedbackRequest(case.id, "resolved?"),
            CardUpdate(case.id),
            DirectMessage(case.id, "dana", "one, Dana"),
            DirectMessage(case.id, "dana", "two, Dana"),
            DirectMessage(case.id, "maya", "one, Maya"),
            Invite(case.id, "dana"),
            Invite(case.id, "maya"),
            CardNote(case.id, "noted"),
        ]
        await store.create_case(case, [], effects)
        assert await rounds(store, soon()) == [
            [effects[0], effects[2], effects[6], effects[7]],
            [effects[1], effects[3], effects[5], effects[8]],  # the card is up: its DMs go
            [effects[4]],
        ]

    async def test_a_cases_lanes_and_other_cases_leave_side_by_side(self, store: Store) -> None:
        first, second = make_case(1), make_case(2)
        await store.create_case(first, [], make_effects(first, "one"))
        await store.create_case(second, [], make_effects(second, "two"))
        await store.save_case(first.evolve(T0), 0, [], [CardNote(first.id, "x")])

        assert await rounds(store, soon()) == [
            [*make_effects(first, "one"), *make_effects(second, "two")],
            [CardNote(first.id, "x")],
        ]
        assert await store.effect_counts() == {"pending": 0, "failed": 0}

    async def test_claim_takes_at_most_limit_items_oldest_heads_first(self, store: Store) -> None:
        cases = [make_case(n) for n in (1, 2, 3)]
        held = CardNote(cases[0].id, "behind the card")
        await store.create_case(cases[0], [], [*make_effects(cases[0]), held])
        for case in cases[1:]:
            await store.create_case(case, [], make_effects(case))
        now = soon()

        def handed(items: list[OutboxItem]) -> list[Effect]:
            return [i.effect for i in items]

        assert handed(await store.claim_effects(now, limit=2)) == make_effects(cases[0])[:2]
        assert handed(await store.claim_effects(now, limit=4)) == [
            make_effects(cases[0])[2],
            *make_effects(cases[1]),  # the held note, older than these, takes no place
        ]
        assert handed(await store.claim_effects(now)) == make_effects(cases[2])
        assert await store.claim_effects(now) == []

    async def test_a_leased_item_is_not_handed_out_again(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        behind = [CardNote(case.id, "x"), ClientThreadPost(case.id, "again")]
        await store.save_case(case.evolve(T0), 0, [], behind)
        now, lease = soon(), timedelta(minutes=2)
        claimed = await store.claim_effects(now, lease=lease)
        assert [i.effect for i in claimed] == make_effects(case)
        assert await store.claim_effects(now) == []
        assert await store.claim_effects(now + timedelta(minutes=1)) == []
        assert await store.effect_counts() == {"pending": 5, "failed": 0}, "leased is pending"

    async def test_a_lease_holds_back_only_its_own_lane(self, store: Store) -> None:
        first, second = make_case(1), make_case(2)
        noted = CardNote(first.id, "noted")
        await store.create_case(
            first, [], [CardUpdate(first.id), noted, ClientThreadPost(first.id, "hello")]
        )
        now = soon()
        [leased] = await store.claim_effects(now, limit=1)
        assert leased.effect == CardUpdate(first.id)
        await store.create_case(second, [], make_effects(second))
        assert [i.effect for i in await store.claim_effects(now)] == [
            ClientThreadPost(first.id, "hello"),
            *make_effects(second),
        ]
        await store.complete_effects([(leased.id, {})])
        assert [i.effect for i in await store.claim_effects(now)] == [noted]

    async def test_an_expired_lease_hands_the_item_out_again_as_maybe_sent(
        self, store: Store
    ) -> None:
        case = make_case(1)
        await store.create_case(case, [], [*make_effects(case), CardNote(case.id, "noted")])
        now, lease = soon(), timedelta(minutes=1)
        claimed = await store.claim_effects(now, lease=lease)
        assert [(i.effect, i.maybe_sent) for i in claimed] == [
            (effect, False) for effect in make_effects(case)
        ]
        assert await store.claim_effects(now + lease - timedelta(seconds=1), lease=lease) == []

        again = await store.claim_effects(now + lease, lease=lease)
        assert [(i.id, i.effect, i.maybe_sent) for i in again] == [
            (i.id, i.effect, True) for i in claimed
        ], "the same items, still ahead of their lanes (the note still waits)"
        later = now + 2 * lease
        assert await store.claim_effects(later - timedelta(seconds=1), lease=lease) == []
        third = await store.claim_effects(later, lease=lease)
        assert [(i.id, i.maybe_sent) for i in third] == [(i.id, True) for i in claimed]

    async def test_retry_releases_the_lease_and_puts_the_item_off(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], [CardUpdate(case.id), CardNote(case.id, "noted")])
        now = soon()
        [item] = await store.claim_effects(now, lease=timedelta(minutes=2))
        later = now + timedelta(seconds=30)  # before the lease would have run out
        await store.retry_effect(item.id, "rate limited", later)

        early = await store.claim_effects(later - timedelta(seconds=1))
        assert early == [], "the put-off head still holds its lane: the note waits"
        [retried] = await store.claim_effects(later)
        assert (retried.id, retried.effect) == (item.id, item.effect)
        assert (retried.attempts, retried.next_attempt_at) == (1, later)
        assert retried.maybe_sent is False
        assert await store.effect_counts() == {"pending": 2, "failed": 0}

    async def test_maybe_sent_from_a_retry_sticks(self, store: Store) -> None:
        case = make_case(1)
        effects = [ClientThreadPost(case.id, "hello"), FeedbackRequest(case.id, "ok?")]
        await store.create_case(case, [], effects)
        now = soon()
        [item] = await store.claim_effects(now)
        await store.retry_effect(item.id, "timeout", now, maybe_sent=True)
        [again] = await store.claim_effects(now)
        assert (again.id, again.attempts, again.maybe_sent) == (item.id, 1, True)
        await store.retry_effect(item.id, "rate limited", now)
        [third] = await store.claim_effects(now)
        assert (third.id, third.attempts, third.maybe_sent) == (item.id, 2, True)

    async def test_a_put_off_item_holds_back_only_the_rest_of_its_lane(self, store: Store) -> None:
        case, other = make_case(1), make_case(2)
        to_dana = [
            DirectMessage(case.id, "dana", "one, Dana"),
            DirectMessage(case.id, "dana", "two"),
        ]
        posts = [ClientThreadPost(case.id, "a"), ClientThreadPost(case.id, "b")]
        to_maya, noted = DirectMessage(case.id, "maya", "one, Maya"), CardNote(case.id, "noted")
        now = soon()
        await store.create_case(case, [], [CardUpdate(case.id)])  # the card is up already
        [card] = await store.claim_effects(now)
        await store.complete_effects([(card.id, {"card": "111.1"})])
        effects = [to_dana[0], to_dana[1], posts[0], to_maya, posts[1], noted]
        await store.save_case(case.evolve(T0), 0, [], effects)
        await store.create_case(other, [], [DirectMessage(other.id, "dana", "other, Dana")])
        claimed = await store.claim_effects(now)
        assert [i.effect for i in claimed] == [
            to_dana[0],
            posts[0],
            to_maya,
            noted,
            DirectMessage(other.id, "dana", "other, Dana"),
        ]
        later = now + timedelta(minutes=5)
        await store.retry_effect(claimed[0].id, "rate limited", later)
        for item in claimed[1:]:
            await store.complete_effects([(item.id, {})])

        assert await rounds(store, now) == [[posts[1]]], "the second DM to Dana waits"
        assert await rounds(store, later) == [[to_dana[0]], [to_dana[1]]]

    async def test_completions_together_keep_the_newest_ref_of_a_case(self, store: Store) -> None:
        first, second = make_case(1), make_case(2)
        await store.create_case(first, [], [ClientThreadPost(first.id, "a"), CardUpdate(first.id)])
        await store.create_case(second, [], [CardUpdate(second.id)])
        now = soon()
        a, card, other = await store.claim_effects(now)
        gone = other.id + 1000  # never handed out: ignored
        done = [(a.id, {"url": "old"}), (card.id, {"url": "new"}), (other.id, {}), (gone, {})]
        await store.complete_effects(done)
        assert await store.effect_counts() == {"pending": 0, "failed": 0}
        assert await store.get_ref(first.id, "url") == "new"
        assert await store.get_ref(second.id, "url") is None

    async def test_complete_removes_the_item_and_keeps_its_refs(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], [CardUpdate(case.id), CardNote(case.id, "noted")])
        now = soon()
        [item] = await store.claim_effects(now)
        await store.complete_effects([(item.id, {"card": "111.1", "card_channel": "C-INT"})])

        assert await store.get_ref(case.id, "card") == "111.1"
        assert await store.get_ref(case.id, "card_channel") == "C-INT"
        assert await store.effect_counts() == {"pending": 1, "failed": 0}
        [following] = await store.claim_effects(now)
        assert following.effect == CardNote(case.id, "noted")
        assert item.id not in [i.id for i in await drain(store, now + FAR)]

    async def test_refs_are_kept_per_case_and_name(self, store: Store) -> None:
        first, second = make_case(1), make_case(2)
        assert await store.get_ref(first.id, "card") is None
        await store.create_case(first, [], [CardUpdate(first.id), CardNote(first.id, "noted")])
        await store.create_case(second, [], [CardUpdate(second.id)])
        refs = [
            {"card": "111.1", "thread": "222.2"},
            {"card": "333.3"},
            {"card": "444.4"},
        ]
        now = soon()
        [a, b] = await store.claim_effects(now)
        await store.complete_effects([(a.id, refs[0])])
        await store.complete_effects([(b.id, refs[1])])
        [c] = await store.claim_effects(now)
        await store.complete_effects([(c.id, refs[2])])
        assert c.effect == CardNote(first.id, "noted")
        assert await store.get_ref(first.id, "card") == "444.4"
        assert await store.get_ref(first.id, "thread") == "222.2"
        assert await store.get_ref(second.id, "card") == "333.3"
        assert await store.get_ref(second.id, "thread") is None

    async def test_a_failed_item_is_counted_and_no_longer_holds_its_lane(
        self, store: Store
    ) -> None:
        case = make_case(1)
        posts = [ClientThreadPost(case.id, text) for text in ("a", "b", "c")]
        await store.create_case(case, [], [*posts, CardUpdate(case.id)])
        now = soon()
        [item, card] = await store.claim_effects(now)
        assert (item.effect, card.effect) == (posts[0], CardUpdate(case.id))
        await store.complete_effects([(card.id, {})])
        await store.fail_effect(item.id, "channel archived")
        assert await store.effect_counts() == {"pending": 2, "failed": 1}
        [following] = await store.claim_effects(now)
        assert following.effect == posts[1], "the failed head no longer holds its lane"
        await store.complete_effects([(following.id, {})])
        handed = await drain(store, now + FAR)
        assert [i.effect for i in handed] == [posts[2]]
        assert await store.effect_counts() == {"pending": 0, "failed": 1}

    async def test_unknown_item_ids_are_ignored(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        await store.complete_effects([(9999, {"card": "111.1"})])
        await store.retry_effect(9999, "rate limited", soon() + FAR)
        await store.fail_effect(9999, "gone")
        assert await store.effect_counts() == {"pending": 3, "failed": 0}
        assert await store.get_ref(case.id, "card") is None
        assert len(await drain(store, soon())) == 3

    async def test_effect_counts(self, store: Store) -> None:
        assert await store.effect_counts() == {"pending": 0, "failed": 0}
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        await store.save_case(case.evolve(T0), 0, [], [CardNote(case.id, "x")])
        assert await store.effect_counts() == {"pending": 4, "failed": 0}
        [item] = await store.claim_effects(soon(), limit=1)
        assert await store.effect_counts() == {"pending": 4, "failed": 0}
        await store.fail_effect(item.id, "gone")
        assert await store.effect_counts() == {"pending": 3, "failed": 1}

    # outbox: card updates -------------------------------------------------------------------

    async def test_a_waiting_card_update_absorbs_a_newer_one(self, store: Store) -> None:
        case, other = make_case(1), make_case(2)
        await store.create_case(case, [], [CardUpdate(case.id), ClientThreadPost(case.id, "hi")])
        await store.create_case(other, [], [CardUpdate(other.id)])
        edit = [CardUpdate(case.id), CardNote(case.id, "edited")]
        await store.save_case(case.evolve(T0), 0, [], edit)
        assert await store.effect_counts() == {"pending": 4, "failed": 0}

        assert await rounds(store, soon()) == [
            [CardUpdate(case.id), ClientThreadPost(case.id, "hi"), CardUpdate(other.id)],
            [CardNote(case.id, "edited")],
        ]

    async def test_a_leased_card_update_does_not_absorb_a_newer_one(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], [CardUpdate(case.id)])
        now = soon()
        [leased] = await store.claim_effects(now)
        await store.save_case(case.evolve(T0), 0, [], [CardUpdate(case.id)])
        assert await store.effect_counts() == {"pending": 2, "failed": 0}
        await store.complete_effects([(leased.id, {"card": "111.1"})])
        [newer] = await store.claim_effects(now)
        assert newer.effect == CardUpdate(case.id)
        assert newer.id > leased.id

    async def test_a_failed_card_update_does_not_absorb_a_newer_one(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], [CardUpdate(case.id)])
        now = soon()
        [item] = await store.claim_effects(now)
        await store.fail_effect(item.id, "channel archived")
        await store.save_case(case.evolve(T0), 0, [], [CardUpdate(case.id)])
        assert await store.effect_counts() == {"pending": 1, "failed": 1}
        [newer] = await store.claim_effects(now)
        assert (newer.effect, newer.id > item.id) == (CardUpdate(case.id), True)

    # read side ------------------------------------------------------------------------------

    async def test_cases_opened_are_those_from_since_to_before_until_oldest_first(
        self, store: Store
    ) -> None:
        since, until = T0, T0 + timedelta(days=7)
        before = make_case(1, created_at=since - timedelta(seconds=1))
        last = make_case(2, created_at=until - timedelta(seconds=1))
        first = make_case(3, created_at=since)
        after = make_case(4, created_at=until)
        closed = make_case(5, status=Status.CLOSED, created_at=since + timedelta(days=1))
        for case in (closed, after, first, last, before):
            await store.create_case(case, [], [])
        assert await store.cases_opened(since, until) == [first, closed, last]
        assert await store.cases_opened(until, until + FAR) == [after]
        assert await store.cases_opened(since, since) == []

    async def test_cases_opened_of_one_client(self, store: Store) -> None:
        acme = make_case(1, created_at=T0 + timedelta(hours=2))
        newer = make_case(2, client_id="globex", created_at=T0 + timedelta(hours=1))
        older = make_case(3, client_id="globex", created_at=T0)
        for case in (acme, newer, older):
            await store.create_case(case, [], [])
        day = (T0, T0 + timedelta(days=1))
        assert await store.cases_opened(*day, client_id="globex") == [older, newer]
        assert await store.cases_opened(*day, client_id="acme") == [acme]
        assert await store.cases_opened(*day) == [older, newer, acme]
        assert await store.cases_opened(*day, client_id="initech") == []

    async def test_open_cases_leave_out_final_ones_longest_open_first(self, store: Store) -> None:
        at = [T0 + timedelta(hours=hours) for hours in range(3)]
        newest = make_case(1, created_at=at[2])
        oldest = make_case(2, status=Status.INVESTIGATING, created_at=at[0])
        closed = make_case(3, status=Status.CLOSED, created_at=at[0])
        resolved = make_case(4, status=Status.RESOLVED, created_at=at[0])  # final only once closed
        withdrawn = make_case(5, created_at=at[0])
        reopened = make_case(6, status=Status.REOPENED, created_at=at[1])
        for case in (reopened, withdrawn, resolved, closed, oldest, newest):  # not by number
            await store.create_case(case, [], [])
        await store.save_case(withdrawn.evolve(T0, status=Status.WITHDRAWN), 0, [], [])
        assert await store.open_cases() == [oldest, resolved, reopened, newest]

    async def test_cases_of_person_are_the_cases_that_include_them(self, store: Store) -> None:
        # make_case's reporter is LEAD (person "lee"), and it holds an account by "devi"
        first = make_case(1, created_at=T0 + timedelta(hours=3))  # devi, lee, ana
        second = make_case(
            2, affected=("sam",), account_manager=None, created_at=T0 + timedelta(hours=2)
        )
        third = make_case(
            3,
            status=Status.CLOSED,
            affected=("devi", "sam"),
            managers=("max",),
            created_at=T0 + timedelta(hours=1),
        )
        fourth = make_case(4, affected=("kim",), managers=("max",), created_at=T0)
        for case in (first, second, third, fourth):
            await store.create_case(case, [], [])
        assert await store.cases_of_person("devi") == [third, first], "affected, not an account"
        assert await store.cases_of_person("lee") == [second, first], "managers, not the reporter"
        assert await store.cases_of_person("ana") == [fourth, third, first], "account manager"
        assert await store.cases_of_person("sam") == [third, second]
        assert await store.cases_of_person("max") == [fourth, third]
        assert await store.cases_of_person("nobody") == []

    async def test_the_read_side_follows_saved_changes(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], [])
        moved = case.evolve(T0, affected=("sam",), status=Status.CLOSED)
        await store.save_case(moved, 0, [], [])
        assert await store.open_cases() == []
        assert await store.cases_of_person("devi") == []
        assert await store.cases_of_person("sam") == [moved]
        assert await store.cases_opened(T0, T0 + FAR) == [moved]
        reopened = moved.evolve(T0, status=Status.REOPENED, managers=("max",))
        await store.save_case(reopened, moved.version, [], [])
        assert await store.open_cases() == [reopened]
        assert await store.cases_of_person("lee") == []
        assert await store.cases_of_person("max") == [reopened]

    async def test_the_read_side_survives_reopening(self, store: Store, reopen: Reopen) -> None:
        live = make_case(1, created_at=T0 + timedelta(hours=1))
        done = make_case(2, client_id="globex", affected=("sam",), created_at=T0)
        await store.create_case(live, [], [])
        await store.create_case(done, [], [])
        closed = done.evolve(T0, status=Status.CLOSED)
        await store.save_case(closed, 0, [], [])

        store = await reopen()
        assert await store.cases_opened(T0, T0 + FAR) == [closed, live]
        assert await store.cases_opened(T0, T0 + FAR, client_id="globex") == [closed]
        assert await store.open_cases() == [live]
        assert await store.cases_of_person("sam") == [closed]
        assert await store.cases_of_person("devi") == [live]

    async def test_case_history_gives_each_case_its_reopens_and_last_resolution(
        self, store: Store, reopen: Reopen
    ) -> None:
        """Across writes: the marks add up over every save, the last resolution wins, and
        they are kept over a reopen of the store."""
        at = [T0 + timedelta(hours=hours) for hours in range(6)]
        case = make_case(1)
        opened = make_event(case, "opened")
        await store.create_case(case, [opened, make_event(case, "resolved", 60)], [])
        resolved = case.evolve(at[1], status=Status.RESOLVED, resolution="fixed")
        await store.save_case(resolved, 0, [make_event(case, "noted", 61)], [])
        again = resolved.evolve(at[2], status=Status.REOPENED)
        await store.save_case(again, 1, [make_event(case, "reopened", 120)], [])
        twice = again.evolve(at[3], status=Status.RESOLVED)
        steps = [make_event(case, kind, m) for kind, m in (("resolved", 180), ("reopened", 181))]
        await store.save_case(twice, 2, [*steps, make_event(case, "resolved", 240)], [])
        never = make_case(2, client_id="globex", created_at=T0 + timedelta(minutes=1))
        await store.create_case(never, [make_event(never, "reopened", 5)], [])
        span = (T0, T0 + FAR)

        async def check(current: Store) -> None:
            last = T0 + timedelta(minutes=240)
            # `never` was never resolved: its timeline means nothing to the review
            assert await current.case_history(*span) == [
                CaseFacts(ReviewCase.of(twice), 2, last),
                CaseFacts(ReviewCase.of(never)),
            ]
            assert await current.case_history(*span, "globex") == [CaseFacts(ReviewCase.of(never))]
            assert await current.case_history(T0 + FAR, T0 + FAR + FAR) == []

        await check(store)
        await check(await reopen())

    async def test_case_history_is_cases_opened_with_their_marks(self, store: Store) -> None:
        since, until = T0, T0 + timedelta(days=7)
        cases = [
            make_case(1, created_at=until),
            replace(
                make_case(2, created_at=since + timedelta(days=1)),
                resolution="refunded",
                verdict=Verdict.NOT_RIGHT,
                abuse_flagged=True,
                change_requests=("a weekly call",),
            ),
            make_case(3, client_id="globex", created_at=since),
            make_case(4, created_at=since - timedelta(seconds=1)),
        ]
        for case in cases:
            await store.create_case(case, [make_event(case, "resolved", case.number)], [])
        for client in (None, "acme", "globex"):
            history = await store.case_history(since, until, client)
            opened = await store.cases_opened(since, until, client)
            assert [f.case for f in history] == [ReviewCase.of(case) for case in opened]
        history = await store.case_history(since, until)
        assert [f.resolved_at for f in history] == [None, T0 + timedelta(minutes=2)]

    async def test_open_for_review_is_open_cases_as_the_view_reads_them(
        self, store: Store, reopen: Reopen
    ) -> None:
        await seed_firm(store, load_directory(EXAMPLE))

        async def check(current: Store) -> None:
            still_open = await current.open_cases()
            assert len({c.status for c in still_open}) > 1
            assert await current.open_for_review() == [OpenCase.of(c) for c in still_open]

        await check(store)
        await check(await reopen())

    async def test_person_history_is_the_window_of_cases_of_person_as_the_view_reads_them(
        self, store: Store, reopen: Reopen
    ) -> None:
        """For everyone in the seeded firm (named, managers, account managers), in the
        review's window and in one that cuts cases off, also after a reopen."""
        directory = load_directory(EXAMPLE)
        await seed_firm(store, directory)
        windows = [(NOW - timedelta(days=90), NOW), (NOW - timedelta(days=20), NOW)]

        async def check(current: Store) -> None:
            for since, until in windows:
                for person in directory.people:
                    expected = [
                        PersonCase.of(c)
                        for c in await current.cases_of_person(person)
                        if since <= c.created_at < until
                    ]
                    assert await current.person_history(person, since, until) == expected
            assert await current.person_history("nobody", *windows[0]) == []

        everyone = [await store.person_history(p, *windows[0]) for p in directory.people]
        assert all(c.verdict_by for cases in everyone for c in cases if c.verdict)
        assert {c.abuse_flagged for cases in everyone for c in cases} == {True, False}
        assert any(c.managers and c.account_manager for cases in everyone for c in cases)
        wide, narrow = [await store.person_history("avi", *w) for w in windows]
        assert narrow and len(narrow) < len(wide), "the window is read, not every case"
        await check(store)
        await check(await reopen())

    async def test_client_totals_are_the_totals_of_each_clients_history(
        self, store: Store, reopen: Reopen
    ) -> None:
        """What a store counts for the portfolio is what `handlers.fit.totals` gives of each
        client's `case_history`, on the seeded firm (every verdict, answers both ways,
        reopens, abuse, withdrawn and open cases, medians of odd and even counts), in the
        review's window and in one that leaves a client out, also after a reopen."""
        await seed_firm(store, load_directory(EXAMPLE))
        windows = [(NOW - timedelta(days=90), NOW), (NOW - timedelta(days=2), NOW)]

        async def check(current: Store) -> None:
            for since, until in windows:
                history = await current.case_history(since, until)
                clients = dict.fromkeys(f.case.client_id for f in history)
                expected = {c: totals(await current.case_history(since, until, c)) for c in clients}
                assert await current.client_totals(since, until) == expected

        counted = await store.client_totals(*windows[0])
        assert counted["globex"].median_hours_to_resolve == 49.5  # (49 + 50) / 2
        assert counted["initech"].median_hours_to_resolve == 50
        assert (counted["globex"].said_resolved, counted["globex"].said_not_resolved) == (4, 3)
        assert set(await store.client_totals(*windows[1])) == {"initech"}
        await check(store)
        await check(await reopen())

    async def test_monthly_totals_are_the_totals_of_each_clients_months(
        self, store: Store, reopen: Reopen
    ) -> None:
        """What a store counts for the chart is `handlers.trend.monthly_totals` of its
        `case_history`, of all clients or of one, also after a reopen."""
        await seed_firm(store, load_directory(EXAMPLE))
        since, until = NOW - timedelta(days=90), NOW

        async def check(current: Store) -> None:
            for client in (None, "globex"):
                history = await current.case_history(since, until, client)
                counted = await current.monthly_totals(since, until, client)
                assert counted == monthly_totals(history)
                assert sum(t.cases for t in counted.values()) == len(history)

        counted = await store.monthly_totals(since, until)
        # acme's A1-A4 opened 60 and 45 days before 1 June (April), 30 and 10 (May)
        assert {m: t.cases for (c, m), t in counted.items() if c == "acme"} == {
            "2025-04": 2,
            "2025-05": 2,
        }
        await check(store)
        await check(await reopen())

    # inbox claims ---------------------------------------------------------------------------

    async def test_a_claimed_item_is_handed_out_again_only_when_its_lease_runs_out(
        self, store: Store
    ) -> None:
        items = [make_inbox_item(f"evt-{n}", n) for n in (1, 2)]
        for item in items:
            await store.accept(item)
        now = soon()
        assert await store.claim_inbox(now) == items
        assert await store.claim_inbox(now) == []
        assert await store.claim_inbox(now + DEFAULT_LEASE - timedelta(seconds=1)) == []
        expired = now + DEFAULT_LEASE + timedelta(seconds=1)  # its worker died
        assert await store.claim_inbox(expired, lease=timedelta(hours=1)) == items
        assert await store.claim_inbox(expired + timedelta(minutes=59)) == []
        assert await store.claim_inbox(expired + timedelta(minutes=61)) == items

    async def test_claim_inbox_is_oldest_first_limited_and_only_due(self, store: Store) -> None:
        for n in (3, 1, 2, 4):  # accepted out of order
            await store.accept(make_inbox_item(f"evt-{n}", n))
        later = soon() + timedelta(hours=1)
        await store.retry_inbox("evt-2", "ratelimited", later)
        now = soon()
        first = await store.claim_inbox(now, limit=2, lease=FAR)
        assert [item.delivery_id for item in first] == ["evt-1", "evt-3"]
        assert [item.delivery_id for item in await store.claim_inbox(now, lease=FAR)] == ["evt-4"]
        assert await store.claim_inbox(later - timedelta(seconds=1)) == []
        [retried] = await store.claim_inbox(later)
        assert (retried.delivery_id, retried.attempts) == ("evt-2", 1)

    async def test_retry_inbox_releases_the_claim(self, store: Store) -> None:
        await store.accept(make_inbox_item("evt-1"))
        now = soon()
        assert len(await store.claim_inbox(now)) == 1
        later = now + timedelta(seconds=30)  # before the lease would have run out
        await store.retry_inbox("evt-1", "timeout", later)
        assert await store.claim_inbox(later - timedelta(seconds=1)) == []
        [again] = await store.claim_inbox(later)
        assert (again.delivery_id, again.attempts, again.errors) == ("evt-1", 1, ("timeout",))

    async def test_a_settled_or_dropped_item_is_never_claimed_again(self, store: Store) -> None:
        saved = make_case(2)
        await store.create_case(saved, [], [])
        for n in (1, 2, 3):
            await store.accept(make_inbox_item(f"evt-{n}", n))
        now = soon()
        assert len(await store.claim_inbox(now)) == 3
        await store.create_case(make_case(1), [], [], delivery_id="evt-1")
        await store.save_case(saved.evolve(T0), 0, [], [], delivery_id="evt-2")
        await store.drop_inbox("evt-3", "the flagged message was deleted")
        assert await store.claim_inbox(now + FAR) == []
        assert await store.due_inbox(now + FAR) == []

    async def test_due_inbox_claims_nothing(self, store: Store) -> None:
        items = [make_inbox_item(f"evt-{n}", n) for n in (1, 2)]
        for item in items:
            await store.accept(item)
        now = soon()
        assert await store.due_inbox(now) == items
        assert await store.due_inbox(now) == items
        assert await store.claim_inbox(now) == items

    async def test_concurrent_inbox_claims_hand_each_item_out_once(self, store: Store) -> None:
        delivery_ids = [f"evt-{n}" for n in range(1, 7)]
        for n, delivery_id in enumerate(delivery_ids):
            await store.accept(make_inbox_item(delivery_id, n))
        now = soon()
        batches = await asyncio.gather(*(store.claim_inbox(now, limit=2) for _ in range(5)))
        handed = [item.delivery_id for batch in batches for item in batch]
        assert sorted(handed) == delivery_ids

    async def test_inbox_claims_do_not_survive_reopening(
        self, store: Store, reopen: Reopen
    ) -> None:
        item = make_inbox_item("evt-1")
        await store.accept(item)
        now = soon()
        assert await store.claim_inbox(now) == [item]

        store = await reopen()
        assert await store.claim_inbox(now) == [item]  # the old lease would still be live

    # scheduled work -------------------------------------------------------------------------

    async def test_a_run_goes_to_one_caller_until_its_lease_runs_out(self, store: Store) -> None:
        run = ("digest", "2025-03-03")
        assert await store.claim_job(*run, T0) is True
        assert await store.claim_job(*run, T0) is False
        assert await store.claim_job(*run, T0 + DEFAULT_LEASE - timedelta(seconds=1)) is False
        expired = T0 + DEFAULT_LEASE + timedelta(seconds=1)  # its runner died
        assert await store.claim_job(*run, expired, lease=timedelta(hours=1)) is True
        assert await store.claim_job(*run, expired + timedelta(minutes=59)) is False
        assert await store.claim_job(*run, expired + timedelta(minutes=61)) is True

    async def test_a_finished_run_is_never_handed_out_again(self, store: Store) -> None:
        run, unclaimed = ("digest", "2025-03-03"), ("digest", "2025-03-04")
        assert await store.claim_job(*run, T0) is True
        await store.finish_job(*run)
        assert await store.claim_job(*run, T0) is False
        assert await store.claim_job(*run, T0 + FAR) is False
        await store.finish_job(*run)  # a second finish changes nothing
        assert await store.claim_job(*run, T0 + FAR) is False
        await store.finish_job(*unclaimed)
        assert await store.claim_job(*unclaimed, T0) is False

    async def test_runs_of_other_slots_and_jobs_are_their_own(self, store: Store) -> None:
        runs = [
            ("digest", "2025-03-03"),
            ("digest", "2025-03-04"),
            ("reminders", "2025-03-03"),
            ("a:b", "c"),
            ("a", "b:c"),  # not the same run, however a backend joins name and slot
        ]
        for run in runs:
            assert await store.claim_job(*run, T0) is True, run
        await store.finish_job(*runs[0])
        await store.finish_job(*runs[3])
        expired = T0 + DEFAULT_LEASE + timedelta(seconds=1)
        claims = [await store.claim_job(*run, expired) for run in runs]
        assert claims == [False, True, True, False, True]

    async def test_concurrent_claims_of_a_run_give_it_to_one_caller(self, store: Store) -> None:
        run = ("digest", "2025-03-03")
        first = await asyncio.gather(*(store.claim_job(*run, T0) for _ in range(10)))
        assert first.count(True) == 1
        expired = T0 + DEFAULT_LEASE + timedelta(seconds=1)
        again = await asyncio.gather(*(store.claim_job(*run, expired) for _ in range(10)))
        assert again.count(True) == 1

    async def test_finished_runs_survive_reopening_and_leases_do_not(
        self, store: Store, reopen: Reopen
    ) -> None:
        finished, leased = ("digest", "2025-03-03"), ("digest", "2025-03-04")
        assert await store.claim_job(*finished, T0) is True
        await store.finish_job(*finished)
        assert await store.claim_job(*leased, T0) is True

        store = await reopen()
        assert await store.claim_job(*finished, T0 + FAR) is False
        assert await store.claim_job(*leased, T0) is True  # the old lease would still be live
        assert await store.claim_job(*leased, T0) is False

    # addresses ----------------------------------------------------------------------------

    async def test_an_address_is_the_latest_saved_for_its_platform_and_user(
        self, store: Store
    ) -> None:
        reference = {"conversation": {"id": "a:1chat"}, "serviceUrl": "https://smba.example/"}
        assert await store.address("teams", "29:dana") is None
        await store.save_address("teams", "29:dana", reference)
        assert await store.address("teams", "29:dana") == reference
        assert await store.address("teams", "29:maya") is None  # another user
        assert await store.address("slack", "29:dana") is None  # another platform
        moved = {**reference, "serviceUrl": "https://smba.example/emea/"}
        await store.save_address("teams", "29:dana", moved)
        assert await store.address("teams", "29:dana") == moved
        found = await store.address("teams", "29:dana")
        assert found is not None
        found["serviceUrl"] = "changed by the caller"
        assert await store.address("teams", "29:dana") == moved  # a copy, not the stored one

    async def test_addresses_survive_reopening(self, store: Store, reopen: Reopen) -> None:
        await store.save_address("teams", "29:dana", {"conversation": {"id": "a:1"}})
        await store.save_address("teams", "29:dana", {"conversation": {"id": "a:2"}})
        await store.save_address("teams", "29:maya", {"conversation": {"id": "a:3"}})
        store = await reopen()
        assert await store.address("teams", "29:dana") == {"conversation": {"id": "a:2"}}
        assert await store.address("teams", "29:maya") == {"conversation": {"id": "a:3"}}

    # kept messages ------------------------------------------------------------------------

    async def test_a_kept_message_is_the_latest_kept_under_its_key(self, store: Store) -> None:
        said = chatter("m-1", "The invoice is wrong, @Dana knows.", mentioned=("29:dana",))
        assert await store.kept_message("teams", "19:acme", "m-1") is None
        await store.keep_message(said)
        assert await store.kept_message("teams", "19:acme", "m-1") == said
        assert await store.kept_message("teams", "19:globex", "m-1") is None  # another channel
        assert await store.kept_message("slack", "19:acme", "m-1") is None  # another platform
        again = replace(said, words="The invoice is wrong.", mentioned=())
        await store.keep_message(again)
        assert await store.kept_message("teams", "19:acme", "m-1") == again

    async def test_kept_messages_survive_reopening(self, store: Store, reopen: Reopen) -> None:
        await store.keep_message(chatter("m-1", "first"))
        await store.keep_message(chatter("m-2", "second", author="29:gary", channel="19:globex"))
        store = await reopen()
        assert await store.kept_message("teams", "19:acme", "m-1") == chatter("m-1", "first")
        found = await store.kept_message("teams", "19:globex", "m-2")
        assert found and found.words == "second" and found.author == "29:gary"

    async def test_forgetting_takes_out_what_matches_and_only_that(
        self, store: Store, reopen: Reopen
    ) -> None:
        old = chatter("m-old", "old", at=T0 - timedelta(days=8))
        edited = chatter("m-edited", "edited")
        carol = chatter("m-carol", "by carol", author="29:carol")
        globex = chatter("m-globex", "in globex", channel="19:globex", author="29:gary")
        stays = chatter("m-stays", "stays", author="29:erin")
        elsewhere = replace(carol, platform="slack")  # the same ids on another platform
        for message in (old, edited, carol, globex, stays, elsewhere):
            await store.keep_message(message)

        async def left() -> set[str]:
            found = [
                await store.kept_message(m.platform, m.channel, m.message_id)
                for m in (old, edited, carol, globex, stays, elsewhere)
            ]
            return {f"{m.platform}/{m.message_id}" for m in found if m}

        everything = await left()
        assert await store.forget_messages(Forget(before=T0), dry_run=True) == 1
        assert await left() == everything  # a dry run changes nothing
        assert await store.forget_messages(Forget(before=T0)) == 1
        assert await store.forget_messages(Forget(messages=frozenset({edited.key}))) == 1
        assert await store.forget_messages(Forget(authors=frozenset({("teams", "29:carol")}))) == 1
        in_globex = Forget(channels=frozenset({("teams", "19:globex")}))
        assert await store.forget_messages(in_globex) == 1
        assert await store.forget_messages(Forget(before=T0)) == 0  # gone already
        assert await left() == {"teams/m-stays", "slack/m-carol"}
        store = await reopen()
        assert await left() == {"teams/m-stays", "slack/m-carol"}  # gone for good


    async def test_concurrent_creates_for_one_source_make_one_case(self, store: Store) -> None:
        cases = [make_case(number, "m-1") for number in range(1, 21)]
        results = await asyncio.gather(
            *(store.create_case(c, [make_event(c)], make_effects(c)) for c in cases),
            return_exceptions=True,
        )
        winners = [c for c, result in zip(cases, results, strict=True) if result is None]
        assert len(winners) == 1
        losers = [r for r in results if r is not None]
        assert all(isinstance(r, DuplicateSource) for r in losers), losers
        assert {r.case_id for r in losers if isinstance(r, DuplicateSource)} == {winners[0].id}
        assert await store.list_cases() == winners
        assert await store.effect_counts() == {"pending": 3, "failed": 0}

    async def test_concurrent_saves_of_one_version_let_one_win(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], [])
        edits = [case.evolve(T0, summary=f"edit {n}") for n in range(10)]
        results = await asyncio.gather(
            *(store.save_case(edit, 0, [make_event(case, "edited")], []) for edit in edits),
            return_exceptions=True,
        )
        winners = [e for e, result in zip(edits, results, strict=True) if result is None]
        assert len(winners) == 1
        assert all(isinstance(r, Conflict) for r in results if r is not None)
        assert await store.get_case(case.id) == winners[0]
        assert len(await store.timeline(case.id)) == 1

    async def test_concurrent_writes_with_one_delivery_let_one_win(self, store: Store) -> None:
        cases = [make_case(number) for number in range(1, 11)]
        results = await asyncio.gather(
            *(store.create_case(c, [], [], delivery_id="evt-1") for c in cases),
            return_exceptions=True,
        )
        assert sum(result is None for result in results) == 1
        assert all(isinstance(r, DuplicateDelivery) for r in results if r is not None)
        assert len(await store.list_cases()) == 1

    async def test_concurrent_claims_hand_each_item_out_once(self, store: Store) -> None:
        for number in (1, 2, 3):
            await store.create_case(make_case(number), [], make_effects(make_case(number)))
        now = soon()
        batches = await asyncio.gather(*(store.claim_effects(now) for _ in range(5)))
        ids = [item.id for batch in batches for item in batch]
        assert len(ids) == 9, "the head of each of three lanes of three cases"
        assert len(set(ids)) == 9

    # reopening ------------------------------------------------------------------------------

    async def test_everything_survives_reopening(self, store: Store, reopen: Reopen) -> None:
        now = soon()
        first, second = make_case(1), make_case(2)
        number = await store.next_case_number()
        await store.create_case(first, [make_event(first)], make_effects(first), "evt-1")
        await store.create_case(second, [make_event(second)], make_effects(second, "two"))
        closed = second.evolve(T0 + timedelta(hours=1), status=Status.CLOSED)
        closing = [make_event(second, "closed", 60)]
        await store.save_case(closed, 0, closing, [CardNote(second.id, "closed")], "evt-2")
        [a, b] = await store.claim_effects(now, limit=2)  # the first case's card and client post
        thread = "slack:C-ACME:1700000099.000001"
        await store.complete_effects([(a.id, {"card": "111.1", CLIENT_THREAD: thread})])
        await store.fail_effect(b.id, "channel archived")
        waiting, put_off = make_inbox_item("evt-3", 3), make_inbox_item("evt-4", 4)
        await store.accept(waiting)
        await store.accept(put_off)
        await store.retry_inbox("evt-4", "ratelimited", now + timedelta(hours=1))
        await store.accept(make_inbox_item("evt-5", 5))
        await store.drop_inbox("evt-5", "message deleted")
        inbox = await store.due_inbox(now + FAR)

        store = await reopen()

        assert await store.list_cases() == [first, closed]
        assert await store.timeline(first.id) == [make_event(first)]
        assert await store.timeline(second.id) == [make_event(second), *closing]
        assert await store.case_for_source(thread) == first
        assert await store.get_ref(first.id, "card") == "111.1"
        assert (await store.health())["cases"] == 2
        assert await store.next_case_number() > number
        assert await store.due_inbox(now + FAR) == inbox
        assert await store.due_inbox(now) == [waiting]
        for delivery_id in ("evt-1", "evt-2", "evt-3", "evt-4", "evt-5"):
            assert await store.seen(delivery_id) is True, delivery_id
            assert await store.accept(make_inbox_item(delivery_id, 9)) is False, delivery_id
        assert await store.seen("evt-6") is False
        with pytest.raises(DuplicateDelivery):
            await store.create_case(make_case(3), [], [], delivery_id="evt-2")
        with pytest.raises(DuplicateSource):
            await store.create_case(make_case(4, first.source.message_id), [], [])
        with pytest.raises(Conflict):
            await store.save_case(first.evolve(T0), 1, [], [])

        assert await store.effect_counts() == {"pending": 5, "failed": 1}
        handed = await drain(store, now)
        assert not {a.id, b.id} & {item.id for item in handed}
        assert not any(item.maybe_sent for item in handed)
        assert of_case(handed, first.id) == make_effects(first)[2:]
        assert of_case(handed, second.id) == [
            *make_effects(second, "two"),
            CardNote(second.id, "closed"),
        ]

    async def test_outbox_ids_are_never_reused_after_reopening(
        self, store: Store, reopen: Reopen
    ) -> None:
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        before = await drain(store, soon())
        assert await store.effect_counts() == {"pending": 0, "failed": 0}

        store = await reopen()
        await store.save_case(case.evolve(T0), 0, [], make_effects(case, "again"))
        after = await drain(store, soon())
        assert [i.effect for i in after] == make_effects(case, "again")
        assert min(i.id for i in after) > max(i.id for i in before)

    async def test_case_numbers_are_never_repeated_after_reopening(
        self, store: Store, reopen: Reopen
    ) -> None:
        numbers = [await store.next_case_number() for _ in range(3)]
        store = await reopen()
        assert await store.next_case_number() > max(numbers)

    async def test_an_item_leased_before_reopening_comes_back_as_maybe_sent(
        self, store: Store, reopen: Reopen
    ) -> None:
        first, second = make_case(1), make_case(2)
        await store.create_case(first, [], make_effects(first))
        await store.create_case(second, [], make_effects(second))
        now = soon()
        [leased] = await store.claim_effects(now, limit=1)

        store = await reopen()
        claimed = await store.claim_effects(now)  # the old lease would still be live at `now`
        assert [(i.id, i.effect, i.maybe_sent) for i in claimed[:1]] == [
            (leased.id, leased.effect, True)
        ]
        assert [(i.effect, i.maybe_sent) for i in claimed[1:]] == [
            (effect, False) for effect in [*make_effects(first)[1:], *make_effects(second)]
        ]


def chatter(
    message_id: str,
    words: str,
    *,
    author: str = "29:carol",
    channel: str = "19:acme",
    at: datetime = T0,
    mentioned: tuple[str, ...] = (),
) -> KeptMessage:
    """A message of a client channel kept for a later flag."""
    return KeptMessage("teams", channel, message_id, author, "Carol Client", words, mentioned, at)
