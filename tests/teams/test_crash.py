"""`complaintbot serve` on Teams killed with SIGKILL between a post and its receipt, and
started again on the same store: the post is looked for through Graph, found, and not
posted again; every effect reaches Teams once.

The bot is a real process (TEAMS_LOCAL=1, MICROSOFT_GRAPH_URL at the fake's Graph); "Teams"
is this test: it posts activities as Teams does and holds the fake Bot Connector, which
answers a held call only after it took effect, so a kill falls between the two.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.teams.cards import marker
from tests.bot.test_cli import environment
from tests.fakes.bot_connector import Call, FakeBotConnector
from tests.slack.test_crash import Bot, ids_in
from tests.teams.harness import (
    ACME,
    AVI,
    CLIENT,
    DANA,
    DIRECTORY,
    INTERNAL,
    MAYA,
    NAMES,
    TeamsBot,
    activity_text,
)


class TeamsProcess(Bot):
    """`complaintbot serve` with Teams alone, on a store directory that outlives it."""

    def __init__(self, root: Path, fake: FakeBotConnector) -> None:
        directory = root / "complaintbot.toml"
        directory.write_text(DIRECTORY, encoding="utf-8")
        self.root = root
        self.env = environment(
            root,
            TEAMS_LOCAL="1",
            MICROSOFT_GRAPH_URL=fake.graph_url,
            COMPLAINTBOT_DIRECTORY=str(directory),
        )
        self.process = None
        self.runs = 0
        self.base = self.url = ""

    async def start(self) -> None:
        await super().start()
        self.url = f"{self.base}/api/messages"


@contextmanager
def teams_process(root: Path, fake: FakeBotConnector) -> Iterator[TeamsProcess]:
    bot = TeamsProcess(root, fake)
    try:
        yield bot
    finally:
        bot.kill()


async def send(session: aiohttp.ClientSession, url: str, activity: dict[str, Any]) -> int:
    async with session.post(url, json=activity) as response:
        await response.read()
        return response.status


def posted(call: Call) -> bool:
    """A post that took effect: a message sent in a conversation, or a thread started."""
    started = call.route == "create_conversation" and "activity" in call.body
    return call.ok and (call.route == "send" or started)


def said(call: Call) -> str:
    """What a post said (its text, its cards), to count what reached Teams twice."""
    body = call.body if call.route == "send" else call.body["activity"]
    return json.dumps([body.get("text"), body.get("attachments")], sort_keys=True)


def twice(fake: FakeBotConnector) -> dict[tuple[str, str], int]:
    seen = Counter((str(c.conversation_id or ""), said(c)) for c in fake.calls if posted(c))
    return {where: n for where, n in seen.items() if n > 1}


def cards_of(fake: FakeBotConnector, case_id: str) -> list[dict[str, Any]]:
    return [
        a
        for a in fake.posted(INTERNAL)
        if marker(case_id) in json.dumps(a.get("attachments") or [])
    ]


@pytest.mark.slow
async def test_a_kill_between_a_post_and_its_receipt_leaves_each_effect_once(
    tmp_path: Path, fake: FakeBotConnector
) -> None:
    teams = TeamsBot(tmp_path, fake)  # only to write activities as Teams sends them

    def card_post(call: Call) -> bool:
        return call.route == "send" and call.conversation_id == INTERNAL

    first = teams.channel_message(CLIENT, "the report was late, @Dana Levi", [(DANA, NAMES[DANA])])
    second = teams.channel_message(
        CLIENT, "the invoice was wrong, @Dana Levi", [(DANA, NAMES[DANA])]
    )
    second_thread = f"{ACME};messageid={second['id']}"

    def ack_post(call: Call) -> bool:
        return call.route == "send" and call.conversation_id == second_thread

    with teams_process(tmp_path, fake) as bot:
        await bot.start()
        async with aiohttp.ClientSession() as session:
            # 1. The card reaches Teams; the bot dies waiting for its id.
            lift = fake.delay(card_post, 30)
            assert await send(session, bot.url, first) == 200
            held_card = await fake.wait_for(card_post, timeout=15)
            assert held_card.ok
            bot.kill()
            lift()
            await bot.start()
            await bot.settled(session, lambda: True, timeout=30)

            # 2. The client thread's first reply reaches Teams; the bot dies waiting for
            # its id, once every other lane is done (only that lane's two posts are left).
            lift = fake.delay(ack_post, 30)
            assert await send(session, bot.url, second) == 200
            held_ack = await fake.wait_for(ack_post, timeout=15)
            assert held_ack.ok
            deadline = time.monotonic() + 30
            while await bot.pending(session) != 2:
                assert time.monotonic() < deadline, bot.logs()
                await asyncio.sleep(0.1)
            bot.kill()
            lift()
            await bot.start()
            await bot.settled(session, lambda: True, timeout=30)

            # 3. A later change to the first case updates the card found, in place.
            reply = teams.channel_message(
                CLIENT, "It was due Monday.", thread=first["id"], bot=False
            )
            sent_at = time.time()
            assert await send(session, bot.url, reply) == 200
            update = await fake.wait_for(
                lambda c: (
                    c.route == "update"
                    and str(c.conversation_id).startswith(INTERNAL)
                    and c.at >= sent_at
                ),
                timeout=15,
            )
            await bot.settled(session, lambda: True, timeout=30)

    assert twice(fake) == {}
    assert bot.logs().count("was already posted") >= 2  # the card, the client's reply
    (case_1,) = set(ids_in([a["text"] for a in fake.posted(ACME, reply_to=first["id"])]))
    (case_2,) = set(ids_in([a["text"] for a in fake.posted(ACME, reply_to=second["id"])]))
    assert case_1 != case_2
    for case_id, root in ((case_1, first["id"]), (case_2, second["id"])):
        assert len(cards_of(fake, case_id)) == 1, case_id
        replies = [activity_text(a) for a in fake.posted(ACME, reply_to=root)]
        assert sum("What happened?" in text for text in replies) == 1, replies
        for person in (DANA, MAYA):
            dms = [a for a in fake.posted(person) if case_id in activity_text(a)]
            assert len(dms) == 1, (case_id, person, [activity_text(a) for a in dms])
    (card_1,) = cards_of(fake, case_1)
    assert card_1["id"] == held_card.answer["id"]  # type: ignore[index]
    assert update.ok and update.args["activity_id"] == card_1["id"]
    assert held_ack.answer["id"] in {a["id"] for a in fake.posted(ACME, reply_to=second["id"])}  # type: ignore[index]


def notes(fake: FakeBotConnector) -> list[dict[str, Any]]:
    """The bot's notes that anchor logged complaints in Acme's channel."""
    return [a for a in fake.posted(ACME) if "logged a complaint here" in a.get("text", "")]


@pytest.mark.slow
async def test_a_kill_after_a_logged_complaints_note_opens_its_case_on_that_note(
    tmp_path: Path, fake: FakeBotConnector
) -> None:
    """`complaint ...` in the 1:1 chat: the bot's note reaches the channel, the bot dies
    before its id comes back; started again, the inbox finds that note and opens on it."""
    teams = TeamsBot(tmp_path, fake)

    def note_post(call: Call) -> bool:
        return call.route == "create_conversation" and "channel" in call.body.get("channelData", {})

    def form_post(call: Call) -> bool:
        return call.route == "send" and call.conversation_id == fake.chat_id(AVI)

    with teams_process(tmp_path, fake) as bot:
        await bot.start()
        async with aiohttp.ClientSession() as session:
            # Acme's channel has been heard from (which names its team), as any channel has
            chatter = teams.channel_message(CLIENT, "good morning", bot=False)
            assert await send(session, bot.url, chatter) == 200
            typed = teams.chat_message(
                AVI, "complaint @Dana Levi billed us twice", [(DANA, NAMES[DANA])]
            )
            assert await send(session, bot.url, typed) == 200
            form = (await fake.wait_for(form_post, timeout=15)).body["attachments"][0]["content"]
            (save,) = [a for a in form["actions"] if a["verb"] == "submit:log"]
            answers = {"channel": ACME, "affected": DANA, "category": "billing", "severity": "high"}
            data = {**save["data"], **answers, "summary": "Twice"}
            lift = fake.delay(note_post, 30)
            assert (
                await send(session, bot.url, teams.invoke(AVI, "submit:log", data, personal=True))
                == 200
            )
            held = await fake.wait_for(note_post, timeout=15)
            assert held.ok
            bot.kill()
            lift()
            await bot.start()

            def answered() -> bool:  # the case opened, on a note, and its thread answered
                return any(len(fake.posted(ACME, reply_to=n["id"])) >= 2 for n in notes(fake))

            await bot.settled(session, answered, timeout=30)

    note = held.answer["activityId"]  # type: ignore[index]
    assert [n["id"] for n in notes(fake)] == [note]
    assert twice(fake) == {}
    replies = [activity_text(a) for a in fake.posted(ACME, reply_to=note)]
    assert sum("What happened?" in text for text in replies) == 1, replies
