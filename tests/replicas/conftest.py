from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import populate


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    """One fake Slack Web API that every replica of a test talks to."""
    async with FakeSlackAPI() as api:
        populate(api)
        yield api
