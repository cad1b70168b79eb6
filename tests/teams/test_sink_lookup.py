"""Before posting again what may already be on Teams, the sink reads the place back through
Graph (the fake's Graph routes, over loopback): what arrived is found and not posted again,
what did not is posted, in a long thread too (Graph pages it); a message that only says
the same as one the lane posted before is not taken for it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from bot.sink import Attempt
from bot.teams.graph import PAGE
from bot.teams.sink import CARD_REF, POST_REF, TeamsSink
from handlers.effects import CardNote, CardUpdate, ClientThreadPost, DirectMessage, note_ref
from handlers.model import Case
from tests.fakes.bot_connector import Call, FakeBotConnector
from tests.teams.harness import ACME, CLIENT, DANA, INTERNAL, NAMES, TeamsBot

COMPLAINT = "the report was late again, @Dana Levi never answered"
GROUP_CHAT = "19:acme-group@thread.v2"


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeBotConnector) -> AsyncIterator[TeamsBot]:
    """The bot with Graph at the fake's (no app id, so Graph calls carry no token either)."""
    harness = TeamsBot(tmp_path, fake, env={"MICROSOFT_GRAPH_URL": fake.graph_url})
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def open_case(bot: TeamsBot, words: str = COMPLAINT) -> Case:
    message = bot.channel_message(CLIENT, words, [(DANA, NAMES[DANA])])
    status, _ = await bot.send(message)
    assert status == 200
    await bot.settle()
    return next(c for c in await bot.cases() if c.source.message_id == message["id"])


def sends(fake: FakeBotConnector, conversation: str) -> list[Call]:
    return [c for c in fake.successful_calls("send") if c.conversation_id == conversation]


def sink_of(bot: TeamsBot) -> TeamsSink:
    return bot.adapter.sink


async def test_a_reply_far_down_a_long_thread_is_found_and_not_posted_again(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    case = await open_case(bot)
    root = case.source.message_id
    thread = f"{ACME};messageid={root}"
    effect = ClientThreadPost(case.id, "We are on it.")
    first = await sink_of(bot).deliver(effect, case, Attempt(f"{case.id}/7"))
    for n in range(2 * PAGE + 20):  # newer replies push it to Graph's third page
        bot.channel_message(CLIENT, f"reply {n}", thread=root, bot=False)
    fake.clear()

    again = await sink_of(bot).deliver(effect, case, Attempt(f"{case.id}/7", maybe_sent=True))

    assert again == first
    assert len(sends(fake, thread)) == 0
    assert len(fake.calls_to("graph_replies")) == 3, "read down to the third page"
    assert len([a for a in fake.posted(ACME, reply_to=root) if "We are on it." in a["text"]]) == 1

    # Not posted before: posted. Said again by the lane later: posted again, not "found".
    other = ClientThreadPost(case.id, "Next.")
    later = await sink_of(bot).deliver(
        other, case, Attempt(f"{case.id}/8", maybe_sent=True, refs=first)
    )
    assert later[POST_REF + f"{case.id}/8"] not in first.values()
    refs = {**first, **later}
    repeated = await sink_of(bot).deliver(
        effect, case, Attempt(f"{case.id}/9", maybe_sent=True, refs=refs)
    )
    assert repeated[POST_REF + f"{case.id}/9"] not in first.values()
    assert len(sends(fake, thread)) == 2
    assert len([a for a in fake.posted(ACME, reply_to=root) if "We are on it." in a["text"]]) == 2


async def test_the_card_is_found_by_its_case_among_other_cases_cards(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    first = await open_case(bot)
    second = await open_case(bot, "the invoice was wrong, @Dana Levi")
    store = bot.runtime.store  # type: ignore[union-attr]
    card, other_card = (
        await store.get_ref(first.id, CARD_REF),
        await store.get_ref(second.id, CARD_REF),
    )
    assert card and other_card and card != other_card
    fake.clear()

    # The first case's card post reached Teams, its receipt was lost: no ref names it.
    found = await sink_of(bot).deliver(CardUpdate(first.id), first, Attempt("k1", maybe_sent=True))

    assert found[CARD_REF] == card
    assert sends(fake, INTERNAL) == []

    # A card that is gone (deleted in Teams) is posted anew, not "found" again.
    async with aiohttp.ClientSession() as http:
        url = f"{fake.service_url}v3/conversations/{INTERNAL}/activities/{card}"
        async with http.delete(url) as response:
            assert response.status == 200
    posted = await sink_of(bot).deliver(
        CardUpdate(first.id), first, Attempt("k2", maybe_sent=True, refs={CARD_REF: card})
    )
    assert posted[CARD_REF] not in (card, other_card)
    assert len(sends(fake, INTERNAL)) == 1


async def test_a_note_in_the_cards_thread_is_found_and_a_new_one_posted(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    case = await open_case(bot)
    card = await bot.runtime.store.get_ref(case.id, CARD_REF)  # type: ignore[union-attr]
    assert card
    thread = f"{INTERNAL};messageid={card}"
    note = CardNote(case.id, "Avi called the client.", event="e-41")
    refs = {CARD_REF: card}
    posted = await sink_of(bot).deliver(note, case, Attempt("n1", refs=refs))
    fake.clear()

    again = await sink_of(bot).deliver(note, case, Attempt("n1", maybe_sent=True, refs=refs))

    assert again == posted
    assert sends(fake, thread) == []
    refs |= posted
    said_again = CardNote(case.id, "Avi called the client.", event="e-42")
    new = await sink_of(bot).deliver(said_again, case, Attempt("n2", maybe_sent=True, refs=refs))
    assert new[note_ref("e-42")] != posted[note_ref("e-41")]
    assert len(sends(fake, thread)) == 1


async def test_in_a_group_chat_a_post_naming_its_case_newer_than_the_lanes_last_is_found(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    case = await open_case(bot)
    fake.add_conversation(GROUP_CHAT, [(CLIENT, "Carol Client")])
    source = bot.next_id()
    fake.add_message(GROUP_CHAT, {"id": source, "type": "message", "text": "late again"})
    in_chat = replace(case, source=replace(case.source, channel=GROUP_CHAT, message_id=source))
    effect = ClientThreadPost(case.id, f"Update on case {case.id}: we are on it.")
    first = await sink_of(bot).deliver(effect, in_chat, Attempt("g1"))
    fake.clear()

    again = await sink_of(bot).deliver(effect, in_chat, Attempt("g1", maybe_sent=True))

    assert again == first
    assert sends(fake, GROUP_CHAT) == []
    assert fake.calls_to("graph_chat_messages")[0].query["$orderby"] == "createdDateTime desc"
    later = await sink_of(bot).deliver(effect, in_chat, Attempt("g2", maybe_sent=True, refs=first))
    assert later[POST_REF + "g2"] != first[POST_REF + "g1"]
    assert len(sends(fake, GROUP_CHAT)) == 1

    # Words that do not name the case could be another case's there: posted again.
    unnamed = ClientThreadPost(case.id, "Included in this case: Dana Levi.")
    refs = {**first, **later}
    await sink_of(bot).deliver(unnamed, in_chat, Attempt("g3", refs=refs))
    fake.clear()
    await sink_of(bot).deliver(unnamed, in_chat, Attempt("g3", maybe_sent=True, refs=refs))
    assert fake.calls_to("graph_chat_messages") == []
    assert len(sends(fake, GROUP_CHAT)) == 1


async def test_without_consent_it_is_posted_again_and_says_why(
    bot: TeamsBot, fake: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    case = await open_case(bot)
    thread = f"{ACME};messageid={case.source.message_id}"
    effect = ClientThreadPost(case.id, "We are on it.")
    fake.clear()
    await sink_of(bot).deliver(effect, case, Attempt("c1"))
    fake.graph_consent = False

    with caplog.at_level(logging.WARNING, logger="bot.teams.sink"):
        await sink_of(bot).deliver(effect, case, Attempt("c1", maybe_sent=True))

    assert len(sends(fake, thread)) == 2
    assert [c.status for c in fake.calls_to("graph_replies")] == [403]
    assert "HTTP 403" in caplog.text and "posted again" in caplog.text


async def test_a_dm_is_never_looked_for(bot: TeamsBot, fake: FakeBotConnector) -> None:
    case = await open_case(bot)
    fake.clear()
    effect = DirectMessage(case.id, "dana", "Please look at this case.")

    await sink_of(bot).deliver(effect, case, Attempt("d1", maybe_sent=True))

    assert [c.route for c in fake.calls if c.route.startswith("graph")] == []
    assert len(fake.successful_calls("send")) == 1


async def test_with_no_graph_a_post_that_may_be_there_is_posted_again(
    tmp_path: Path, fake: FakeBotConnector
) -> None:
    harness = TeamsBot(tmp_path, fake)  # TEAMS_LOCAL=1, no MICROSOFT_GRAPH_URL
    await harness.start()
    try:
        case = await open_case(harness)
        effect = ClientThreadPost(case.id, "We are on it.")
        await sink_of(harness).deliver(effect, case, Attempt("x1"))
        await sink_of(harness).deliver(effect, case, Attempt("x1", maybe_sent=True))
    finally:
        await harness.stop()
    thread = f"{ACME};messageid={case.source.message_id}"
    assert len(sends(fake, thread)) == 2 + 2  # the case's own two replies, then these two
    assert [c.route for c in fake.calls if c.route.startswith("graph")] == []


async def test_a_logged_complaints_note_is_found_until_a_case_opens_on_it(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    await open_case(bot)  # Teams has named Acme's channel's team
    sink, reach = sink_of(bot), bot.adapter.reach
    note = sink.message("Avi Katz logged a complaint here for follow-up.")
    since = int(bot.next_id())
    fake.clear()

    first = await sink.anchor("teams:f:1", reach, ACME, note, since)
    again = await sink.anchor("teams:f:1", reach, ACME, note, since)

    assert again == first
    assert len(fake.successful_calls("create_conversation")) == 1
    # Once a case is open on it, it is that case's: the same words are posted anew.
    opened = await bot.cases()
    store = bot.runtime.store  # type: ignore[union-attr]
    await store.create_case(  # as `open_logged` opens it, on the note
        replace(opened[0], id="C-0099", source=replace(opened[0].source, message_id=first)),
        [],
        [],
    )
    other = await sink.anchor("teams:f:2", reach, ACME, note, since)
    assert other != first
    assert len(fake.successful_calls("create_conversation")) == 2
