"""A complaint that came by phone or mail, logged by its account manager from their chat
with the bot, written once against the Driver and run on every adapter: the form asks which
client channel, the bot's note there starts the client thread, and the case opens on it."""

from __future__ import annotations

from tests.scenarios.drivers import Driver
from tests.scenarios.test_flow import having, say

PHONED = "{dana} sent the invoice twice, the client said on the phone"
# What Avi chooses; who is named and what happened stay as the command's words filled them in.
ANSWERS = {"category": "billing", "severity": "high"}


async def test_an_account_manager_logs_a_phoned_in_complaint_from_their_chat_with_the_bot(
    driver: Driver,
) -> None:
    shown = await driver.log_elsewhere("avi", PHONED, naming=("dana",))
    assert shown.form == "log" and shown.refusal is None, shown
    assert shown.told_to == {"avi"}
    # Every client channel of the directory on this platform, by its client's name (and the
    # channel's, where the platform has said it or the client has several).
    clients = driver.directory.clients.values()
    expected = {c: client.name for client in clients for c in client.channels(driver.platform)}
    offered = dict(shown.channels)
    assert set(offered) == set(expected), shown.channels
    assert all(
        offered[c] == name or offered[c].startswith(f"{name} · ") for c, name in expected.items()
    ), offered
    assert await driver.cases() == []

    acme = driver.directory.clients["acme"].channels(driver.platform)[0]
    told = await driver.submit("avi", "log", "", {**ANSWERS, "channel": acme})
    assert told.error is None, told
    await driver.settle()
    (case,) = await driver.cases()
    assert (case.client_id, case.source.channel) == ("acme", acme)
    assert case.reporter.person_id == "avi" and case.raised_by.person_id == "avi"
    assert case.affected == ("dana",) and case.managers == ("maya",)
    # (Slack keeps the mention in the words as "@Dana Levi"; Teams and the playground drop it.)
    assert case.summary.endswith("sent the invoice twice, the client said on the phone")
    assert case.client_statements == ()  # nothing the client wrote: Avi's words are no statement

    # The bot's note is the new root of the client thread, and the thanks follow it there.
    thread = await driver.client_thread(case.id)
    assert thread[0] == say("client.logged", actor="Avi Katz"), thread
    thanks = f"Thank you for raising this. We have opened case {case.id}"
    assert having(thread, thanks) and thread.index(having(thread, thanks)[0]) > 0, thread
    assert having(await driver.dms("dana"), "names you", case.id)
    assert having(await driver.dms("maya"), "Dana Levi is named in a complaint", case.id)
    assert having(await driver.internal_texts(case.id), case.id, "Acme Corp")


async def test_a_log_form_naming_a_channel_it_did_not_offer_is_refused_and_changes_nothing(
    driver: Driver,
) -> None:
    shown = await driver.log_elsewhere("avi", PHONED, naming=("dana",))
    assert shown.form == "log", shown
    internal = driver.directory.internal_channel_on(driver.platform)
    assert internal and internal not in dict(shown.channels)
    told = await driver.submit("avi", "log", "", {**ANSWERS, "channel": internal})
    assert told.error == say("refuse.not_client_channel"), told
    await driver.settle()
    assert await driver.cases() == []
    assert await driver.dms("dana") == []

    # The form is still there to be put right.
    acme = driver.directory.clients["acme"].channels(driver.platform)[0]
    told = await driver.submit("avi", "log", "", {**ANSWERS, "channel": acme})
    assert told.error is None, told
    await driver.settle()
    (case,) = await driver.cases()
    assert case.source.channel == acme
