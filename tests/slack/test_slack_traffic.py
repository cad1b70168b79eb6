"""Slack traffic that is easy to misread: edits, flags on thread replies, and files
shared without words."""

from __future__ import annotations

import pytest

from handlers.model import Case
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.checks import card_posts, card_thread, client_thread, ephemerals_to
from tests.slack.harness import ACME, AVI, CLIENT, SlackBot
from tests.slackkit import events

COMPLAINT = "the report was late again, <@U0DANA> never answered"
FLAG = "triangular_flag_on_post"
ROOT = "1763810000.000100"


async def open_on_root(bot: SlackBot, channel: str = ACME, user: str = CLIENT) -> Case:
    await bot.event(events.app_mention(channel, ROOT, f"<@UBOT> {COMPLAINT}", user=user))
    await bot.settle()
    return await bot.only_case()


def writes(fake: FakeSlackAPI, since: int) -> list[str]:
    """What the bot wrote anywhere since call number `since`."""
    return [c.method for c in fake.calls[since:] if c.method.startswith("chat.")]


def card_notes(fake: FakeSlackAPI, case: Case) -> list[str]:
    card = card_posts(fake, case)[0]
    assert card.answer
    return card_thread(fake, card.answer["ts"])


# ---------------------------------------------------------------------- edits


async def test_an_edited_complaint_is_not_recorded_again(bot: SlackBot, fake: FakeSlackAPI) -> None:
    case = await open_on_root(bot)
    said = len(fake.calls)
    edited = f"<@UBOT> {COMPLAINT}, and the invoice is wrong"
    # The root has the bot's replies by now, so Slack gives it a thread_ts of its own ts.
    again = events.app_mention(
        ACME, ROOT, edited, user=CLIENT, thread_ts=ROOT, edited_at="1763810100.000000"
    )
    original = events.message(ACME, ROOT, f"<@UBOT> {COMPLAINT}", user=CLIENT)
    for event in (again, events.message_changed(original, edited, "1763810100.000000")):
        assert (await bot.event(event)).status == 200
    await bot.settle()
    after = await bot.only_case()
    assert after.version == case.version
    assert [s.text for s in after.client_statements] == [s.text for s in case.client_statements]
    assert writes(fake, said) == []  # no reply filed, no notice, no card line


async def test_an_edited_reply_is_not_recorded_again(bot: SlackBot, fake: FakeSlackAPI) -> None:
    await open_on_root(bot)
    mention = events.app_mention(
        ACME,
        "1763810001.000100",
        "<@UBOT> also the numbers were wrong",
        user=CLIENT,
        thread_ts=ROOT,
    )
    plain = events.message(
        ACME, "1763810002.000100", "and nobody called back", user=CLIENT, thread_ts=ROOT
    )
    for event in (mention, plain):
        await bot.event(event)
    await bot.settle()
    case = await bot.only_case()
    assert len(case.client_statements) == 3
    said = len(fake.calls)

    edits = [
        events.app_mention(
            ACME,
            mention["ts"],
            "<@UBOT> also the totals were wrong",
            user=CLIENT,
            thread_ts=ROOT,
            edited_at="1763810200.000000",
        ),
        events.message_changed(mention, "<@UBOT> also the totals were wrong", "1763810200.0"),
        events.message_changed(plain, "and nobody called back at all", "1763810201.000000"),
    ]
    for event in edits:
        assert (await bot.event(event)).status == 200
    await bot.settle()
    after = await bot.only_case()
    assert after.version == case.version and len(after.client_statements) == 3
    assert writes(fake, said) == []


# ---------------------------------------------------------------------- flags on replies


async def test_a_flag_on_a_thread_reply_opens_the_case_on_the_root_with_the_replys_words(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    root = fake.add_message(ACME, "Here is this week's report.", user=AVI)
    reply = fake.add_message(ACME, COMPLAINT, user=CLIENT, thread_ts=root)
    fake.add_message(ACME, "Thanks, looking.", user=AVI, thread_ts=root)
    flag = events.reaction_added(
        ACME, reply, user=AVI, item_user=CLIENT, reaction=FLAG, event_ts="1763810300.000100"
    )
    assert (await bot.event(flag)).status == 200
    await bot.settle()

    case = await bot.case_on(root)
    assert case.raised_by.user_id == CLIENT and not case.raised_by.internal
    assert case.client_statements[0].text.startswith("the report was late again")
    assert case.affected == ("dana",) and case.reporter.person_id == "avi"
    assert client_thread(fake, case), "nothing posted in the root's thread"
    assert not [c for c in fake.posts_in(ACME) if c.params.get("thread_ts") == reply]
    assert ephemerals_to(fake, AVI) == [f"Case {case.id} is open for Acme Corp."]


@pytest.mark.slow
async def test_a_flag_on_a_reply_while_its_thread_cannot_be_read_waits_for_slack(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    root = fake.add_message(ACME, "Here is this week's report.", user=AVI)
    reply = fake.add_message(ACME, COMPLAINT, user=CLIENT, thread_ts=root)
    fake.outage("conversations.replies")
    flag = events.reaction_added(
        ACME, reply, user=AVI, item_user=CLIENT, reaction=FLAG, event_ts="1763810301.000100"
    )
    assert (await bot.event(flag)).status == 200

    def failed_reads() -> int:
        return len([c for c in fake.calls_to("conversations.replies") if c.failed])

    await fake.wait_until(lambda: failed_reads() >= 2, timeout=8)  # the inbox tries again
    assert await bot.cases() == []
    fake.end_outage()
    await bot.settle(timeout=20)
    case = await bot.case_on(root)
    assert case.client_statements[0].text.startswith("the report was late again")


# ---------------------------------------------------------------------- files


async def test_a_file_shared_without_words_is_noted_on_the_card_and_not_refused(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case = await open_on_root(bot)
    before = len(client_thread(fake, case))
    invoice = events.shared_file("invoice-march.pdf", "F0INVOICE", user=CLIENT)
    share = events.file_share(ACME, "1763810400.000100", [invoice], user=CLIENT, thread_ts=ROOT)
    assert (await bot.event(share)).status == 200
    await bot.settle()

    assert ephemerals_to(fake, CLIENT) == []  # not "Please write something first."
    assert len(client_thread(fake, case)) == before  # nothing is said to the client
    noted = [n for n in card_notes(fake, case) if "invoice-march.pdf" in n]
    assert noted and "shared a file" in noted[0] and invoice["permalink"] in noted[0]
    after = await bot.only_case()
    assert after.client_statements == case.client_statements  # no words, no statement


async def test_a_file_shared_with_words_records_both(bot: SlackBot, fake: FakeSlackAPI) -> None:
    case = await open_on_root(bot)
    photo = events.shared_file("broken-unit.pdf", "F0PHOTO", user=CLIENT)
    share = events.file_share(
        ACME,
        "1763810401.000100",
        [photo],
        user=CLIENT,
        text="This is what arrived.",
        thread_ts=ROOT,
    )
    await bot.event(share)
    await bot.settle()
    after = await bot.only_case()
    assert after.client_statements[-1].text == "This is what arrived."
    assert any(photo["permalink"] in n for n in card_notes(fake, case))
