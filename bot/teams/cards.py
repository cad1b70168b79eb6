"""Adaptive Cards for Microsoft Teams: the internal case card, the feedback question and the forms.

Plain JSON (schema 1.5, for Universal Actions), so the cards can be built and checked without
botbuilder. What a card shows comes from the core: the case card from `handlers.card`, the
forms from `handlers.forms`, every word from the catalog. This module only draws them, keeps
Teams' limits, and reads a submitted form back into the plain values `handlers.forms` reads.

A TextBlock's text is Markdown (a subset) with `{{DATE(...)}}` functions, and Teams turns
`<at>Name</at>` into a mention when the card lists it in `msteams.entities`. Every text is the
core's markup (`handlers.messages`), so the markers become mentions here and everything else,
the catalog's words and what clients typed alike, is escaped: a client's `**`, `[x](http://evil)`,
`<at>Dana</at>` or `{{DATE(...)}}` shows as typed.

Every button is an `Action.Execute`: its `verb` says what it does, its `data` which case.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from handlers import card, forms, messages
from handlers.directory import Directory
from handlers.forms import Field, FieldKind, Form

JSON = dict[str, Any]
PLATFORM = "teams"  # how the directory names Teams

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # Action.Execute and refresh need 1.5
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"  # an attachment's contentType

REFRESH = "refresh"  # the verb Teams invokes to fetch a viewer's own card
CANCEL = "cancel"  # a form's cancel button: back to the case card
SUBMIT = "submit:"  # a form's save button: "submit:<form name>"

# Teams takes a message of at most 28 KB; the card is kept under this, leaving room for the
# activity around it. Measured as sent (JSON with \u escapes: a Hebrew letter is 6 bytes).
CARD_BYTES = 24_000
# How long one entry's text may be and how many entries of a section (other than the client's
# statements) are shown: tried in order until the card fits CARD_BYTES. The last always does.
BUDGETS = ((1000, 10), (500, 10), (250, 5), (120, 3))
REFRESH_USERS = 60  # the most userIds a refresh may name
RADIO_LIMIT = 5  # the most options a choice without a default shows expanded, as radio buttons
RECENT_STATEMENTS = 5  # the client's latest statements shown; the rest are counted
ELLIPSIS = "…"
RTL = frozenset({"he"})

Say = Callable[..., str]

# What Markdown would read as formatting, a link, an entity, a mention or a date function.
TAG = re.compile(r"<[^>]*>")  # an HTML tag, as Teams' message HTML has them
_SPECIAL = re.compile(r"([\\`*_~\[\]<>&|#{])")
# A line that Markdown would read as a list item: "- x", "+ x", "1. x".
_LIST = re.compile(r"^(\s*)([-+]|\d+\.)(?=\s)", re.MULTILINE)
_SLOT = re.compile(r"<(\d+)>")


def escape_markdown(text: str) -> str:
    """Plain text as TextBlock Markdown that shows exactly it: the characters Markdown reads
    are backslash-escaped (which CommonMark shows as the character), every `{` too so no
    `{{DATE(...)}}` is formed, and each line break is kept (Teams joins single ones)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    escaped = _SPECIAL.sub(r"\\\1", text)
    escaped = _LIST.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}", escaped)
    return escaped.replace("\n", "\n\n")


def escape_html(text: str) -> str:
    """Plain text as a message's HTML that shows exactly it, each line break kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return html.escape(text, quote=False).replace("\n", "<br>")


def date(at: datetime) -> str:
    """A time Teams shows in each reader's own time zone and locale."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({stamp}, SHORT)}}}} {{{{TIME({stamp})}}}}"


# --- people ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """Who the core's markers stand for on Teams: a directory person with a Teams id is
    mentioned, anyone else shown by name. `names` gives the names of Teams users outside the
    directory (client contacts, `<user:ID>` markers); they are never mentioned, so an
    internal card notifies nobody outside the firm."""

    directory: Directory
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.directory.language

    def name(self, person_id: str) -> str:
        return self.directory.person_name(person_id)

    def user_name(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)

    def plain(self, markup: str) -> str:
        """A core text for a field Teams shows as plain text (titles, labels, options)."""
        return messages.plain(markup, self.name, self.user_name)

    def choices(self) -> list[JSON]:
        """The directory's people on Teams, as choices whose values are their Teams ids."""
        return [
            {"title": p.name, "value": p.platform_id(PLATFORM)}
            for p in self.directory.people.values()
            if p.platform_id(PLATFORM)
        ]


class _Writer:
    """Turns core texts into TextBlock Markdown (or, with `escape=escape_html`, a message's
    HTML), collecting the mentions they make."""

    def __init__(self, people: People, escape: Callable[[str], str] = escape_markdown) -> None:
        self.people = people
        self.escape = escape
        self.entities: dict[str, JSON] = {}  # by the mention's text

    @property
    def mentions(self) -> list[JSON]:
        """The mention entities of what was written: the card carries them."""
        return list(self.entities.values())

    def text(self, markup: str, limit: int | None = None) -> str:
        """`markup` as Markdown, its people as mentions; with `limit`, at most that many
        characters are shown (a mention counts as its name) and a cut ends in "…"."""
        pieces: list[tuple[str, str]] = []  # (shown text, Markdown)

        def slot(render: Callable[[str], tuple[str, str]]) -> Callable[[str], str]:
            def keep(ident: str) -> str:
                pieces.append(render(ident))
                return f"<{len(pieces) - 1}>"

            return keep

        # Outside text reaches the markup escaped, so its only "<" are the markers: each
        # becomes a numbered slot, and the text between them is escaped here.
        template = messages.render_people(markup, slot(self._person), slot(self._user))
        out: list[str] = []
        budget = limit
        for index, part in enumerate(_SLOT.split(template)):  # text, slot, text, ...
            marker = index % 2 == 1
            shown, rendered = pieces[int(part)] if marker else (messages.plain(part, str), "")
            if budget is not None and len(shown) > budget:
                cut = "" if marker else shown[:budget].rstrip()  # a mention is never split
                out.append(self.escape(cut) + ELLIPSIS)
                break
            out.append(rendered if marker else self.escape(shown))
            if budget is not None:
                budget -= len(shown)
        return "".join(out)

    def _person(self, person_id: str) -> tuple[str, str]:
        directory = self.people.directory
        person = directory.people.get(person_id)
        if person is None or not person.platform_id(PLATFORM):
            name = self.people.name(person_id)
            return name, self.escape(name)
        name = person.name.replace("<", "").replace(">", "")
        tag = f"<at>{name}</at>"
        mentioned = {"id": person.platform_id(PLATFORM), "name": name}
        entity = self.entities.setdefault(
            tag, {"type": "mention", "text": tag, "mentioned": mentioned}
        )
        if entity["mentioned"] != mentioned:  # a namesake has the tag: never ping the wrong one
            return name, self.escape(name)
        return name, tag

    def _user(self, user_id: str) -> tuple[str, str]:
        name = self.people.user_name(user_id)
        return name, self.escape(name)


def adaptive_card(
    body: list[JSON],
    actions: list[JSON],
    language: str,
    entities: list[JSON] | None = None,
    **extra: Any,
) -> JSON:
    """The card around a body: schema, language and direction, full width, the mention
    entities its text uses (every card of the bot, the review's too)."""
    msteams: JSON = {"width": "Full"}
    if entities:
        msteams["entities"] = entities
    content: JSON = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "lang": language,
        "rtl": language in RTL,
        "body": body,
        **extra,
        "msteams": msteams,
    }
    if actions:
        content["actions"] = actions
    return content


def _block(text: str, **style: Any) -> JSON:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _execute(title: str, verb: str, data: Mapping[str, Any], style: str = "", **more: Any) -> JSON:
    action: JSON = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data)}
    styles = {"primary": "positive", "danger": "destructive"}
    if style in styles:
        action["style"] = styles[style]
    return {**action, **more}


def message_text(markup: str, people: People) -> tuple[str, list[JSON]]:
    """A core text as a message's HTML and its mention entities: what the bot posts as a
    plain message (the client thread, card notes, DMs), its people mentioned as on cards."""
    writer = _Writer(people, escape_html)
    return writer.text(markup), writer.mentions


def attachment(content: JSON) -> JSON:
    """A card as an activity's attachment."""
    return {"contentType": CONTENT_TYPE, "content": content}


def size(content: JSON) -> int:
    """The bytes a card takes in an activity as botbuilder sends it (ASCII JSON)."""
    return len(json.dumps(content).encode())


# --- the internal case card -----------------------------------------------------------------


def case_card(
    view: card.CardView,
    people: People,
    *,
    source_link: str | None = None,
    refresh_users: Sequence[str] = (),
    language: str | None = None,
) -> JSON:
    """The core's card (`handlers.card`) as an Adaptive Card, within CARD_BYTES.

    `source_link` opens the client's original message from the statements' heading. With
    `refresh_users` (Teams user ids), Teams asks the bot for each of them to refresh the card
    when they see it (`refresh_block`), so each can get their own (`for_viewer`).

    The danger action (withdraw) asks nothing first: on Teams its form, with its own save
    and cancel buttons, is the question.
    """
    language = language or people.language
    for limit, shown in BUDGETS:
        writer = _Writer(people)
        body = [
            _block(writer.text(view.title), size="Large", weight="Bolder", id=marker(view.case_id)),
            *[_field(f, writer) for f in view.fields],
            *([_block(f"⚠ {writer.text(view.abuse)}", color="Attention")] if view.abuse else []),
            *[
                block
                for section in view.sections
                for block in _section(section, view, writer, (limit, shown), source_link)
            ],
        ]
        actions = [
            _execute(people.plain(a.label), a.form, {"case_id": view.case_id}, a.style)
            for a in view.actions
        ]
        extra: JSON = {"fallbackText": people.plain(view.fallback)}
        if refresh_users:
            extra["refresh"] = refresh_block(view.case_id, refresh_users)
        content = adaptive_card(body, actions, language, writer.mentions, **extra)
        if size(content) <= CARD_BYTES:
            break
    return content


def marker(case_id: str) -> str:
    """The element id that names a case card's case: how the sink knows the card again
    when it reads the channel back (`bot.teams.sink`)."""
    return f"complaintbot-case-{case_id}"


def marks(content: JSON, case_id: str) -> bool:
    """Whether a card is `case_id`'s case card (its title carries the `marker`)."""
    body = content.get("body")
    first = body[0] if isinstance(body, list) and body else None
    return isinstance(first, dict) and first.get("id") == marker(case_id)


def for_viewer(view: card.CardView, allowed: Collection[str]) -> card.CardView:
    """The card as one viewer gets it on refresh: only the actions whose forms (by name)
    they may use, so nobody is offered a button that would only refuse them."""
    return replace(view, actions=tuple(a for a in view.actions if a.form in allowed))


def refresh_block(case_id: str, user_ids: Sequence[str]) -> JSON:
    """Universal Actions' `refresh`: Teams invokes the `refresh` verb for each of these users
    (at most REFRESH_USERS are allowed; the rest see the shared card)."""
    return {
        "action": {"type": "Action.Execute", "verb": REFRESH, "data": {"case_id": case_id}},
        "userIds": list(dict.fromkeys(user_ids))[:REFRESH_USERS],
    }


def _field(field: card.Field, writer: _Writer) -> JSON:
    value = date(field.at) if field.at else writer.text(field.value)
    return {
        "type": "ColumnSet",
        "spacing": "Small",
        "columns": [
            {
                "type": "Column",
                "width": 2,
                "items": [_block(writer.text(field.label), weight="Bolder")],
            },
            {"type": "Column", "width": 3, "items": [_block(value)]},
        ],
    }


def _more(count: int) -> list[JSON]:
    """How many entries the card leaves out, so nobody mistakes the shown ones for all."""
    return [_block(f"{ELLIPSIS} +{count}", isSubtle=True)] if count else []


def _item(item: card.Item, writer: _Writer, limit: int) -> JSON:
    """`who · when` over the text; a placeholder subtle."""
    parts = [f"**{writer.text(item.title)}**"] if item.title else []
    if item.at:
        parts.append(date(item.at))
    head = " · ".join(parts)
    text = _block(writer.text(item.text, limit), isSubtle=item.muted, spacing="None")
    return {"type": "Container", "items": [*([_block(head)] if head else []), text]}


def _section(
    section: card.Section,
    view: card.CardView,
    writer: _Writer,
    budget: tuple[int, int],
    link: str | None,
) -> list[JSON]:
    """A heading and its entries: the client's latest statements (RECENT_STATEMENTS), the
    first `budget[1]` of other entries, the rest counted; entries with no title and no time
    (change requests) as one list. Each entry's text is cut at `budget[0]` characters."""
    limit, count = budget
    heading = f"**{writer.text(section.heading)}**"
    items = section.items
    quoted = any(item.quoted for item in items)
    if quoted and link:
        heading += f" · [{writer.text(view.source_label)}]({link.replace(')', '%29')})"
    head = _block(heading, separator=True, spacing="Medium")
    if all(not item.title and not item.at for item in items):
        lines = [writer.text(item.text, limit) for item in items[:count]]
        body = lines[0] if len(lines) == 1 else "\n\n".join(f"• {line}" for line in lines)
        return [head, _block(body, isSubtle=items[0].muted), *_more(len(items) - len(lines))]
    shown = items[-RECENT_STATEMENTS:] if quoted else items[:count]
    more = _more(len(items) - len(shown))
    entries = [_item(item, writer, limit) for item in shown]
    return [head, *more, *entries] if quoted else [head, *entries, *more]


# --- the feedback question in the client thread ---------------------------------------------


def feedback_card(text: str, case_id: str, people: People) -> JSON:
    """The core's question (`text`, markup), with one button per answer; each opens the
    feedback form (`forms.FEEDBACK`)."""
    say = partial(messages.text, people.language)
    writer = _Writer(people)
    actions = [
        _execute(people.plain(say(f.button)), f.name, {"case_id": case_id}, f.style)
        for f in forms.FEEDBACK
    ]
    return adaptive_card([_block(writer.text(text))], actions, people.language, writer.mentions)


def answered_card(text: str, people: People) -> JSON:
    """What replaces the question once answered: the answer (`text`, markup), no buttons,
    so nobody answers twice."""
    writer = _Writer(people)
    return adaptive_card([_block(writer.text(text))], [], people.language, writer.mentions)


# --- forms ------------------------------------------------------------------------------------


def form_card(
    form: Form,
    people: People,
    case_id: str,
    *,
    initial: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    context: Mapping[str, str] | None = None,
    dialog: bool = False,
) -> JSON:
    """`form` as a card: its title and intro, one input per field (its id the field's name),
    a save button (verb `submit:<form name>`) and a cancel one (verb `cancel`).

    `initial` prefills answers by field name (text, an option's value, Teams user ids, a
    flag's True); a choice left out starts at the form's default. `errors` (field name ->
    markup, the core's refusal) shows under its field, so a refused answer can be changed.
    `context` is carried in the buttons' data beside the case id (where an open form was
    filled in); Teams adds the inputs' values to it by their ids.

    `dialog` draws it for a task module (the message action's dialog), where Universal
    Actions do not run: one `Action.Submit` save button (Teams sends its data with the
    inputs' values in `composeExtension/submitAction`), no cancel (the dialog closes itself).
    """
    say = partial(messages.text, people.language)
    given, wrong = initial or {}, errors or {}
    writer = _Writer(people)
    data = {"case_id": case_id, **(context or {})}
    clash = data.keys() & {f.name for f in form.fields}
    if clash:
        raise ValueError(f"context keys {sorted(clash)} are field names of {form.name}")
    body = [_block(writer.text(say(form.title)), size="Medium", weight="Bolder")]
    if form.intro:
        body.append(_block(writer.text(say(form.intro))))
    for f in form.fields:
        body.append(_INPUTS[f.kind](f, say, people, given.get(f.name)))
        if f.name in wrong:
            body.append(_block(writer.text(wrong[f.name]), color="Attention", spacing="None"))
    if dialog:
        submit: JSON = {"type": "Action.Submit", "title": people.plain(say("form.submit"))}
        submit["data"] = {**data, "form": form.name}
        styles = {"primary": "positive", "danger": "destructive"}
        if form.style in styles:
            submit["style"] = styles[form.style]
        return adaptive_card(body, [submit], people.language, writer.mentions)
    actions = [
        _execute(
            people.plain(say("form.submit")),
            SUBMIT + form.name,
            data,
            form.style,
            associatedInputs="auto",
        ),
        _execute(people.plain(say("form.cancel")), CANCEL, data, associatedInputs="none"),
    ]
    return adaptive_card(body, actions, people.language, writer.mentions)


def submitted_form(verb: str) -> Form | None:
    """The form a `submit:<name>` verb saves, or None for any other verb."""
    return forms.FORMS.get(verb.removeprefix(SUBMIT)) if verb.startswith(SUBMIT) else None


def _input(f: Field, say: Say, people: People, kind: str, **more: Any) -> JSON:
    """One question: its id is the field's name; its label, `label.<name>`, may name the
    field's `{limit}`, so the label and the input cannot disagree."""
    label = people.plain(say(f"label.{f.name}", limit=f.max_length))
    return {"type": kind, "id": f.name, "label": label, "isRequired": f.required, **more}


def _text(f: Field, say: Say, people: People, initial: str | None) -> JSON:
    value = {"value": initial[: f.max_length]} if initial else {}
    return _input(f, say, people, "Input.Text", isMultiline=True, maxLength=f.max_length, **value)


def _choice(f: Field, say: Say, people: People, initial: str | None) -> JSON:
    """A choice with no default, among a few options, shows them all (radio buttons), so the
    answer is a deliberate one (the verdict); one with a default, or many options, is a
    compact drop-down that usually stays as it starts (category, severity); a `menu` one
    (the client channel) is always a drop-down."""
    labels = f.labels or [people.plain(say(f"{f.options_key}.{v}")) for v in f.options]
    choices = [{"title": t, "value": v} for v, t in zip(f.options, labels, strict=True)]
    expanded = f.initial is None and len(choices) <= RADIO_LIMIT and not f.menu
    chosen = initial or f.initial
    value = {"value": chosen} if chosen in f.options else {}
    style = "expanded" if expanded else "compact"
    return _input(f, say, people, "Input.ChoiceSet", choices=choices, style=style, **value)


def _people(f: Field, say: Say, people: People, initial: Sequence[str] | None) -> JSON:
    value = {"value": ",".join(initial)} if initial else {}
    return _input(
        f,
        say,
        people,
        "Input.ChoiceSet",
        choices=people.choices(),
        isMultiSelect=True,
        style="compact",
        **value,
    )


def _flag(f: Field, say: Say, people: People, initial: bool | None) -> JSON:
    """A toggle titled `label.<name>_option`: the statement that switching it on makes."""
    title = people.plain(say(f"label.{f.name}_option"))
    return _input(
        f,
        say,
        people,
        "Input.Toggle",
        title=title,
        valueOn="true",
        valueOff="false",
        value="true" if initial else "false",
    )


_INPUTS: dict[FieldKind, Callable[[Field, Say, People, Any], JSON]] = {
    "text": _text,
    "choice": _choice,
    "people": _people,
    "flag": _flag,
}


# --- reading a submitted form ---------------------------------------------------------------


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


_READERS: dict[FieldKind, Callable[[Any], Any]] = {
    "text": _string,
    "choice": lambda v: _string(v) or None,
    "people": lambda v: [p.strip() for p in _string(v).split(",") if p.strip()],
    "flag": lambda v: v is True or _string(v).lower() == "true",
}


def read_values(form: Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """An Action.Execute's `data` (the button's data with the inputs' values) as the plain
    values `handlers.forms` reads: {field name: value} for every field of `form`.

    Teams sends every input as a string: text as typed, a choice its value, a multi-select
    its values joined by commas (here a list of Teams user ids), a toggle its valueOn or
    valueOff. A field the data lacks, or holds as something else (only a forged request
    does), reads as left empty, so the core refuses it like any other bad answer.
    """
    return {f.name: _READERS[f.kind](data.get(f.name)) for f in form.fields}
