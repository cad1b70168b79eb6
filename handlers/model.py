"""The complaint case and its timeline, as plain immutable data.

A `Case` is a snapshot: flows never mutate one, they return a new one with
`version` bumped (the store uses the version for optimistic concurrency, so
two replicas cannot overwrite each other). `to_dict`/`from_dict` give the
JSON shape every store keeps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from handlers.directory import Actor


class Status(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def final(self) -> bool:
        return self in (Status.CLOSED, Status.WITHDRAWN)


class Verdict(StrEnum):
    """The manager's answer to "is the client right in this case?"."""

    RIGHT = "right"
    PARTLY_RIGHT = "partly_right"
    NOT_RIGHT = "not_right"
    MISUNDERSTANDING = "misunderstanding"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


CASE_SUMMARY_LIMIT = 300  # the one-line summary on the card; the client's words are kept whole

CATEGORIES = ("quality", "delay", "communication", "billing", "scope", "conduct", "other")


@dataclass(frozen=True)
class MessageRef:
    """A message on a platform; `key` is what makes "one case per source message" checkable."""

    platform: str
    channel: str
    message_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.channel}:{self.message_id}"


@dataclass(frozen=True)
class Statement:
    author: Actor
    text: str
    at: datetime
    message_id: str = ""  # the platform message it was, where known: a deletion finds it


@dataclass(frozen=True)
class Feedback:
    resolved: bool
    comment: str
    by: Actor
    at: datetime


@dataclass(frozen=True)
class Deadline:
    """When a step of the case is due (`due_at`) and when its holder is reminded
    (`remind_at`), fixed at opening in the firm's business time (`handlers.deadlines`).
    `step` is "acknowledge", "account" (of `person_id`) or "resolve"."""

    step: str
    due_at: datetime
    remind_at: datetime
    person_id: str | None = None

    @property
    def key(self) -> str:
        """Unique within a case: what its reminder and escalation are recorded under."""
        return f"{self.step}:{self.person_id}" if self.person_id else self.step


@dataclass(frozen=True)
class Case:
    id: str
    client_id: str
    source: MessageRef
    reporter: Actor  # who triggered the case
    raised_by: Actor  # who wrote the source message (usually a client contact)
    affected: tuple[str, ...]  # directory person ids
    managers: tuple[str, ...]  # their managers, always included
    account_manager: str | None
    category: str
    severity: Severity
    summary: str
    status: Status
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    client_statements: tuple[Statement, ...] = ()
    public_replies: tuple[Statement, ...] = ()
    accounts: dict[str, Statement] = field(default_factory=dict)  # person id -> their account
    waivers: dict[str, Statement] = field(default_factory=dict)  # person id -> manager's waiver
    verdict: Verdict | None = None
    verdict_note: str = ""
    verdict_by: str | None = None
    abuse_flagged: bool = False
    resolution: str | None = None
    change_requests: tuple[str, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    deadlines: tuple[Deadline, ...] = ()  # none on cases stored before deadlines existed
    alerts: tuple[str, ...] = ()  # reminders and escalations sent, as "<deadline key>/<kind>"
    version: int = 0
    # When it became closed or withdrawn (None while it is not, and on a case that became
    # final before this was kept): what retention counts from, whatever is written later.
    final_at: datetime | None = None

    @property
    def number(self) -> int:
        return int(self.id.split("-", 1)[1])

    @property
    def included(self) -> tuple[str, ...]:
        """Everyone from the firm brought into the case, without repeats."""
        people = [*self.affected, *self.managers]
        if self.account_manager:
            people.append(self.account_manager)
        return tuple(dict.fromkeys(people))

    def missing_accounts(self) -> list[str]:
        return [p for p in self.affected if p not in self.accounts and p not in self.waivers]

    def evolve(self, at: datetime, **changes: Any) -> Case:
        """The case changed at `at`; one that becomes final (or is reopened) says so."""
        status: Status = changes.get("status", self.status)
        if status.final != self.status.final:
            changes.setdefault("final_at", at if status.final else None)
        return replace(self, updated_at=at, version=self.version + 1, **changes)


def case_id(number: int) -> str:
    return f"C-{number:04d}"


@dataclass(frozen=True)
class Event:
    """One line of a case's timeline: who did what, when. The audit trail."""

    case_id: str
    at: datetime
    actor: str  # display name of who did it ("complaintbot" for the bot itself)
    kind: str  # message-catalog key suffix, e.g. "opened", "verdict"
    detail: dict[str, Any] = field(default_factory=dict)
    # Its identity in the case: the case version its change wrote and its place in that
    # change ("7.0"), so its line in the card's thread can be found again (a redaction
    # rewrites it). "" for an event recorded before events had one.
    key: str = ""


# --- JSON shape -----------------------------------------------------------------------------


def _actor(d: dict[str, Any]) -> Actor:
    return Actor(**d)


def _statement(d: dict[str, Any]) -> Statement:
    return Statement(
        _actor(d["author"]), d["text"], datetime.fromisoformat(d["at"]), d.get("message_id", "")
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


@lru_cache(maxsize=8192)
def _statement_dict(statement: Statement) -> dict[str, Any]:
    """A statement's JSON shape, made once: a case keeps its statements from version to
    version, and every write of a busy case would otherwise encode them all again. The
    dict is shared, so it is never changed (JSON is written from it, nothing else)."""
    return {
        "author": asdict(statement.author),
        "text": statement.text,
        "at": statement.at.isoformat(),
        **({"message_id": statement.message_id} if statement.message_id else {}),
    }


def case_to_dict(case: Case) -> dict[str, Any]:
    """The case's JSON shape (what `case_from_dict` reads back)."""
    nested = ("source", "reporter", "raised_by", "feedback", "deadlines")
    statements = ("client_statements", "public_replies", "accounts", "waivers")
    plain = {f.name: getattr(case, f.name) for f in fields(case) if f.name not in nested}
    return {
        **{k: _encode(v) for k, v in plain.items() if k not in statements},
        "source": asdict(case.source),
        "reporter": asdict(case.reporter),
        "raised_by": asdict(case.raised_by),
        "feedback": [_encode(asdict(f)) for f in case.feedback],
        "deadlines": [_encode(asdict(d)) for d in case.deadlines],
        "client_statements": [_statement_dict(s) for s in case.client_statements],
        "public_replies": [_statement_dict(s) for s in case.public_replies],
        "accounts": {k: _statement_dict(v) for k, v in case.accounts.items()},
        "waivers": {k: _statement_dict(v) for k, v in case.waivers.items()},
    }


def case_from_dict(d: dict[str, Any]) -> Case:
    return Case(
        id=d["id"],
        client_id=d["client_id"],
        source=MessageRef(**d["source"]),
        reporter=_actor(d["reporter"]),
        raised_by=_actor(d["raised_by"]),
        affected=tuple(d["affected"]),
        managers=tuple(d["managers"]),
        account_manager=d["account_manager"],
        category=d["category"],
        severity=Severity(d["severity"]),
        summary=d["summary"],
        status=Status(d["status"]),
        created_at=datetime.fromisoformat(d["created_at"]),
        updated_at=datetime.fromisoformat(d["updated_at"]),
        due_at=datetime.fromisoformat(d["due_at"]),
        client_statements=tuple(_statement(s) for s in d["client_statements"]),
        public_replies=tuple(_statement(s) for s in d["public_replies"]),
        accounts={k: _statement(v) for k, v in d["accounts"].items()},
        waivers={k: _statement(v) for k, v in d["waivers"].items()},
        verdict=Verdict(d["verdict"]) if d["verdict"] else None,
        verdict_note=d["verdict_note"],
        verdict_by=d["verdict_by"],
        abuse_flagged=d["abuse_flagged"],
        resolution=d["resolution"],
        change_requests=tuple(d["change_requests"]),
        feedback=tuple(feedback_from_dict(f) for f in d["feedback"]),
        deadlines=tuple(_deadline(x) for x in d.get("deadlines", ())),
        alerts=tuple(d.get("alerts", ())),
        version=d["version"],
        final_at=datetime.fromisoformat(d["final_at"]) if d.get("final_at") else None,
    )


def feedback_from_dict(d: dict[str, Any]) -> Feedback:
    return Feedback(d["resolved"], d["comment"], _actor(d["by"]), datetime.fromisoformat(d["at"]))


def _deadline(d: dict[str, Any]) -> Deadline:
    return Deadline(
        d["step"],
        datetime.fromisoformat(d["due_at"]),
        datetime.fromisoformat(d["remind_at"]),
        d["person_id"],
    )


def event_to_dict(event: Event) -> dict[str, Any]:
    return dict(_encode(asdict(event)))


def event_from_dict(d: dict[str, Any]) -> Event:
    at = datetime.fromisoformat(d["at"])
    return Event(d["case_id"], at, d["actor"], d["kind"], d["detail"], d.get("key", ""))
