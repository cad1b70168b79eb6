"""Block Kit for Slack: the internal case card, the feedback question and the forms.

Everything is built with slack_sdk's block models, whose validators enforce most of Slack's
limits when `.to_dict()` runs. The limits they do not check (50 blocks a message, the length of
text from clients and forms) are kept here by construction. Every visible word comes from the
message catalog, in the directory's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
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
from handlers import messages
from handlers.directory import Actor, Directory
from handlers.model import CATEGORIES, Case, Feedback, Severity, Status, Verdict
from handlers.rules import SUMMARY_LIMIT

# Slack's limits: https://docs.slack.dev/reference/block-kit/blocks and .../views
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000  # each of a section's fields
HEADER_LIMIT = 150
TITLE_LIMIT = 24  # a modal's title, submit and close labels
OPTION_LIMIT = 75
INPUT_LIMIT = 3000  # the largest max_length a plain_text_input accepts
OPEN_SUMMARY_LIMIT = 300  # intake keeps this much of a case summary

# With these caps the card stays under 30 blocks whatever the case holds (Slack allows 50).
RECENT_STATEMENTS = 5
SHOWN_ACCOUNTS = 10

ABUSIVE_YES = "yes"  # the value of the one "abusive" checkbox when it is ticked
ELLIPSIS = "…"

Say = Callable[..., str]  # the catalog bound to one language
Mention = Callable[[str], str]  # directory person id -> Slack mention

# Markup a cut must not split: <@U123>, <https://…|text>, &amp;.
_MARKUP = re.compile(r"<[^<>\n]*>|&(?:amp|lt|gt);")
# Markup that text from clients and forms may keep: user and channel mentions, web links.
_KEPT = r"<(?:[@#][A-Z0-9]+|https?://[^\s<>|]+)(?:\|[^<>]*)?>"
_UNSAFE = re.compile(rf"({_KEPT})|&(?!(?:amp|lt|gt);)|<|>")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


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
    """Text from clients and forms as mrkdwn: mentions and links keep working, while a
    `<!channel>` or a stray `<` shows as typed instead of pinging or breaking the card."""
    return _UNSAFE.sub(lambda m: m.group(1) or _ENTITIES[m.group()], raw)


def _date(at: datetime) -> str:
    """A time Slack shows in each reader's own time zone."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at:%Y-%m-%d %H:%M %Z}>"


def _who(actor: Actor, mention: Mention) -> str:
    return mention(actor.person_id) if actor.person_id else _escape(actor.display)


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
    action_id: str,
    label: str,
    value: str,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        action_id=action_id,
        text=PlainTextObject(text=label),
        value=value,
        style=style,
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
        HeaderBlock(text=PlainTextObject(text=truncate(title, HEADER_LIMIT))),
        SectionBlock(fields=_fields(case, say, mention)),
        *([_markdown(f":warning: *{say('card.abuse')}*")] if case.abuse_flagged else []),
        _labelled(say("card.summary"), _escape(case.summary)),
        *_statements(case, say, source_link),
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


def _statements(case: Case, say: Say, link: str | None) -> list[Block]:
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
            _markdown(f"*{_escape(s.author.display)}* · {_date(s.at)}\n{_escape(s.text)}", link)
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
        return say(
            "event.waiver",
            actor=_who(waiver.author, mention),
            person=mention(person_id),
            text=_escape(waiver.text),
        )
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
    """Work on an active case, reopen a resolved one; closed and withdrawn cases are history."""
    if case.status.final:
        return []
    if case.status is Status.RESOLVED:
        steps = [_button(ids.ACTION_REOPEN, say("button.reopen"), case.id)]
    else:
        steps = [
            _button(ids.ACTION_ACCOUNT, say("button.add_account"), case.id),
            _button(ids.ACTION_ASSESS, say("button.assess"), case.id),
            _button(ids.ACTION_RESOLVE, say("button.resolve"), case.id, "primary"),
        ]
    # The confirm button repeats the form title: in Hebrew "Withdraw" and "Cancel" are one word.
    confirm = ConfirmObject(
        title=PlainTextObject(text=say("form.withdraw_title")),
        text=PlainTextObject(text=truncate(title, 300)),
        confirm=PlainTextObject(text=say("form.withdraw_title")),
        deny=PlainTextObject(text=say("form.cancel")),
        style="danger",
    )
    withdraw = _button(ids.ACTION_WITHDRAW, say("button.withdraw"), case.id, "danger", confirm)
    return [*steps, withdraw]


# --- the feedback question in the client thread ---------------------------------------------


def feedback_request(text: str, case_id: str, language: str) -> list[dict[str, Any]]:
    """The core's question, with one button per answer; each opens the feedback form."""
    say = partial(messages.text, language)
    buttons = [
        _button(ids.ACTION_FEEDBACK_YES, say("button.feedback_yes"), case_id, "primary"),
        _button(ids.ACTION_FEEDBACK_NO, say("button.feedback_no"), case_id),
    ]
    return [_markdown(text).to_dict(), ActionsBlock(elements=buttons).to_dict()]


# --- forms ------------------------------------------------------------------------------------


def _modal(
    callback_id: str, title_key: str, say: Say, private_metadata: str, blocks: Sequence[Block]
) -> dict[str, Any]:
    """The frame every form shares. `View.to_dict` validates it, so an over-long
    `private_metadata` raises here instead of being cut (a cut one could not be parsed)."""
    view = View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=truncate(say(title_key), TITLE_LIMIT)),
        submit=PlainTextObject(text=truncate(say("form.submit"), TITLE_LIMIT)),
        close=PlainTextObject(text=truncate(say("form.cancel"), TITLE_LIMIT)),
        private_metadata=private_metadata,
        blocks=list(blocks),
    )
    return view.to_dict()


def _input(
    field: str, say: Say, element: InputInteractiveElement, optional: bool = False, **label: Any
) -> InputBlock:
    """An input whose block id and action id are both the field name, labelled `label.<field>`
    (filled in with `label`)."""
    return InputBlock(
        block_id=field,
        label=PlainTextObject(text=say(f"label.{field}", **label)),
        element=element,
        optional=optional,
    )


def _text_input(
    field: str,
    say: Say,
    *,
    optional: bool = False,
    max_length: int = INPUT_LIMIT,
    initial: str = "",
    **label: Any,
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=field,
        multiline=True,
        max_length=max_length,
        initial_value=truncate(initial, max_length) or None,
    )
    return _input(field, say, element, optional, **label)


def _options(say: Say, prefix: str, values: Iterable[str]) -> list[Option]:
    return [Option(value=v, text=truncate(say(f"{prefix}.{v}"), OPTION_LIMIT)) for v in values]


def _select(field: str, say: Say, prefix: str, values: Iterable[str], initial: str) -> InputBlock:
    options = _options(say, prefix, values)
    chosen = next(o for o in options if o.value == initial)
    element = StaticSelectElement(action_id=field, options=options, initial_option=chosen)
    return _input(field, say, element)


def open_case_modal(
    language: str, private_metadata: str, initial_users: list[str], initial_summary: str
) -> dict[str, Any]:
    """Log a complaint: who is named, what kind, how bad, and a short summary."""
    say = partial(messages.text, language)
    users = UserMultiSelectElement(action_id=ids.FIELD_AFFECTED, initial_users=initial_users)
    return _modal(
        ids.VIEW_OPEN,
        "form.open_title",
        say,
        private_metadata,
        [
            _input(ids.FIELD_AFFECTED, say, users, optional=True),
            _select(ids.FIELD_CATEGORY, say, "category", CATEGORIES, "other"),
            _select(ids.FIELD_SEVERITY, say, "severity", [s.value for s in Severity], "medium"),
            _text_input(
                ids.FIELD_SUMMARY, say, max_length=OPEN_SUMMARY_LIMIT, initial=initial_summary
            ),
        ],
    )


def account_modal(language: str, private_metadata: str) -> dict[str, Any]:
    """An employee's own account of what happened."""
    say = partial(messages.text, language)
    blocks = [_text_input(ids.FIELD_ACCOUNT, say)]
    return _modal(ids.VIEW_ACCOUNT, "form.account_title", say, private_metadata, blocks)


def assess_modal(language: str, private_metadata: str) -> dict[str, Any]:
    """A manager's verdict: is the client right in this case? Plus a note and the abuse flag."""
    say = partial(messages.text, language)
    verdicts = RadioButtonsElement(
        action_id=ids.FIELD_VERDICT, options=_options(say, "verdict", [v.value for v in Verdict])
    )
    abusive = Option(value=ABUSIVE_YES, text=truncate(say("label.abusive"), OPTION_LIMIT))
    blocks = [
        _input(ids.FIELD_VERDICT, say, verdicts),
        _text_input(ids.FIELD_NOTE, say, optional=True),
        _input(
            ids.FIELD_ABUSIVE,
            say,
            CheckboxesElement(action_id=ids.FIELD_ABUSIVE, options=[abusive]),
            optional=True,
        ),
    ]
    return _modal(ids.VIEW_ASSESS, "form.assess_title", say, private_metadata, blocks)


def resolve_modal(language: str, private_metadata: str) -> dict[str, Any]:
    """The client-facing resolution (short enough for one screen) and change requests."""
    say = partial(messages.text, language)
    blocks = [
        # The label names the limit the input enforces: one number, so they cannot disagree.
        _text_input(ids.FIELD_RESOLUTION, say, max_length=SUMMARY_LIMIT, limit=SUMMARY_LIMIT),
        _text_input(ids.FIELD_CHANGE_REQUESTS, say, optional=True),
    ]
    return _modal(ids.VIEW_RESOLVE, "form.resolve_title", say, private_metadata, blocks)


def reason_modal(
    callback_id: str, title_key: str, language: str, private_metadata: str
) -> dict[str, Any]:
    """Withdraw or reopen: the step itself, with an optional reason for the record."""
    say = partial(messages.text, language)
    blocks = [_text_input(ids.FIELD_REASON, say, optional=True)]
    return _modal(callback_id, title_key, say, private_metadata, blocks)


def feedback_modal(language: str, private_metadata: str, resolved: bool) -> dict[str, Any]:
    """The client's answer, shown back to them, and room for a comment."""
    say = partial(messages.text, language)
    answer = say("button.feedback_yes" if resolved else "button.feedback_no")
    mark = ":white_check_mark:" if resolved else ":x:"
    blocks = [_markdown(f"{mark} *{answer}*"), _text_input(ids.FIELD_COMMENT, say, optional=True)]
    return _modal(ids.VIEW_FEEDBACK, "form.feedback_title", say, private_metadata, blocks)


def form(
    callback_id: str, language: str, private_metadata: str, resolved: bool = False
) -> dict[str, Any]:
    """The form a button opens, by its callback id (see `ids.BUTTON_STEPS`). `resolved` is the
    answer a feedback button gave; the other forms ignore it."""
    builders: dict[str, Callable[[], dict[str, Any]]] = {
        ids.VIEW_ACCOUNT: lambda: account_modal(language, private_metadata),
        ids.VIEW_ASSESS: lambda: assess_modal(language, private_metadata),
        ids.VIEW_RESOLVE: lambda: resolve_modal(language, private_metadata),
        ids.VIEW_WITHDRAW: lambda: reason_modal(
            ids.VIEW_WITHDRAW, "form.withdraw_title", language, private_metadata
        ),
        ids.VIEW_REOPEN: lambda: reason_modal(
            ids.VIEW_REOPEN, "button.reopen", language, private_metadata
        ),
        ids.VIEW_FEEDBACK: lambda: feedback_modal(language, private_metadata, resolved),
    }
    return builders[callback_id]()


# --- reading a submitted form ---------------------------------------------------------------


def _selected(value: dict[str, Any]) -> str | None:
    option = value.get("selected_option")
    return option["value"] if option else None


_READERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "plain_text_input": lambda v: v.get("value") or "",
    "static_select": _selected,
    "radio_buttons": _selected,
    "multi_users_select": lambda v: list(v.get("selected_users") or []),
    "checkboxes": lambda v: [o["value"] for o in v.get("selected_options") or []],
}


def read_values(state: dict[str, Any]) -> dict[str, Any]:
    """A view_submission's `view.state.values` as {field: value}.

    Text is "" when left empty (Slack sends null), a select or radio choice is its value or
    None, users are a list of user ids, checkboxes a list of the ticked values. An element
    type these forms never use raises KeyError.
    """
    return {
        action_id: _READERS[value["type"]](value)
        for actions in state.values()
        for action_id, value in actions.items()
    }
