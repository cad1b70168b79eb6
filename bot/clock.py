"""The one clock a running bot reads: the wall clock, or one set to start elsewhere.

Every worker and the core read time from the `Runtime`'s clock, so a test can move it.
In-process tests pass their own callable; a test that starts `complaintbot serve` as a
process sets `COMPLAINTBOT_CLOCK_START` (see `bot.settings`), and the process's clock
starts at that instant and runs on at the wall clock's pace, so restarting it with a
later start moves a deadline into the past.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.service import utcnow

Clock = Callable[[], datetime]


def clock_for(start: datetime | None) -> Clock:
    """The wall clock, or one that starts at `start`."""
    return StartedClock(start) if start else utcnow


class StartedClock:
    """The time since this clock was made, added to `start`."""

    def __init__(self, start: datetime) -> None:
        self.start = start.astimezone(UTC)
        self._began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._began)
