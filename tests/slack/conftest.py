from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import SlackBot, populate


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as api:
        populate(api)
        yield api


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeSlackAPI) -> AsyncIterator[SlackBot]:
    harness = SlackBot(tmp_path, fake)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
