"""The verdict: is the client right in this case? Asked by a manager above them, or a lead."""

from __future__ import annotations

import dataclasses

import pytest

from handlers import rules
from handlers.commands import Assess
from handlers.effects import DirectMessage
from handlers.errors import NotAllowed
from handlers.messages import text
from handlers.model import Status, Verdict
from handlers.outcome import Context
from tests.handlers.conftest import NOW


def dms(outcome):
    return [(e.person_id, e.text) for e in outcome.effects if isinstance(e, DirectMessage)]


def kinds(outcome):
    return [e.kind for e in outcome.events]


# --- who may assess ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["maya", "ron", "noa"])
def test_a_manager_above_the_employee_or_any_lead_may_assess(heard, run, request, who):
    actor = request.getfixturevalue(who)
    outcome = run(Assess(heard.id, actor, Verdict.MISUNDERSTANDING, "  scope was unclear "), heard)
    case = outcome.case
    assert (case.verdict, case.verdict_note, case.verdict_by) == (
        Verdict.MISUNDERSTANDING,
        "scope was unclear",
        who,
    )
    assert kinds(outcome) == ["verdict"]
    assert outcome.events[0].detail == {"verdict": "misunderstanding", "note": "scope was unclear"}
    assert outcome.notice == "Your assessment of case C-0042 is recorded."


@pytest.mark.parametrize("who", ["dana", "eli", "avi", "gil", "tal"])
def test_nobody_else_from_the_firm_may_assess(heard, run, refused, request, who):
    actor = request.getfixturevalue(who)
    refusal = refused(NotAllowed, run, Assess(heard.id, actor, Verdict.NOT_RIGHT), heard)
    assert (refusal.key, refusal.params) == ("refuse.not_assessor", {"case_id": "C-0042"})
    assert "Only a manager of someone named in case C-0042, or a lead" in text(
        "en", refusal.key, **refusal.params
    )


def test_a_client_contact_never_assesses(heard, run, refused, client):
    refusal = refused(NotAllowed, run, Assess(heard.id, client, Verdict.RIGHT), heard)
    assert refusal.key == "refuse.not_internal"


def test_a_named_lead_may_not_assess_their_own_case(open_case, run, refused, ron, noa):
    case = open_case(("ron",)).case
    refusal = refused(NotAllowed, run, Assess(case.id, ron, Verdict.NOT_RIGHT), case)
    assert refusal.key == "refuse.not_assessor"
    assert run(Assess(case.id, noa, Verdict.NOT_RIGHT), case).case.verdict_by == "noa"


def test_a_named_manager_may_not_assess_even_for_their_own_report(open_case, run, refused, maya):
    case = open_case(("dana", "maya")).case
    refusal = refused(NotAllowed, run, Assess(case.id, maya, Verdict.NOT_RIGHT), case)
    assert refusal.key == "refuse.not_assessor"


def test_a_manager_outside_any_lead_may_assess_their_own_report(open_case, run, gil, maya, refused):
    case = open_case(("tal",)).case
    assert case.managers == ("gil",)
    assert run(Assess(case.id, gil, Verdict.RIGHT), case).case.verdict_by == "gil"
    assert refused(NotAllowed, run, Assess(case.id, maya, Verdict.RIGHT), case).key == (
        "refuse.not_assessor"
    )


def test_with_nobody_named_a_manager_of_the_account_manager_assesses(
    open_case, run, refused, gil, maya, tal, noa
):
    case = open_case((), channel="C0INITECH", actor=tal).case
    assert case.account_manager == "tal"
    assert run(Assess(case.id, gil, Verdict.RIGHT), case).case.verdict_by == "gil"
    assert run(Assess(case.id, noa, Verdict.RIGHT), case).case.verdict_by == "noa"
    for actor in (maya, tal):
        refusal = refused(NotAllowed, run, Assess(case.id, actor, Verdict.RIGHT), case)
        assert refusal.key == "refuse.not_assessor"


# --- status -----------------------------------------------------------------------------


def test_a_verdict_on_a_fresh_case_starts_the_investigation(opened, run, ron, later):
    outcome = run(Assess(opened.id, ron, Verdict.RIGHT), opened)
    assert outcome.case.status is Status.INVESTIGATING
    assert kinds(outcome) == ["verdict", "investigating"]
    client = [e.text for e in outcome.effects if e.audience == "client"]
    assert client == [later.t("client.investigating", case_id="C-0042")]


def test_a_verdict_reaches_no_client_thread_once_investigating(heard, run, maya):
    outcome = run(Assess(heard.id, maya, Verdict.NOT_RIGHT, "INTERNAL-NOTE"), heard)
    assert [e for e in outcome.effects if e.audience == "client"] == []


def test_a_verdict_may_be_revised(assessed, run, maya):
    outcome = run(Assess(assessed.id, maya, Verdict.RIGHT, "after a second look"), assessed)
    assert (outcome.case.verdict, outcome.case.verdict_note) == (
        Verdict.RIGHT,
        "after a second look",
    )


# --- back your people -------------------------------------------------------------------


def test_not_right_tells_the_employee_their_manager_backs_them(heard, run, maya, later):
    outcome = run(Assess(heard.id, maya, Verdict.NOT_RIGHT), heard)
    expected = later.t("dm.backed", case_id="C-0042", manager="Maya Cohen")
    assert dms(outcome) == [("dana", expected)]
    assert expected.startswith("Case C-0042: Maya Cohen assessed that the client was not right")
    assert "Maya Cohen backs you" in expected


def test_not_right_tells_every_named_employee(open_case, run, maya):
    case = open_case(("dana", "eli")).case
    outcome = run(Assess(case.id, maya, Verdict.NOT_RIGHT), case)
    assert [person for person, _ in dms(outcome)] == ["dana", "eli"]


def test_the_employee_is_backed_once_not_again_on_a_repeated_not_right(heard, run, maya, ron):
    first = run(Assess(heard.id, maya, Verdict.NOT_RIGHT), heard).case
    again = run(Assess(heard.id, ron, Verdict.NOT_RIGHT, "agreed"), first)
    assert dms(again) == []
    assert again.case.verdict_by == "ron"


@pytest.mark.parametrize("verdict", [Verdict.RIGHT, Verdict.PARTLY_RIGHT, Verdict.MISUNDERSTANDING])
def test_other_verdicts_send_no_backing(heard, run, maya, verdict):
    assert dms(run(Assess(heard.id, maya, verdict), heard)) == []


# --- abusive treatment of staff ---------------------------------------------------------


def test_an_abusive_flag_goes_to_every_lead(heard, run, maya, later):
    outcome = run(Assess(heard.id, maya, Verdict.NOT_RIGHT, "shouted", abusive=True), heard)
    assert outcome.case.abuse_flagged is True
    assert kinds(outcome) == ["verdict", "abuse"]
    assert outcome.events[1].actor == "Maya Cohen"
    abuse = later.t(
        "dm.abuse",
        case_id="C-0042",
        manager="Maya Cohen",
        employees="Dana Levi",
        client="Acme Corp",
    )
    assert sorted(p for p, t in dms(outcome) if t == abuse) == ["noa", "ron"]
    assert "flagged abusive treatment of Dana Levi by Acme Corp" in abuse


def test_abuse_is_flagged_once_and_stays_flagged(heard, run, maya, ron):
    flagged = run(Assess(heard.id, maya, Verdict.PARTLY_RIGHT, abusive=True), heard).case
    again = run(Assess(heard.id, ron, Verdict.PARTLY_RIGHT, abusive=True), flagged)
    assert kinds(again) == ["verdict"]
    assert dms(again) == []
    cleared = run(Assess(heard.id, ron, Verdict.RIGHT, abusive=False), again.case)
    assert cleared.case.abuse_flagged is True


def test_without_the_flag_no_lead_is_told(heard, run, maya):
    outcome = run(Assess(heard.id, maya, Verdict.PARTLY_RIGHT), heard)
    assert outcome.case.abuse_flagged is False
    assert "abuse" not in kinds(outcome)
    assert dms(outcome) == []


def test_a_complaint_naming_the_only_lead_can_still_be_assessed(open_case, directory):
    people = {pid: p for pid, p in directory.people.items() if pid != "noa"}
    one_lead = dataclasses.replace(directory, people=people)
    assert one_lead.leads() == ["ron"]
    case = open_case(("ron",), context=Context(one_lead, NOW)).case
    # Nobody stands above the only lead, so the account manager assesses.
    assert [p for p in people if rules.can_assess(one_lead, case, p)] == [case.account_manager]


# --- a case that names everyone who could judge it ---------------------------------------

EVERYONE = ("dana", "maya", "ron", "noa", "avi")


def test_a_case_naming_every_assessor_says_who_can_unblock_it(open_case, run, refused, gil):
    case = open_case(EVERYONE).case
    refusal = refused(NotAllowed, run, Assess(case.id, gil, Verdict.RIGHT), case)
    assert refusal.key == "refuse.everyone_named"
    assert "ombudsperson" in text("en", refusal.key, **refusal.params)


def test_an_ombudsperson_outside_the_case_assesses_and_may_withdraw_it(
    open_case, run, directory, gil
):
    people = dict(directory.people)
    people["gil"] = dataclasses.replace(people["gil"], roles=frozenset({"ombudsperson"}))
    with_ombudsperson = dataclasses.replace(directory, people=people)
    later = Context(with_ombudsperson, NOW)
    case = open_case(EVERYONE, context=later).case
    assessed = run(Assess(case.id, gil, Verdict.NOT_RIGHT), case, later).case
    assert (assessed.verdict, assessed.verdict_by) == (Verdict.NOT_RIGHT, "gil")
    assert rules.can_withdraw(with_ombudsperson, assessed, gil)
    assert not rules.can_assess(with_ombudsperson, open_case(("gil",), context=later).case, "gil")
