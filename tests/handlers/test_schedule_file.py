"""The directory file's `[calendar]` and `[deadlines.*]` tables: the example loads, the
defaults hold without them, and every mistake names its key and a fix."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from handlers.calendar import DEFAULT_ALLOWANCES, WEEKDAYS, Allowance, Calendar
from handlers.directory_file import load_directory
from handlers.errors import DirectoryError
from tests.handlers.test_directory_file import ACME, EXAMPLE, RON, directory_error, write

BASE = RON + ACME


def test_the_example_works_sunday_to_thursday_in_jerusalem() -> None:
    schedule = load_directory(EXAMPLE).schedule
    calendar = schedule.calendar
    assert calendar.time_zone == "Asia/Jerusalem"
    assert sorted(WEEKDAYS[d] for d in calendar.working_days) == sorted(
        ["sun", "mon", "tue", "wed", "thu"]
    )
    assert (calendar.opens, calendar.closes) == (time(9), time(18))
    assert calendar.country == "IL"
    assert schedule.allowances["high"] == Allowance(acknowledge=2, account=8, resolve=24)


def test_without_the_tables_the_defaults_hold(tmp_path: Path) -> None:
    schedule = load_directory(write(tmp_path, BASE)).schedule
    assert schedule.calendar == Calendar()
    assert schedule.allowances == DEFAULT_ALLOWANCES


def test_a_table_may_set_some_hours_and_keep_the_rest(tmp_path: Path) -> None:
    text = BASE + '[deadlines.low]\nresolve = 120\n[calendar]\nholidays = "GB"\n'
    text += 'holidays_subdivision = "SCT"\n'
    schedule = load_directory(write(tmp_path, text)).schedule
    assert schedule.allowances["low"] == Allowance(acknowledge=8, account=24, resolve=120)
    assert schedule.allowances["high"] == DEFAULT_ALLOWANCES["high"]
    assert (schedule.calendar.country, schedule.calendar.subdivision) == ("GB", "SCT")


@pytest.mark.parametrize(
    ("toml", "key", "fragments"),
    [
        ('[calendar]\ntimezone = "UTC"\n', "calendar.timezone", ['rename it to "time_zone"']),
        (
            '[calendar]\ntime_zone = "Asia/Jerusalm"\n',
            "calendar.time_zone",
            ['unknown time zone "Asia/Jerusalm"', '(did you mean "Asia/Jerusalem"?)'],
        ),
        ("[calendar]\ntime_zone = 2\n", "calendar.time_zone", ["expected a non-empty string"]),
        (
            '[calendar]\nworking_days = ["sun", "thr"]\n',
            "calendar.working_days",
            ['unknown day "thr"', '"thu"'],
        ),
        ("[calendar]\nworking_days = []\n", "calendar.working_days", ["no working days"]),
        (
            '[calendar]\nworking_days = "sun-thu"\n',
            "calendar.working_days",
            ["expected a list of non-empty strings"],
        ),
        (
            '[calendar]\nworking_hours = "9-18"\n',
            "calendar.working_hours",
            ['"9-18" is not two times of day', 'working_hours = "09:00-18:00"'],
        ),
        (
            '[calendar]\nworking_hours = "25:00-26:00"\n',
            "calendar.working_hours",
            ["not two times of day"],
        ),
        (
            '[calendar]\nworking_hours = "18:00-09:00"\n',
            "calendar.working_hours",
            ["closes before it opens"],
        ),
        (
            '[calendar]\nholidays = "il"\n',
            "calendar.holidays",
            ['no public holidays are known for the country "il"', '(did you mean "IL"?)'],
        ),
        ('[calendar]\nholidays = "XX"\n', "calendar.holidays", ['country "XX"']),
        (
            '[calendar]\nholidays = "US"\nholidays_subdivision = "CAL"\n',
            "calendar.holidays_subdivision",
            ['US has no subdivision "CAL"', '"CA"'],
        ),
        (
            '[calendar]\nholidays_subdivision = "CA"\n',
            "calendar.holidays_subdivision",
            ["a subdivision without a country"],
        ),
        ("[deadlines.urgent]\nresolve = 4\n", "deadlines.urgent", ["unknown key", '"high"']),
        (
            "[deadlines.high]\nresolution = 4\n",
            "deadlines.high.resolution",
            ['rename it to "resolve"'],
        ),
        (
            '[deadlines.high]\nresolve = "24h"\n',
            "deadlines.high.resolve",
            ["expected business hours", 'a string ("24h")', "resolve = 24"],
        ),
        ("[deadlines.high]\naccount = 0\n", "deadlines.high.account", ["above 0"]),
        ("[deadlines.high]\naccount = true\n", "deadlines.high.account", ["a boolean"]),
        (
            "[deadlines.high]\nacknowledge = 30\n",
            "deadlines.high.resolve",
            ["would be due before the acknowledge (30 h)", "give resolve at least 30 hours"],
        ),
        ("deadlines = 24\n", "deadlines", ["expected a table"]),
    ],
)
def test_a_mistake_names_its_key_and_the_fix(
    tmp_path: Path, toml: str, key: str, fragments: list[str]
) -> None:
    first = toml if toml.startswith("deadlines =") else ""
    error = directory_error(write(tmp_path, first + BASE + ("" if first else toml)))
    assert isinstance(error, DirectoryError)
    assert error.key == key
    for fragment in fragments:
        assert fragment in str(error)
