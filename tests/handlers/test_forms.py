"""The buttons and forms every adapter draws: which a case offers, and what a filled one does."""

from __future__ import annotations

import pytest

from handlers import forms, rules
from handlers.commands import (
    Assess,
    GiveFeedback,
    RecordAccount,
    Reopen,
    Resolve,
    WaiveAccount,
    Withdraw,
)
from handlers.directory import Actor
from handlers.errors import NotAllowed, Refusal
from handlers.messages import CATALOG
from handlers.model import Case, Severity, Status, Verdict


def names(buttons: tuple[forms.Form, ...]) -> list[str]:
    return [f.name for f in buttons]


def test_an_active_case_offers_work_a_resolved_one_reopening_a_final_one_nothing(
    opened: Case, resolved: Case
) -> None:
    assert names(forms.card_buttons(opened)) == [
        "account",
        "waive",
        "assess",
        "resolve",
        "withdraw",
    ]
    assert names(forms.card_buttons(resolved)) == ["reopen", "withdraw"]
    for final in (Status.CLOSED, Status.WITHDRAWN):
        assert forms.card_buttons(resolved.evolve(resolved.updated_at, status=final)) == ()
    assert names(forms.FEEDBACK) == ["feedback_yes", "feedback_no"]


def test_every_button_is_guarded_by_a_rule_step() -> None:
    for form in forms.FORMS.values():
        if form.button:
            assert form.step in rules.STEPS, form.name
    assert not forms.OPEN.button and not forms.OPEN.step


@pytest.mark.parametrize("language", sorted(CATALOG))
def test_every_word_of_every_form_is_in_the_catalog(language: str) -> None:
    catalog = CATALOG[language]
    for form in forms.FORMS.values():
        keys = [form.title, *filter(None, (form.button, form.intro))]
        for field in form.fields:
            keys.append(f"label.{field.name}")
            if field.kind == "flag":
                keys.append(f"label.{field.name}_option")
            keys += [f"{field.options_key}.{option}" for option in field.options]
        missing = [k for k in keys if k not in catalog]
        assert not missing, (form.name, missing)


def test_authorize_refuses_before_the_form_is_shown(opened: Case, directory, client: Actor) -> None:
    with pytest.raises(NotAllowed) as refused:
        forms.authorize(forms.ASSESS, directory, opened, client)
    assert refused.value.key == "refuse.not_internal"


@pytest.mark.parametrize(
    ("form", "values", "expected"),
    [
        (forms.ACCOUNT, {"account": "My side."}, RecordAccount),
        (forms.ASSESS, {"verdict": "not_right", "note": "n", "abusive": True}, Assess),
        (forms.RESOLVE, {"resolution": "Done.", "change_requests": "a\nb"}, Resolve),
        (forms.WITHDRAW, {"reason": "r"}, Withdraw),
        (forms.REOPEN, {"reason": "r"}, Reopen),
        (forms.FEEDBACK_YES, {"comment": ""}, GiveFeedback),
        (forms.FEEDBACK_NO, {"comment": "no"}, GiveFeedback),
    ],
)
def test_a_filled_form_becomes_its_command(
    form: forms.Form, values: dict, expected: type, client: Actor
) -> None:
    command = forms.command(form, "C-0042", client, values)
    assert type(command) is expected and command.case_id == "C-0042"
    if isinstance(command, Assess):
        assert (command.verdict, command.abusive) == (Verdict.NOT_RIGHT, True)
    if isinstance(command, Resolve):
        assert command.change_requests == ("a", "b")
    if isinstance(command, GiveFeedback):
        assert command.resolved is (form is forms.FEEDBACK_YES)


def test_an_unknown_choice_is_a_refusal_naming_the_options(client: Actor) -> None:
    with pytest.raises(Refusal) as refused:
        forms.command(
            forms.ASSESS, "C-1", client, {"verdict": "guilty", "note": "", "abusive": False}
        )
    assert refused.value.key == "refuse.unknown_choice"
    assert "not_right" in refused.value.params["choices"]
    with pytest.raises(Refusal):
        forms.opening({"affected": [], "category": "gossip", "severity": "low", "summary": "s"})


def test_the_open_form_gives_opencase_its_details() -> None:
    details = forms.opening(
        {"affected": ["dana"], "category": "delay", "severity": "high", "summary": "Late."}
    )
    assert details == {
        "affected": ("dana",),
        "category": "delay",
        "severity": Severity.HIGH,
        "summary": "Late.",
    }
    with pytest.raises(ValueError):
        forms.command(forms.OPEN, "C-1", Actor("slack", "U1", "x"), {})


def test_the_waiver_is_offered_while_an_account_is_missing_and_picks_among_those(
    opened: Case, heard: Case, directory, maya: Actor
) -> None:
    assert "waive" not in names(forms.card_buttons(heard))  # every account is in
    drawn = forms.for_case(forms.WAIVE, opened, directory)
    person = drawn.fields[0]
    assert person.options == tuple(opened.missing_accounts())
    assert person.labels == tuple(directory.person(p).name for p in opened.missing_accounts())
    command = forms.command(drawn, opened.id, maya, {"person": "dana", "reason": "On leave."})
    assert isinstance(command, WaiveAccount) and command.person_id == "dana"
    assert forms.for_case(forms.ASSESS, opened, directory) is forms.ASSESS
