"""`driver`: every scenario once per adapter, each on the example directory.

Slack runs the Slack harness's real server and fake Web API with the example directory
in place of the harness's own (the same people and clients, plus Noa, Tamar, Initech and
Globex's second channel), and the fake knows each of them as Slack would.

Teams runs the Teams harness's real server (unauthenticated, TEAMS_LOCAL=1) and fake Bot
Connector with the example directory, in which Noa and Eli, whom the example leaves off
Teams, get Teams ids: a scenario acts as them, and on Teams only a person with a Teams id
can act. Every client channel and the internal one are conversations the bot is in.

Every scenario passes on every adapter: what one platform lacks fails there.
"""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.directory_file import load_directory, parse_directory
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlackAPI
from tests.playground.conftest import EXAMPLE, Playground
from tests.scenarios.drivers import (
    SLACK_CONTACT_NAMES,
    SLACK_CONTACTS,
    TEAMS_CONTACT_NAMES,
    TEAMS_CONTACTS,
    Driver,
    PlaygroundDriver,
    SlackDriver,
    TeamsDriver,
)
from tests.slack import harness
from tests.teams import harness as teams


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


# Teams ids for the people of the example who have none (a scenario acts as them).
TEAMS_IDS = {"noa": "29:1noa", "eli": "29:1eli"}


def teams_directory() -> str:
    """The example directory, each of its people with a Teams id."""
    directory = EXAMPLE.read_text(encoding="utf-8")
    for person, user_id in TEAMS_IDS.items():
        slack = load_directory(EXAMPLE).person(person).platform_id("slack")
        line = f'slack = "{slack}"\n'
        assert directory.count(line) == 1, person
        directory = directory.replace(line, f'{line}teams = "{user_id}"\n')
    return directory


def populate_teams(fake: FakeBotConnector, directory: str) -> dict[str, str]:
    """The example's Teams: the internal channel with the firm, each client channel with its
    contact and account manager; returns what Teams calls everyone, by Teams id."""
    loaded = parse_directory(tomllib.loads(directory))
    firm = {
        user_id: person.name
        for person in loaded.people.values()
        if (user_id := person.platform_id("teams"))
    }
    internal = loaded.internal_channel_on("teams")
    assert internal
    fake.add_conversation(internal, list(firm.items()))
    for client in loaded.clients.values():
        user_id = TEAMS_CONTACTS[client.id]
        manager = loaded.person(client.account_manager or "").platform_id("teams") or ""
        for channel in client.channels("teams"):
            members = [(user_id, TEAMS_CONTACT_NAMES[user_id]), (manager, firm[manager])]
            fake.add_conversation(channel, members)
    return {**TEAMS_CONTACT_NAMES, **firm}


async def teams_driver(tmp_path: Path) -> AsyncIterator[Driver]:
    directory = teams_directory()
    async with FakeBotConnector(anonymous=True) as fake:
        names = populate_teams(fake, directory)
        bot = teams.TeamsBot(tmp_path, fake, directory=directory, names=names)
        await bot.start()
        try:
            yield TeamsDriver(bot, fake)
        finally:
            await bot.stop()


@pytest.fixture(params=["slack", "playground", "teams"])
async def driver(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Driver]:
    drivers = {
        "slack": lambda: slack_driver(tmp_path, monkeypatch),
        "playground": lambda: playground_driver(tmp_path),
        "teams": lambda: teams_driver(tmp_path),
    }
    async for running in drivers[request.param]():
        yield running
