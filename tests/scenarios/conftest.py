"""`driver`: every scenario once per adapter, each on the example directory.

Slack runs the Slack harness's real server and fake Web API with the example directory
in place of the harness's own (the same people and clients, plus Noa, Tamar, Initech and
Globex's second channel), and the fake knows each of them as Slack would. Teams joins
with a third driver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.directory_file import load_directory
from tests.fakes.slack_api import FakeSlackAPI
from tests.playground.conftest import EXAMPLE, Playground
from tests.scenarios.drivers import (
    SLACK_CONTACT_NAMES,
    SLACK_CONTACTS,
    Driver,
    PlaygroundDriver,
    SlackDriver,
)
from tests.slack import harness


def populate_example(fake: FakeSlackAPI) -> None:
    """The Slack workspace of the example directory: the harness's, and the people and
    channels of the example it lacks, each client channel with its contact."""
    harness.populate(fake)
    directory = load_directory(EXAMPLE)
    known = set(harness.INTERNAL_PEOPLE)
    for person in directory.people.values():
        user_id = person.platform_id("slack")
        if user_id and user_id not in known:
            fake.add_user(user_id, person.id)
    for client in directory.clients.values():
        contact = SLACK_CONTACTS[client.id]
        if contact not in (harness.CLIENT, harness.GLOBEX_CLIENT):
            fake.add_user(contact, SLACK_CONTACT_NAMES[contact])
        for channel in client.channels("slack"):
            if channel not in (harness.ACME, harness.GLOBEX):
                manager = directory.person(client.account_manager or "").platform_id("slack")
                fake.add_channel(channel, client.id, members=[contact, manager or ""])


async def slack_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Driver]:
    monkeypatch.setattr(harness, "DIRECTORY", EXAMPLE.read_text(encoding="utf-8"))
    async with FakeSlackAPI() as fake:
        populate_example(fake)
        bot = harness.SlackBot(tmp_path, fake)
        await bot.start()
        try:
            assert bot.runtime and bot.runtime.directory == load_directory(EXAMPLE)
            yield SlackDriver(bot, fake)
        finally:
            await bot.stop()


async def playground_driver(tmp_path: Path) -> AsyncIterator[Driver]:
    running = await Playground(tmp_path, EXAMPLE).start()
    try:
        yield PlaygroundDriver(running)
    finally:
        await running.stop()


@pytest.fixture(params=["slack", "playground"])
async def driver(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Driver]:
    drivers = {
        "slack": lambda: slack_driver(tmp_path, monkeypatch),
        "playground": lambda: playground_driver(tmp_path),
    }
    async for running in drivers[request.param]():
        yield running
