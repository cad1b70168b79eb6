"""`review ...` on Teams end to end: the seeded firm (tests/history.py) in the store, the
bot's clock at its "now", activities shaped as Teams sends them, answers through the fake
Bot Connector. A lead gets each view as a card in their 1:1 chat with the bot, also when
they ask by @mentioning the bot in a channel; anyone else gets the polite refusal there;
nothing reaches a channel. (The seeded cases are Slack's, so their own effects wait for a
Slack that is off here: the tests wait for the bot's answer, not for the outbox.)"""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from handlers.directory_file import load_directory
from handlers.messages import text
from storage.tinydb_store import TinyDBStore
from tests.fakes.bot_connector import FakeBotConnector
from tests.history import NOW, seed_firm
from tests.teams.harness import TeamsBot, activity_text, card_texts, shown_html
from tests.teams.test_review_cards import EXAMPLE, assert_valid_review_card

JSON = dict[str, Any]
RON, AVI, DANA = "29:1ron", "29:1avi", "29:1dana"  # as the example directory has them
ACME, INTERNAL = "19:acme@thread.tacv2", "19:abc@thread.tacv2"
NAMES = {RON: "Ron Bar", AVI: "Avi Katz", DANA: "Dana Levi"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector(anonymous=True) as connector:
        connector.add_conversation(ACME, [("29:carol", "Carol Client"), (AVI, NAMES[AVI])])
        connector.add_conversation(INTERNAL, list(NAMES.items()))
        yield connector


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeBotConnector) -> AsyncIterator[TeamsBot]:
    store = TinyDBStore(str(tmp_path / "data" / "complaintbot.json"))
    await store.open()
    await seed_firm(store, load_directory(EXAMPLE))
    await store.close()
    harness = TeamsBot(
        tmp_path,
        fake,
        directory=EXAMPLE.read_text(encoding="utf-8"),
        names=NAMES,
        env={"COMPLAINTBOT_CLOCK_START": NOW.isoformat()},
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def cards_of(activities: list[JSON]) -> list[JSON]:
    return [a["content"] for activity in activities for a in activity.get("attachments") or ()]


async def ask(bot: TeamsBot, fake: FakeBotConnector, sender: str, words: str) -> list[JSON]:
    """`words` in the sender's 1:1 chat; what the bot posted there since."""
    before = len(fake.posted(sender))
    status, _ = await bot.send(bot.chat_message(sender, words, [(DANA, NAMES[DANA])]))
    assert status == 200  # the answer is out once the bot has answered (`send` drains it)
    return fake.posted(sender)[before:]


@pytest.mark.parametrize(
    ("words", "title"),
    [
        ("review", "Portfolio review · last 90 days"),
        ("review client Globex", "Globex · last 90 days"),
        ("review person @Dana Levi", "Dana Levi · last 90 days"),
        ("review open", "Open cases (5)"),
        ("review changes", "Change requests by theme · last 90 days"),
    ],
)
async def test_a_lead_gets_each_review_as_a_card_in_their_chat(
    bot: TeamsBot, fake: FakeBotConnector, words: str, title: str
) -> None:
    (answer,) = await ask(bot, fake, RON, words)
    (card,) = cards_of([answer])
    assert_valid_review_card(card)
    assert card_texts(card)[0] == title
    assert fake.posted(ACME) == [] and fake.posted(INTERNAL) == []
    images = [e for e in card["body"] if e["type"] == "Image"]
    if words in ("review", "review client Globex"):  # where the trend chart helps
        (image,) = images
        assert card["body"][1] is image  # under the title
        assert image["altText"].startswith("Cases per client per month, by verdict")
        prefix, _, data = image["url"].partition(",")
        assert prefix == "data:image/png;base64"
        with Image.open(io.BytesIO(base64.b64decode(data))) as png:
            assert png.format == "PNG" and png.width >= 600
    else:
        assert images == []


async def test_the_client_card_on_teams_shows_the_fit_and_the_recommendation(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    (answer,) = await ask(bot, fake, RON, "review client globex")
    shown = activity_text(answer)
    assert "Consider parting ways: this client may be better served by another provider." in shown
    assert "Not-right complaints\n0.33\n2\n0.08" in shown


async def test_a_non_lead_is_refused_in_their_chat_and_sees_no_data(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    (answer,) = await ask(bot, fake, AVI, "review client Globex")
    assert shown_html(answer["text"]) == text("en", "refuse.review_leads_only")
    assert not answer.get("attachments")
    assert fake.posted(RON) == [] and fake.posted(ACME) == []


async def test_bad_words_get_the_usage_and_the_nearest_names(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    (answer,) = await ask(bot, fake, RON, "review client Globx")
    lines = shown_html(answer["text"]).split("\n")
    assert lines == [
        "There is no client Globx in the directory.",
        "Did you mean: Globex (globex)?",
        text("en", "usage.review"),
    ]


@pytest.mark.parametrize("channel", [ACME, INTERNAL])
async def test_a_mention_in_a_channel_is_answered_in_the_leads_chat_alone(
    bot: TeamsBot, fake: FakeBotConnector, channel: str
) -> None:
    message = bot.channel_message(RON, "review open", channel=channel)
    status, _ = await bot.send(message)
    assert status == 200  # the answer is out once the bot has answered (`send` drains it)
    (answer,) = fake.posted(RON)
    assert card_texts(cards_of([answer])[0])[0] == "Open cases (5)"
    assert fake.posted(channel) == [] and fake.posted(channel, reply_to=message["id"]) == []
    assert [c for c in await bot.cases() if c.source.platform == "teams"] == []  # no case


async def test_a_non_lead_mention_in_the_internal_channel_is_refused_in_their_chat(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    status, _ = await bot.send(bot.channel_message(AVI, "review", channel=INTERNAL))
    assert status == 200  # the answer is out once the bot has answered (`send` drains it)
    (answer,) = fake.posted(AVI)
    assert shown_html(answer["text"]) == text("en", "refuse.review_leads_only")
    assert fake.posted(INTERNAL) == []
