"""Statements: the client's replies, colleagues' answers, each employee's account, waivers."""

from __future__ import annotations

import pytest

from handlers.commands import AddReply, Assess, RecordAccount, WaiveAccount
from handlers.effects import ClientThreadPost
from handlers.errors import NotAllowed, NotNow
from handlers.messages import text
from handlers.model import Statement, Status, Verdict
from tests.handlers.conftest import ACCOUNT_TEXT, LATER


def kinds(outcome):
    return [e.kind for e in outcome.events]


def client_posts(outcome):
    return [e.text for e in outcome.effects if e.audience == "client"]


# --- replies in the client thread -------------------------------------------------------


def test_a_client_reply_is_a_client_statement_and_changes_no_status(opened, run, client):
    outcome = run(AddReply(opened.id, client, "  It also had wrong totals.  "), opened)
    case = outcome.case
    assert case.status is Status.OPEN
    assert case.client_statements[-1] == Statement(client, "It also had wrong totals.", LATER)
    assert len(case.client_statements) == len(opened.client_statements) + 1
    assert case.public_replies == ()
    assert kinds(outcome) == ["statement"]
    assert outcome.events[0].detail == {"text": "It also had wrong totals."}
    assert client_posts(outcome) == []
    assert outcome.notice == "Recorded on case C-0042."


def test_a_client_reply_does_not_acknowledge_an_investigated_case_either(heard, run, client):
    assert run(AddReply(heard.id, client, "Any news?"), heard).case.status is Status.INVESTIGATING


def test_the_first_internal_reply_acknowledges_the_case(opened, run, avi):
    outcome = run(AddReply(opened.id, avi, "Sorry to hear that, looking now."), opened)
    assert outcome.case.status is Status.ACKNOWLEDGED
    assert outcome.case.public_replies == (
        Statement(avi, "Sorry to hear that, looking now.", LATER),
    )
    assert kinds(outcome) == ["reply", "acknowledged"]
    assert outcome.case.client_statements == opened.client_statements


def test_a_later_internal_reply_acknowledges_nothing_again(opened, run, avi, maya):
    acknowledged = run(AddReply(opened.id, avi, "Looking now."), opened).case
    outcome = run(AddReply(opened.id, maya, "I am on it too."), acknowledged)
    assert outcome.case.status is Status.ACKNOWLEDGED
    assert kinds(outcome) == ["reply"]
    assert len(outcome.case.public_replies) == 2


def test_an_internal_reply_does_not_move_an_investigated_case_back(heard, run, avi):
    outcome = run(AddReply(heard.id, avi, "Update soon."), heard)
    assert outcome.case.status is Status.INVESTIGATING
    assert kinds(outcome) == ["reply"]


@pytest.mark.parametrize("actor", ["client", "avi"])
def test_an_empty_reply_is_refused(opened, run, refused, request, actor):
    command = AddReply(opened.id, request.getfixturevalue(actor), " \n ")
    refusal = refused(NotNow, run, command, opened)
    assert refusal.key == "refuse.text_empty"
    assert text("en", refusal.key) == "Please write something first."


# --- the employee's account -------------------------------------------------------------


def test_the_first_account_starts_the_investigation_and_tells_the_client(opened, run, dana, later):
    outcome = run(RecordAccount(opened.id, dana, f"  {ACCOUNT_TEXT}  "), opened)
    case = outcome.case
    assert case.accounts == {"dana": Statement(dana, ACCOUNT_TEXT, LATER)}
    assert case.missing_accounts() == []
    assert case.status is Status.INVESTIGATING
    assert kinds(outcome) == ["account", "investigating"]
    assert outcome.events[0].detail == {"text": ACCOUNT_TEXT}
    assert outcome.events[1].actor == "complaintbot"
    assert client_posts(outcome) == [later.t("client.investigating", case_id="C-0042")]
    assert outcome.notice == "Thank you, your account is on case C-0042."


def test_from_acknowledged_the_first_account_also_starts_the_investigation(opened, run, avi, dana):
    acknowledged = run(AddReply(opened.id, avi, "Looking now."), opened).case
    outcome = run(RecordAccount(opened.id, dana, ACCOUNT_TEXT), acknowledged)
    assert outcome.case.status is Status.INVESTIGATING
    assert kinds(outcome) == ["account", "investigating"]


def test_a_second_account_neither_repeats_investigating_nor_posts_to_the_client(
    open_case, run, dana, eli
):
    case = open_case(("dana", "eli")).case
    case = run(RecordAccount(case.id, dana, ACCOUNT_TEXT), case).case
    assert case.missing_accounts() == ["eli"]
    outcome = run(RecordAccount(case.id, eli, "I was not on the project that week."), case)
    assert kinds(outcome) == ["account"]
    assert client_posts(outcome) == []
    assert set(outcome.case.accounts) == {"dana", "eli"}
    assert outcome.case.missing_accounts() == []


def test_an_employee_may_correct_their_account(heard, run, dana):
    outcome = run(RecordAccount(heard.id, dana, "Correction: it was one week late."), heard)
    assert outcome.case.accounts["dana"].text == "Correction: it was one week late."
    assert kinds(outcome) == ["account"]


def test_a_client_contact_cannot_record_an_account(opened, run, refused, client):
    refusal = refused(NotAllowed, run, RecordAccount(opened.id, client, "My side"), opened)
    assert refusal.key == "refuse.not_internal"
    assert text("en", refusal.key) == "Only people of the firm can do this."


@pytest.mark.parametrize("who", ["maya", "eli", "ron", "avi"])
def test_only_a_named_employee_can_record_an_account(opened, run, refused, request, who):
    actor = request.getfixturevalue(who)
    refusal = refused(NotAllowed, run, RecordAccount(opened.id, actor, "Their side"), opened)
    assert (refusal.key, refusal.params) == ("refuse.not_affected", {"case_id": "C-0042"})
    assert "Only the people named in case C-0042" in text("en", refusal.key, **refusal.params)


def test_an_empty_account_is_refused(opened, run, refused, dana):
    refusal = refused(NotNow, run, RecordAccount(opened.id, dana, "   "), opened)
    assert refusal.key == "refuse.text_empty"


# --- waivers ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["maya", "ron", "noa"])
def test_a_manager_in_the_chain_or_a_lead_may_waive_an_account(opened, run, request, who):
    actor = request.getfixturevalue(who)
    outcome = run(WaiveAccount(opened.id, actor, "dana", " On leave until May. "), opened)
    case = outcome.case
    assert case.waivers == {"dana": Statement(actor, "On leave until May.", LATER)}
    assert case.accounts == {}
    assert case.missing_accounts() == []
    assert case.status is Status.INVESTIGATING
    assert kinds(outcome) == ["waiver", "investigating"]
    assert outcome.events[0].detail == {"person": "Dana Levi", "text": "On leave until May."}
    assert outcome.notice == "The waiver is recorded on case C-0042."


@pytest.mark.parametrize("who", ["dana", "eli", "avi", "gil"])
def test_nobody_outside_the_chain_may_waive_an_account(opened, run, refused, request, who):
    actor = request.getfixturevalue(who)
    refusal = refused(NotAllowed, run, WaiveAccount(opened.id, actor, "dana", "busy"), opened)
    assert (refusal.key, refusal.params) == ("refuse.not_waiver", {"person": "Dana Levi"})
    assert text("en", refusal.key, **refusal.params) == (
        "Only a manager of Dana Levi, or a lead, can waive their account."
    )


def test_a_client_contact_cannot_waive_an_account(opened, run, refused, client):
    refusal = refused(NotAllowed, run, WaiveAccount(opened.id, client, "dana", "busy"), opened)
    assert refusal.key == "refuse.not_internal"


def test_a_waiver_for_someone_not_named_is_refused(opened, run, refused, maya):
    refusal = refused(NotNow, run, WaiveAccount(opened.id, maya, "eli", "busy"), opened)
    assert (refusal.key, refusal.params) == (
        "refuse.not_named",
        {"person": "eli", "case_id": "C-0042"},
    )
    assert text("en", refusal.key, **refusal.params) == "eli is not named in case C-0042."


def test_a_waiver_needs_a_reason(opened, run, refused, maya):
    refusal = refused(NotNow, run, WaiveAccount(opened.id, maya, "dana", "  "), opened)
    assert refusal.key == "refuse.text_empty"


def test_nobody_waives_their_own_account_not_even_a_lead(open_case, run, refused, ron):
    case = open_case(("ron",)).case
    refusal = refused(NotAllowed, run, WaiveAccount(case.id, ron, "ron", "I know"), case)
    assert (refusal.key, refusal.params) == ("refuse.not_waiver", {"person": "Ron Bar"})


def test_a_named_manager_cannot_waive_their_own_account_but_their_manager_can(
    open_case, run, refused, maya, ron
):
    case = open_case(("dana", "maya")).case
    refusal = refused(NotAllowed, run, WaiveAccount(case.id, maya, "maya", "busy"), case)
    assert refusal.key == "refuse.not_waiver"
    assert "maya" in run(WaiveAccount(case.id, ron, "maya", "On leave."), case).case.waivers


def test_an_account_may_still_be_given_after_resolution_for_the_record(resolved, run, dana):
    outcome = run(RecordAccount(resolved.id, dana, "Added later, for the record."), resolved)
    assert outcome.case.status is Status.RESOLVED
    assert outcome.case.accounts["dana"].text == "Added later, for the record."
    assert kinds(outcome) == ["account"]
    assert client_posts(outcome) == []


def test_an_account_given_after_the_verdict_keeps_the_status(opened, run, ron, dana):
    assessed = run(Assess(opened.id, ron, Verdict.RIGHT), opened).case
    outcome = run(RecordAccount(opened.id, dana, ACCOUNT_TEXT), assessed)
    assert outcome.case.status is Status.INVESTIGATING
    assert kinds(outcome) == ["account"]
    assert not [e for e in outcome.effects if isinstance(e, ClientThreadPost)]
