"""What the playground shows, as JSON-ready data in the directory's language.

The page is a thin renderer: every word it shows (card, forms, personas, its own chrome)
comes from here and so from the message catalog, and mentions are parsed here once, so
English and Hebrew need nothing from the JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Any

from bot.playground import catalog as page
from bot.playground.workspace import (
    BOT,
    Button,
    Channel,
    Message,
    Workspace,
    contact_client,
)
from handlers import card, forms
from handlers.directory import Directory
from handlers.messages import mention, plain, text
from handlers.model import Case, Event
from handlers.rules import SUMMARY_LIMIT

Say = Callable[..., str]
JSON = dict[str, Any]

# The order the persona switcher lists people in, by their main role.
ROLE_ORDER = ("account_manager", "employee", "manager", "lead")
GLYPHS = {
    "triangular_flag_on_post": "\U0001f6a9",
    "rotating_light": "\U0001f6a8",
    "warning": "\u26a0\ufe0f",
    "exclamation": "\u2757",
    "sos": "\U0001f198",
    "eyes": "\U0001f440",
}


def glyph(emoji: str) -> str:
    return GLYPHS.get(emoji, f":{emoji}:")


# --- people and personas ------------------------------------------------------------------


def person_role(directory: Directory, person_id: str) -> str:
    """The one role the switcher shows: lead, account manager, manager (someone reports to
    them) or employee."""
    if directory.has_role(person_id, "lead"):
        return "lead"
    if directory.has_role(person_id, "account_manager"):
        return "account_manager"
    if any(p.manager == person_id for p in directory.people.values()):
        return "manager"
    return "employee"


def persona_name(directory: Directory, say: Say, persona: str) -> str:
    client = contact_client(persona)
    if client is not None:
        return say("contact", client=directory.clients[client].name)
    return directory.person_name(persona)


def personas(directory: Directory, say: Say) -> list[JSON]:
    """Client contacts first (one per client), then the firm by role and name."""
    contacts = [
        {
            "id": f"contact:{client.id}",
            "name": say("contact", client=client.name),
            "label": say("contact", client=client.name),
            "role": say("role_client"),
            "group": say("contacts"),
        }
        for client in directory.clients.values()
    ]
    people = sorted(
        directory.people.values(),
        key=lambda p: (ROLE_ORDER.index(person_role(directory, p.id)), p.name),
    )
    firm = [
        {
            "id": p.id,
            "name": p.name,
            "label": f"{p.name} · {say(f'role_{role}')}",
            "role": say(f"role_{role}"),
            "group": say("firm"),
        }
        for p, role in ((p, person_role(directory, p.id)) for p in people)
    ]
    return contacts + firm


def _squash(words: str) -> str:
    return re.sub(r"[ \t]{2,}", " ", words).strip()


class Mentions:
    """`@complaintbot`, `@dana` or `@Dana Levi` in a message: the one parser of mentions."""

    def __init__(self, directory: Directory) -> None:
        self._ids = {BOT: BOT}
        for person in directory.people.values():
            self._ids[person.id.lower()] = person.id
            self._ids[person.name.lower()] = person.id
        names = sorted(self._ids, key=len, reverse=True)  # the longest name wins
        self._pattern = re.compile(
            r"@(" + "|".join(map(re.escape, names)) + r")(?![\w-])", re.IGNORECASE
        )

    def people(self, message: str) -> tuple[bool, tuple[str, ...]]:
        """Whether the bot is mentioned, and the directory ids of the people mentioned."""
        found = [self._ids[m.lower()] for m in self._pattern.findall(message)]
        people = tuple(dict.fromkeys(p for p in found if p != BOT))
        return BOT in found, people

    def without_bot(self, message: str) -> str:
        return _squash(re.sub(rf"@{BOT}(?![\w-])", "", message, flags=re.IGNORECASE))

    def markers(self, message: str) -> str:
        """The message with each person mentioned as a `<person:ID>` marker, the bot left
        out: how the interaction layer reads people in a command's words."""

        def marker(found: re.Match[str]) -> str:
            person = self._ids[found.group(1).lower()]
            return "" if person == BOT else mention(person)

        return _squash(self._pattern.sub(marker, message))

    def strip(self, message: str) -> str:
        """The message without any mention, as a summary."""
        return _squash(self._pattern.sub("", message))

    def parts(self, message: str) -> list[list[str]]:
        """The message as ["text", ...] and ["mention", ...] pieces, for highlighting."""
        pieces, last = [], 0
        for match in self._pattern.finditer(message):
            pieces += [["text", message[last : match.start()]], ["mention", match.group()]]
            last = match.end()
        pieces.append(["text", message[last:]])
        return [p for p in pieces if p[1]]


# --- the internal case card -----------------------------------------------------------------


def feedback_buttons(case_id: str, language: str) -> tuple[Button, ...]:
    return tuple(Button(f.name, case_id, text(language, f.button), f.style) for f in forms.FEEDBACK)


class Cards:
    """The core's card (`handlers.card`) as the page's JSON: every fact, the buttons the
    case's status allows and the whole timeline. Texts come as mention parts, so a name
    keeps its "@" in a Hebrew sentence."""

    def __init__(self, directory: Directory, mentions: Mentions) -> None:
        self.directory, self.mentions = directory, mentions
        self.language = directory.language
        self.say: Say = partial(page.say, self.language)

    def name(self, person_id: str) -> str:
        return self.directory.person_name(person_id)

    def plain(self, markup: str) -> str:
        return plain(markup, self.name)

    def item(self, entry: card.Item) -> JSON:
        return {
            "title": self.plain(entry.title),
            "at": entry.at.isoformat() if entry.at else "",
            "parts": self.mentions.parts(plain(entry.text, lambda p: "@" + self.name(p))),
            "muted": entry.muted,
        }

    def card(self, case: Case, timeline: list[Event]) -> JSON:
        view = card.case_card(case, self.directory, timeline)
        fields = [
            {"label": self.plain(f.label), "at": f.at.isoformat()}
            if f.at
            else {"label": self.plain(f.label), "value": self.plain(f.value)}
            for f in view.fields
        ]
        return {
            "case_id": view.case_id,
            "title": self.plain(view.title),
            "status": view.status.value,
            "status_label": self.plain(view.status_label),
            "fields": fields,
            "abuse": self.plain(view.abuse) if view.abuse else None,
            "sections": [
                {"heading": self.plain(s.heading), "items": [self.item(i) for i in s.items]}
                for s in view.sections
            ],
            "source": {
                "label": self.plain(view.source_label),
                "channel": case.source.channel,
                "message": case.source.message_id,
            },
            "timeline": {
                "heading": self.say("timeline"),
                "items": [self.item(entry) for entry in view.timeline],
            },
            "actions_label": self.say("actions", case_id=case.id),
            "buttons": [
                asdict(Button(a.form, view.case_id, self.plain(a.label), a.style))
                for a in view.actions
            ],
        }


# --- forms --------------------------------------------------------------------------------

# How the page draws each kind of field. A choice with a preset answer, or a `menu` one (the
# client channel), is a drop-down; one the person must make (the verdict) is shown as radio
# buttons, every option in view.
HTML_KINDS = {"text": "textarea", "people": "checkboxes", "flag": "checkbox"}


def html_kind(field: forms.Field) -> str:
    if field.kind == "choice":
        return "select" if field.initial or field.menu else "radio"
    return HTML_KINDS[field.kind]


def _options(directory: Directory, say: Say, field: forms.Field) -> list[JSON]:
    if field.kind == "people":
        return [{"value": p.id, "label": p.name} for p in directory.people.values()]
    labels = field.labels or [say(f"{field.options_key}.{v}") for v in field.options]
    return [{"value": v, "label": label} for v, label in zip(field.options, labels, strict=True)]


def _label(say: Say, field: forms.Field) -> str:
    """A lone tick box is labelled by what ticking it says."""
    key = f"label.{field.name}_option" if field.kind == "flag" else f"label.{field.name}"
    return say(key, limit=SUMMARY_LIMIT)


def form(
    form_id: str, definition: forms.Form, directory: Directory, initial: JSON | None = None
) -> JSON:
    """A form as the page draws it: title, labelled fields with their options, buttons."""
    say = partial(text, directory.language)
    values: JSON = {f.name: f.initial for f in definition.fields if f.initial}
    values.update(initial or {})
    fields = [
        {
            "name": field.name,
            "kind": html_kind(field),
            "label": _label(say, field),
            "options": _options(directory, say, field),
            "value": values.get(field.name),
            "required": field.required,
            "max_length": field.max_length if field.kind == "text" else None,
        }
        for field in definition.fields
    ]
    return {
        "id": form_id,
        "title": say(definition.title),
        "intro": say(definition.intro) if definition.intro else "",
        "submit": say("form.submit"),
        "cancel": say("form.cancel"),
        "fields": fields,
    }


# What a submitted value must be, by the kind of field.
VALUE_TYPES: dict[str, Callable[[Any], bool]] = {
    "text": lambda v: isinstance(v, str),
    "choice": lambda v: isinstance(v, str),
    "people": lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v),
    "flag": lambda v: isinstance(v, bool),
}
EMPTY: JSON = {"text": "", "choice": None, "people": [], "flag": False}


def read_values(kind: str, values: JSON) -> JSON:
    """A submission's values for the form's fields (absent ones empty); ValueError names a
    value of the wrong type. Whether a value is allowed (a known verdict, a short enough
    summary) is the core's call, not the form's."""
    read: JSON = {}
    for field in forms.FORMS[kind].fields:
        value = values.get(field.name, EMPTY[field.kind])
        if value == "" and field.kind == "choice":
            value = None
        if value is not None and not VALUE_TYPES[field.kind](value):
            raise ValueError(f"field {field.name!r} has the wrong type for {field.kind}")
        read[field.name] = value
    return read


# --- the whole page state for one persona ------------------------------------------------


class StateView:
    """Builds `GET /playground/api/state`: what one persona sees, right now."""

    def __init__(self, workspace: Workspace, directory: Directory) -> None:
        self.workspace, self.directory = workspace, directory
        self.language = directory.language
        self.say: Say = partial(page.say, self.language)  # the page's own words
        self.mentions = Mentions(directory)
        self.cards = Cards(directory, self.mentions)
        self.personas = personas(directory, self.say)

    def name(self, persona: str) -> str:
        return persona_name(self.directory, self.say, persona)

    def render(self, message: str) -> str:
        """A core text as the plain text the page shows: `<person:ID>` as `@Name`."""
        return plain(message, lambda pid: "@" + self.name(pid))

    def state(self, persona: str) -> JSON:
        emoji = self.directory.trigger_emoji
        return {
            "seq": self.workspace.seq,
            "language": self.language,
            "dir": "rtl" if self.language == "he" else "ltr",
            "persona": persona,
            "personas": self.personas,
            "trigger": {"name": emoji, "glyph": glyph(emoji)},
            "text": page.page_words(self.language),
            "channels": [self.channel(c) for c in self.workspace.visible(persona)],
            "notices": [  # newest first
                {
                    "id": n.id,
                    "channel": n.channel,
                    "text": n.text,
                    "at": n.at.isoformat(),
                    "seq": n.seq,
                }
                for n in self.workspace.notices(persona)
            ],
        }

    def channel(self, channel: Channel) -> JSON:
        topics = {
            "client": lambda: self.say(
                "topic_client",
                client=self.directory.clients[channel.client_id or ""].name,
            ),
            "internal": lambda: self.say("topic_internal"),
            "dm": lambda: self.say("topic_dm"),
        }
        members = ", ".join(self.name(p) for p in channel.members)
        return {
            "id": channel.id,
            "kind": channel.kind,
            "name": channel.name,
            "topic": topics[channel.kind](),
            "members": self.say("members", people=members) if members else "",
            "messages": [self.message(m) for m in channel.messages],
        }

    def message(self, message: Message) -> JSON:
        return {
            "id": message.id,
            "author": message.author,
            "display": message.display,
            "bot": message.author == BOT,
            "parts": self.mentions.parts(message.text),
            "at": message.at.isoformat(),
            "card": message.card,
            "buttons": [asdict(b) for b in message.buttons],
            "links": [asdict(link) for link in message.links],
            "reactions": [
                {"emoji": e, "glyph": glyph(e), "people": [self.name(p) for p in people]}
                for e, people in message.reactions.items()
            ],
            "replies": [self.message(r) for r in self.workspace.replies(message.id)],
        }
