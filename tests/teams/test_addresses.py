"""Where the bot writes to each person on Teams: the conversation reference from the app's
installation for them (or the bot's arrival in their 1:1 chat) is kept as their address
and used for their DMs; without one the bot asks Teams for the chat, and when Teams refuses
the account manager is told to install the app for that person."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.messages import text
from tests.fakes.bot_connector import BOT_ID, ConnectorError, FakeBotConnector
from tests.teams.harness import AVI, DANA, INTERNAL, MAYA, NAMES, TeamsBot, shown_html
from tests.teams.test_adapter import open_case

JSON = dict[str, Any]
DANA_CHAT = "a:1dana-personal-chat"


def installed(bot: TeamsBot, user: str, chat: str, kind: str, action: str = "add") -> JSON:
    """What Teams sends when `user` installs the app for themselves (`installationUpdate`)
    or the bot joins their 1:1 chat (`conversationUpdate` with the bot in membersAdded)."""
    conversation = {"id": chat, "conversationType": "personal"}
    fields: JSON = {"type": kind, "id": f"f:{bot.next_id()}", "locale": "en-US"}
    if kind == "installationUpdate":
        fields["action"] = action
    else:
        fields["membersAdded"] = [{"id": BOT_ID}]
    return bot.activity(user, conversation, **fields)


def chats_opened_with(fake: FakeBotConnector, user: str) -> int:
    return sum(
        1
        for call in fake.calls_to("create_conversation")
        if (call.body.get("members") or [{}])[0].get("id") == user
    )


@pytest.mark.parametrize("kind", ["installationUpdate", "conversationUpdate"])
async def test_an_installation_is_where_the_person_is_written_to(
    bot: TeamsBot, fake: FakeBotConnector, kind: str
) -> None:
    fake.add_conversation(DANA_CHAT, [(DANA, NAMES[DANA])])
    status, _ = await bot.send(installed(bot, DANA, DANA_CHAT, kind))
    assert status == 200
    assert bot.runtime
    address = await bot.runtime.store.address("teams", DANA)
    assert address and address["conversation"]["id"] == DANA_CHAT
    assert address["serviceUrl"] == fake.service_url

    await open_case(bot)
    (dm,) = fake.posted(DANA_CHAT)
    assert "C-0001" in shown_html(dm["text"])
    assert chats_opened_with(fake, DANA) == 0  # the installation's chat, not a new one
    assert chats_opened_with(fake, MAYA) == 1  # Maya has none: asked for


async def test_an_uninstall_or_a_team_install_keeps_no_address(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    removed = installed(bot, DANA, DANA_CHAT, "installationUpdate", action="remove")
    in_a_team = installed(bot, DANA, INTERNAL, "installationUpdate")
    in_a_team["conversation"]["conversationType"] = "channel"
    someone_else = installed(bot, DANA, DANA_CHAT, "conversationUpdate")
    someone_else["membersAdded"] = [{"id": MAYA}]
    for activity in (removed, in_a_team, someone_else):
        status, _ = await bot.send(activity)
        assert status == 200
    assert bot.runtime
    assert await bot.runtime.store.address("teams", DANA) is None


async def test_the_chat_teams_opens_is_kept_and_asked_for_once(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    await open_case(bot)
    second = bot.channel_message("29:carol", "and the invoice is wrong", [(DANA, NAMES[DANA])])
    assert (await bot.send(second))[0] == 200
    await bot.settle()
    assert len(fake.posted(DANA)) == 2  # one DM per case
    assert chats_opened_with(fake, DANA) == 1
    assert bot.runtime
    address = await bot.runtime.store.address("teams", DANA)
    assert address and address["conversation"]["id"] == fake.chat_id(DANA)


async def test_a_person_teams_will_not_reach_is_told_to_the_account_manager(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    """No address, and Teams refuses the chat (the app is not installed for Dana, nor in a
    team of hers): the case goes on, and Avi, the account manager, is told how to fix it."""
    refused = ConnectorError(403, "Forbidden", "The bot is not installed for this user")
    fake.fail_when(
        lambda call: (
            call.route == "create_conversation"
            and (call.body.get("members") or [{}])[0].get("id") == DANA
        ),
        refused,
    )
    await open_case(bot)

    assert fake.posted(DANA) == []
    (case,) = await bot.cases()
    told = [shown_html(dm["text"]) for dm in fake.posted(AVI)]
    fix = shown_html(text("en", "dm.dm_unreachable", person="Dana Levi", case_id=case.id, error=""))
    assert any(line.startswith(fix.split("(")[0]) and "not installed" in line for line in told)
    assert any("install the app for Dana Levi" in line for line in told)
    assert fake.posted(MAYA)  # the others are reached as before
    assert bot.runtime
    events = [event.kind for event in await bot.runtime.store.timeline(case.id)]
    assert "dm_failed" in events
    assert await bot.runtime.store.address("teams", DANA) is None
