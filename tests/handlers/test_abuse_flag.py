"""A client's abusive statement flags the case: managers and leads told, the employee supported,
the client told nothing, and the statement still on the record."""

from __future__ import annotations

import pytest

from handlers.commands import AddReply, Assess
from handlers.effects import DirectMessage
from handlers.model import Statement, Verdict
from handlers.outcome import Context
from tests.handlers.conftest import LATER, NOW, make_directory

ABUSIVE = "You people are useless. Dana is an absolute idiot and a moron."


def kinds(outcome):
    return [e.kind for e in outcome.events]


def dms(outcome):
    return {(e.person_id, e.text) for e in outcome.effects if isinstance(e, DirectMessage)}


def told(outcome, ctx, key, **params):
    """The people DMed the text of catalog `key`, filled for case C-0042 of Acme Corp."""
    expected = ctx.t(key, case_id="C-0042", client="Acme Corp", **params)
    return sorted(person for person, body in dms(outcome) if body == expected)


def test_an_abusive_reply_flags_the_case_and_tells_managers_leads_and_the_employee(
    opened, run, client, later
):
    outcome = run(AddReply(opened.id, client, f"  {ABUSIVE} "), opened)
    case = outcome.case
    assert case.abuse_flagged is True
    # The client is heard: the statement is on the record, whatever it says.
    assert case.client_statements[-1] == Statement(client, ABUSIVE, LATER)
    assert kinds(outcome) == ["statement", "abusive_language", "abuse"]
    assert outcome.events[1].detail == {"terms": "idiot, moron"}
    assert outcome.events[2].actor == "complaintbot"
    alert = {"employees": "Dana Levi", "terms": "idiot, moron"}
    assert told(outcome, later, "dm.abuse_detected", **alert) == ["maya", "noa", "ron"]
    assert told(outcome, later, "dm.abuse_support") == ["dana"]
    assert len(dms(outcome)) == 4
    # Nothing for the client: no post in the thread, and the usual notice.
    assert [e for e in outcome.effects if e.audience == "client"] == []
    assert outcome.notice == "Recorded on case C-0042."


def test_each_later_abusive_reply_is_on_the_timeline_but_nobody_is_told_twice(opened, run, client):
    flagged = run(AddReply(opened.id, client, ABUSIVE), opened).case
    again = run(AddReply(opened.id, client, "Still idiots, all of you."), flagged)
    assert kinds(again) == ["statement", "abusive_language"]
    assert again.events[1].detail == {"terms": "idiots"}
    assert dms(again) == set()
    calm = run(AddReply(opened.id, client, "Sorry, that was uncalled for."), again.case)
    assert kinds(calm) == ["statement"] and calm.case.abuse_flagged is True


def test_an_ordinary_reply_flags_nothing(opened, run, client):
    outcome = run(AddReply(opened.id, client, "The class schedule in Scunthorpe slipped."), opened)
    assert outcome.case.abuse_flagged is False
    assert kinds(outcome) == ["statement"] and dms(outcome) == set()


def test_a_colleague_quoting_the_words_in_the_thread_flags_nothing(opened, run, dana):
    outcome = run(AddReply(opened.id, dana, "Please do not call me an idiot."), opened)
    assert outcome.case.abuse_flagged is False and "abuse" not in kinds(outcome)


def test_an_abusive_complaint_is_flagged_when_the_case_opens(open_case, ctx):
    outcome = open_case(source_text="Dana is a complete moron, fix this.")
    assert outcome.case.abuse_flagged is True and outcome.case.version == 0
    assert kinds(outcome) == ["opened", "abusive_language", "abuse"]
    assert told(outcome, ctx, "dm.abuse_support") == ["dana"]
    alert = {"employees": "Dana Levi", "terms": "moron"}
    assert told(outcome, ctx, "dm.abuse_detected", **alert) == ["maya", "noa", "ron"]
    assert [e for e in outcome.effects if e.audience == "client" and "moron" in e.text] == []


def test_a_case_naming_nobody_supports_its_account_manager(open_case, run, client, later):
    opened = open_case(affected=()).case
    outcome = run(AddReply(opened.id, client, "Your account manager is an idiot."), opened)
    assert told(outcome, later, "dm.abuse_support") == ["avi"]
    # Ron is Avi's manager and a lead: told once.
    alert = {"employees": "Avi Katz", "terms": "idiot"}
    assert told(outcome, later, "dm.abuse_detected", **alert) == ["noa", "ron"]
    assert len(dms(outcome)) == 3


def test_a_named_lead_is_supported_not_asked_to_act(open_case, run, client, later):
    opened = open_case(affected=("ron",)).case
    outcome = run(AddReply(opened.id, client, "Ron is a moron."), opened)
    assert told(outcome, later, "dm.abuse_support") == ["ron"]
    alert = {"employees": "Ron Bar", "terms": "moron"}
    assert told(outcome, later, "dm.abuse_detected", **alert) == ["noa"]


def test_after_the_automatic_flag_the_managers_tick_tells_nobody_again(heard, run, client, maya):
    flagged = run(AddReply(heard.id, client, ABUSIVE), heard).case
    outcome = run(Assess(heard.id, maya, Verdict.NOT_RIGHT, abusive=True), flagged)
    assert "abuse" not in kinds(outcome)
    assert [p for p, body in dms(outcome) if "abusive" in body] == []


def test_the_managers_tick_supports_the_employee_too(heard, run, maya, later):
    outcome = run(Assess(heard.id, maya, Verdict.PARTLY_RIGHT, abusive=True), heard)
    assert told(outcome, later, "dm.abuse_support") == ["dana"]


def test_after_the_managers_tick_an_abusive_reply_is_recorded_and_tells_nobody(
    heard, run, client, maya
):
    ticked = run(Assess(heard.id, maya, Verdict.PARTLY_RIGHT, abusive=True), heard).case
    outcome = run(AddReply(heard.id, client, "Idiots."), ticked)
    assert kinds(outcome) == ["statement", "abusive_language"] and dms(outcome) == set()


@pytest.mark.parametrize("said", ["דנה מטומטמת", "Dana is an idiot"])
def test_in_a_hebrew_firm_the_dms_and_the_timeline_are_in_hebrew(open_case, run, client, said):
    he = Context(make_directory("he"), NOW)
    opened = open_case(context=he).case
    outcome = run(AddReply(opened.id, client, said), opened, Context(he.directory, LATER))
    texts = [body for _, body in dms(outcome)]
    assert len(texts) == 4 and all("פנייה C-0042" in body for body in texts)
    notes = [e.text for e in outcome.effects if e.kind == "card_note"]
    assert any("הודעת הלקוח פוגענית כלפי העובדים" in n for n in notes)
