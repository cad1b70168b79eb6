"""The async repository every backend implements: TinyDB (embedded), an in-memory reference,
and later PostgreSQL.

The contract, which `tests/storage/contract.py` checks for every backend:

- **One call, one unit of work.** `create_case` and `save_case` store the case, its new
  timeline events, its new outbox effects and the platform delivery id that caused them
  in one write: all or nothing. `create_case` refuses a second case for one source
  message (`DuplicateSource`); `save_case` writes only if the stored version is
  `expected_version` (`Conflict`); either refuses a delivery id it has already recorded
  (`DuplicateDelivery`). A delivery id is therefore recorded with the change it caused,
  never before it: if the work fails, the platform's retry finds nothing and does it.
- **Durable on return.** Every method that returned has made its write durable; a store
  reopened after a crash holds exactly what returned before it.
- **The inbox** keeps a trigger that still needs outside work (reading a flagged message)
  from the moment it is accepted until the `create_case` that carries its delivery id
  settles it, or it is dropped. `accept` refuses a delivery id it has seen. The worker
  claims items with a lease (`claim_inbox`), so two replicas never finish one together.
- **The outbox** hands out effects with a lease. `claim_effects` gives at most one item
  per lane of a case (`Effect.lane`: the client thread, the card, the DMs to one person,
  ...), the oldest pending one, and only when it is due and no item of that lane is
  leased: a case's effects in one lane leave one at a time, in the order they were made,
  while its other lanes, and other cases, go on. A leased item is not handed out again
  until it is completed, retried or failed, or its lease runs out (a worker that died);
  it then comes back with `maybe_sent`, because the platform may have done it already.
  A lease is over from the moment `now` reaches its end (`now >= leased_until`).
  An item is completed with its receipt (`refs`, e.g. the card's message ts) in the same
  write.
- A `CardUpdate` queued while an earlier one of the same case is still waiting (and not
  leased) is dropped: the card is drawn from the case as it is when it is sent, so the
  waiting one shows the newer state too.
- **A rewrite** (`rewrite_case`) is a unit of work like `save_case` that also replaces the
  case's timeline and its pending effects: redaction (`handlers.redaction`) is the only
  change that rewrites history, and leaves no copy of the old text in the store.
- A ref named `CLIENT_THREAD` holds the message key of a client thread that is not the
  case's source (a thread the bot started itself); `case_for_source` finds the case by it.
- **The read side** answers what `/review` asks without reading every case: the cases
  opened in a period (of one client or all), the open ones by age, and the ones that
  include a person. PostgreSQL answers from indexes; TinyDB from its in-memory index.
  `case_history` adds what the fit score and the time to resolve need of each case's
  timeline (reopens, the last resolution), kept up to date with every write of the case
  (PostgreSQL: columns of the case row; TinyDB: its index entry), so a portfolio of 100k
  cases reads no timeline. `client_totals` counts that history per client, as
  `handlers.fit.totals` does (PostgreSQL in one aggregate; the others by that function),
  and `monthly_totals` by month as well.
  `case_history`, `open_for_review` and `person_history` give only the fields their views
  read (`ReviewCase`, `OpenCase`, `PersonCase`), never whole cases; `person_history` only
  the window's.
- **Scheduled work** runs once per slot across replicas: `claim_job` hands run `slot` of
  a job to one caller with a lease; `finish_job` marks it done for good. A runner that
  died leaves its lease to run out, and the run is handed out again, so a job that
  writes through units of work with delivery ids derived from its name and slot (see
  `job_delivery_id`) has each of its writes done exactly once, also after a crash.

- **Addresses**: where a platform says a person can be written to (Teams' conversation
  reference from the app's installation for them), one per (platform, user id), the
  latest kept. Durable on return, like every write.
- **Kept messages**: what a platform sent of a client channel that was no case business
  (`KeptMessage`: Teams sends every message, and cannot be asked for one later), one per
  (platform, channel, message id), the latest kept, so a later flag can open a case on
  it. Personal data for a short time only (`bot.interaction.KEEP_MESSAGES`):
  `forget_messages` takes them out by age, message, author or channel, and once it
  returns their words are in none of the backend's files (the TinyDB journal is folded)
  nor live rows.

Several replicas (PostgreSQL) keep the same promises across processes: a unique source
key and a version column settle races, a sequence numbers cases, a unique delivery id
refuses repeats, and `claim_effects` leases with `FOR UPDATE SKIP LOCKED` and an expiry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from handlers.effects import Effect
from handlers.fit import CaseFacts, ClientTotals
from handlers.model import Case, Event
from handlers.review import OpenCase, PersonCase

CLIENT_THREAD = "client_thread"
DEFAULT_LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    effect: Effect
    attempts: int
    next_attempt_at: datetime
    maybe_sent: bool = False  # an earlier attempt may have reached the platform
    # The case as the claim read it, where the backend reads it in the same query (a
    # round trip less per effect); None: the outbox reads it itself.
    case: Case | None = field(default=None, compare=False, repr=False)
    # The case's refs (name -> value) as the claim read them.
    refs: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        """Unique per effect, forever: what a platform message can carry to be found again."""
        return f"{self.effect.case_id}/{self.id}"


def job_delivery_id(name: str, slot: str, part: str = "") -> str:
    """The delivery id of one write of a scheduled run: the same on every retry of the run,
    and never the same for another (JSON keeps "a:b", "c" apart from "a", "b:c")."""
    return "job:" + json.dumps([name, slot, part], ensure_ascii=False)


@dataclass(frozen=True)
class InboxItem:
    """A trigger accepted from a platform whose work needs the platform again (a read)."""

    delivery_id: str
    kind: str  # e.g. "slack.flag"; the adapter that accepted it knows what it means
    payload: dict[str, Any]
    received_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None  # None: due at once
    errors: tuple[str, ...] = field(default=())


MessageKey = tuple[str, str, str]  # (platform, channel, message id)


@dataclass(frozen=True)
class KeptMessage:
    """A message a platform sent that was no case business, kept for a later flag: who
    wrote it, the words as they saw it, the directory people it mentions (platform ids)."""

    platform: str
    channel: str
    message_id: str
    author: str  # platform user id
    author_name: str  # what the platform calls them
    words: str
    mentioned: tuple[str, ...]
    kept_at: datetime

    @property
    def key(self) -> MessageKey:
        return (self.platform, self.channel, self.message_id)


def kept_to_dict(message: KeptMessage) -> dict[str, Any]:
    """A kept message as JSON (its `kept_at` in ISO 8601)."""
    return {
        "platform": message.platform,
        "channel": message.channel,
        "message_id": message.message_id,
        "author": message.author,
        "author_name": message.author_name,
        "words": message.words,
        "mentioned": list(message.mentioned),
        "kept_at": message.kept_at.isoformat(),
    }


def kept_from_dict(data: dict[str, Any]) -> KeptMessage:
    return KeptMessage(
        **{k: v for k, v in data.items() if k not in ("mentioned", "kept_at")},
        mentioned=tuple(data["mentioned"]),
        kept_at=datetime.fromisoformat(data["kept_at"]),
    )


@dataclass(frozen=True)
class Forget:
    """Which kept messages go: any kept before `before`, or with one of these keys, or
    written by one of `authors`, or in one of `channels` ((platform, id) pairs)."""

    before: datetime | None = None
    messages: frozenset[MessageKey] = frozenset()
    authors: frozenset[tuple[str, str]] = frozenset()
    channels: frozenset[tuple[str, str]] = frozenset()

    def matches(self, message: KeptMessage) -> bool:
        return (
            (self.before is not None and message.kept_at < self.before)
            or message.key in self.messages
            or (message.platform, message.author) in self.authors
            or (message.platform, message.channel) in self.channels
        )


Completion = tuple[int, dict[str, str]]  # a done outbox item: (its id, the refs it made)


class Store(Protocol):
    async def open(self) -> None:
        """Acquire the backend (file lock, connection pool); raise StoreLocked if held."""

    async def close(self) -> None:
        """Finish queued writes and release the backend. Leases do not survive a close."""

    async def health(self) -> dict[str, Any]:
        """{"ok": bool, "cases": n, ...details}; cheap enough for every /healthz call."""

    # cases ------------------------------------------------------------------------------
    async def next_case_number(self) -> int:
        """A number never handed out before (gaps are allowed, repeats are not)."""

    async def case_for_source(self, source_key: str) -> Case | None:
        """The case opened on this message, or whose client thread it is."""

    async def create_case(
        self,
        case: Case,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None = None,
    ) -> None:
        """Store a new case; DuplicateSource(existing id) if its source already has one.
        The inbox item with `delivery_id`, if any, is settled in the same write."""

    async def save_case(
        self,
        case: Case,
        expected_version: int,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None = None,
    ) -> None:
        """Replace the case if the stored version is `expected_version`, else Conflict."""

    async def rewrite_case(
        self,
        case: Case,
        expected_version: int,
        timeline: list[Event],
        delivery_id: str | None = None,
        pending: Callable[[Effect], Effect] = lambda effect: effect,
        effects: Sequence[Effect] = (),
    ) -> None:
        """Like `save_case`, but `timeline` replaces the case's whole timeline (the one
        write that is not append-only: redaction), each pending outbox item of the case is
        replaced by `pending(effect)`, and `effects` are queued. Once it returns, the old
        texts are in none of the backend's own files (the TinyDB journal is folded) nor
        rows (PostgreSQL's dead row versions are reclaimed by its vacuum)."""

    async def seen(self, delivery_id: str) -> bool:
        """Whether a delivery id was recorded with a change or waits in the inbox (reads only)."""

    async def get_case(self, case_id: str) -> Case | None: ...

    async def list_cases(self) -> list[Case]:
        """Every case, open or final, ordered by case number."""

    async def timeline(self, case_id: str) -> list[Event]:
        """The case's events in the order they were recorded."""

    async def get_ref(self, case_id: str, name: str) -> str | None:
        """A platform reference kept for a case (e.g. the card's message ts on Slack)."""

    # addresses --------------------------------------------------------------------------
    async def save_address(self, platform: str, user_id: str, reference: dict[str, Any]) -> None:
        """Keep where `user_id` (a person, or on Teams a channel too) can be reached on
        `platform`, replacing the last one."""

    async def address(self, platform: str, user_id: str) -> dict[str, Any] | None:
        """The reference last saved for `user_id` on `platform`, or None."""

    # kept messages ----------------------------------------------------------------------
    async def keep_message(self, message: KeptMessage) -> None:
        """Keep a message (replacing one kept under its key)."""

    async def kept_message(
        self, platform: str, channel: str, message_id: str
    ) -> KeptMessage | None:
        """The message kept under this key, or None (never kept, or forgotten)."""

    async def forget_messages(self, which: Forget, dry_run: bool = False) -> int:
        """Take out every kept message `which` matches; how many went. `dry_run` counts
        them and changes nothing (a read-only store can)."""

    # inbox ------------------------------------------------------------------------------
    async def accept(self, item: InboxItem) -> bool:
        """Keep a trigger durably; False (and nothing written) if its delivery id was seen."""

    async def due_inbox(self, now: datetime, limit: int = 50) -> list[InboxItem]:
        """Items due for (another) try, oldest first, leased or not (a read for operators
        and tests)."""

    async def claim_inbox(
        self, now: datetime, limit: int = 50, lease: timedelta = DEFAULT_LEASE
    ) -> list[InboxItem]:
        """Lease up to `limit` due items, oldest first: each goes to one caller (one replica)
        until it is retried, dropped or settled, or its lease runs out. `due_inbox` only
        reads; the inbox worker claims."""

    async def retry_inbox(self, delivery_id: str, error: str, next_attempt_at: datetime) -> None:
        """Count a failed try and put the item off until `next_attempt_at`."""

    async def drop_inbox(self, delivery_id: str, reason: str) -> None:
        """Settle an item that will never open a case (refused, its message is gone)."""

    # outbox -----------------------------------------------------------------------------
    async def claim_effects(
        self, now: datetime, limit: int = 50, lease: timedelta = DEFAULT_LEASE
    ) -> list[OutboxItem]:
        """Lease the head item of up to `limit` lanes (oldest first) whose head is due.

        A head whose effect names an `after` lane also waits while its case has an older
        live (not failed) item in that lane. Each item carries its case's refs as they
        are at the claim."""

    async def complete_effects(self, done: Sequence[Completion]) -> None:
        """These effects are done: remove each item and keep its receipt (its refs), all in
        one write. An id that is no longer there (settled twice) is ignored."""

    async def retry_effect(
        self,
        item_id: int,
        error: str,
        next_attempt_at: datetime,
        maybe_sent: bool = False,
    ) -> None:
        """Release the lease and put the item off, one attempt more; `maybe_sent` if the
        outcome is unknown."""

    async def fail_effect(self, item_id: int, error: str) -> None:
        """Give up on an item; it stays visible (counted as failed) for operators."""

    async def effect_counts(self) -> dict[str, int]:
        """{"pending": n, "failed": n}; leased items count as pending."""

    # read side (for /review) ------------------------------------------------------------
    async def cases_opened(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[Case]:
        """Cases created in [since, until), of one client or of all, oldest first (then by
        number)."""

    async def case_history(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[CaseFacts]:
        """`cases_opened` as the review reads them (`handlers.fit.ReviewCase`), each with its
        timeline's facts (`handlers.fit.facts`: reopens and the last resolution) kept beside
        the case, so no timeline is read."""

    async def client_totals(self, since: datetime, until: datetime) -> dict[str, ClientTotals]:
        """The totals (`handlers.fit.totals`) of each client's `case_history` in [since,
        until), for the clients with a case there: what the portfolio reads, counted where
        the cases are, so a portfolio of 100k cases moves no row per case."""

    async def open_cases(self) -> list[Case]:
        """Every case that is not final, the longest open first (then by number)."""

    async def monthly_totals(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> dict[tuple[str, str], ClientTotals]:
        """`client_totals` by the month the cases opened in, keyed (client id, YYYY-MM), of
        one client or of all (`handlers.trend.monthly_totals`): what the chart reads."""

    async def open_for_review(self) -> list[OpenCase]:
        """`open_cases` as the open cases' view reads them (`handlers.review.OpenCase`)."""

    async def cases_of_person(self, person_id: str) -> list[Case]:
        """Every case that includes the person (`Case.included`), oldest first (then by
        number)."""

    async def person_history(
        self, person_id: str, since: datetime, until: datetime
    ) -> list[PersonCase]:
        """`cases_of_person` created in [since, until) as the person view reads them
        (`handlers.review.PersonCase`)."""

    # scheduled work ---------------------------------------------------------------------
    async def claim_job(
        self, name: str, slot: str, now: datetime, lease: timedelta = DEFAULT_LEASE
    ) -> bool:
        """Take run `slot` of job `name`: True for one caller until `now + lease`; False if
        it is finished, or leased to someone else whose lease has not run out."""

    async def finish_job(self, name: str, slot: str) -> None:
        """The run is done: `claim_job` never hands it out again."""
