"""End to end through Microsoft 365 Agents Playground: `complaintbot serve` (TEAMS_LOCAL=1,
the example directory) behind Microsoft's own Teams emulator, driven as its web client is.

A client @mentions the bot and an employee in the client's channel: the bot answers in
that message's thread (thanks, the questions, real mentions of the people included) and
posts the case card in the internal channel. The employee (any member may click) presses
the card's button for their account, fills in the form the bot answers, saves it, and the
card is updated in place with the account. What the Playground cannot do is in the
README's Teams section.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from handlers.messages import text as say
from tests.bot.test_cli import COMPLAINTBOT, environment, free_port, wait_until_listening
from tests.teams.agents_playground import MISSING, Playground, config, from_bot, installed, text_of
from tests.teams.harness import card_elements

pytestmark = pytest.mark.skipif(not installed(), reason=MISSING)

JSON = dict[str, Any]


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    port = free_port()
    log = (tmp_path / "serve.log").open("w", encoding="utf-8")
    bot = subprocess.Popen(
        [COMPLAINTBOT, "serve", "--port", str(port)],
        env=environment(tmp_path, TEAMS_LOCAL="1"),
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    emulator = Playground(tmp_path, f"http://127.0.0.1:{port}/api/messages", free_port())
    try:
        lines = await asyncio.to_thread(wait_until_listening, bot)
        assert any(line.startswith("teams: on, UNAUTHENTICATED") for line in lines)
        await emulator.start()
        yield emulator
    finally:
        await emulator.stop()
        bot.send_signal(signal.SIGTERM)
        try:
            assert await asyncio.to_thread(bot.wait, 20) == 0
        finally:
            if bot.poll() is None:
                bot.kill()
            log.close()


def mention(account: JSON) -> tuple[str, JSON]:
    """`<at>Name</at>` and its mention, as the web client builds them from what is typed."""
    tag = f"<at>{account['name']}</at>"
    return tag, {"mentioned": {"id": account["id"], "name": account["name"]}, "text": tag}


def action_titled(card: JSON, title: str) -> JSON:
    found = [a for a in card.get("actions") or () if a.get("title") == title]
    assert found, f"no {title!r} button on the card: {[a.get('title') for a in card['actions']]}"
    return dict(found[0])


async def test_a_client_mention_opens_a_case_and_an_account_updates_its_card_in_the_playground(
    playground: Playground,
) -> None:
    mock = config()
    bot = mock["bot"]
    client = mock["currentUser"]
    dana = next(user for user in mock["users"] if user["name"] == "Dana Levi")
    internal = mock["team"]["id"]  # its General channel: the directory's internal channel
    acme = mock["team"]["channels"][0]["id"]
    bot_tag, bot_mention = mention(bot)
    dana_tag, dana_mention = mention(dana)

    typed = f"{bot_tag} {dana_tag} never sent the report we were promised"
    posted = await playground.type(acme, client["id"], typed, [bot_mention, dana_mention])
    thread = posted["postConversationId"]  # the message's own thread

    thanks = await playground.shown(from_bot(bot["id"], "createMessage", thread, "C-0001"))
    assert "Thank you for raising this" in text_of(thanks)
    included = await playground.shown(from_bot(bot["id"], "createMessage", thread, "Included"))
    assert {"29:1dana", "29:1maya", "29:1avi"} <= {
        m["mentioned"]["id"] for m in included["message"]["mentions"]
    }  # real mentions, which Teams notifies
    card_post = await playground.shown(
        from_bot(bot["id"], "createMessage", internal, "Case C-0001 · Acme Corp")
    )
    card_id = card_post["message"]["messageId"]
    card_thread = card_post["message"]["postConversationId"]
    card = card_post["message"]["attachments"][0]["content"]

    # Dana sees her own card (Universal Actions' refresh), presses "Add my account" ...
    refreshed = await playground.click(dana["id"], card_thread, card_id, card["refresh"]["action"])
    shown_to_dana = refreshed["value"]
    add_account = say("en", "button.add_account")
    assert [a["title"] for a in shown_to_dana["actions"]] == [add_account]  # hers alone
    form = await playground.click(
        dana["id"], card_thread, card_id, action_titled(shown_to_dana, add_account)
    )
    assert form["type"] == "application/vnd.microsoft.card.adaptive"
    inputs = [e for e in card_elements(form["value"]["body"]) if e["type"] == "Input.Text"]
    assert [e["id"] for e in inputs] == ["account"]
    # ... and saves it: Teams sends the inputs' values in the action's data.
    save = action_titled(form["value"], say("en", "form.submit"))
    save["data"] = {**save["data"], "account": "I sent it on Monday, to the address they gave"}
    saved = await playground.click(dana["id"], card_thread, card_id, save)
    assert saved["type"] == "application/vnd.microsoft.card.adaptive"

    updated = await playground.shown(
        from_bot(bot["id"], "updateMessage", internal, "I sent it on Monday")
    )
    assert updated["message"]["messageId"] == card_id  # the same card, updated in place
    in_thread = [a for a in playground.seen if a.get("actionConversationId") == thread]
    assert not any("I sent it on Monday" in text_of(a) for a in in_thread)  # internal only
