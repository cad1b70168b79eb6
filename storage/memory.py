"""The in-memory backend: the Store contract (storage/base.py) at its plainest.

It is the reference. A newcomer reads the contract here without a file format or SQL in
the way, and tests of the layers above can run on it. It passes the same contract suite
(`tests/storage/contract.py`) as every other backend.

All state lives in one `MemoryData`. To "reopen" (as after a crash), `close()` the store
and build a new `MemoryStore` over the same data: leases do not survive, so an outbox item
that was leased comes back with `maybe_sent`, and a leased inbox item or job run is handed
out again at once; a finished job run stays finished. The outbox is one dict in id order;
an item's lane is not stored but read off its effect (`Effect.lane`) when items are
claimed. No method awaits between reading and writing, so each call is one unit of work on
the event loop and needs no lock; a refusal is raised before anything is written. Values
are deep-copied in and out, so no caller can change what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from handlers.effects import CardUpdate, Effect
from handlers.errors import Conflict, DuplicateDelivery, DuplicateSource, StorageError, StoreLocked
from handlers.fit import CaseFacts, ClientTotals, timeline_facts, totals_by_client
from handlers.model import Case, Event
from handlers.review import OpenCase, PersonCase
from handlers.trend import monthly_totals
from storage.base import (
    CLIENT_THREAD,
    DEFAULT_LEASE,
    Completion,
    Forget,
    InboxItem,
    KeptMessage,
    MessageKey,
    OutboxItem,
)


@dataclass
class OutboxEntry:
    item: OutboxItem
    leased_until: datetime | None = None  # set from claim until complete/retry/fail/close
    failed: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class JobRun:
    leased_until: datetime | None = None  # set by claim_job until finish_job or close
    done: bool = False


@dataclass
class MemoryData:
    cases: dict[str, Case] = field(default_factory=dict)
    timelines: dict[str, list[Event]] = field(default_factory=dict)
    outbox: dict[int, OutboxEntry] = field(default_factory=dict)  # by id: the order queued
    inbox: dict[str, InboxItem] = field(default_factory=dict)  # by delivery id
    inbox_leases: dict[str, datetime] = field(default_factory=dict)  # delivery id -> until
    dropped: dict[str, str] = field(default_factory=dict)  # inbox delivery id -> reason
    refs: dict[tuple[str, str], str] = field(default_factory=dict)  # (case id, name) -> value
    deliveries: set[str] = field(default_factory=set)  # recorded with a change, or dropped
    jobs: dict[tuple[str, str], JobRun] = field(default_factory=dict)  # (name, slot) -> run
    addresses: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    kept: dict[MessageKey, KeptMessage] = field(default_factory=dict)
    last_case_number: int = 0
    last_outbox_id: int = 0
    held: bool = False  # a MemoryStore over this data is open


class MemoryStore:
    def __init__(self, data: MemoryData | None = None) -> None:
        self.data = data if data is not None else MemoryData()
        self._open = False

    @property
    def _d(self) -> MemoryData:
        if not self._open:
            raise StorageError("the memory store is not open")
        return self.data

    async def open(self) -> None:
        if self.data.held:
            raise StoreLocked("another MemoryStore has this data open")
        self.data.held = self._open = True

    async def close(self) -> None:
        if not self._open:
            return
        for entry in self.data.outbox.values():
            if entry.leased_until is not None:  # its worker is gone; it may have sent it
                entry.leased_until = None
                entry.item = replace(entry.item, maybe_sent=True)
        self.data.inbox_leases.clear()
        for run in self.data.jobs.values():
            run.leased_until = None
        self.data.held = self._open = False

    async def health(self) -> dict[str, Any]:
        return {"ok": self._open, "backend": "memory", "cases": len(self.data.cases)}

    # cases ------------------------------------------------------------------------------

    async def next_case_number(self) -> int:
        self._d.last_case_number += 1
        return self._d.last_case_number

    async def case_for_source(self, source_key: str) -> Case | None:
        d = self._d
        for case in d.cases.values():
            if case.source.key == source_key:
                return deepcopy(case)
        for (case_id, name), value in d.refs.items():
            if name == CLIENT_THREAD and value == source_key:
                return deepcopy(d.cases.get(case_id))
        return None

    async def create_case(
        self,
        case: Case,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None = None,
    ) -> None:
        d = self._d
        self._refuse_repeat(delivery_id)
        for existing in d.cases.values():
            if existing.source.key == case.source.key:
                raise DuplicateSource(existing.id)
        if case.id in d.cases:
            raise StorageError(f"case {case.id} already exists")
        self._write(case, events, effects, delivery_id)

    async def save_case(
        self,
        case: Case,
        expected_version: int,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None = None,
    ) -> None:
        self._refuse_repeat(delivery_id)
        stored = self._d.cases.get(case.id)
        if stored is None or stored.version != expected_version:
            raise Conflict(f"case {case.id} is no longer at version {expected_version}")
        self._write(case, events, effects, delivery_id)

    async def rewrite_case(
        self,
        case: Case,
        expected_version: int,
        timeline: list[Event],
        delivery_id: str | None = None,
        pending: Callable[[Effect], Effect] = lambda effect: effect,
        effects: Sequence[Effect] = (),
    ) -> None:
        self._refuse_repeat(delivery_id)
        stored = self._d.cases.get(case.id)
        if stored is None or stored.version != expected_version:
            raise Conflict(f"case {case.id} is no longer at version {expected_version}")
        for entry in self._d.outbox.values():  # failed ones too: they hold the text as well
            if entry.item.effect.case_id == case.id:
                entry.item = replace(entry.item, effect=pending(entry.item.effect))
        self._d.timelines[case.id] = []
        self._write(case, timeline, list(effects), delivery_id)

    def _refuse_repeat(self, delivery_id: str | None) -> None:
        if delivery_id is not None and delivery_id in self._d.deliveries:
            raise DuplicateDelivery(delivery_id)

    def _write(
        self, case: Case, events: list[Event], effects: list[Effect], delivery_id: str | None
    ) -> None:
        """The unit of work, once every check has passed."""
        d = self._d
        d.cases[case.id] = deepcopy(case)
        d.timelines.setdefault(case.id, []).extend(deepcopy(events))
        for effect in deepcopy(effects):
            if isinstance(effect, CardUpdate) and self._card_update_waits(case.id):
                continue  # the waiting one (in the same card lane) draws the card as it is then
            d.last_outbox_id += 1
            d.outbox[d.last_outbox_id] = OutboxEntry(
                OutboxItem(d.last_outbox_id, effect, attempts=0, next_attempt_at=case.updated_at)
            )
        if delivery_id is not None:
            d.deliveries.add(delivery_id)
            d.inbox.pop(delivery_id, None)
            d.inbox_leases.pop(delivery_id, None)

    def _card_update_waits(self, case_id: str) -> bool:
        return any(
            isinstance(e.item.effect, CardUpdate)
            and e.item.effect.case_id == case_id
            and not e.failed
            and e.leased_until is None  # a leased one may have drawn the card already
            for e in self._d.outbox.values()
        )

    async def seen(self, delivery_id: str) -> bool:
        return self._seen(delivery_id)

    def _seen(self, delivery_id: str) -> bool:
        return delivery_id in self._d.deliveries or delivery_id in self._d.inbox

    async def get_case(self, case_id: str) -> Case | None:
        return deepcopy(self._d.cases.get(case_id))

    async def list_cases(self) -> list[Case]:
        return deepcopy(sorted(self._d.cases.values(), key=lambda case: case.number))

    async def timeline(self, case_id: str) -> list[Event]:
        return deepcopy(self._d.timelines.get(case_id, []))

    async def get_ref(self, case_id: str, name: str) -> str | None:
        return self._d.refs.get((case_id, name))

    # addresses --------------------------------------------------------------------------

    async def save_address(self, platform: str, user_id: str, reference: dict[str, Any]) -> None:
        self._d.addresses[(platform, user_id)] = deepcopy(reference)

    async def address(self, platform: str, user_id: str) -> dict[str, Any] | None:
        return deepcopy(self._d.addresses.get((platform, user_id)))

    # kept messages ----------------------------------------------------------------------

    async def keep_message(self, message: KeptMessage) -> None:
        self._d.kept[message.key] = message  # frozen: nothing to copy

    async def kept_message(
        self, platform: str, channel: str, message_id: str
    ) -> KeptMessage | None:
        return self._d.kept.get((platform, channel, message_id))

    async def forget_messages(self, which: Forget, dry_run: bool = False) -> int:
        gone = [key for key, message in self._d.kept.items() if which.matches(message)]
        if not dry_run:
            for key in gone:
                del self._d.kept[key]
        return len(gone)

    # inbox ------------------------------------------------------------------------------

    async def accept(self, item: InboxItem) -> bool:
        if self._seen(item.delivery_id):
            return False
        self._d.inbox[item.delivery_id] = deepcopy(item)
        return True

    async def due_inbox(self, now: datetime, limit: int = 50) -> list[InboxItem]:
        return deepcopy(self._due(now)[:limit])

    async def claim_inbox(
        self, now: datetime, limit: int = 50, lease: timedelta = DEFAULT_LEASE
    ) -> list[InboxItem]:
        leases = self._d.inbox_leases
        # not leased, or its lease ran out (its worker died)
        free = [i for i in self._due(now) if leases.get(i.delivery_id, now) <= now][:limit]
        for item in free:
            leases[item.delivery_id] = now + lease
        return deepcopy(free)

    def _due(self, now: datetime) -> list[InboxItem]:
        oldest_first = sorted(self._d.inbox.values(), key=lambda item: item.received_at)
        return [i for i in oldest_first if i.next_attempt_at is None or i.next_attempt_at <= now]

    async def retry_inbox(self, delivery_id: str, error: str, next_attempt_at: datetime) -> None:
        item = self._d.inbox.get(delivery_id)
        if item is not None:
            self._d.inbox_leases.pop(delivery_id, None)
            self._d.inbox[delivery_id] = replace(
                item,
                attempts=item.attempts + 1,
                next_attempt_at=next_attempt_at,
                errors=(*item.errors, error),
            )

    async def drop_inbox(self, delivery_id: str, reason: str) -> None:
        d = self._d
        if d.inbox.pop(delivery_id, None) is not None:
            d.inbox_leases.pop(delivery_id, None)
            d.dropped[delivery_id] = reason
            d.deliveries.add(delivery_id)  # a retry of this delivery is refused, not redone

    # outbox -----------------------------------------------------------------------------

    async def claim_effects(
        self, now: datetime, limit: int = 50, lease: timedelta = DEFAULT_LEASE
    ) -> list[OutboxItem]:
        """Lease the head of each (case, lane) that is due and not leased, oldest head first.

        A lane's head is its oldest item that has not failed. A head that is leased or put
        off holds back the rest of its lane and nothing else: the case's other lanes, and
        other cases, are handed out beside it.
        """
        heads: dict[tuple[str, str], OutboxEntry] = {}  # (case, lane) -> its oldest live item
        for entry in self._d.outbox.values():  # in id order, so the heads are oldest first
            if not entry.failed:
                effect = entry.item.effect
                heads.setdefault((effect.case_id, effect.lane), entry)
        claimed: list[OutboxItem] = []
        for entry in heads.values():
            if len(claimed) == limit:
                break
            # Only a head is ever leased, so a live head lease is the lane's only one.
            leased = entry.leased_until is not None and entry.leased_until > now
            if leased or entry.item.next_attempt_at > now:
                continue
            effect = entry.item.effect
            first = heads.get((effect.case_id, effect.after)) if effect.after else None
            if first is not None and first.item.id < entry.item.id:
                continue  # its `after` lane goes first
            if entry.leased_until is not None:  # the lease ran out: its worker may have sent it
                entry.item = replace(entry.item, maybe_sent=True)
            entry.leased_until = now + lease
            case_id = effect.case_id
            refs = {name: value for (of, name), value in self._d.refs.items() if of == case_id}
            claimed.append(replace(entry.item, refs=refs))
        return claimed

    async def complete_effects(self, done: Sequence[Completion]) -> None:
        d = self._d
        for item_id, refs in done:
            entry = d.outbox.pop(item_id, None)
            if entry is not None:
                for name, value in refs.items():
                    d.refs[(entry.item.effect.case_id, name)] = value

    async def retry_effect(
        self,
        item_id: int,
        error: str,
        next_attempt_at: datetime,
        maybe_sent: bool = False,
    ) -> None:
        entry = self._d.outbox.get(item_id)
        if entry is not None:
            entry.item = replace(
                entry.item,
                attempts=entry.item.attempts + 1,
                next_attempt_at=next_attempt_at,
                maybe_sent=entry.item.maybe_sent or maybe_sent,
            )
            entry.leased_until = None
            entry.errors.append(error)

    async def fail_effect(self, item_id: int, error: str) -> None:
        entry = self._d.outbox.get(item_id)
        if entry is not None:
            entry.failed, entry.leased_until = True, None
            entry.errors.append(error)

    async def effect_counts(self) -> dict[str, int]:
        failed = sum(1 for entry in self._d.outbox.values() if entry.failed)
        return {"pending": len(self._d.outbox) - failed, "failed": failed}

    # read side --------------------------------------------------------------------------

    async def cases_opened(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[Case]:
        return self._cases_where(
            lambda case: since <= case.created_at < until and client_id in (None, case.client_id)
        )

    async def case_history(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[CaseFacts]:
        opened = await self.cases_opened(since, until, client_id)
        return [timeline_facts(case, self._d.timelines.get(case.id, [])) for case in opened]

    async def client_totals(self, since: datetime, until: datetime) -> dict[str, ClientTotals]:
        return totals_by_client(await self.case_history(since, until))

    async def open_cases(self) -> list[Case]:
        return self._cases_where(lambda case: not case.status.final)

    async def monthly_totals(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> dict[tuple[str, str], ClientTotals]:
        return monthly_totals(await self.case_history(since, until, client_id))

    async def open_for_review(self) -> list[OpenCase]:
        return [OpenCase.of(case) for case in await self.open_cases()]

    async def cases_of_person(self, person_id: str) -> list[Case]:
        return self._cases_where(lambda case: person_id in case.included)

    async def person_history(
        self, person_id: str, since: datetime, until: datetime
    ) -> list[PersonCase]:
        return [
            PersonCase.of(case)
            for case in self._cases_where(
                lambda case: since <= case.created_at < until and person_id in case.included
            )
        ]

    def _cases_where(self, keep: Callable[[Case], bool]) -> list[Case]:
        """The matching cases, oldest first (then by number): the order every query wants."""
        matching = [case for case in self._d.cases.values() if keep(case)]
        return deepcopy(sorted(matching, key=lambda case: (case.created_at, case.number)))

    # scheduled work ---------------------------------------------------------------------

    async def claim_job(
        self, name: str, slot: str, now: datetime, lease: timedelta = DEFAULT_LEASE
    ) -> bool:
        run = self._d.jobs.setdefault((name, slot), JobRun())
        if run.done or (run.leased_until is not None and run.leased_until > now):
            return False
        run.leased_until = now + lease
        return True

    async def finish_job(self, name: str, slot: str) -> None:
        self._d.jobs[(name, slot)] = JobRun(done=True)
