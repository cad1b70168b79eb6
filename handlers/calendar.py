"""Business time in the firm's own time zone: working days, working hours, public holidays.

A deadline of "8 business hours" means eight hours of the firm's working time, not
eight hours on the wall clock: a complaint opened on Thursday at 17:00 in a firm that
works Sunday to Thursday, 09:00-18:00, is due eight hours later on Sunday at 16:00.
Public holidays come from the maintained `holidays` package for the configured country
(and subdivision), so nobody keeps a list of dates by hand.

Times go in and come out aware; the answers are in UTC, like every time the core keeps.
Working hours are wall-clock times of the firm's zone, so a working day across a
daylight-saving change still opens at 09:00 local time.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

# Monday is 0, as `date.weekday()` counts.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_WORKING_DAYS = ("mon", "tue", "wed", "thu", "fri")
DEFAULT_HOURS = (time(9), time(17))
MAX_DAYS = 3660  # a calendar with no working day in ten years is a bug, not a firm


@dataclass(frozen=True)
class Calendar:
    time_zone: str = DEFAULT_TIME_ZONE  # an IANA name, e.g. "Asia/Jerusalem"
    working_days: frozenset[int] = frozenset(WEEKDAYS.index(d) for d in DEFAULT_WORKING_DAYS)
    opens: time = DEFAULT_HOURS[0]
    closes: time = DEFAULT_HOURS[1]
    country: str | None = None  # ISO 3166 code for `holidays`, e.g. "IL"; None: no holidays
    subdivision: str | None = None

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def holidays(self) -> Container[date]:
        """The public holidays (all years: the package fills each in when first asked)."""
        if self.country is None:
            return frozenset()
        return holidays.country_holidays(self.country, subdiv=self.subdivision)

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def hours_of(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of `day` (in UTC), or None on a day off."""
        if not self.is_working_day(day):
            return None
        opens = datetime.combine(day, self.opens, self.zone).astimezone(UTC)
        return opens, datetime.combine(day, self.closes, self.zone).astimezone(UTC)

    def is_working_time(self, at: datetime) -> bool:
        hours = self.hours_of(self.local(at).date())
        return hours is not None and hours[0] <= at < hours[1]

    def opened_today(self, at: datetime) -> datetime | None:
        """When the working day `at` falls in opened, if `at` is working time; else None."""
        hours = self.hours_of(self.local(at).date())
        return hours[0] if hours is not None and hours[0] <= at < hours[1] else None

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `start` (which may be outside it)."""
        left = timedelta(hours=hours)
        day = self.local(start).date()
        cursor = start.astimezone(UTC)
        for _ in range(MAX_DAYS):
            window = self.hours_of(day)
            if window is not None and cursor < window[1]:
                cursor = max(cursor, window[0])
                if cursor + left <= window[1]:
                    return cursor + left
                left -= window[1] - cursor
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_DAYS} days of {start.isoformat()}")


STEPS = ("acknowledge", "account", "resolve")


@dataclass(frozen=True)
class Allowance:
    """Business hours from opening for each step of a case of one severity."""

    acknowledge: float
    account: float
    resolve: float

    def hours(self, step: str) -> float:
        return float(getattr(self, step))


# Severity value -> hours allowed. High: answer within two hours, resolve within three days.
DEFAULT_ALLOWANCES: Mapping[str, Allowance] = {
    "high": Allowance(acknowledge=2, account=8, resolve=24),
    "medium": Allowance(acknowledge=4, account=16, resolve=40),
    "low": Allowance(acknowledge=8, account=24, resolve=80),
}


@dataclass(frozen=True)
class Schedule:
    """The firm's calendar and the time it allows per severity (the directory file's
    `[calendar]` and `[deadlines.*]` tables)."""

    calendar: Calendar = field(default_factory=Calendar)
    allowances: Mapping[str, Allowance] = field(default_factory=lambda: dict(DEFAULT_ALLOWANCES))
