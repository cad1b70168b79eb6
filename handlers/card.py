"""The internal case card's content: built once here, drawn by each adapter.

A `CardView` says what the card shows and in what order, every word from the catalog
in the directory's language and in the core's markup (`handlers.messages`): people as
`<person:ID>` markers, text from outside escaped. An adapter only draws it (Block Kit
in `bot/slack/blocks.py`, the playground's page in `bot/playground/views.py`, an
Adaptive Card on Teams) and keeps its own platform's limits (Slack's 50 blocks) and
links (the source message's permalink). So a fact added to the card is added here,
once, and every platform shows it.

The actions are the forms the case's status allows (`forms.card_buttons`); whether the
person who presses one may use it is checked when it is pressed (`rules.authorize`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers import forms
from handlers.directory import Actor, Directory
from handlers.messages import Markup, actor_markup, escape, mention, mentions, text
from handlers.model import Case, Event, Feedback, Status
from handlers.outcome import describe

Say = Callable[..., Markup]  # the catalog bound to the card's language


@dataclass(frozen=True)
class Field:
    """A short fact beside the others: a value, or a time (each platform shows it in the
    reader's own time zone where it can)."""

    label: Markup
    value: Markup = Markup("")
    at: datetime | None = None


@dataclass(frozen=True)
class Item:
    """One entry of a section: who or what (`title`), when, and the text."""

    text: Markup
    title: Markup = Markup("")
    at: datetime | None = None
    muted: bool = False  # a placeholder: nothing yet, an account still missing
    quoted: bool = False  # the client's own words: a long one is cut and links to its source


@dataclass(frozen=True)
class Section:
    name: str  # what it holds ("summary", "client_statements", ...): for tests and styling
    heading: Markup
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Confirm:
    """The question before an action that cannot be undone. The yes button repeats the
    form's title: in Hebrew "Withdraw" and "Cancel" are one word."""

    title: Markup
    text: Markup
    yes: Markup
    no: Markup


@dataclass(frozen=True)
class Action:
    form: str  # the form it opens (`handlers.forms`), which is also the button's id
    label: Markup
    style: str  # "", "primary" or "danger"
    confirm: Confirm | None = None  # a "danger" action asks first


@dataclass(frozen=True)
class CardView:
    case_id: str
    title: Markup
    status: Status
    status_label: Markup
    fields: tuple[Field, ...]
    abuse: Markup | None  # a warning when the thread held abusive language
    source_label: Markup  # names the link to the client's original message, where there is one
    sections: tuple[Section, ...]
    actions: tuple[Action, ...]
    timeline: tuple[Item, ...]  # every event, oldest first (where the platform shows it)

    @property
    def fallback(self) -> Markup:
        """The card in one line, for notifications."""
        return Markup(f"{self.title}: {self.status_label}")


def case_card(
    case: Case,
    directory: Directory,
    timeline: Sequence[Event] = (),
    language: str | None = None,
) -> CardView:
    """The card of `case` in `language` (default: the directory's), with `timeline`."""
    language = language or directory.language

    def say(key: str, **params: object) -> Markup:
        return text(language, key, **params)

    title = say("card.title", case_id=case.id, client=directory.client_name(case.client_id))
    return CardView(
        case_id=case.id,
        title=title,
        status=case.status,
        status_label=say(f"status.{case.status.value}"),
        fields=_fields(case, say),
        abuse=say("card.abuse") if case.abuse_flagged else None,
        source_label=say("card.original_message"),
        sections=_sections(case, say),
        actions=tuple(_action(form, title, say) for form in forms.card_buttons(case)),
        timeline=tuple(Item(Markup(describe(e, language)), at=e.at) for e in timeline),
    )


def _who(actor: Actor) -> Markup:
    """A person of the directory by marker, anyone else by the name the platform gave."""
    return mention(actor.person_id) if actor.person_id else actor_markup(actor.display)


def _fields(case: Case, say: Say) -> tuple[Field, ...]:
    def people(person_ids: tuple[str, ...]) -> Markup:
        return mentions(person_ids) or say("card.none")

    account_manager = (case.account_manager,) if case.account_manager else ()
    return (
        Field(say("card.status"), say(f"status.{case.status.value}")),
        Field(say("card.severity"), say(f"severity.{case.severity.value}")),
        Field(say("card.category"), say(f"category.{case.category}")),
        Field(say("card.due"), at=case.due_at),
        Field(say("card.raised_by"), _who(case.raised_by)),
        Field(say("card.reporter"), _who(case.reporter)),
        Field(say("card.affected"), people(case.affected)),
        Field(say("card.managers"), people(case.managers)),
        Field(say("card.account_manager"), people(account_manager)),
    )


def _sections(case: Case, say: Say) -> tuple[Section, ...]:
    none = (Item(say("card.none"), muted=True),)

    def section(name: str, items: tuple[Item, ...]) -> Section:
        return Section(name, say(f"card.{name}"), items or none)

    statements = tuple(
        Item(escape(s.text), _who(s.author), s.at, quoted=True) for s in case.client_statements
    )
    sections = [
        section("summary", (Item(escape(case.summary)),)),
        section("client_statements", statements),
    ]
    if case.affected:
        sections.append(section("accounts", tuple(_account(case, p, say) for p in case.affected)))
    sections.append(section("verdict", _verdict(case, say)))
    if case.resolution:
        sections.append(section("resolution", (Item(escape(case.resolution)),)))
    if case.change_requests:
        requests = tuple(Item(escape(r)) for r in case.change_requests)
        sections.append(section("change_requests", requests))
    if case.feedback:
        sections.append(section("feedback", tuple(_feedback(f, say) for f in case.feedback)))
    return tuple(sections)


def _account(case: Case, person_id: str, say: Say) -> Item:
    """The employee's side: their account, their manager's waiver, or that it is missing."""
    if person_id in case.accounts:
        account = case.accounts[person_id]
        return Item(escape(account.text), mention(person_id), account.at)
    if person_id in case.waivers:
        waiver = case.waivers[person_id]
        line = say(
            "event.waiver",
            actor=_who(waiver.author),
            person=mention(person_id),
            text=waiver.text,
        )
        return Item(line, mention(person_id), waiver.at)
    return Item(say("card.account_missing"), mention(person_id), muted=True)


def _verdict(case: Case, say: Say) -> tuple[Item, ...]:
    if case.verdict is None:
        return ()
    title = say(f"verdict.{case.verdict.value}")
    if case.verdict_by:
        title = Markup(f"{title} · {mention(case.verdict_by)}")
    return (Item(escape(case.verdict_note), title),)


def _feedback(feedback: Feedback, say: Say) -> Item:
    answer = say("card.feedback_yes" if feedback.resolved else "card.feedback_no")
    return Item(escape(feedback.comment), Markup(f"{answer} · {_who(feedback.by)}"), feedback.at)


def _action(form: forms.Form, card_title: Markup, say: Say) -> Action:
    confirm = None
    if form.style == "danger":
        confirm = Confirm(say(form.title), card_title, say(form.title), say("form.cancel"))
    return Action(form.name, say(form.button), form.style, confirm)
