"""The Store contract (storage/base.py), written once for every backend.

A backend's test module subclasses `StoreContract` and provides a `store`
fixture yielding an opened, empty store. Only the `Store` protocol is used here.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from handlers.effects import CardNote
from handlers.errors import Conflict, DuplicateSource
from handlers.model import Status
from storage.base import Store
from tests.storage.samples import T0, make_case, make_effects, make_event


def soon() -> datetime:
    """A moment when every new outbox item is due, whatever clock the backend stamps them with."""
    return datetime.now(UTC) + timedelta(minutes=1)


class StoreContract:
    # cases ----------------------------------------------------------------------------------

    async def test_create_then_get_returns_an_equal_case(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [make_event(case)], make_effects(case))
        assert await store.get_case(case.id) == case
        assert await store.get_case("C-9999") is None

    async def test_second_case_for_a_source_is_refused(self, store: Store) -> None:
        first, second = make_case(1, "m-1"), make_case(2, "m-1")
        await store.create_case(first, [make_event(first)], make_effects(first))
        with pytest.raises(DuplicateSource) as refused:
            await store.create_case(second, [make_event(second)], make_effects(second))
        assert refused.value.case_id == first.id
        assert await store.get_case(second.id) is None
        assert await store.timeline(second.id) == []
        assert [i.effect.case_id for i in await store.due_effects(soon())] == [first.id] * 3

    async def test_second_case_for_an_archived_source_is_refused(self, store: Store) -> None:
        first = make_case(1, "m-1")
        await store.create_case(first, [], [])
        await store.save_case(first.evolve(T0, status=Status.CLOSED), 0, [], [])
        with pytest.raises(DuplicateSource) as refused:
            await store.create_case(make_case(2, "m-1"), [], [])
        assert refused.value.case_id == first.id

    async def test_case_for_source(self, store: Store) -> None:
        case = make_case(1, "m-1")
        await store.create_case(make_case(2, "m-2"), [], [])
        await store.create_case(case, [], [])
        assert await store.case_for_source(case.source.key) == case
        assert await store.case_for_source("slack:C-ACME:unknown") is None

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
        due = [item.effect for item in await store.due_effects(soon())]
        assert due == [*make_effects(case), CardNote(case.id, "acknowledged")]

    async def test_a_stale_version_conflicts_and_writes_nothing(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [make_event(case)], make_effects(case))
        current = case.evolve(T0, summary="first edit")
        await store.save_case(current, 0, [make_event(case, "edited", 1)], [])
        before = (await store.timeline(case.id), await store.due_effects(soon()))

        stale = case.evolve(T0, status=Status.CLOSED, summary="second edit")
        with pytest.raises(Conflict):
            await store.save_case(stale, 0, [make_event(case, "closed", 2)], make_effects(case))

        assert await store.get_case(case.id) == current
        assert (await store.timeline(case.id), await store.due_effects(soon())) == before

    async def test_saving_a_case_that_was_never_created_conflicts(self, store: Store) -> None:
        with pytest.raises(Conflict):
            await store.save_case(make_case(1, version=1), 0, [], [])
        assert await store.list_cases() == []

    async def test_list_cases_is_ordered_by_number_and_includes_archived(
        self, store: Store
    ) -> None:
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

    async def test_a_closed_case_stays_readable_with_its_timeline(self, store: Store) -> None:
        case = make_case(1)
        opened, closed_event = make_event(case, "opened"), make_event(case, "closed", 9)
        await store.create_case(case, [opened], [])
        closed = case.evolve(T0 + timedelta(days=3), status=Status.CLOSED)
        await store.save_case(closed, 0, [closed_event], [CardNote(case.id, "closed")])

        assert await store.get_case(case.id) == closed
        assert await store.timeline(case.id) == [opened, closed_event]
        assert await store.case_for_source(case.source.key) == closed
        assert [i.effect for i in await store.due_effects(soon())] == [CardNote(case.id, "closed")]

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

    # outbox ---------------------------------------------------------------------------------

    async def test_outbox_hands_items_out_in_the_order_they_were_added(self, store: Store) -> None:
        first, second = make_case(1), make_case(2)
        await store.create_case(first, [], make_effects(first, "one"))
        await store.create_case(second, [], make_effects(second, "two"))

        due = await store.due_effects(soon())
        assert [i.effect for i in due] == make_effects(first, "one") + make_effects(second, "two")
        assert [i.id for i in due] == sorted(i.id for i in due)
        assert len({i.id for i in due}) == 6
        assert all(i.attempts == 0 for i in due)
        assert await store.due_effects(soon(), limit=2) == due[:2]
        assert await store.due_effects(soon()) == due, "reading must not consume items"

    async def test_retry_delays_an_item_until_its_next_attempt(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        item = (await store.due_effects(soon()))[0]
        later = soon() + timedelta(hours=1)
        await store.retry_effect(item.id, "rate limited", later)

        assert item.id not in [i.id for i in await store.due_effects(soon())]
        assert item.id not in [i.id for i in await store.due_effects(later - timedelta(seconds=1))]
        due = await store.due_effects(later)
        assert [i.id for i in due] == sorted(i.id for i in due), "still in the order added"
        retried = next(i for i in due if i.id == item.id)
        assert retried.effect == item.effect
        assert (retried.attempts, retried.next_attempt_at) == (1, later)
        assert await store.effect_counts() == {"pending": 3, "failed": 0}

    async def test_a_waiting_item_holds_back_the_rest_of_its_case_only(self, store: Store) -> None:
        first, second = make_case(1), make_case(2)
        await store.create_case(first, [], make_effects(first, "one"))
        await store.create_case(second, [], make_effects(second, "two"))
        head = (await store.due_effects(soon()))[0]
        later = soon() + timedelta(minutes=5)
        await store.retry_effect(head.id, "rate limited", later)

        due = await store.due_effects(soon())
        assert [i.effect for i in due] == make_effects(second, "two")
        again = await store.due_effects(later)
        assert [i.effect for i in again] == make_effects(first, "one") + make_effects(second, "two")

    async def test_complete_removes_an_item(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        item = (await store.due_effects(soon()))[0]
        await store.complete_effect(item.id)
        far = soon() + timedelta(days=365)
        assert item.id not in [i.id for i in await store.due_effects(far)]
        assert await store.effect_counts() == {"pending": 2, "failed": 0}

    async def test_a_failed_item_is_no_longer_due_but_is_counted(self, store: Store) -> None:
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        item = (await store.due_effects(soon()))[1]
        await store.fail_effect(item.id, "channel archived")
        far = soon() + timedelta(days=365)
        assert item.id not in [i.id for i in await store.due_effects(far)]
        assert await store.effect_counts() == {"pending": 2, "failed": 1}

    async def test_effect_counts(self, store: Store) -> None:
        assert await store.effect_counts() == {"pending": 0, "failed": 0}
        case = make_case(1)
        await store.create_case(case, [], make_effects(case))
        await store.save_case(case.evolve(T0), 0, [], [CardNote(case.id, "x")])
        assert await store.effect_counts() == {"pending": 4, "failed": 0}

    # platform bookkeeping -------------------------------------------------------------------

    async def test_first_delivery_is_true_once(self, store: Store) -> None:
        assert await store.first_delivery("evt-1") is True
        assert await store.first_delivery("evt-1") is False
        assert await store.first_delivery("evt-2") is True
        assert await store.first_delivery("evt-1") is False

    async def test_refs_are_kept_per_case_and_name(self, store: Store) -> None:
        assert await store.get_ref("C-0001", "card") is None
        await store.set_ref("C-0001", "card", "111.1")
        await store.set_ref("C-0001", "thread", "222.2")
        await store.set_ref("C-0002", "card", "333.3")
        await store.set_ref("C-0001", "card", "444.4")
        assert await store.get_ref("C-0001", "card") == "444.4"
        assert await store.get_ref("C-0001", "thread") == "222.2"
        assert await store.get_ref("C-0002", "card") == "333.3"

    async def test_case_numbers_are_never_repeated(self, store: Store) -> None:
        sequential = [await store.next_case_number() for _ in range(5)]
        assert sequential == sorted(sequential)
        assert len(set(sequential)) == 5
        concurrent = await asyncio.gather(*(store.next_case_number() for _ in range(20)))
        assert len(set(concurrent)) == 20
        assert min(concurrent) > max(sequential)

    # concurrency ----------------------------------------------------------------------------

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
        assert len(await store.due_effects(soon())) == 3

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
