"""The buttons and forms people use on a case, defined once for every adapter.

Adapters draw them their own way (Block Kit on Slack, HTML in the playground)
from these definitions, read the answers into plain values, and get back the
command a filled form stands for. So which buttons a case shows, what each
form asks, which rule guards it, and how answers become a command cannot
differ between platforms.

Answers arrive as plain values, by field kind: "text" a str ("" when empty),
"choice" the chosen option's value (or None), "people" a list of directory
person ids, "flag" a bool; `command` and `opening` expect every field of the
form. Labels are the catalog's `label.<field>` (filled with `limit`, the
field's `max_length`); a flag's tick box reads `label.<field>_option`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Literal, TypeVar

from handlers import rules
from handlers.commands import (
    Assess,
    CaseCommand,
    GiveFeedback,
    RecordAccount,
    Reopen,
    Resolve,
    WaiveAccount,
    Withdraw,
)
from handlers.directory import Actor, Directory
from handlers.errors import Refusal
from handlers.model import CASE_SUMMARY_LIMIT, CATEGORIES, Case, Severity, Status, Verdict

TEXT_LIMIT = 3000  # any other text field

FieldKind = Literal["text", "choice", "people", "flag"]


@dataclass(frozen=True)
class Field:
    """One question. Its label is the catalog's `label.<name>`; a choice's option labels
    are `<options_key>.<value>`."""

    name: str
    kind: FieldKind = "text"
    required: bool = False
    max_length: int = TEXT_LIMIT
    options: tuple[str, ...] = ()
    options_key: str = ""
    initial: str | None = None
    labels: tuple[str, ...] = ()  # option labels as they are (names), instead of catalog keys
    menu: bool = False  # a choice always drawn as a drop-down, however few its options


@dataclass(frozen=True)
class Form:
    name: str
    title: str  # catalog key
    fields: tuple[Field, ...]
    step: str = ""  # the rules step checked before the form is shown (see rules.authorize)
    button: str = ""  # catalog key of the button that opens it
    style: Literal["", "primary", "danger"] = ""  # how the button stands out
    intro: str = ""  # catalog key of a line shown above the fields


def _choice_field(name: str, options: tuple[str, ...], initial: str | None = None) -> Field:
    return Field(name, "choice", True, options=options, options_key=name, initial=initial)


OPEN = Form(
    "open",
    "form.open_title",
    (
        Field("affected", "people"),
        _choice_field("category", CATEGORIES, "other"),
        _choice_field("severity", tuple(s.value for s in Severity), Severity.MEDIUM.value),
        Field("summary", required=True, max_length=CASE_SUMMARY_LIMIT),
    ),
)
# The open form away from the client channel (a complaint by phone or mail): first, which
# client channel it is for, then the same questions. The channels are the directory's, put
# in by `log_form`; the one that comes back is checked again (`Interactions.chosen_channel`),
# since a forged form can name any.
CHANNEL = Field("channel", "choice", True, menu=True)
LOG = Form("log", "form.log_title", (CHANNEL, *OPEN.fields))
ACCOUNT = Form(
    "account",
    "form.account_title",
    (Field("account", required=True),),
    "account",
    "button.add_account",
)
WAIVE = Form(
    "waive",
    "form.waive_title",
    (Field("person", "choice", True), Field("reason", required=True)),
    "waive",
    "button.waive",
)
ASSESS = Form(
    "assess",
    "form.assess_title",
    (
        _choice_field("verdict", tuple(v.value for v in Verdict)),
        Field("note"),
        Field("abusive", "flag"),
    ),
    "assess",
    "button.assess",
)
RESOLVE = Form(
    "resolve",
    "form.resolve_title",
    (
        Field("resolution", required=True, max_length=rules.SUMMARY_LIMIT),
        Field("change_requests"),
    ),
    "resolve",
    "button.resolve",
    "primary",
)
WITHDRAW = Form(
    "withdraw", "form.withdraw_title", (Field("reason"),), "withdraw", "button.withdraw", "danger"
)
REOPEN = Form("reopen", "form.reopen_title", (Field("reason"),), "reopen", "button.reopen")
FEEDBACK_YES = Form(
    "feedback_yes",
    "form.feedback_title",
    (Field("comment"),),
    "feedback",
    "button.feedback_yes",
    "primary",
    intro="button.feedback_yes",
)
FEEDBACK_NO = Form(
    "feedback_no",
    "form.feedback_title",
    (Field("comment"),),
    "feedback",
    "button.feedback_no",
    intro="button.feedback_no",
)

FORMS: dict[str, Form] = {
    f.name: f
    for f in (
        OPEN,
        LOG,
        ACCOUNT,
        WAIVE,
        ASSESS,
        RESOLVE,
        WITHDRAW,
        REOPEN,
        FEEDBACK_YES,
        FEEDBACK_NO,
    )
}
FEEDBACK = (FEEDBACK_YES, FEEDBACK_NO)  # the buttons under the feedback question


def card_buttons(case: Case) -> tuple[Form, ...]:
    """Work on an active case, reopen a resolved one; closed and withdrawn cases are history."""
    if case.status.final:
        return ()
    if case.status is Status.RESOLVED:
        return (REOPEN, WITHDRAW)
    waive = (WAIVE,) if case.missing_accounts() else ()
    return (ACCOUNT, *waive, ASSESS, RESOLVE, WITHDRAW)


def for_case(form: Form, case: Case, directory: Directory) -> Form:
    """`form` as drawn for `case`: the waiver's choice is among the accounts still missing."""
    if form is not WAIVE:
        return form
    missing = tuple(case.missing_accounts())
    person = Field(
        "person",
        "choice",
        True,
        options=missing,
        labels=tuple(directory.person(p).name for p in missing),
    )
    return replace(form, fields=(person, *form.fields[1:]))


def log_form(channels: Sequence[tuple[str, str]]) -> Form:
    """The log form offering `channels`: (channel id, its label as it is shown: names are
    data, never markup)."""
    channel = replace(
        CHANNEL, options=tuple(c for c, _ in channels), labels=tuple(label for _, label in channels)
    )
    return replace(LOG, fields=(channel, *LOG.fields[1:]))


def authorize(form: Form, directory: Directory, case: Case, actor: Actor) -> None:
    """Raise the Refusal the user would get, before they fill anything in."""
    rules.authorize(form.step, directory, case, actor)


Choice = TypeVar("Choice", bound=StrEnum)


def choice(choices: type[Choice], value: str | None) -> Choice:
    """A chosen option as its enum; an unknown one is a refusal naming the options."""
    try:
        return choices(value or "")
    except ValueError:
        raise Refusal(
            "refuse.unknown_choice",
            value=value or "-",
            choices=", ".join(c.value for c in choices),
        ) from None


def command(
    form: Form, case_id: str, actor: Actor, values: dict[str, Any], channel: str = ""
) -> CaseCommand:
    """The command a filled case form stands for; `channel` is where it was filled in."""
    if form is ACCOUNT:
        return RecordAccount(case_id, actor, values["account"])
    if form.name == WAIVE.name:  # drawn by `for_case`, so a copy of WAIVE
        return WaiveAccount(case_id, actor, values["person"] or "", values["reason"])
    if form is ASSESS:
        verdict = choice(Verdict, values["verdict"])
        return Assess(case_id, actor, verdict, values["note"], abusive=values["abusive"])
    if form is RESOLVE:
        requests = tuple(values["change_requests"].splitlines())
        return Resolve(case_id, actor, values["resolution"], requests)
    if form is WITHDRAW:
        return Withdraw(case_id, actor, values["reason"])
    if form is REOPEN:
        return Reopen(case_id, actor, values["reason"])
    if form in FEEDBACK:
        return GiveFeedback(case_id, actor, form is FEEDBACK_YES, values["comment"], channel)
    raise ValueError(f"{form.name} is not a case form")


def chosen(field: Field, value: str | None) -> str:
    """A choice checked against the field's own options."""
    if value not in field.options:
        raise Refusal("refuse.unknown_choice", value=value or "-", choices=", ".join(field.options))
    return value


def opening(values: dict[str, Any]) -> dict[str, Any]:
    """The open form's answers as OpenCase's keyword arguments (the adapter adds the rest)."""
    category = next(f for f in OPEN.fields if f.name == "category")
    return {
        "affected": tuple(values["affected"]),
        "category": chosen(category, values["category"]),
        "severity": choice(Severity, values["severity"]),
        "summary": values["summary"],
    }
