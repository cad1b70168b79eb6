"""`/complaint mine` in the playground: a person's own cases, answered to them alone."""

from __future__ import annotations

from handlers.messages import text

from .conftest import Playground
from .test_api import open_case


async def test_mine_shows_dana_her_case_and_eli_none(playground: Playground) -> None:
    case_id = await open_case(playground)
    mine = await playground.say("dana", "internal", "/complaint mine")
    assert case_id in mine["notice"] and "The March report was two weeks late" in mine["notice"]
    theirs = await playground.say("eli", "internal", "/complaint mine")
    assert theirs["notice"] == text("en", "record.none")
    forged = await playground.say("eli", "internal", "/complaint mine @Dana Levi")
    assert forged["notice"] == text("en", "refuse.mine_own_only")
