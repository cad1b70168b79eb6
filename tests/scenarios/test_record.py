"""The people's record, written once against the Driver and run on every adapter: an
erasure takes a person's words out of the card and out of the lines of its thread."""

from __future__ import annotations

from tests.scenarios.drivers import Driver
from tests.scenarios.test_flow import ACCOUNT, CLIENT, STATEMENT, having, open_case, say, step


async def test_an_erasure_rewrites_the_card_and_the_lines_that_quoted_the_person(
    driver: Driver,
) -> None:
    case_id = await open_case(driver)
    await driver.reply_in_thread(case_id, STATEMENT, as_=CLIENT)
    await step(driver, "dana", "account", case_id, account=ACCOUNT)
    before = await driver.internal_texts(case_id)
    assert len(having(before, ACCOUNT)) == 2, before  # the card, and the line of her account

    await driver.erase("person", "dana")
    after = await driver.internal_texts(case_id)
    assert having(after, ACCOUNT) == [], after
    assert len(having(after, say("redacted.erased"))) == 2, after
    # Rewritten in place: the same lines, and one more (who erased whose words); the
    # client's words are not hers, and stay.
    assert len(after) == len(before) + 1
    assert len(having(after, STATEMENT)) == len(having(before, STATEMENT))
