"""A client's abusive reply, on every adapter: flagged inside, supported, never shown to the client.

The example directory: Dana (named) reports to Maya, who reports to Ron, the only lead;
Avi is Acme's account manager.
"""

from __future__ import annotations

from tests.scenarios.drivers import Driver
from tests.scenarios.test_flow import CLIENT, having, open_case, say

ABUSIVE = "Dana is an idiot and you are all morons. Fix it."


async def test_an_abusive_reply_is_flagged_inside_and_the_client_sees_nothing_of_it(
    driver: Driver,
) -> None:
    case_id = await open_case(driver)
    before = await driver.client_thread(case_id)
    await driver.reply_in_thread(case_id, ABUSIVE, as_=CLIENT)
    await driver.settle()

    case = await driver.case(case_id)
    assert case.abuse_flagged and case.client_statements[-1].text == ABUSIVE
    # In the client thread: the client's own message, and nothing from the bot about it.
    assert await driver.client_thread(case_id) == [*before, ABUSIVE]

    alert = say(
        "dm.abuse_detected",
        case_id=case_id,
        client="Acme Corp",
        employees="Dana Levi",
        terms="idiot, morons",
    )
    assert having(await driver.dms("maya"), alert)
    assert having(await driver.dms("ron"), alert)
    support = say("dm.abuse_support", case_id=case_id, client="Acme Corp")
    assert having(await driver.dms("dana"), support)
    assert not having(await driver.dms("avi"), case_id, "abusive")
    internal = await driver.internal_texts(case_id)
    assert having(internal, say("card.abuse")), internal
    assert having(internal, "abusive toward staff: idiot, morons"), internal
