"""What a flow returns, and the small builder every flow uses to make one.

The builder keeps two promises in one place instead of in each flow: every
change is a timeline event *and* a line on the internal card, and effects
leave in a fixed order (client thread first, so the client hears back at
once; then the card; then its timeline lines; then DMs and invites).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from handlers.directory import Actor, Directory
from handlers.effects import CardNote, CardUpdate, Effect
from handlers.messages import Markup, actor_markup, localized, text
from handlers.model import Case, Event

BOT = "complaintbot"


@dataclass(frozen=True)
class Context:
    """What a flow may read besides the command and the case: the directory and the clock."""

    directory: Directory
    now: datetime

    @property
    def language(self) -> str:
        return self.directory.language

    def t(self, key: str, **params: Any) -> str:
        return text(self.language, key, **params)


@dataclass(frozen=True)
class Outcome:
    case: Case
    events: list[Event]
    effects: list[Effect]
    notice: str  # the answer to the person who asked, shown to them alone


def describe(event: Event, language: str) -> str:
    """The timeline line for an event, in the directory's language."""
    # An event's actor was stored as Markup (see `Change.by`); its details are outside text.
    params = {"actor": Markup(event.actor), "case_id": event.case_id, **event.detail}
    return localized(language, f"event.{event.kind}", params)


@dataclass
class Change:
    """Collects the events and effects of one command against one case."""

    ctx: Context
    case_id: str
    actor: str
    events: list[Event] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    @classmethod
    def by(cls, ctx: Context, case_id: str, actor: Actor | None) -> Change:
        return cls(ctx, case_id, actor_markup(actor.display) if actor else BOT)

    def event(self, kind: str, **detail: Any) -> None:
        self.events.append(Event(self.case_id, self.ctx.now, self.actor, kind, detail))

    def bot_event(self, kind: str, **detail: Any) -> None:
        self.events.append(Event(self.case_id, self.ctx.now, BOT, kind, detail))

    def effect(self, effect: Effect) -> None:
        self.effects.append(effect)

    def outcome(self, case: Case, notice_key: str, **params: Any) -> Outcome:
        # One change writes one version of the case: its version and each event's place
        # in the change name the event for good (`Event.key`), and so its card note.
        events = [replace(e, key=f"{case.version}.{n}") for n, e in enumerate(self.events)]
        language = self.ctx.language
        notes = [CardNote(self.case_id, describe(e, language), e.key) for e in events]
        client = [e for e in self.effects if e.audience == "client"]
        rest = [e for e in self.effects if e.audience != "client"]
        # DMs link to the card and wait for it (`Effect.after`), not for its timeline lines.
        effects: list[Effect] = [*client, CardUpdate(self.case_id), *rest, *notes]
        notice = self.ctx.t(notice_key, case_id=case.id, **params)
        return Outcome(case, events, effects, notice)
