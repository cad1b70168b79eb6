"""Redaction: a case and its timeline with someone's words replaced by a placeholder.

The record keeps what the review's figures are made of (dates, the client, the category,
the verdict, who was named, the abuse flag, each feedback's yes or no, how many change
requests, the timeline's kinds and times: `handlers.fit` counts reopenings and
resolutions from them) and drops the words people wrote, for one of three reasons:

- `retention`: a closed or withdrawn case older than the directory's `retention_days`
  loses every text in it (the statements, replies, accounts, waivers, the verdict's note,
  the resolution and change requests, feedback comments, the summary of the source);
- `person` / `client`: an erasure on request takes out what that person or client wrote
  (and, for a person, the waiver reasons about them: often why they were away);
- `deleted`: a client deleted their message in the thread; that statement goes.

A text that goes is replaced everywhere the case holds it: its field, each timeline
event's detail that carried it, the texts of the case's pending effects (`scrub`), and
the lines already posted in the card's thread: each event that changed has its note
rewritten (`CardNoteUpdate`, found by the event's key); an event recorded before events
had keys names no note, and is only counted (`unfound`).
The timeline records the redaction with an event that names who and why, never the
words. Pure: the shell (`bot.service.CaseService.redact`) loads and writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from handlers.commands import CaseCommand
from handlers.effects import CardNoteUpdate, Effect
from handlers.messages import escape
from handlers.model import Case, Event, Feedback, Statement
from handlers.outcome import Change, Context, Outcome, describe

Reason = Literal["retention", "person", "client", "deleted"]
PLACEHOLDER = {
    "retention": "redacted.retention",
    "person": "redacted.erased",
    "client": "redacted.erased",
    "deleted": "redacted.deleted",
}
# The event details that hold people's words (the rest are ids, names, labels, counts).
TEXT_DETAILS = ("text", "summary", "reason", "comment", "note", "terms", "name", "link")
# The events that make a case final (`Case.final_at`, for a case that became final before).
FINAL_EVENTS = ("closed", "withdrawn")
# The events whose words are the client's own.
CLIENT_EVENTS = ("statement", "feedback_yes", "feedback_no", "abusive_language", "file")


@dataclass(frozen=True)
class Redact(CaseCommand):
    """Take `subject`'s words out of a case: a person id, a client id, the deleted
    message's words and id (`deleted`: Slack says both, Teams only the id), or nothing
    for `retention`."""

    reason: Reason
    subject: str = ""
    message_id: str = ""  # `deleted`: the message, where the platform says which


@dataclass(frozen=True)
class Redacted:
    outcome: Outcome  # the case, the event that records the redaction, the card update
    timeline: list[Event]  # the whole timeline as it is to be kept, that event included
    removed: tuple[str, ...]  # the texts taken out, for `scrub`
    placeholder: str
    unfound: int = 0  # notes that held removed words but cannot be found to rewrite

    @property
    def changed(self) -> bool:
        return bool(self.removed)

    def scrub(self, effect: Effect) -> Effect:
        """A pending effect of the case without the removed texts (`scrub`)."""
        return scrub(effect, self.removed, self.placeholder)


def expired(
    case: Case, now: datetime, days: int | None, timeline: Sequence[Event] = ()
) -> bool:
    """A case closed or withdrawn more than `days` ago (None: kept for ever); a later
    write (an erasure, a deleted message) does not put that off. A case that became final
    before `Case.final_at` was kept needs its `timeline`."""
    if days is None or not case.status.final:
        return False
    return now - final_since(case, timeline) > timedelta(days)


def final_since(case: Case, timeline: Sequence[Event] = ()) -> datetime:
    """When a final case became final: as it keeps it; else its last closing event; else,
    with no timeline to tell, its last change."""
    if case.final_at is not None:
        return case.final_at
    return max((e.at for e in timeline if e.kind in FINAL_EVENTS), default=case.updated_at)


def redact(cmd: Redact, case: Case, timeline: list[Event], ctx: Context) -> Redacted:
    """The case and timeline without the subject's words; nothing `removed` when there
    were none (then nothing is to be written)."""
    placeholder = str(ctx.t(PLACEHOLDER[cmd.reason]))  # stored as plain text, like any other
    texts = set(_texts(cmd, case)) - {"", placeholder}
    gone = _Gone(texts, placeholder)
    kept = [gone.event(e, _whole(cmd, case, e)) for e in timeline]
    removed = tuple(sorted(texts | gone.found))
    change = Change.by(ctx, case.id, None if cmd.reason == "retention" else cmd.actor)
    changed = [new for old, new in zip(timeline, kept, strict=True) if new is not old]
    for event in changed:
        if event.key:  # its note, as the event now reads
            change.effect(CardNoteUpdate(case.id, event.key, describe(event, ctx.language)))
    if cmd.reason == "retention":
        change.bot_event("retention", days=ctx.directory.retention_days, count=len(removed))
    elif cmd.reason == "deleted":
        change.event("message_deleted")
    else:  # the audit line: who erased whose text, and when; never the text
        subject = str(ctx.t(f"subject.{cmd.reason}", id=cmd.subject))
        change.event("erased", subject=subject, count=len(removed))
    # A case final before `final_at` was kept gets it here, from the timeline at hand.
    final_at = final_since(case, timeline) if case.status.final else None
    redacted = gone.case(case).evolve(ctx.now, final_at=final_at) if removed else case
    outcome = change.outcome(redacted, "notice.redacted") if removed else Outcome(case, [], [], "")
    unfound = sum(1 for e in changed if not e.key)
    return Redacted(outcome, [*kept, *outcome.events], removed, placeholder, unfound)


def scrub(effect: Effect, removed: tuple[str, ...], placeholder: str) -> Effect:
    """A pending effect with the removed texts, as they were rendered into its `text`,
    replaced; its ids (the case, a person, a note's event) stay as they are, whatever
    they share with a removed text."""
    value = getattr(effect, "text", None)
    if not isinstance(value, str):
        return effect
    new = value
    for gone in sorted(removed, key=len, reverse=True):  # a longer text first
        new = new.replace(escape(gone), escape(placeholder)).replace(gone, placeholder)
    changes: dict[str, Any] = {"text": new}  # every effect with words has them there
    return replace(effect, **changes) if new != value else effect


# --- what goes -------------------------------------------------------------------------------


def _texts(cmd: Redact, case: Case) -> list[str]:
    if cmd.reason == "retention":
        return [
            case.summary,
            case.verdict_note,
            case.resolution or "",
            *case.change_requests,
            *(s.text for s in _statements(case)),
            *(f.comment for f in case.feedback),
        ]
    if cmd.reason == "deleted":  # the message by its id; by its words where either lacks one
        words, gone = cmd.subject.strip(), cmd.message_id
        return [
            s.text
            for s in case.client_statements
            if (s.message_id == gone if gone and s.message_id else bool(words) and s.text == words)
        ]
    if cmd.reason == "client":
        if case.client_id != cmd.subject:
            return []
        said = [s.text for s in case.client_statements if not s.author.internal]
        comments = [f.comment for f in case.feedback if not f.by.internal]
        return [case.summary, *said, *comments]
    person = cmd.subject
    own = [s.text for s in _statements(case) if s.author.person_id == person]
    about = [w.text for p, w in case.waivers.items() if p == person]
    note = [case.verdict_note] if case.verdict_by == person else []
    comments = [f.comment for f in case.feedback if f.by.person_id == person]
    return [*own, *about, *note, *comments]


def _whole(cmd: Redact, case: Case, event: Event) -> bool:
    """Whether every text of `event`'s detail goes, not only the ones the case holds."""
    if cmd.reason == "retention":
        return True
    ours = cmd.reason == "client" and case.client_id == cmd.subject
    return ours and event.kind in CLIENT_EVENTS


def _statements(case: Case) -> list[Statement]:
    return [
        *case.client_statements,
        *case.public_replies,
        *case.accounts.values(),
        *case.waivers.values(),
    ]


@dataclass
class _Gone:
    texts: set[str]
    placeholder: str
    found: set[str] = field(default_factory=set)  # texts met only in the timeline

    def text(self, value: str) -> str:
        return self.placeholder if value in self.texts else value

    def statement(self, s: Statement) -> Statement:
        return replace(s, text=self.text(s.text))

    def event(self, event: Event, whole: bool) -> Event:
        detail = dict(event.detail)
        for key in TEXT_DETAILS:
            value = detail.get(key)
            if not isinstance(value, str) or value in ("", self.placeholder):
                continue
            if whole or value in self.texts:
                self.found.add(value)
                detail[key] = self.placeholder
        return replace(event, detail=detail) if detail != event.detail else event

    def case(self, case: Case) -> Case:
        return replace(
            case,
            summary=self.text(case.summary),
            verdict_note=self.text(case.verdict_note),
            resolution=None if case.resolution is None else self.text(case.resolution),
            change_requests=tuple(self.text(r) for r in case.change_requests),
            client_statements=tuple(self.statement(s) for s in case.client_statements),
            public_replies=tuple(self.statement(s) for s in case.public_replies),
            accounts={p: self.statement(s) for p, s in case.accounts.items()},
            waivers={p: self.statement(s) for p, s in case.waivers.items()},
            feedback=tuple(
                Feedback(f.resolved, self.text(f.comment), f.by, f.at) for f in case.feedback
            ),
        )
