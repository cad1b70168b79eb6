"""Resolution: only after a verdict and every account (or waiver); short, client-facing."""

from __future__ import annotations

import pytest

from handlers.commands import Assess, RecordAccount, Resolve, WaiveAccount
from handlers.effects import CardNote, CardUpdate, ClientThreadPost, FeedbackRequest
from handlers.errors import NotAllowed, NotNow
from handlers.messages import text
from handlers.model import Status, Verdict
from handlers.rules import SUMMARY_LIMIT

SUMMARY = "We agreed the report is due on the 5th of each month; the next one will be on time."


def kinds(outcome):
    return [e.kind for e in outcome.events]


# --- what must come first ---------------------------------------------------------------


def test_no_resolution_without_a_verdict(heard, run, refused, avi):
    refusal = refused(NotNow, run, Resolve(heard.id, avi, SUMMARY), heard)
    assert (refusal.key, refusal.params) == ("refuse.no_verdict", {"case_id": "C-0042"})
    assert text("en", refusal.key, **refusal.params) == (
        "Case C-0042 cannot be resolved before a verdict: is the client right in this case?"
    )


def test_no_resolution_without_the_employees_account(opened, run, refused, ron, avi):
    assessed = run(Assess(opened.id, ron, Verdict.RIGHT), opened).case
    refusal = refused(NotNow, run, Resolve(opened.id, avi, SUMMARY), assessed)
    assert refusal.key == "refuse.missing_account"
    assert refusal.params == {"case_id": "C-0042", "people": "<person:dana>"}
    assert text("en", refusal.key, **refusal.params).startswith(
        "Case C-0042 cannot be resolved before <person:dana> has given their account"
    )


def test_every_named_employee_must_be_heard(open_case, run, refused, dana, maya, avi):
    case = open_case(("dana", "eli")).case
    case = run(RecordAccount(case.id, dana, "My side."), case).case
    case = run(Assess(case.id, maya, Verdict.RIGHT), case).case
    refusal = refused(NotNow, run, Resolve(case.id, avi, SUMMARY), case)
    assert refusal.params == {"case_id": "C-0042", "people": "<person:eli>"}


def test_a_managers_waiver_stands_in_for_the_account(opened, run, maya, avi):
    case = run(WaiveAccount(opened.id, maya, "dana", "On parental leave."), opened).case
    case = run(Assess(case.id, maya, Verdict.PARTLY_RIGHT), case).case
    assert run(Resolve(case.id, avi, SUMMARY), case).case.status is Status.RESOLVED


def test_a_case_naming_nobody_needs_only_the_verdict(open_case, run, ron, avi):
    case = open_case(()).case
    case = run(Assess(case.id, ron, Verdict.MISUNDERSTANDING), case).case
    assert run(Resolve(case.id, avi, SUMMARY), case).case.status is Status.RESOLVED


# --- the summary ------------------------------------------------------------------------


def test_the_summary_limit_is_one_screen():
    assert SUMMARY_LIMIT == 500


def test_a_summary_over_500_characters_is_refused_with_its_length(assessed, run, refused, avi):
    refusal = refused(NotNow, run, Resolve(assessed.id, avi, "x" * 501), assessed)
    assert (refusal.key, refusal.params) == (
        "refuse.summary_too_long",
        {"length": 501, "limit": 500},
    )
    assert text("en", refusal.key, **refusal.params) == (
        "The summary has 501 characters; keep it to 500 so it fits one screen."
    )


def test_a_summary_of_exactly_500_characters_is_allowed(assessed, run, avi):
    summary = "y" * 500
    assert run(Resolve(assessed.id, avi, f"  {summary}\n"), assessed).case.resolution == summary


@pytest.mark.parametrize("summary", ["", "   ", "\n\t"])
def test_an_empty_summary_is_refused(assessed, run, refused, avi, summary):
    refusal = refused(NotNow, run, Resolve(assessed.id, avi, summary), assessed)
    assert refusal.key == "refuse.summary_empty"
    assert text("en", refusal.key) == "Please write a short resolution summary for the client."


# --- who may resolve --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["avi", "maya", "ron", "noa"])
def test_the_account_manager_a_manager_on_the_case_or_a_lead_may_resolve(
    assessed, run, request, who
):
    outcome = run(Resolve(assessed.id, request.getfixturevalue(who), SUMMARY), assessed)
    assert outcome.case.status is Status.RESOLVED
    assert outcome.case.resolution == SUMMARY
    assert outcome.notice == "Case C-0042 is resolved; the client has been asked for feedback."


@pytest.mark.parametrize("who", ["dana", "eli", "gil"])
def test_nobody_else_from_the_firm_may_resolve(assessed, run, refused, request, who):
    actor = request.getfixturevalue(who)
    refusal = refused(NotAllowed, run, Resolve(assessed.id, actor, SUMMARY), assessed)
    assert (refusal.key, refusal.params) == ("refuse.not_resolver", {"case_id": "C-0042"})
    assert text("en", refusal.key, **refusal.params) == (
        "Only the account manager, a manager on case C-0042, or a lead can resolve it."
    )


def test_the_client_may_not_resolve(assessed, run, refused, client):
    refusal = refused(NotAllowed, run, Resolve(assessed.id, client, SUMMARY), assessed)
    assert refusal.key == "refuse.not_internal"


def test_a_role_refusal_comes_before_the_readiness_check(opened, run, refused, dana):
    """An employee is told they may not resolve, not what the case still lacks."""
    assert refused(NotAllowed, run, Resolve(opened.id, dana, SUMMARY), opened).key == (
        "refuse.not_resolver"
    )


# --- what a resolution does -------------------------------------------------------------


def test_the_summary_goes_to_the_client_thread_followed_by_the_feedback_question(
    assessed, run, avi, later
):
    outcome = run(Resolve(assessed.id, avi, SUMMARY), assessed)
    assert outcome.effects[:3] == [
        ClientThreadPost("C-0042", later.t("client.resolution", case_id="C-0042", summary=SUMMARY)),
        FeedbackRequest("C-0042", later.t("client.feedback_request")),
        CardUpdate("C-0042"),
    ]
    assert all(isinstance(e, CardNote) for e in outcome.effects[3:])
    assert kinds(outcome) == ["resolved"]
    assert outcome.events[0].detail == {"summary": SUMMARY}


def test_change_requests_are_recorded_for_leads_each_as_an_event(assessed, run, avi):
    requests = ("  Weekly status calls  ", "", "   ", "A dedicated analyst")
    outcome = run(Resolve(assessed.id, avi, SUMMARY, requests), assessed)
    assert outcome.case.change_requests == ("Weekly status calls", "A dedicated analyst")
    assert kinds(outcome) == ["resolved", "change_request", "change_request"]
    assert [e.detail for e in outcome.events[1:]] == [
        {"text": "Weekly status calls"},
        {"text": "A dedicated analyst"},
    ]
    notes = [e.text for e in outcome.effects if isinstance(e, CardNote)]
    assert notes[1:] == [
        "Change request recorded for leads: Weekly status calls",
        "Change request recorded for leads: A dedicated analyst",
    ]
    client_text = " ".join(e.text for e in outcome.effects if e.audience == "client")
    assert "Weekly status calls" not in client_text
    assert "dedicated analyst" not in client_text


def test_resolving_a_resolved_case_is_refused(resolved, run, refused, avi):
    refusal = refused(NotNow, run, Resolve(resolved.id, avi, "Again."), resolved)
    assert (refusal.key, refusal.params) == ("refuse.already_resolved", {"case_id": "C-0042"})
