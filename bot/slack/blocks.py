"""Block Kit for Slack: the internal case card, the feedback question and the forms.

Everything is built with slack_sdk's block models, whose validators enforce most of Slack's
limits when `.to_dict()` runs. The limits they do not check (50 blocks a message, the length of
text from clients and forms) are kept here by construction. Every visible word comes from the
message catalog, in the directory's language.

Which buttons a case shows and what each form asks are `handlers.forms`' to say; this module
only draws them, and reads a submitted modal back into the plain values that module expects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from handlers import card, forms, messages
from handlers.forms import Field, FieldKind, Form

# Slack's limits: https://docs.slack.dev/reference/block-kit/blocks and .../views
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000  # each of a section's fields
HEADER_LIMIT = 150
TITLE_LIMIT = 24  # a modal's title, submit and close labels
OPTION_LIMIT = 75
INPUT_LIMIT = 3000  # the largest max_length a plain_text_input accepts
RADIO_LIMIT = 5  # the most options a choice shows as radio buttons (see `_choice`)

# With these caps the card stays under 30 blocks whatever the case holds (Slack allows 50).
RECENT_STATEMENTS = 5
SHOWN_ITEMS = 10  # of any other section: accounts, feedback

TICKED = "yes"  # the value of a flag's one checkbox
ELLIPSIS = "…"

Say = Callable[..., str]  # the catalog bound to one language
Mention = Callable[[str], str]  # directory person id -> Slack mention

# Markup a cut must not split: <@U123>, <https://…|text>, &amp;.
_MARKUP = re.compile(r"<[^<>\n]*>|&(?:amp|lt|gt);")


def truncate(text: str, limit: int, link: str | None = None) -> str:
    """`text` within `limit` characters. A cut ends in "…"; given a permalink, that "…" links
    to the original message, so a shortened client statement can still be read in full."""
    if len(text) <= limit:
        return text
    tail = f"<{link}|{ELLIPSIS}>" if link else ELLIPSIS
    if len(tail) >= limit:
        tail = ELLIPSIS
    cut = limit - len(tail)
    for markup in _MARKUP.finditer(text):
        if markup.start() >= cut:
            break
        if markup.end() > cut:
            cut = markup.start()
            break
    return text[:cut].rstrip() + tail


def _escape(raw: str) -> str:
    """Text from clients and forms as mrkdwn that shows exactly what was typed: a `<@U…>`,
    `<!channel>` or `<https://…|label>` in it is text, never a ping or a disguised link."""
    return messages.escape(raw)


def slack_user(user_id: str) -> str:
    """A platform user outside the directory, as Slack shows them: their name."""
    return f"<@{user_id}>"


def mrkdwn(markup: str, mention: Mention) -> str:
    """A core text (see handlers.messages) as Slack mrkdwn: same escapes, Slack mentions."""
    return messages.render_people(markup, mention, slack_user)


def plain_text(markup: str, name: Mention) -> str:
    """A core text for a Slack plain_text field (or a form's error), which shows characters
    as they are and renders no mentions: people by `name`."""
    return messages.plain(markup, name, slack_user)


def _date(at: datetime) -> str:
    """A time Slack shows in each reader's own time zone."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at:%Y-%m-%d %H:%M %Z}>"


def _markdown(text: str, link: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT, link)))


def _more(count: int) -> list[Block]:
    """How many items the card leaves out, so nobody mistakes the shown ones for all."""
    return (
        [ContextBlock(elements=[MarkdownTextObject(text=f"{ELLIPSIS} +{count}")])] if count else []
    )


def _button(
    form_name: str, label: str, case_id: str, style: str, confirm: ConfirmObject | None = None
) -> ButtonElement:
    """The button that opens a form on a case: its action id is the form's name."""
    return ButtonElement(
        action_id=form_name,
        text=PlainTextObject(text=label),
        value=case_id,
        style=style or None,
        confirm=confirm,
    )


# --- the internal case card -----------------------------------------------------------------


def case_card(
    view: card.CardView, mention: Mention, source_link: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The core's card (`handlers.card`) in Block Kit: the notification fallback text and the
    blocks. `source_link` is the permalink of the client's original message: the client's
    statements link to it, and a cut one ends in a "…" that opens it."""
    buttons = [_card_button(view, action) for action in view.actions]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=truncate(plain_text(view.title, str), HEADER_LIMIT))),
        SectionBlock(fields=[_field(field, mention) for field in view.fields]),
        *([_markdown(f":warning: *{mrkdwn(view.abuse, mention)}*")] if view.abuse else []),
        *(block for s in view.sections for block in _section(s, view, mention, source_link)),
        *([ActionsBlock(elements=buttons)] if buttons else []),
    ]
    return mrkdwn(view.fallback, mention), [block.to_dict() for block in blocks]


def _field(field: card.Field, mention: Mention) -> MarkdownTextObject:
    value = _date(field.at) if field.at else mrkdwn(field.value, mention)
    return MarkdownTextObject(text=truncate(f"*{field.label}*\n{value}", FIELD_LIMIT))


def _line(item: card.Item, mention: Mention) -> str:
    """`*who* · when` over the text; a placeholder in italics."""
    title = f"*{mrkdwn(item.title, mention)}*" if item.title else ""
    head = " · ".join(part for part in (title, _date(item.at) if item.at else "") if part)
    body = f"_{mrkdwn(item.text, mention)}_" if item.muted else mrkdwn(item.text, mention)
    return f"{head}\n{body}" if head and body else head or body


def _section(
    section: card.Section, view: card.CardView, mention: Mention, link: str | None
) -> list[Block]:
    """A heading and its items within Slack's 50 blocks: the latest client statements
    (RECENT_STATEMENTS), the first other entries (SHOWN_ITEMS), the rest counted. Items
    with no title and no time (change requests) are one list; a single one joins its
    heading."""
    heading = f"*{section.heading}*"
    items = section.items
    quoted = any(item.quoted for item in items)
    if quoted and link:
        heading += f" · <{link}|{view.source_label}>"
    if all(not item.title and not item.at for item in items):
        lines = [_line(item, mention) for item in items]
        body = lines[0] if len(lines) == 1 else "\n".join(f"• {line}" for line in lines)
        return [_markdown(f"{heading}\n{body}")]
    shown = items[-RECENT_STATEMENTS:] if quoted else items[:SHOWN_ITEMS]
    more = _more(len(items) - len(shown))
    return [
        _markdown(heading),
        *(more if quoted else []),
        *(_markdown(_line(item, mention), link if item.quoted else None) for item in shown),
        *([] if quoted else more),
    ]


def _card_button(view: card.CardView, action: card.Action) -> ButtonElement:
    confirm = _confirm(action.confirm) if action.confirm else None
    return _button(action.form, plain_text(action.label, str), view.case_id, action.style, confirm)


def _confirm(confirm: card.Confirm) -> ConfirmObject:
    def plain(markup: str, limit: int) -> PlainTextObject:
        return PlainTextObject(text=truncate(plain_text(markup, str), limit))

    return ConfirmObject(
        title=plain(confirm.title, TITLE_LIMIT),
        text=plain(confirm.text, 300),
        confirm=plain(confirm.yes, TITLE_LIMIT),
        deny=plain(confirm.no, TITLE_LIMIT),
        style="danger",
    )


# --- the feedback question in the client thread ---------------------------------------------


def feedback_request(text: str, case_id: str, language: str) -> list[dict[str, Any]]:
    """The core's question, with one button per answer; each opens the feedback form."""
    say = partial(messages.text, language)
    buttons = [_button(f.name, say(f.button), case_id, f.style) for f in forms.FEEDBACK]
    return [_markdown(text).to_dict(), ActionsBlock(elements=buttons).to_dict()]


# --- forms ------------------------------------------------------------------------------------


def modal(
    form: Form, language: str, private_metadata: str, initial: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`form` as a modal: its intro line, then one input per field.

    `initial` prefills answers by field name (text, an option's value, Slack user ids, a flag's
    True); a choice left out starts at the form's default. `View.to_dict` validates the view,
    so an over-long `private_metadata` raises here instead of being cut (a cut one could not
    be parsed).
    """
    say = partial(messages.text, language)
    given = initial or {}
    intro = [_markdown(f"*{say(form.intro)}*")] if form.intro else []
    view = View(
        type="modal",
        callback_id=ids.callback_id(form),
        title=PlainTextObject(text=truncate(say(form.title), TITLE_LIMIT)),
        submit=PlainTextObject(text=truncate(say("form.submit"), TITLE_LIMIT)),
        close=PlainTextObject(text=truncate(say("form.cancel"), TITLE_LIMIT)),
        private_metadata=private_metadata,
        blocks=[*intro, *(_input(field, say, given.get(field.name)) for field in form.fields)],
    )
    return view.to_dict()


def _input(field: Field, say: Say, initial: Any) -> InputBlock:
    """One question. Its block id and action id are both the field name; its label,
    `label.<name>`, may name the input's `{limit}`, so the two cannot disagree."""
    return InputBlock(
        block_id=field.name,
        label=PlainTextObject(text=say(f"label.{field.name}", limit=_limit(field))),
        element=_ELEMENTS[field.kind](field, say, initial),
        optional=not field.required,
    )


def _limit(field: Field) -> int:
    return min(field.max_length, INPUT_LIMIT)


def _text(field: Field, say: Say, initial: str | None) -> PlainTextInputElement:
    limit = _limit(field)
    return PlainTextInputElement(
        action_id=field.name,
        multiline=True,
        max_length=limit,
        initial_value=truncate(initial or "", limit) or None,
    )


def _choice(
    field: Field, say: Say, initial: str | None
) -> RadioButtonsElement | StaticSelectElement:
    """A choice with no default, among a few options, shows them all as radio buttons, so each
    is read and the answer is a deliberate one (the verdict); one with a default, or with
    many options, is a compact select that usually stays as it starts (category, severity);
    a `menu` one (the client channel) is always a select."""
    labels = field.labels or [say(f"{field.options_key}.{v}") for v in field.options]
    options = [
        Option(value=v, text=truncate(label, OPTION_LIMIT))
        for v, label in zip(field.options, labels, strict=True)
    ]
    chosen = next((o for o in options if o.value == (initial or field.initial)), None)
    if field.initial is None and len(options) <= RADIO_LIMIT and not field.menu:
        return RadioButtonsElement(action_id=field.name, options=options, initial_option=chosen)
    return StaticSelectElement(action_id=field.name, options=options, initial_option=chosen)


def _people(field: Field, say: Say, initial: list[str] | None) -> UserMultiSelectElement:
    return UserMultiSelectElement(action_id=field.name, initial_users=list(initial or []))


def _flag(field: Field, say: Say, initial: bool | None) -> CheckboxesElement:
    """One checkbox, labelled `label.<name>_option`: the statement that ticking it makes."""
    option = Option(value=TICKED, text=truncate(say(f"label.{field.name}_option"), OPTION_LIMIT))
    return CheckboxesElement(
        action_id=field.name, options=[option], initial_options=[option] if initial else None
    )


_ELEMENTS: dict[FieldKind, Callable[[Field, Say, Any], InputInteractiveElement]] = {
    "text": _text,
    "choice": _choice,
    "people": _people,
    "flag": _flag,
}


# --- reading a submitted form ---------------------------------------------------------------


_READERS: dict[FieldKind, Callable[[dict[str, Any]], Any]] = {
    "text": lambda v: v.get("value") or "",
    "choice": lambda v: (v.get("selected_option") or {}).get("value"),
    "people": lambda v: list(v.get("selected_users") or []),
    "flag": lambda v: bool(v.get("selected_options")),
}


def read_values(form: Form, state: dict[str, Any]) -> dict[str, Any]:
    """A view_submission's `view.state.values` as the plain values `handlers.forms` reads:
    {field name: value} for every field of `form`.

    Text is "" when left empty (Slack sends null), a choice its option's value or None, people
    a list of Slack user ids, a flag whether its checkbox is ticked. A field the state lacks
    (only a forged submission lacks one) reads as left empty, so it is refused by the core
    like any other bad answer instead of failing the request.
    """
    return {
        field.name: _READERS[field.kind](state.get(field.name, {}).get(field.name) or {})
        for field in form.fields
    }
