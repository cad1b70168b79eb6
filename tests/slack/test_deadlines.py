"""Deadlines on Slack: the test's clock moves past each deadline of a case and the fake
Slack Web API records exactly one reminder to whoever holds the step and one escalation
to the lead, also after a restart on the same store; and one digest per lead per
working day. The firm works Sunday to Thursday, 09:00-18:00 in Jerusalem."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import StartedClock
from bot.retention import FORGET_MESSAGES
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.checks import card_thread, dms_to
from tests.slack.harness import AVI, DANA, DIRECTORY, MAYA, RON, SlackBot
from tests.slack.test_triggers import mention_event

JERUSALEM = ZoneInfo("Asia/Jerusalem")
CALENDAR = """
[calendar]
time_zone = "Asia/Jerusalem"
working_days = ["sun", "mon", "tue", "wed", "thu"]
working_hours = "09:00-18:00"
holidays = "IL"
"""
FIRM = DIRECTORY + CALENDAR
FRIDAY_EVENING = "1764871200.000100"  # the client's message

REMINDERS = {  # who holds each step, and the words of their reminder
    "acknowledge": (AVI, "is waiting for a first answer to the client"),
    "account": (DANA, "your account is due by"),
    "resolve": (MAYA, "waits for your assessment"),
}
ESCALATED = "is past its deadline for"
DIGEST = "Your daily digest"
NONE = {"acknowledge": 0, "account": 0, "resolve": 0, "escalations": 0}


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=JERUSALEM)


class Clock:
    """The test's time: it runs at the wall clock's pace (the outbox's short retries come
    due) from wherever the test sets it."""

    def __init__(self, now: datetime) -> None:
        self.set(now)

    def set(self, now: datetime) -> None:
        self._running = StartedClock(now)

    def __call__(self) -> datetime:
        return self._running()


@pytest.fixture
def clock() -> Clock:
    return Clock(local(4, 20))  # Friday evening: the weekend has begun


@pytest.fixture
async def firm(tmp_path: Path, fake: FakeSlackAPI, clock: Clock) -> AsyncIterator[SlackBot]:
    bot = SlackBot(tmp_path, fake, clock=clock, directory=FIRM)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


def with_phrase(fake: FakeSlackAPI, user: str, phrase: str) -> list[str]:
    return [t for t in dms_to(fake, user) if phrase in t]


def counts(fake: FakeSlackAPI) -> dict[str, int]:
    found = {step: len(with_phrase(fake, user, words)) for step, (user, words) in REMINDERS.items()}
    return {**found, "escalations": len(with_phrase(fake, RON, ESCALATED))}


async def test_each_deadline_reminds_once_and_escalates_once(
    firm: SlackBot, fake: FakeSlackAPI, clock: Clock
) -> None:
    await firm.event(mention_event(FRIDAY_EVENING))
    case = await firm.case_on(FRIDAY_EVENING)
    await firm.settle()
    # Opened on Friday evening: the four business hours to answer the client start on Sunday.
    due = [d.due_at for d in case.deadlines]
    assert due == [local(6, 13), local(7, 16), local(10, 13)]

    clock.set(local(5, 12))  # Saturday: nothing is due, and nobody is paged on a day off
    ran = [job for job, _ in await firm.tick()]
    assert ran == ["deadline_alerts", FORGET_MESSAGES]  # and no digest
    assert counts(fake) == NONE
    steps = [
        (local(6, 12), {"acknowledge": 1}),  # three quarters of the four hours
        (local(6, 13), {"acknowledge": 1, "escalations": 1}),
        (local(7, 12), {"acknowledge": 1, "account": 1, "escalations": 1}),
        (local(7, 16), {"acknowledge": 1, "account": 1, "escalations": 2}),
        (local(9, 12), {"acknowledge": 1, "account": 1, "resolve": 1, "escalations": 2}),
        (local(10, 13), {"acknowledge": 1, "account": 1, "resolve": 1, "escalations": 3}),
    ]
    day = None
    for step, (now, expected) in enumerate(steps):
        if now.date() != day:  # the opening of a new working day: its digest (DIGEST_GRACE)
            day = now.date()
            clock.set(now.replace(hour=9, minute=30))
            await firm.tick()
        clock.set(now)
        await firm.tick()
        await firm.tick()  # a second pass in the same slot runs nothing
        clock.set(now.replace(minute=30))
        await firm.tick()  # a later slot finds the same deadlines, already sent
        assert counts(fake) == NONE | expected, now
        if step == 2:  # the bot restarts on the same store
            await firm.stop()
            await firm.start()

    assert firm.runtime
    card = await firm.runtime.store.get_ref(case.id, "slack_card_ts")
    assert card
    timeline = card_thread(fake, card)
    assert sum("Reminder sent to" in line for line in timeline) == 3
    assert sum("passed, held by" in line for line in timeline) == 3
    assert any("Reminder sent to Avi Katz: the first answer to the client" in t for t in timeline)
    escalation = with_phrase(fake, RON, ESCALATED)[0]
    assert escalation.startswith(
        "Case C-0001 (Acme Corp) is past its deadline for the first answer to the client "
        "(2026-12-06 13:00 (Asia/Jerusalem)). It waits on <@U0AVI>."
    )

    # The lead's digest: once per working day the clock passed through (Sun, Mon, Wed, Thu).
    digests = with_phrase(fake, RON, DIGEST)
    assert len(digests) == 4
    assert digests[0].startswith("Your daily digest. Open cases: 1; overdue: 0.")
    assert "C-0001 · Acme Corp · open · due 2026-12-10 13:00 (Asia/Jerusalem)" in digests[0]
    assert "overdue: the first answer to the client" in digests[1]
