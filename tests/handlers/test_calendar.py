"""Business time: working days (a Sunday-to-Thursday week too), working hours, public
holidays from the `holidays` package, and daylight saving, in the firm's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from handlers.calendar import WEEKDAYS, Calendar

JERUSALEM = ZoneInfo("Asia/Jerusalem")
SUN_TO_THU = frozenset(WEEKDAYS.index(d) for d in ("sun", "mon", "tue", "wed", "thu"))


@pytest.fixture
def israel() -> Calendar:
    return Calendar("Asia/Jerusalem", SUN_TO_THU, time(9), time(18), country="IL")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=JERUSALEM)


def test_a_friday_evening_complaint_is_due_on_sunday(israel: Calendar) -> None:
    opened = local(2026, 12, 4, 20, 0)  # Friday evening: no working time until Sunday 09:00
    due = israel.add_business_hours(opened, 2)
    assert due == local(2026, 12, 6, 11, 0)
    assert israel.local(due).strftime("%A") == "Sunday"
    assert due.tzinfo is UTC


def test_what_is_left_on_thursday_runs_on_after_the_weekend(israel: Calendar) -> None:
    assert israel.add_business_hours(local(2026, 12, 3, 17, 0), 2) == local(2026, 12, 6, 10, 0)


def test_a_deadline_at_closing_time_stays_on_that_day(israel: Calendar) -> None:
    assert israel.add_business_hours(local(2026, 12, 3, 16, 0), 2) == local(2026, 12, 3, 18, 0)


def test_a_public_holiday_is_skipped(israel: Calendar) -> None:
    yom_kippur = date(2026, 9, 21)  # a Monday
    assert not israel.is_working_day(yom_kippur)
    assert israel.is_working_day(date(2026, 9, 22))
    due = israel.add_business_hours(local(2026, 9, 20, 17, 0), 2)
    assert due == local(2026, 9, 22, 10, 0)


def test_without_a_country_no_day_is_a_holiday() -> None:
    plain = Calendar("Asia/Jerusalem", SUN_TO_THU, time(9), time(18))
    assert plain.is_working_day(date(2026, 9, 21))


def test_working_hours_keep_to_the_local_clock_across_daylight_saving(israel: Calendar) -> None:
    """Summer time ends in the night to Sunday 25 October 2026: Thursday's 17:00 is 14:00
    UTC, Sunday's 10:00 is 08:00 UTC, and the hours between are working hours only."""
    opened = local(2026, 10, 22, 17, 0)
    assert opened.utcoffset() != local(2026, 10, 25, 10, 0).utcoffset()
    due = israel.add_business_hours(opened, 2)
    assert due == local(2026, 10, 25, 10, 0)
    assert due == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def test_many_hours_span_several_working_days(israel: Calendar) -> None:
    # Sunday 09:00 + 24 h of 9-hour days: Sunday, Monday, then six hours of Tuesday.
    assert israel.add_business_hours(local(2026, 12, 6, 9, 0), 24) == local(2026, 12, 8, 15, 0)


def test_working_time_and_the_opening_of_the_day(israel: Calendar) -> None:
    assert israel.is_working_time(local(2026, 12, 6, 9, 0))
    assert not israel.is_working_time(local(2026, 12, 6, 18, 0))
    assert not israel.is_working_time(local(2026, 12, 4, 12, 0))  # Friday
    assert israel.opened_today(local(2026, 12, 6, 14, 30)) == local(2026, 12, 6, 9, 0)
    assert israel.opened_today(local(2026, 12, 6, 8, 59)) is None
    assert israel.opened_today(local(2026, 12, 5, 10, 0)) is None  # Saturday


def test_the_default_calendar_is_monday_to_friday_in_utc() -> None:
    calendar = Calendar()
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert calendar.add_business_hours(friday, 2) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
