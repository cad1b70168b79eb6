"""The runtime's clock: the wall clock, or `COMPLAINTBOT_CLOCK_START` for tests against
fake platforms, refused while a real one is on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import StartedClock, clock_for
from bot.service import utcnow
from bot.settings import load_settings
from handlers.errors import SettingsError

FAKE_SLACK = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "s",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
}
START = "2026-12-04T20:00:00+02:00"


def test_without_the_setting_the_clock_is_the_wall_clock() -> None:
    settings = load_settings(FAKE_SLACK)
    assert settings.clock_start is None and settings.clock_line() is None
    assert clock_for(settings.clock_start) is utcnow


def test_a_started_clock_runs_on_from_its_start() -> None:
    settings = load_settings({**FAKE_SLACK, "COMPLAINTBOT_CLOCK_START": START})
    clock = clock_for(settings.clock_start)
    assert isinstance(clock, StartedClock)
    first, second = clock(), clock()
    start = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert start <= first <= second < start + timedelta(minutes=1)
    assert first.tzinfo is UTC
    assert "COMPLAINTBOT_CLOCK_START" in (settings.clock_line() or "")


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-real", "SLACK_SIGNING_SECRET": "s"}, "real platform"),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-real",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": "https://slack.com/api",
            },
            "real platform",
        ),
        ({"MICROSOFT_APP_ID": "a", "MICROSOFT_APP_PASSWORD": "p"}, "real platform"),
    ],
)
def test_it_is_refused_against_a_real_platform(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**env, "COMPLAINTBOT_CLOCK_START": START})
    assert caught.value.key == "COMPLAINTBOT_CLOCK_START"
    assert fragment in str(caught.value)


@pytest.mark.parametrize("value", ["tomorrow", "2026-12-04T20:00:00"])
def test_it_needs_a_time_with_its_offset(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**FAKE_SLACK, "COMPLAINTBOT_CLOCK_START": value})
    assert "2026-12-03T09:00:00+02:00" in str(caught.value)
