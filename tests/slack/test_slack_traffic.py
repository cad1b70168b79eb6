"""Slack traffic that is easy to misread: edits."""

from __future__ import annotations

from handlers.model import Case
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ACME, CLIENT, SlackBot
from tests.slackkit import events

COMPLAINT = "the report was late again, <@U0DANA> never answered"
ROOT = "1763810000.000100"


async def open_on_root(bot: SlackBot, channel: str = ACME, user: str = CLIENT) -> Case:
    await bot.event(events.app_mention(channel, ROOT, f"<@UBOT> {COMPLAINT}", user=user))
    await bot.settle()
    return await bot.only_case()


def writes(fake: FakeSlackAPI, since: int) -> list[str]:
    """What the bot wrote anywhere since call number `since`."""
    return [c.method for c in fake.calls[since:] if c.method.startswith("chat.")]


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
