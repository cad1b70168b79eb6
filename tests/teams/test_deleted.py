"""A client deletes a statement on Teams (`messageDelete`, Teams' soft delete, which
carries the message's id and no text): it leaves the case, its timeline and the card."""

from __future__ import annotations

import json

from handlers.messages import text
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.harness import ACME, CLIENT, INTERNAL, TeamsBot
from tests.teams.test_adapter import open_case

SAID = "The invoice also shows the wrong date."
KEPT = "And the figures on page two are wrong."


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

    assert (await bot.send(deleted(bot, root, str(replies[0]["id"]))))[0] == 200
    await bot.settle()
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
