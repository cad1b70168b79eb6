"""A bare @mention under a client's message on Teams: the Connector cannot read that message,
so the case opens on it as the bot kept it when Teams sent it (resource-specific consent),
and a message the bot no longer keeps (too old, edited, deleted) gets the usage instead."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.interaction import KEEP_MESSAGES
from handlers.messages import text
from storage.base import KeptMessage, Store
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.harness import ACME, AVI, CLIENT, DANA, INTERNAL, NAMES, TeamsBot
from tests.teams.test_adapter import texts
from tests.teams.test_deleted import deleted

SAID = "The invoice is wrong again, @Dana Levi knows."
USAGE = text("en", "usage.complaint")
HOUR = timedelta(hours=1)


async def say(bot: TeamsBot) -> str:
    """Carol's message at the top of Acme's channel, mentioning Dana and not the bot."""
    message = bot.channel_message(CLIENT, SAID, [(DANA, NAMES[DANA])], bot=False)
    assert (await bot.send(message))[0] == 200
    return str(message["id"])


async def mention_under(bot: TeamsBot, root: str) -> None:
    """Avi's bare @mention of the bot in the reply chain of `root` (an id of its own: a
    restarted harness counts ids from the start again)."""
    mention = bot.channel_message(AVI, "", thread=root, activity_id=f"{root}-mention")
    assert (await bot.send(mention))[0] == 200
    await bot.settle()


async def swept(store: Store, root: str) -> KeptMessage | None:
    """The kept message once the hourly sweep has taken it out (or, after a while, not)."""
    for _ in range(200):
        found = await store.kept_message("teams", ACME, root)
        if found is None:
            return None
        await asyncio.sleep(0.05)
    return found


def told(fake: FakeBotConnector, user_id: str) -> list[str]:
    return texts(fake.posted(user_id))


def at(start: datetime) -> dict[str, str]:
    return {"COMPLAINTBOT_CLOCK_START": start.isoformat()}


@pytest.mark.parametrize("later", [KEEP_MESSAGES - timedelta(days=1), KEEP_MESSAGES + HOUR])
async def test_a_message_is_kept_across_a_restart_for_the_keep_time_only(
    tmp_path: Path, fake: FakeBotConnector, later: timedelta
) -> None:
    start = datetime.now(UTC)
    first = TeamsBot(tmp_path, fake, env=at(start))
    await first.start()
    try:
        root = await say(first)
        await first.settle()
    finally:
        await first.stop()
    second = TeamsBot(tmp_path, fake, env=at(start + later))
    await second.start()
    try:
        await mention_under(second, root)
        card = json.dumps(fake.posted(INTERNAL))
        cases = await second.cases()
        store = second.runtime.store  # type: ignore[union-attr]
        kept = await store.kept_message("teams", ACME, root)
        if later > KEEP_MESSAGES:  # the sweep runs at the scheduler's first tick
            kept = await swept(store, root)
    finally:
        await second.stop()
    if later < KEEP_MESSAGES:
        (case,) = cases
        assert case.source.message_id == root and case.raised_by.user_id == CLIENT
        assert "Carol Client" in card  # the name Teams gave her, though the bot restarted
        assert case.summary.startswith("The invoice is wrong again")
        assert case.affected == ("dana",)
        assert kept is not None
    else:
        assert cases == []
        assert any(USAGE in said for said in told(fake, AVI))
        assert kept is None  # the hourly sweep took it out of the store


@pytest.mark.parametrize("change", ["edited", "deleted"])
async def test_an_edited_or_deleted_message_is_kept_no_more(
    bot: TeamsBot, fake: FakeBotConnector, change: str
) -> None:
    root = await say(bot)
    await bot.settle()
    store = bot.runtime.store  # type: ignore[union-attr]
    assert await store.kept_message("teams", ACME, root) is not None
    if change == "deleted":
        activity: dict[str, Any] = deleted(bot, root, root)
    else:
        activity = bot.channel_message(CLIENT, "Sorry, wrong channel.", activity_id=root, bot=False)
        activity |= {"type": "messageUpdate", "channelData": {"eventType": "editMessage"}}
    assert (await bot.send(activity))[0] == 200
    assert await store.kept_message("teams", ACME, root) is None

    await mention_under(bot, root)
    assert await bot.cases() == []
    assert any(USAGE in said for said in told(fake, AVI))
    assert b"The invoice is wrong again" not in store_bytes(bot)  # in no file of the store


async def test_only_a_client_channels_top_level_chatter_is_kept(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    store = bot.runtime.store  # type: ignore[union-attr]
    lunch = "19:lunch@thread.tacv2"  # a channel of the firm's that is no client's
    fake.add_conversation(lunch, [(DANA, NAMES[DANA])])
    complaint = bot.channel_message(CLIENT, "The report is late.")  # mentions the bot: a case
    assert (await bot.send(complaint))[0] == 200
    reply = bot.channel_message(CLIENT, "And the invoice.", thread=str(complaint["id"]), bot=False)
    elsewhere = bot.channel_message(DANA, "Lunch?", channel=lunch, bot=False)
    for message in (reply, elsewhere):
        assert (await bot.send(message))[0] == 200
    root = await say(bot)
    await bot.settle()
    assert len(await bot.cases()) == 1
    for channel, message in ((ACME, complaint), (ACME, reply), (lunch, elsewhere)):
        assert await store.kept_message("teams", channel, str(message["id"])) is None
    found = await store.kept_message("teams", ACME, root)
    assert found and found.words == SAID and found.mentioned == (DANA,)
    assert (found.author, found.author_name) == (CLIENT, "Carol Client")


def store_bytes(bot: TeamsBot) -> bytes:
    """Every byte the bot's store keeps on disk."""
    files = sorted((bot.root / "data").rglob("*"))
    return b"".join(p.read_bytes() for p in files if p.is_file())
