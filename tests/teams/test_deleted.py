"""A client deletes a statement on Teams (`messageDelete`, Teams' soft delete, which
carries the message's id and no text): it leaves the case, its timeline, the card and the
card's thread; and `complaintbot erase` rewrites the thread's lines that quoted the person."""

from __future__ import annotations

import json
from pathlib import Path

from handlers.messages import text
from tests.bot.test_cli import run
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.harness import ACME, CLIENT, DANA, INTERNAL, TeamsBot
from tests.teams.test_adapter import open_case

SAID = "The invoice also shows the wrong date."
KEPT = "And the figures on page two are wrong."
ACCOUNT = "I sent the report on the Friday, as agreed. ACCOUNT-5521"


def deleted(bot: TeamsBot, root: str, message_id: str) -> dict[str, object]:
    conversation = {"id": f"{ACME};messageid={root}", "conversationType": "channel"}
    return bot.activity(
        CLIENT,
        conversation,
        type="messageDelete",
        id=message_id,
        channelData={"eventType": "softDeleteMessage", "channel": {"id": ACME}},
    )


async def test_a_deleted_statement_leaves_the_case_and_the_card(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    root = await open_case(bot)
    replies = [bot.channel_message(CLIENT, words, thread=root, bot=False) for words in (SAID, KEPT)]
    for reply in replies:
        assert (await bot.send(reply))[0] == 200
    await bot.settle()
    assert SAID in json.dumps(fake.posted(INTERNAL))  # the card shows the statement

    card = card_id(fake)
    notes = {str(a["id"]): a["text"] for a in fake.posted(INTERNAL, reply_to=card)}
    (said,) = [note for note, words in notes.items() if SAID in words]

    assert (await bot.send(deleted(bot, root, str(replies[0]["id"]))))[0] == 200
    await bot.settle()
    # Its line in the card's thread is rewritten in place (a PUT), and no other line.
    assert rewritten(fake, card) == [said]
    gone = text("en", "redacted.deleted")
    assert SAID not in note_now(fake, card, said) and gone in note_now(fake, card, said)
    others = {note: words for note, words in notes.items() if note != said}
    assert {note: note_now(fake, card, note) for note in others} == others
    (case,) = await bot.cases()
    statements = [s.text for s in case.client_statements]
    assert SAID not in statements and KEPT in statements  # only the deleted one goes
    assert text("en", "redacted.deleted") in statements
    timeline = await bot.runtime.store.timeline(case.id)  # type: ignore[union-attr]
    assert "message_deleted" in [e.kind for e in timeline]
    assert SAID not in json.dumps([e.detail for e in timeline])
    assert SAID not in json.dumps(fake.posted(INTERNAL))  # the card as Teams holds it now

    again = await bot.send(deleted(bot, root, str(replies[0]["id"])))  # Teams sends it again
    assert again[0] == 200
    await bot.settle()
    assert [e.kind for e in await bot.runtime.store.timeline(case.id)].count(  # type: ignore[union-attr]
        "message_deleted"
    ) == 1


def card_id(fake: FakeBotConnector) -> str:
    (card,) = fake.posted(INTERNAL)
    return str(card["id"])


def note_now(fake: FakeBotConnector, card: str, note: str) -> str:
    """A line of the card's thread as Teams holds it now."""
    activity = fake.activity(f"{INTERNAL};messageid={card}", note)
    assert activity
    return str(activity["text"])


def rewritten(fake: FakeBotConnector, card: str) -> list[str]:
    """The id of every activity updated in the internal channel but the card."""
    return [
        str(c.args["activity_id"])
        for c in fake.calls_to("update")
        if (c.conversation_id or "").startswith(INTERNAL) and c.args["activity_id"] != card
    ]


async def test_erase_rewrites_each_card_line_that_quoted_the_person_and_no_other(
    tmp_path: Path, fake: FakeBotConnector
) -> None:
    """`complaintbot erase` runs while the bot is stopped (TinyDB is one process's); the
    rewrites wait in the outbox and go out through the Connector when it is back."""
    bot = TeamsBot(tmp_path, fake)
    await bot.start()
    try:
        root = await open_case(bot)
        assert (await bot.send(bot.channel_message(CLIENT, SAID, thread=root, bot=False)))[0] == 200
        (case,) = await bot.cases()
        account = {"case_id": case.id, "account": ACCOUNT}
        assert (await bot.send(bot.invoke(DANA, "submit:account", account)))[0] == 200
        await bot.settle()
    finally:
        await bot.stop()
    card = card_id(fake)
    notes = {str(a["id"]): a["text"] for a in fake.posted(INTERNAL, reply_to=card)}
    (quoted,) = [note for note, words in notes.items() if ACCOUNT in words]
    assert [note for note, words in notes.items() if SAID in words]  # a line that stays

    directory = str(tmp_path / "complaintbot.toml")
    done = run(tmp_path, "erase", "--person", "dana", COMPLAINTBOT_DIRECTORY=directory)
    assert done.returncode == 0, done.stderr
    assert rewritten(fake, card) == []  # not yet: the outbox carries it out

    bot = TeamsBot(tmp_path, fake)
    await bot.start()
    try:
        await bot.settle()
    finally:
        await bot.stop()
    assert rewritten(fake, card) == [quoted]
    erased = text("en", "redacted.erased")
    assert ACCOUNT not in note_now(fake, card, quoted) and erased in note_now(fake, card, quoted)
    assert ACCOUNT not in json.dumps(fake.posted(INTERNAL))  # the card too
    others = {note: words for note, words in notes.items() if note != quoted}
    assert {note: note_now(fake, card, note) for note in others} == others
