"""What a Slack message says reaches the case as the words its writer saw, and forms carry
ids, never text."""

from __future__ import annotations

import json

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ACME, AVI, CLIENT, SlackBot, fill
from tests.slack.test_triggers import mention_event, message_event
from tests.slackkit.signing import user_message

ROOT = "1763950000.000100"


async def test_a_mention_in_a_reply_reads_as_words_and_adds_nobody(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    await bot.event(mention_event(ROOT, "<@UBOT> the report was late, <@U0DANA> never answered"))
    await bot.settle()
    reply = message_event("1763950001.000100", "and <@U0RON> ignored us too", thread_ts=ROOT)
    assert (await bot.event(reply)).status == 200
    await bot.settle()
    case = await bot.only_case()
    assert case.client_statements[0].text == "the report was late, @Dana Levi never answered"
    assert case.client_statements[-1].text == "and @Ron Bar ignored us too"
    assert case.affected == ("dana",)


async def test_a_bare_mention_under_a_message_opens_its_case_on_that_message(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    fake.add_message(ACME, "the invoice is wrong again, <@U0DANA> knows", user=CLIENT, ts=ROOT)
    bare = mention_event("1763950002.000100", "<@UBOT>", user=AVI) | {"thread_ts": ROOT}
    assert (await bot.event(bare)).status == 200
    await bot.settle()
    case = await bot.only_case()
    assert case.source.message_id == ROOT
    assert case.raised_by.user_id == CLIENT and case.affected == ("dana",)
    assert case.summary == "the invoice is wrong again, @Dana Levi knows"


async def test_a_bare_mention_on_its_own_opens_nothing_and_says_how(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    assert (await bot.event(mention_event(ROOT, "<@UBOT>"))).status == 200
    await bot.settle()
    assert await bot.cases() == []
    told = [c.params["text"] for c in fake.calls_to("chat.postEphemeral")]
    assert told and "Tell me what happened" in told[0]


async def test_the_slash_command_tells_back_a_name_it_does_not_know(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    response = await bot.command("<@U0STRANGER|zed> and <@U0DANA|dana> were late", AVI, ACME)
    assert response.status == 200
    assert "is not in the directory" in (await response.text())
    await bot.idle()
    view = fake.calls_to("views.open")[-1].params["view"]
    people = [b for b in view["blocks"] if b.get("block_id") == "affected"]
    assert people and people[0]["element"].get("initial_users") == ["U0DANA"]


async def test_a_long_hebrew_message_opens_through_the_shortcut_and_the_form_holds_ids_only(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    words = "הדוח איחר שוב 😡 " * 40  # 680 characters, each JSON-escaped to six
    fake.add_message(ACME, words, user=CLIENT, ts=ROOT)
    message = user_message(words, user_id=CLIENT, ts=ROOT)
    assert (await bot.shortcut(message, AVI, ACME)).status == 200
    await bot.idle()
    hidden = fake.calls_to("views.open")[-1].params["view"]["private_metadata"]
    assert len(hidden) < 300 and "text" not in json.loads(hidden)
    assert await fill(bot, "open_case", {}, AVI) is None
    await bot.settle()
    case = await bot.only_case()
    assert case.client_statements[0].text == words.strip()
