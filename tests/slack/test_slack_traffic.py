"""Slack traffic that is easy to misread: edits, flags on thread replies, files shared
without words, people of another organisation in a Slack Connect channel, and Slack
failing to show what a click asked for."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from handlers.model import Case
from tests.fakes.slack_api import FakeSlackAPI, ServerError
from tests.slack.checks import card_posts, card_thread, client_thread, ephemerals_to
from tests.slack.harness import (
    ACME,
    AVI,
    CLIENT,
    DANA,
    ELI,
    GLOBEX,
    INTERNAL,
    MAYA,
    SlackBot,
    fill,
)
from tests.slackkit import events
from tests.slackkit.signing import block_action_payload, user_message, view_submission_payload

COMPLAINT = "the report was late again, <@U0DANA> never answered"
FLAG = "triangular_flag_on_post"
ROOT = "1763810000.000100"
OUTSIDER_TEAM = "T0GLOBEX"  # the client's own organisation, across the Slack Connect channel
FORM_FAILED = "could not open the form"


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


# ---------------------------------------------------------------------- Slack Connect


async def test_a_message_from_another_organisation_is_a_client_contacts(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    """Someone across the Slack Connect channel is a client contact, even if their user id
    is one the directory lists (a stale entry, a person who moved to the client)."""
    complaint = events.app_mention(
        GLOBEX, ROOT, "<@UBOT> the delivery was late, <@U0ELI> knew", user=DANA, team=OUTSIDER_TEAM
    )
    await bot.event(complaint)
    await bot.settle()
    case = await bot.only_case()
    assert not case.raised_by.internal and not case.reporter.internal
    assert case.client_statements[0].text.startswith("the delivery was late")
    assert case.affected == ("eli",)

    reply = events.message(
        GLOBEX,
        "1763810501.000100",
        "Still waiting.",
        user=AVI,
        team=OUTSIDER_TEAM,
        thread_ts=ROOT,
    )
    await bot.event(reply)
    await bot.settle()
    after = await bot.only_case()
    assert after.client_statements[-1].text == "Still waiting."
    assert after.public_replies == () and after.status.value == "open"  # nobody of the firm


async def test_clicks_and_forms_of_another_organisation_are_never_the_firms(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case = await open_on_root(bot)
    press = block_action_payload(
        "assess", case.id, user_id=MAYA, channel_id=INTERNAL, user_team_id=OUTSIDER_TEAM
    )
    assert (await bot.interact(press)).status == 200
    assert fake.calls_to("views.open") == []
    assert any("Only people of the firm" in t for t in ephemerals_to(fake, MAYA))

    values = {
        "verdict": {"verdict": {"type": "radio_buttons", "selected_option": {"value": "right"}}}
    }
    submission = view_submission_payload(
        "assess",
        values,
        private_metadata=f'{{"case_id": "{case.id}", "channel": "{INTERNAL}"}}',
        user_id=MAYA,
        user_team_id=OUTSIDER_TEAM,
    )
    answer: Any = await bot.interact_json(submission)
    assert answer["response_action"] == "errors"
    assert "Only people of the firm" in answer["errors"]["verdict"]
    assert (await bot.only_case()).verdict is None


async def test_a_flag_counts_as_the_firms_only_if_slack_says_the_user_is_in_the_firm(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    fake.add_user(AVI, "avi", team_id=OUTSIDER_TEAM)  # Slack knows them as the other side's
    ts = fake.add_message(ACME, COMPLAINT, user=CLIENT)
    flag = events.reaction_added(
        ACME, ts, user=AVI, item_user=CLIENT, reaction=FLAG, event_ts="1763810600.000100"
    )
    assert (await bot.event(flag)).status == 200
    await bot.settle()
    assert await bot.cases() == []
    assert ephemerals_to(fake, AVI) == ["Only people of the firm can open a case with a reaction."]


async def test_a_flagged_message_from_another_organisation_is_the_clients(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    ts = fake.add_message(GLOBEX, "the delivery was late", user=ELI, team=OUTSIDER_TEAM)
    flag = events.reaction_added(
        GLOBEX, ts, user=AVI, item_user=ELI, reaction=FLAG, event_ts="1763810700.000100"
    )
    await bot.event(flag)
    await bot.settle()
    case = await bot.case_on(ts)
    assert case.raised_by.user_id == ELI and not case.raised_by.internal
    assert case.client_statements[0].text == "the delivery was late"


async def test_a_message_logged_by_shortcut_from_another_organisation_is_the_clients(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    message = {
        **user_message("the delivery was late", user_id=ELI, ts="1763810800.000100"),
        "team": OUTSIDER_TEAM,
        "user_team": OUTSIDER_TEAM,
        "source_team": OUTSIDER_TEAM,
    }
    assert (await bot.shortcut(message, AVI, GLOBEX)).status == 200
    await fill(bot, "open_case", {}, AVI)
    await bot.settle()
    case = await bot.only_case()
    assert case.raised_by.user_id == ELI and not case.raised_by.internal
    assert case.reporter.person_id == "avi"
    assert case.client_statements[0].text == "the delivery was late"


# ---------------------------------------------------------------------- Slack failing a click


async def test_a_form_slack_cannot_open_is_answered_with_a_notice(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case = await open_on_root(bot)
    fake.fail_next("views.open", ServerError(503))
    assert (await bot.press("account", case.id, DANA, INTERNAL)).status == 200
    assert any(FORM_FAILED in t for t in ephemerals_to(fake, DANA))

    fake.fail_next("views.open", ServerError(500))
    assert (await bot.command("late again", AVI, ACME)).status == 200
    assert any(FORM_FAILED in t for t in ephemerals_to(fake, AVI))


async def test_a_form_slack_answers_too_slowly_is_answered_with_a_notice(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case = await open_on_root(bot)
    assert bot.runtime
    client = bot.runtime.adapters[0].client  # type: ignore[attr-defined]
    shared = client.session
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as impatient:
        client.session = impatient  # Slack answers in 3 s; this client waits 1 s
        fake.delay("views.open", 3)
        await bot.press("account", case.id, DANA, INTERNAL)
        client.session = shared
    assert any(FORM_FAILED in t for t in ephemerals_to(fake, DANA))


async def test_when_no_ephemeral_can_be_shown_the_person_is_told_by_dm(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case = await open_on_root(bot)
    fake.outage(["views.open", "chat.postEphemeral"])
    await bot.press("account", case.id, DANA, INTERNAL)
    assert any(FORM_FAILED in m["text"] for m in fake.posted(DANA))

    # A refusal, and a form's notice, are never lost to a failing ephemeral either.
    await bot.press("assess", case.id, ELI, INTERNAL)
    assert any("Only a manager of someone named" in m["text"] for m in fake.posted(ELI))
