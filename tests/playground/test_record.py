"""The people's record in the playground: `/complaint mine`, a person's own cases answered to
them alone; an erasure rewrites the card's thread."""

from __future__ import annotations

from pathlib import Path

from bot.erasure import erase
from bot.playground.workspace import Message
from handlers.directory import Actor
from handlers.messages import text

from .conftest import Playground
from .test_api import open_case

ACCOUNT = "I replied on the 3rd, with the draft attached. ACCOUNT-5521"


async def test_mine_shows_dana_her_case_and_eli_none(playground: Playground) -> None:
    case_id = await open_case(playground)
    mine = await playground.say("dana", "internal", "/complaint mine")
    assert case_id in mine["notice"] and "The March report was two weeks late" in mine["notice"]
    theirs = await playground.say("eli", "internal", "/complaint mine")
    assert theirs["notice"] == text("en", "record.none")
    forged = await playground.say("eli", "internal", "/complaint mine @Dana Levi")
    assert forged["notice"] == text("en", "refuse.mine_own_only")


async def test_erase_rewrites_the_card_lines_that_quoted_the_person_after_a_restart(
    tmp_path: Path,
) -> None:
    """The rebuilt thread keeps each line's id (its ref), so an erasure after a restart
    finds and rewrites the line that quoted Dana, and no other."""
    first = await Playground(tmp_path).start()
    try:
        case_id = await open_case(first)
        await first.step("dana", "account", case_id, account=ACCOUNT)
        before = {m.id: m.text for m in thread_of(first, case_id)}
    finally:
        await first.stop()
    (quoted,) = [id_ for id_, words in before.items() if ACCOUNT in words]

    second = await Playground(tmp_path).start()
    try:
        assert {m.id: m.text for m in thread_of(second, case_id)} == before
        by = Actor("cli", "ops", "privacy@firm")
        assert await erase(second.runtime.service, "person", "dana", by)
        await second.settle()
        now = {m.id: m.text for m in thread_of(second, case_id)}
    finally:
        await second.stop()
    assert ACCOUNT not in now[quoted] and text("en", "redacted.erased") in now[quoted]
    assert {i: now[i] for i in before if i != quoted} == {
        i: words for i, words in before.items() if i != quoted
    }


def thread_of(playground: Playground, case_id: str) -> list[Message]:
    """The lines of the case card's thread."""
    return playground.adapter.workspace.replies(f"card-{case_id}")
