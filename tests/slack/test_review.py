"""`/review` and the App Home on Slack, end to end: signed requests into the running bot,
on the example firm's seeded history (tests/history.py, through the real core), and
what reached the fake Slack Web API."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.chart import draw
from bot.review import load_trend
from handlers.directory import Directory
from handlers.directory_file import load_directory
from handlers.messages import plain, text
from handlers.review_request import ReviewRequest
from storage.tinydb_store import TinyDBStore
from tests.fakes.slack_api import Call, FakeSlackAPI, ServerError, SlackError
from tests.history import NOW, seed_firm
from tests.slack.checks import blocks_text
from tests.slack.harness import SlackBot

EXAMPLE = Path(__file__).resolve().parents[2] / "complaintbot.example.toml"
INTERNAL, RON, MAYA, DANA = "C0INTERNAL", "U0RON", "U0MAYA", "U0DANA"
WRITES = ("chat.postMessage", "chat.update", "chat.postEphemeral", "files.completeUploadExternal")


def firm(language: str) -> str:
    return EXAMPLE.read_text(encoding="utf-8").replace(
        'language = "en"', f'language = "{language}"'
    )


async def seed(root: Path, directory: Directory) -> None:
    """The firm's history in the bot's store, its messages long since delivered."""
    store = TinyDBStore(root / "data" / "complaintbot.json")
    await store.open()
    try:
        await seed_firm(store, directory)
        far = NOW.replace(year=NOW.year + 1)
        while items := await store.claim_effects(far, limit=500):
            await store.complete_effects([(item.id, {}) for item in items])
    finally:
        await store.close()


def workspace(fake: FakeSlackAPI, directory: Directory) -> None:
    people = [p.platform_id("slack") for p in directory.people.values()]
    for person, user in zip(directory.people.values(), people, strict=True):
        fake.add_user(str(user), person.id)
    fake.add_channel(INTERNAL, "complaints", members=[str(u) for u in people])
    for client in directory.clients.values():
        for channel in client.channels("slack"):
            fake.add_channel(channel, client.id)


@pytest.fixture(params=["en"])
async def bot(
    request: pytest.FixtureRequest, tmp_path: Path, fake: FakeSlackAPI
) -> AsyncIterator[SlackBot]:
    source = firm(request.param)
    (tmp_path / "firm.toml").write_text(source, encoding="utf-8")
    directory = load_directory(tmp_path / "firm.toml")
    workspace(fake, directory)
    await seed(tmp_path, directory)
    harness = SlackBot(tmp_path, fake, clock=lambda: NOW, directory=source)
    await harness.start()
    fake.clear()
    try:
        yield harness
    finally:
        await harness.stop()


async def review(bot: SlackBot, words: str, user: str = RON, channel: str = INTERNAL) -> None:
    response = await bot.command(words, user, channel, name="/review")
    assert response.status == 200
    await bot.idle()


def writes(fake: FakeSlackAPI) -> list[Call]:
    return [c for c in fake.calls if c.method in WRITES]


def answer(fake: FakeSlackAPI, user: str = RON) -> Call:
    """The one ephemeral the review answered with."""
    [shown] = [c for c in fake.calls if c.method == "chat.postEphemeral"]
    assert shown.ok and shown.params["user"] == user and shown.params["channel"] == INTERNAL
    return shown


def headers(call: Call) -> list[str]:
    return [b["text"]["text"] for b in call.params["blocks"] if b["type"] == "header"]


def en(key: str, **params: Any) -> str:
    return plain(text("en", key, **params), str)


async def expected_chart(bot: SlackBot, request: ReviewRequest) -> bytes:
    assert bot.runtime
    trend = await load_trend(bot.runtime.store, bot.runtime.directory, request, NOW)
    assert trend is not None
    return draw(trend).png


def uploaded(fake: FakeSlackAPI) -> bytes:
    """The one chart uploaded, shared in the lead's DM with the bot."""
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.ok and complete.params["channel_id"] == fake.dm_id(RON)
    [file] = complete.params["files"]
    upload = fake.uploads[file["id"]]
    assert upload.shared_in == fake.dm_id(RON) and upload.data is not None
    assert fake.calls_to("upload") and fake.calls_to("files.getUploadURLExternal")
    return upload.data


async def test_the_portfolio_with_its_chart(bot: SlackBot, fake: FakeSlackAPI) -> None:
    await review(bot, "")
    shown = answer(fake)
    assert headers(shown) == [
        en("review.title.portfolio", days=90),
        en("review.title.open", count=5),
    ]
    body = blocks_text(shown.params["blocks"])
    assert body.index("*Globex*") < body.index("*Initech*") < body.index("*Acme Corp*")
    assert "Fit: consider parting ways (Score 0.45)" in body
    assert len(shown.params["blocks"]) <= 50

    png = uploaded(fake)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] == 800
    assert png == await expected_chart(bot, ReviewRequest("portfolio"))  # the firm's data
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.params["initial_comment"] == en("review.chart.title", days=90)
    # The ephemeral and the chart in the lead's DM: nothing went anywhere else.
    assert {c.params.get("channel") or c.params.get("channel_id") for c in writes(fake)} == {
        INTERNAL,
        fake.dm_id(RON),
    }


async def test_one_client_with_its_fit_and_chart(bot: SlackBot, fake: FakeSlackAPI) -> None:
    await review(bot, "client Globex")
    body = blocks_text(answer(fake).params["blocks"])
    assert headers(answer(fake)) == [en("review.title.client", client="Globex", days=90)]
    for part in ("Valid complaints", "Not-right complaints", "Abusive incidents"):
        assert f"*{part}*:" in body
    assert "Weight 2.00" in body and "Recommendation: Consider parting ways" in body
    assert "weekend support" in body  # a change request
    assert uploaded(fake) == await expected_chart(bot, ReviewRequest("client", "globex"))


async def test_one_person_by_mention_pings_nobody(bot: SlackBot, fake: FakeSlackAPI) -> None:
    await review(bot, f"person <@{DANA}|dana>")
    shown = answer(fake)
    assert headers(shown) == [en("review.title.person", person="Dana Levi", days=90)]
    body = blocks_text(shown.params["blocks"])
    assert "backed by Maya Cohen, their manager" in body and "Support needed" in body
    assert "<@" not in json.dumps(shown.params)  # people by name: a review pings nobody
    assert not fake.calls_to("files.getUploadURLExternal")  # no chart for a person


async def test_a_person_by_first_name_and_a_command_from_a_dm(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    """Typed in a DM with someone else, where the bot cannot answer: the lead gets it by DM."""
    await review(bot, "person @Dana", channel="D0OTHERS")
    [refused, sent] = writes(fake)
    assert refused.method == "chat.postEphemeral" and refused.answer == {
        "ok": False,
        "error": "channel_not_found",
    }
    assert sent.method == "chat.postMessage" and sent.ok and sent.params["channel"] == RON
    assert headers(sent) == [en("review.title.person", person="Dana Levi", days=90)]


@pytest.mark.parametrize(
    ("words", "title"),
    [
        ("open", en("review.title.open", count=5)),
        ("changes", en("review.title.changes", days=90)),
    ],
)
async def test_the_open_cases_and_the_change_requests(
    bot: SlackBot, fake: FakeSlackAPI, words: str, title: str
) -> None:
    await review(bot, words)
    assert headers(answer(fake)) == [title]
    assert not fake.calls_to("files.getUploadURLExternal")


async def test_anyone_but_a_lead_is_refused_with_no_data(bot: SlackBot, fake: FakeSlackAPI) -> None:
    for words in ("", "client globex", f"person <@{DANA}>"):
        fake.clear()
        await review(bot, words, user=MAYA)
        [refusal] = writes(fake)
        assert refusal.method == "chat.postEphemeral" and refusal.params["user"] == MAYA
        assert refusal.params["text"] == en("refuse.review_leads_only")
        assert "blocks" not in refusal.params
        assert not fake.calls_to("files.getUploadURLExternal")


async def test_bad_words_get_the_usage_and_the_nearest_names(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    await review(bot, "client globx")
    [told] = writes(fake)
    assert told.method == "chat.postEphemeral" and told.params["user"] == RON
    lines = told.params["text"].splitlines()
    assert lines == [
        en("refuse.review_unknown_client", name="globx"),
        en("review.did_you_mean", names="Globex (globex)"),
        en("usage.review"),
    ]
    fake.clear()
    await review(bot, "persn dana")
    [told] = writes(fake)
    assert "review person" in told.params["text"] and en("usage.review") in told.params["text"]
    fake.clear()
    await review(bot, "person Dena")  # the nearest people by name: nobody is pinged
    [told] = writes(fake)
    assert en("review.did_you_mean", names="Dana Levi, Noa Shapiro") in told.params["text"]


@pytest.mark.parametrize(
    ("step", "failure"),
    [
        ("files.getUploadURLExternal", SlackError("file_uploads_disabled")),
        ("upload", ServerError(500)),  # the upload URL itself
    ],
)
async def test_a_chart_slack_refuses_is_said_and_the_review_stands(
    bot: SlackBot, fake: FakeSlackAPI, step: str, failure: SlackError | ServerError
) -> None:
    fake.fail_next(step, failure)
    await review(bot, "")
    ephemerals = [c for c in fake.calls if c.method == "chat.postEphemeral"]
    assert [bool(c.params.get("blocks")) for c in ephemerals] == [True, False]
    assert ephemerals[1].params["text"] == en("review.chart_failed")
    assert not fake.calls_to("files.completeUploadExternal")


def home_opened(user: str, tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab}


async def test_the_app_home_shows_a_lead_the_portfolio(bot: SlackBot, fake: FakeSlackAPI) -> None:
    assert (await bot.event(home_opened(RON))).status == 200
    home = fake.homes[RON]
    assert home["type"] == "home"
    assert home["blocks"][0]["text"]["text"] == en("review.title.portfolio", days=90)
    assert "*Globex*" in blocks_text(home["blocks"])


async def test_the_app_home_of_anyone_else_has_no_data(bot: SlackBot, fake: FakeSlackAPI) -> None:
    assert (await bot.event(home_opened(MAYA))).status == 200
    home = fake.homes[MAYA]
    assert home["blocks"][0]["text"]["text"] == en("refuse.review_leads_only")
    assert "Globex" not in blocks_text(home["blocks"])  # nobody's review, Maya's record only
    assert (await bot.event(home_opened(DANA, tab="messages"))).status == 200
    assert DANA not in fake.homes  # the Messages tab is not the Home


@pytest.mark.parametrize("bot", ["he"], indirect=True)
async def test_in_hebrew(bot: SlackBot, fake: FakeSlackAPI) -> None:
    await review(bot, "")
    shown = answer(fake)
    title = plain(text("he", "review.title.portfolio", days=90), str)
    assert headers(shown)[0] == title
    clients = plain(text("he", "review.label.clients"), str)
    assert f"*{clients}*" in blocks_text(shown.params["blocks"])
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.params["initial_comment"] == plain(
        text("he", "review.chart.title", days=90), str
    )
    assert Image.open(io.BytesIO(uploaded(fake))).format == "PNG"
    await bot.event(home_opened(MAYA))
    assert fake.homes[MAYA]["blocks"][0]["text"]["text"] == text("he", "refuse.review_leads_only")


async def test_the_app_home_shows_each_person_their_own_record(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    assert (await bot.event(home_opened(DANA))).status == 200
    blocks = fake.homes[DANA]["blocks"]
    assert blocks[0]["text"]["text"] == en("refuse.review_leads_only")
    assert blocks[1] == {"type": "divider"}
    record = blocks_text(blocks[2:])
    assert record.startswith("*Your record")
    store = bot.runtime.store if bot.runtime else None
    assert store is not None
    named = [c.id for c in await store.cases_of_person("dana") if "dana" in c.affected]
    assert named and all(case_id in record for case_id in named)
    assert (await bot.event(home_opened(RON))).status == 200
    lead = fake.homes[RON]["blocks"]
    assert lead[0]["text"]["text"] == en("review.title.portfolio", days=90)
    assert {"type": "divider"} in lead  # the portfolio, then Ron's own record
