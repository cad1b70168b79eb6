"""What people ask the bot to do, whatever platform they ask on.

Adapters build these from platform events; `handlers.dispatch.handle` turns
one into an `Outcome`. Every command names its `actor`, because the rules
depend on who is asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.directory import Actor
from handlers.model import Case, MessageRef, Severity, Verdict

Trigger = Literal["mention", "reaction", "shortcut", "command", "playground"]
AlertKind = Literal["reminder", "escalation"]


@dataclass(frozen=True)
class OpenCase:
    actor: Actor
    source: MessageRef
    source_author: Actor
    source_text: str
    trigger: Trigger
    affected: tuple[str, ...] = ()
    category: str = "other"
    severity: Severity = Severity.MEDIUM
    summary: str = ""


@dataclass(frozen=True)
class CaseCommand:
    case_id: str
    actor: Actor


@dataclass(frozen=True)
class SharedFile:
    """A file shared in a message: its name, and a link to it on the platform."""

    name: str
    link: str = ""


@dataclass(frozen=True)
class AddReply(CaseCommand):
    """A message in the client thread: the client's statement, or an internal public reply;
    `files` are shared with it (a message of files alone has no text)."""

    text: str
    files: tuple[SharedFile, ...] = ()
    message_id: str = ""  # the platform message, so that its deletion finds the statement


@dataclass(frozen=True)
class RecordAccount(CaseCommand):
    """The affected employee's side of the story."""

    text: str


@dataclass(frozen=True)
class WaiveAccount(CaseCommand):
    """A manager records why an employee's account is not needed (e.g. long leave)."""

    person_id: str
    reason: str


@dataclass(frozen=True)
class Assess(CaseCommand):
    verdict: Verdict
    note: str = ""
    abusive: bool = False


@dataclass(frozen=True)
class Resolve(CaseCommand):
    summary: str
    change_requests: tuple[str, ...] = ()


@dataclass(frozen=True)
class GiveFeedback(CaseCommand):
    resolved: bool
    comment: str = ""
    channel: str = ""  # where it was answered: only the case's own client thread counts


@dataclass(frozen=True)
class Reopen(CaseCommand):
    reason: str = ""


@dataclass(frozen=True)
class Withdraw(CaseCommand):
    reason: str = ""


@dataclass(frozen=True)
class DeliveryFailed(CaseCommand):
    """The platform refused an effect for good (`handlers.delivery` says who is told)."""

    effect: str  # the effect's kind: "client_post", "invite", ...
    error: str
    person_id: str | None = None  # whom it was for: the person an invite would add


@dataclass(frozen=True)
class Alert(CaseCommand):
    """A deadline's reminder or escalation (`handlers.deadlines`), sent by the scheduler."""

    deadline: str  # the deadline's key on the case: "acknowledge", "account:dana", "resolve"
    kind: AlertKind


@dataclass(frozen=True)
class Digest(CaseCommand):
    """A lead's daily digest of `cases` (open, overdue first), carried by the first."""

    lead: str
    cases: tuple[Case, ...]
