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
from collections.abc import Callable, Iterable
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
from handlers import forms, messages
from handlers.directory import Actor, Directory
from handlers.forms import Field, FieldKind, Form
from handlers.model import Case, Feedback

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
SHOWN_ACCOUNTS = 10

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


def _actor(actor: Actor) -> str:
    """An actor as core markup: a person of the directory by marker, anyone else by name."""
    return (
        messages.mention(actor.person_id)
        if actor.person_id
        else messages.actor_markup(actor.display)
    )


def _who(actor: Actor, mention: Mention) -> str:
    return mrkdwn(_actor(actor), mention)


def _markdown(text: str, link: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT, link)))


def _labelled(label: str, body: str) -> SectionBlock:
    return _markdown(f"*{label}*\n{body}")


def _more(count: int) -> list[Block]:
    """How many items the card leaves out, so nobody mistakes the shown ones for all."""
    return (
        [ContextBlock(elements=[MarkdownTextObject(text=f"{ELLIPSIS} +{count}")])] if count else []
    )


def _button(
    form: Form, case_id: str, say: Say, confirm: ConfirmObject | None = None
) -> ButtonElement:
    """The button that opens `form` on a case: its action id is the form's name."""
    return ButtonElement(
        action_id=form.name,
        text=PlainTextObject(text=say(form.button)),
        value=case_id,
        style=form.style or None,
        confirm=confirm,
    )


# --- the internal case card -----------------------------------------------------------------


def case_card(
    case: Case,
    directory: Directory,
    language: str,
    mention: Mention,
    source_link: str | None,
) -> tuple[str, list[dict[str, Any]]]:
    """The internal card: every fact of the case, and the buttons its status still allows.

    Returns the notification fallback text and the blocks. `source_link` is the permalink of
    the client's original message; cut statements and the statements heading link to it.
    """
    say = partial(messages.text, language)
    client = directory.clients.get(case.client_id)
    title = say("card.title", case_id=case.id, client=client.name if client else case.client_id)
    buttons = _card_buttons(case, title, say)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=truncate(plain_text(title, str), HEADER_LIMIT))),
        SectionBlock(fields=_fields(case, say, mention)),
        *([_markdown(f":warning: *{say('card.abuse')}*")] if case.abuse_flagged else []),
        _labelled(say("card.summary"), _escape(case.summary)),
        *_statements(case, say, mention, source_link),
        *_accounts(case, say, mention),
        _labelled(say("card.verdict"), _verdict(case, say, mention)),
        *_outcome(case, say, mention),
        *([ActionsBlock(elements=buttons)] if buttons else []),
    ]
    fallback = f"{title}: {say(f'status.{case.status.value}')}"
    return fallback, [block.to_dict() for block in blocks]


def _fields(case: Case, say: Say, mention: Mention) -> list[MarkdownTextObject]:
    def people(person_ids: Iterable[str]) -> str:
        return ", ".join(map(mention, person_ids)) or say("card.none")

    rows = [
        ("card.status", say(f"status.{case.status.value}")),
        ("card.severity", say(f"severity.{case.severity.value}")),
        ("card.category", say(f"category.{case.category}")),
        ("card.due", _date(case.due_at)),
        ("card.raised_by", _who(case.raised_by, mention)),
        ("card.reporter", _who(case.reporter, mention)),
        ("card.affected", people(case.affected)),
        ("card.managers", people(case.managers)),
        ("card.account_manager", people([case.account_manager] if case.account_manager else [])),
    ]
    return [MarkdownTextObject(text=truncate(f"*{say(k)}*\n{v}", FIELD_LIMIT)) for k, v in rows]


def _statements(case: Case, say: Say, mention: Mention, link: str | None) -> list[Block]:
    """The latest statements (long ones cut, linking to the original); older ones counted."""
    heading = f"*{say('card.client_statements')}*"
    if link:
        heading += f" · <{link}|{say('card.original_message')}>"
    recent = case.client_statements[-RECENT_STATEMENTS:]
    if not recent:
        return [_markdown(f"{heading}\n{say('card.none')}")]
    return [
        _markdown(heading),
        *_more(len(case.client_statements) - len(recent)),
        *(
            _markdown(f"*{_who(s.author, mention)}* · {_date(s.at)}\n{_escape(s.text)}", link)
            for s in recent
        ),
    ]


def _accounts(case: Case, say: Say, mention: Mention) -> list[Block]:
    """Each named employee's side: their account, their manager's waiver, or that it is missing."""
    if not case.affected:
        return []
    shown = case.affected[:SHOWN_ACCOUNTS]
    return [
        _markdown(f"*{say('card.accounts')}*"),
        *(_labelled(mention(p), _account(case, p, say, mention)) for p in shown),
        *_more(len(case.affected) - len(shown)),
    ]


def _account(case: Case, person_id: str, say: Say, mention: Mention) -> str:
    if person_id in case.accounts:
        return _escape(case.accounts[person_id].text)
    if person_id in case.waivers:
        waiver = case.waivers[person_id]
        line = say(
            "event.waiver",
            actor=_actor(waiver.author),
            person=messages.mention(person_id),
            text=waiver.text,
        )
        return mrkdwn(line, mention)
    return f"_{say('card.account_missing')}_"


def _verdict(case: Case, say: Say, mention: Mention) -> str:
    if case.verdict is None:
        return say("card.none")
    line = say(f"verdict.{case.verdict.value}")
    if case.verdict_by:
        line += f" · {mention(case.verdict_by)}"
    return f"{line}\n{_escape(case.verdict_note)}" if case.verdict_note else line


def _outcome(case: Case, say: Say, mention: Mention) -> list[Block]:
    """Resolution, change requests and feedback, once there are any."""
    blocks: list[Block] = []
    if case.resolution:
        blocks.append(_labelled(say("card.resolution"), _escape(case.resolution)))
    if case.change_requests:
        requests = "\n".join(f"• {_escape(r)}" for r in case.change_requests)
        blocks.append(_labelled(say("card.change_requests"), requests))
    if case.feedback:
        answers = "\n".join(_feedback_line(f, say, mention) for f in case.feedback)
        blocks.append(_labelled(say("card.feedback"), answers))
    return blocks


def _feedback_line(feedback: Feedback, say: Say, mention: Mention) -> str:
    answer = say("card.feedback_yes" if feedback.resolved else "card.feedback_no")
    line = f"• {answer} · {_who(feedback.by, mention)} · {_date(feedback.at)}"
    return f"{line}: {_escape(feedback.comment)}" if feedback.comment else line


def _card_buttons(case: Case, title: str, say: Say) -> list[ButtonElement]:
    """The buttons the case's status allows (see `forms.card_buttons`); the "danger" one
    (withdrawing, which cannot be undone) asks for confirmation first."""
    return [
        _button(form, case.id, say, _confirm(form, title, say) if form.style == "danger" else None)
        for form in forms.card_buttons(case)
    ]


def _confirm(form: Form, title: str, say: Say) -> ConfirmObject:
    """The confirm button repeats the form title: in Hebrew "Withdraw" and "Cancel" are one word."""
    return ConfirmObject(
        title=PlainTextObject(text=say(form.title)),
        text=PlainTextObject(text=truncate(title, 300)),
        confirm=PlainTextObject(text=say(form.title)),
        deny=PlainTextObject(text=say("form.cancel")),
        style="danger",
    )


# --- the feedback question in the client thread ---------------------------------------------


def feedback_request(text: str, case_id: str, language: str) -> list[dict[str, Any]]:
    """The core's question, with one button per answer; each opens the feedback form."""
    say = partial(messages.text, language)
    buttons = [_button(form, case_id, say) for form in forms.FEEDBACK]
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
    many options, is a compact select that usually stays as it starts (category, severity)."""
    labels = field.labels or [say(f"{field.options_key}.{v}") for v in field.options]
    options = [
        Option(value=v, text=truncate(label, OPTION_LIMIT))
        for v, label in zip(field.options, labels, strict=True)
    ]
    chosen = next((o for o in options if o.value == (initial or field.initial)), None)
    if field.initial is None and len(options) <= RADIO_LIMIT:
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
