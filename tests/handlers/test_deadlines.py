"""Deadlines on a case: planned at opening in business hours, reminded to whoever holds
the step, escalated to the leads when they pass, each once; and the leads' digest.

The firm of `conftest` keeps the default calendar (UTC, Monday to Friday, 09:00-17:00);
case C-0042 is opened on Monday 4 March 2024 at 09:00, medium severity, naming dana.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from handlers import deadlines, dispatch
from handlers.commands import AddReply, Alert, RecordAccount, Reopen, WaiveAccount, Withdraw
from handlers.delivery import BOT_ACTOR
from handlers.directory import Actor, Directory
from handlers.effects import CardNote, DirectMessage
from handlers.errors import NotNow
from handlers.messages import mention, text
from handlers.model import Case, Severity, Status, case_from_dict, case_to_dict
from handlers.outcome import Context, Outcome
from tests.handlers.conftest import make_directory


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


def due_now(case: Case, now: datetime) -> list[str]:
    calendar = make_directory().schedule.calendar
    return [deadlines.alert_key(d, k) for d, k in deadlines.due_alerts(case, now, calendar)]


def dms(outcome: Outcome) -> list[tuple[str, str]]:
    return [(e.person_id, e.text) for e in outcome.effects if isinstance(e, DirectMessage)]


@pytest.fixture
def alert(directory: Directory, run: Callable[..., Outcome]) -> Callable[..., Outcome]:
    def send(case: Case, key: str, kind: str, now: datetime) -> Outcome:
        return run(Alert(case.id, BOT_ACTOR, key, kind), case, Context(directory, now))

    return send


def test_opening_plans_each_step_in_business_hours(opened: Case) -> None:
    planned = {d.key: (d.remind_at, d.due_at) for d in opened.deadlines}
    assert planned == {
        "acknowledge": (at(4, 12), at(4, 13)),  # 4 h; reminded at 3 h
        "account:dana": (at(5, 13), at(5, 17)),  # 16 h: Monday and Tuesday
        "resolve": (at(7, 15), at(8, 17)),  # 40 h: the week
    }
    assert opened.due_at == at(8, 17)


def test_alerts_fall_due_at_their_moment_and_only_in_working_hours(opened: Case) -> None:
    assert due_now(opened, at(4, 11, 59)) == []
    assert due_now(opened, at(4, 12)) == ["acknowledge/reminder"]
    assert due_now(opened, at(4, 13)) == ["acknowledge/reminder", "acknowledge/escalation"]
    assert due_now(opened, at(4, 17)) == []  # closed for the day: nobody is paged at night
    assert due_now(opened, at(9, 12)) == []  # Saturday
    assert due_now(opened, at(11, 9)) == [
        "acknowledge/reminder",
        "acknowledge/escalation",
        "account:dana/reminder",
        "account:dana/escalation",
        "resolve/reminder",
        "resolve/escalation",
    ]


def test_the_reminder_goes_to_the_account_manager_once(opened: Case, alert) -> None:
    outcome = alert(opened, "acknowledge", "reminder", at(4, 12, 5))
    due = "2024-03-04 13:00 (UTC)"
    assert dms(outcome) == [("avi", text("en", "dm.remind_acknowledge", case_id="C-0042", due=due))]
    assert [(e.kind, e.detail["people"]) for e in outcome.events] == [("reminded", "Avi Katz")]
    assert outcome.case.alerts == ("acknowledge/reminder",)
    assert due_now(outcome.case, at(4, 12, 10)) == []
    with pytest.raises(NotNow) as again:
        dispatch.handle(
            Alert(opened.id, BOT_ACTOR, "acknowledge", "reminder"),
            outcome.case,
            Context(make_directory(), at(4, 12, 10)),
        )
    assert again.value.key == "refuse.nothing_due"


def test_a_passed_deadline_is_escalated_to_every_lead(opened: Case, alert) -> None:
    outcome = alert(opened, "account:dana", "escalation", at(6, 9))
    message = text(
        "en",
        "dm.escalated",
        case_id="C-0042",
        client="Acme Corp",
        step=text("en", "step.account"),
        due="2024-03-05 17:00 (UTC)",
        people=mention("dana"),
    )
    assert sorted(dms(outcome)) == [("noa", message), ("ron", message)]
    event = outcome.events[0]
    assert (event.kind, event.detail["holders"], event.detail["people"]) == (
        "escalated",
        "Dana Levi",
        "Ron Bar, Noa Golan",
    )
    [note] = [e.text for e in outcome.effects if isinstance(e, CardNote)]  # on the card
    assert note == (
        "The deadline for the employee's account (2024-03-05 17:00 (UTC)) passed, held by "
        "Dana Levi; leads told: Ron Bar, Noa Golan."
    )


def test_an_account_reminder_goes_to_the_employee(opened: Case, alert) -> None:
    outcome = alert(opened, "account:dana", "reminder", at(5, 13))
    assert [p for p, _ in dms(outcome)] == ["dana"]
    assert "your account is due by 2024-03-05 17:00 (UTC)" in dms(outcome)[0][1]


def test_the_resolution_waits_on_the_managers_verdict_then_on_the_account_manager(
    opened: Case, heard: Case, assessed: Case, alert
) -> None:
    waiting = alert(heard, "resolve", "reminder", at(7, 15))
    assert dms(waiting) == [
        ("maya", text("en", "dm.remind_verdict", case_id="C-0042", due="2024-03-08 17:00 (UTC)"))
    ]
    assessed_late = alert(assessed, "resolve", "reminder", at(7, 15))
    assert [p for p, _ in dms(assessed_late)] == ["avi"]
    assert "Please write the resolution" in dms(assessed_late)[0][1]


@pytest.mark.parametrize(
    ("step", "command"),
    [
        ("acknowledge", lambda c, p: AddReply(c, p["avi"], "We are on it.")),
        ("acknowledge", lambda c, p: RecordAccount(c, p["dana"], "My side.")),
        ("account:dana", lambda c, p: RecordAccount(c, p["dana"], "My side.")),
        ("account:dana", lambda c, p: WaiveAccount(c, p["maya"], "dana", "On leave.")),
    ],
)
def test_a_step_done_is_not_chased(opened: Case, run, avi, dana, maya, step, command) -> None:
    people = {"avi": avi, "dana": dana, "maya": maya}
    done = run(command(opened.id, people), opened).case
    assert not [k for k in due_now(done, at(11, 9)) if k.startswith(step + "/")]


def test_a_client_reply_does_not_acknowledge(opened: Case, run, client: Actor) -> None:
    """The client writing again is no answer from the firm."""
    after = run(AddReply(opened.id, client, "Any news?"), opened).case
    assert "acknowledge/escalation" in due_now(after, at(4, 13))


def test_resolved_and_final_cases_are_not_chased(resolved: Case, run, avi: Actor) -> None:
    assert not [k for k in due_now(resolved, at(11, 9)) if k.startswith("resolve/")]
    withdrawn = run(Withdraw(resolved.id, avi), replace(resolved, status=Status.INVESTIGATING))
    assert withdrawn.case.status is Status.WITHDRAWN
    assert due_now(withdrawn.case, at(11, 9)) == []


def test_a_case_stored_before_deadlines_reads_back_without_any(opened: Case) -> None:
    stored = case_to_dict(opened)
    assert case_from_dict(stored) == opened
    del stored["deadlines"], stored["alerts"]
    old = case_from_dict(stored)
    assert (old.deadlines, old.alerts) == ((), ())
    assert due_now(old, at(11, 9)) == []


# --- the digest -------------------------------------------------------------------------


def test_the_digest_lists_open_cases_overdue_first(
    open_case, opened: Case, resolved: Case, directory: Directory, run
) -> None:
    later = replace(opened, id="C-0043", deadlines=(), due_at=at(20, 17))
    high = replace(open_case(severity=Severity.HIGH).case, id="C-0044")
    waiting = replace(resolved, id="C-0045")  # resolved, the client's feedback still to come
    closed = replace(resolved, id="C-0046", status=Status.CLOSED)
    now = at(5, 14)  # both acknowledgements are overdue, and C-0044's account (8 h)
    command = deadlines.digest_for("ron", [later, waiting, closed, opened, high], now)
    assert command is not None
    assert [c.id for c in command.cases] == ["C-0044", "C-0042", "C-0045", "C-0043"]
    outcome = run(command, high, Context(directory, now))
    [(lead, message)] = dms(outcome)
    assert lead == "ron"
    overdue = "overdue: the first answer to the client{} (since 2024-03-04 {}:00 (UTC))"
    assert message.splitlines() == [
        "Your daily digest. Open cases: 4; overdue: 2.",
        "• C-0044 · Acme Corp · open · " + overdue.format(", the employee's account", 11),
        "• C-0042 · Acme Corp · open · " + overdue.format("", 13),
        "• C-0045 · Acme Corp · resolved · due 2024-03-08 17:00 (UTC)",
        "• C-0043 · Acme Corp · open · due 2024-03-20 17:00 (UTC)",
    ]
    assert [(e.kind, e.detail) for e in outcome.events] == [
        ("digest", {"lead": "Ron Bar", "count": 4})
    ]


def test_no_digest_when_nothing_is_open(resolved: Case) -> None:
    assert deadlines.digest_for("ron", [replace(resolved, status=Status.CLOSED)], at(5, 9)) is None


def test_the_digest_speaks_the_firms_language(opened: Case) -> None:
    hebrew = make_directory("he")
    command = deadlines.digest_for("ron", [opened], at(5, 14))
    assert command is not None
    outcome = dispatch.handle(command, opened, Context(hebrew, at(5, 14)))
    [(_, message)] = dms(outcome)
    assert message.startswith("הסיכום היומי שלך. פניות פתוחות: 1; באיחור: 1.")
    assert text("he", "step.acknowledge") in message


def test_a_reopened_case_is_due_again_but_nothing_is_sent_twice(
    resolved: Case, run, ron: Actor, alert
) -> None:
    reopened = run(Reopen(resolved.id, ron, "Not fixed."), resolved).case
    assert reopened.status is Status.REOPENED
    assert "resolve/escalation" in due_now(reopened, at(11, 9))
    escalated = alert(reopened, "resolve", "escalation", at(11, 9)).case
    assert "resolve/escalation" not in due_now(escalated, at(12, 9))
