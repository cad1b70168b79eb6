"""The directory file's `[calendar]` and `[deadlines.<severity>]` tables, validated.

Strict like the rest of the file, with its checks (`handlers.directory_file`, which
calls `parse_schedule`; each module reads the other's names when called, so either may
be imported first): a wrong time zone would
not crash anything, it would quietly put every deadline hours off, so each doubt stops
start-up with the key at fault and a fix. Both tables are optional; what they leave out
keeps its default (`handlers.calendar`): UTC, Monday to Friday, 09:00-17:00, no public
holidays, and the hours of `DEFAULT_ALLOWANCES`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays

from handlers import directory_file as checks
from handlers.calendar import (
    DEFAULT_ALLOWANCES,
    DEFAULT_HOURS,
    STEPS,
    WEEKDAYS,
    Allowance,
    Calendar,
    Schedule,
)
from handlers.errors import DirectoryError

CALENDAR_KEYS = ("time_zone", "working_days", "working_hours", "holidays", "holidays_subdivision")
SEVERITIES = tuple(DEFAULT_ALLOWANCES)
MOST_HOURS = 2000  # about a working year: more is a typo (minutes, or days in hours)
_HOURS = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")


def parse_schedule(data: Mapping[str, Any]) -> Schedule:
    return Schedule(_calendar(data), _allowances(data))


def _calendar(data: Mapping[str, Any]) -> Calendar:
    table = checks._table(data.get("calendar", {}), "calendar", '[calendar] then time_zone = "UTC"')
    checks._reject_unknown_keys(table, CALENDAR_KEYS, "calendar")
    opens, closes = _working_hours(table)
    country = checks._optional_string(table, "holidays", "calendar", "IL")
    return Calendar(
        time_zone=_time_zone(table),
        working_days=_working_days(table),
        opens=opens,
        closes=closes,
        country=country,
        subdivision=_subdivision(table, country),
    )


def _time_zone(table: Mapping[str, Any]) -> str:
    zone = checks._optional_string(table, "time_zone", "calendar", "Asia/Jerusalem")
    if zone is None:
        return Calendar.time_zone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DirectoryError(
            "calendar.time_zone",
            f"unknown time zone {checks._quote(zone)}",
            'use an IANA time zone name, e.g. time_zone = "Asia/Jerusalem" or "Europe/London"'
            + checks._did_you_mean(zone, available_timezones()),
        ) from None
    return zone


def _working_days(table: Mapping[str, Any]) -> frozenset[int]:
    example = ["sun", "mon", "tue", "wed", "thu"]
    if "working_days" not in table:
        return Calendar.working_days
    days = checks._string_list(table, "working_days", "calendar", example)
    for day in days:
        if day not in WEEKDAYS:
            raise DirectoryError(
                "calendar.working_days",
                f"unknown day {checks._quote(day)}",
                f"use the short English names {checks._choices(WEEKDAYS)}"
                + checks._did_you_mean(day, WEEKDAYS),
            )
    if not days:
        raise DirectoryError(
            "calendar.working_days",
            "no working days, so no deadline could ever fall due",
            "list the days the firm works, e.g. working_days = "
            '["sun", "mon", "tue", "wed", "thu"], or remove the key for Monday to Friday',
        )
    return frozenset(WEEKDAYS.index(day) for day in days)


def _working_hours(table: Mapping[str, Any]) -> tuple[time, time]:
    raw = checks._optional_string(table, "working_hours", "calendar", "09:00-18:00")
    if raw is None:
        return DEFAULT_HOURS
    found = _HOURS.fullmatch(raw)
    try:
        if found is None:
            raise ValueError
        hours = [int(part) for part in found.groups()]
        opens, closes = time(hours[0], hours[1]), time(hours[2], hours[3])
    except ValueError:
        raise DirectoryError(
            "calendar.working_hours",
            f"{checks._quote(raw)} is not two times of day",
            "write the opening and closing time in 24-hour form, "
            'e.g. working_hours = "09:00-18:00"',
        ) from None
    if closes <= opens:
        raise DirectoryError(
            "calendar.working_hours",
            f"{checks._quote(raw)} closes before it opens",
            'put the opening time first, within one day, e.g. working_hours = "09:00-18:00"',
        )
    return opens, closes


def _subdivision(table: Mapping[str, Any], country: str | None) -> str | None:
    subdivision = checks._optional_string(table, "holidays_subdivision", "calendar", "CA")
    if country is None:
        if subdivision is not None:
            raise DirectoryError(
                "calendar.holidays_subdivision",
                "a subdivision without a country",
                'add the country too, e.g. holidays = "US", or remove holidays_subdivision',
            )
        return None
    countries = holidays.list_supported_countries()
    if country not in countries:
        raise DirectoryError(
            "calendar.holidays",
            f"no public holidays are known for the country {checks._quote(country)}",
            'use an ISO 3166 country code, e.g. holidays = "IL"'
            + checks._did_you_mean(country.upper(), countries),
        )
    known = countries[country]
    if subdivision is not None and subdivision not in known:
        fix = f"use one of {checks._choices(known)}" if known else "remove holidays_subdivision"
        raise DirectoryError(
            "calendar.holidays_subdivision",
            f"{country} has no subdivision {checks._quote(subdivision)}",
            fix + checks._did_you_mean(subdivision, known),
        )
    return subdivision


def _allowances(data: Mapping[str, Any]) -> dict[str, Allowance]:
    example = "[deadlines.high] then acknowledge = 2, account = 8, resolve = 24"
    table = checks._table(data.get("deadlines", {}), "deadlines", example)
    checks._reject_unknown_keys(table, SEVERITIES, "deadlines")
    allowances = dict(DEFAULT_ALLOWANCES)
    for severity, raw in table.items():
        key = f"deadlines.{severity}"
        hours = checks._table(raw, key, f"[{key}] then resolve = 24")
        checks._reject_unknown_keys(hours, STEPS, key)
        default = DEFAULT_ALLOWANCES[severity]
        given = {step: _hours(hours, step, key, default.hours(step)) for step in STEPS}
        for step in ("acknowledge", "account"):
            if given[step] > given["resolve"]:
                raise DirectoryError(
                    f"{key}.resolve",
                    f"the resolution ({given['resolve']:g} h) would be due before the {step} "
                    f"({given[step]:g} h)",
                    f"give resolve at least {given[step]:g} hours, or {step} fewer",
                )
        allowances[severity] = Allowance(**given)
    return allowances


def _hours(table: Mapping[str, Any], step: str, prefix: str, default: float) -> float:
    value = table.get(step, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MOST_HOURS:
        raise DirectoryError(
            f"{prefix}.{step}",
            f"expected business hours, a number above 0 and at most {MOST_HOURS}, "
            f"got {checks._describe(value)}",
            f"write the hours as a number, e.g. {step} = {default:g}",
        )
    return float(value)
