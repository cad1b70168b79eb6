from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.harness import TeamsBot, populate


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    """The Connector as a local emulator's is: the unauthenticated bot sends no token."""
    async with FakeBotConnector(anonymous=True) as connector:
        populate(connector)
        yield connector


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeBotConnector) -> AsyncIterator[TeamsBot]:
    harness = TeamsBot(tmp_path, fake)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
