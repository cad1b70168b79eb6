"""Each of the four Slack triggers opens one case, with both threads and both pings."""

from __future__ import annotations

import json

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.checks import card_posts, client_thread, dms_to, ephemerals_to
from tests.slack.harness import (
    ACME,
    AVI,
    CLIENT,
    DANA,
    GLOBEX,
    INTERNAL,
    MAYA,
    SlackBot,
    fill,
    state_for,
)
from tests.slackkit.signing import user_message, view_submission_payload

COMPLAINT = "the report was late again, <@U0DANA> never answered"


def mention_event(ts: str, text: str = f"<@UBOT> {COMPLAINT}", user: str = CLIENT) -> dict:
    return {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": ACME,
        "event_ts": ts,
        "team": "T0FIRM",
    }


def message_event(ts: str, text: str, user: str = CLIENT, **extra: str) -> dict:
    return {
        "type": "message",
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": ACME,
        "event_ts": ts,
        "team": "T0FIRM",
        **extra,
    }


def reaction_event(ts: str, user: str = AVI, emoji: str = "triangular_flag_on_post") -> dict:
    """`user` reacts with `emoji` to the client's message `ts` in Acme's channel."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": emoji,
        "item": {"type": "message", "channel": ACME, "ts": ts},
        "item_user": CLIENT,
        "event_ts": f"{float(ts) + 1:.6f}",
    }


async def assert_opened_with_both_threads_and_pings(bot: SlackBot, fake: FakeSlackAPI) -> None:
    case = await bot.only_case()
    assert case.affected == ("dana",) and case.managers == ("maya",)
    thread = [c.params["text"] for c in client_thread(fake, case)]
    assert case.id in thread[0] and "What happened?" in thread[0]
    assert any("<@U0DANA>" in t and "<@U0MAYA>" in t for t in thread[1:])
    card = card_posts(fake, case)
    assert card and card[0].method == "chat.postMessage" and card[0].params["blocks"]
    assert any(case.id in t for t in dms_to(fake, DANA))
    assert any(case.id in t for t in dms_to(fake, MAYA))
    assert all("Client thread" in t for t in dms_to(fake, DANA))  # links to both threads
    assert set(fake.members(ACME)) >= {DANA, MAYA}  # brought into the client channel


async def test_a_mention_opens_one_case(bot: SlackBot, fake: FakeSlackAPI) -> None:
    ts = "1763800000.000100"
    assert (await bot.event(mention_event(ts))).status == 200
    # Slack also delivers the same message as a plain message event: it must not open another.
    assert (await bot.event(message_event(ts, f"<@UBOT> {COMPLAINT}"))).status == 200
    await bot.settle()
    await assert_opened_with_both_threads_and_pings(bot, fake)
    case = await bot.only_case()
    assert case.client_statements[0].text.startswith("the report was late again")


async def test_a_reaction_by_someone_of_the_firm_opens_one_case(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    ts = fake.add_message(ACME, COMPLAINT, user=CLIENT)
    assert (await bot.event(reaction_event(ts))).status == 200
    await bot.settle()
    await assert_opened_with_both_threads_and_pings(bot, fake)
    case = await bot.only_case()
    assert case.raised_by.user_id == CLIENT and case.reporter.person_id == "avi"
    assert case.summary.startswith("the report was late again")


async def test_a_client_reacting_opens_nothing_and_other_emoji_are_ignored(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    ts = fake.add_message(ACME, COMPLAINT, user=CLIENT)
    for user, emoji in ((CLIENT, "triangular_flag_on_post"), (AVI, "thumbsup")):
        assert (await bot.event(reaction_event(ts, user, emoji))).status == 200
    await bot.settle()
    assert await bot.cases() == []
    told = ephemerals_to(fake, CLIENT)
    assert told == ["Only people of the firm can open a case with a reaction."]
    assert ephemerals_to(fake, AVI) == []  # other emoji are just emoji


async def test_the_message_shortcut_opens_a_prefilled_form_then_one_case(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    message = user_message(COMPLAINT, user_id=CLIENT, ts="1763800002.000100")
    assert (await bot.shortcut(message, AVI, ACME)).status == 200
    view = fake.calls_to("views.open")[-1].params["view"]
    assert view["callback_id"] == "open_case"
    affected = next(b for b in view["blocks"] if b["block_id"] == "affected")
    assert affected["element"]["initial_users"] == [DANA]
    assert await bot.cases() == []  # nothing is opened until the form is sent

    answer = await fill(bot, "open_case", {"category": "delay", "severity": "high"}, AVI)
    assert answer is None  # the modal closes
    await bot.settle()
    await assert_opened_with_both_threads_and_pings(bot, fake)
    case = await bot.only_case()
    assert (case.category, case.severity.value) == ("delay", "high")
    assert case.source.message_id == "1763800002.000100"


async def test_the_slash_command_opens_the_form_and_anchors_a_thread(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    response = await bot.command("<@U0DANA|dana> missed the deadline twice", AVI, ACME)
    assert response.status == 200
    await fill(bot, "open_case", {"summary": "Missed the deadline twice"}, AVI)
    await bot.settle()
    await assert_opened_with_both_threads_and_pings(bot, fake)
    case = await bot.only_case()
    # No message started it, so the bot's own top-level note is the thread's root.
    anchor = fake.message(ACME, case.source.message_id)
    assert anchor and anchor["user"] == "UBOT" and "thread_ts" not in anchor
    assert anchor["text"].startswith("Avi Katz logged a complaint here")
    assert case.summary == "Missed the deadline twice"


async def test_the_form_is_answered_before_its_note_is_posted_and_applied_once(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    """Slack answering in 4 s must not hold the form's answer, and Slack's resubmission of
    the same view opens no second case."""
    await bot.command("<@U0DANA|dana> missed the deadline twice", AVI, ACME)
    await bot.idle()
    view = fake.calls_to("views.open")[-1].params["view"]
    fake.delay(lambda c: c.method == "chat.postMessage" and c.params.get("channel") == ACME, 4)
    state = state_for(view, {"summary": "Missed the deadline twice"})
    payload = view_submission_payload(
        "open_case", state, private_metadata=view["private_metadata"], user_id=AVI
    )
    assert await bot.interact_json(payload) is None  # a plain 200: the form closes
    assert await bot.cases() == [], "the case waits for its note, after the answer"
    assert await bot.interact_json(payload) is None  # the same view, submitted again
    await bot.settle(timeout=30)
    case = await bot.only_case()
    notes = [m for m in fake.posted(ACME) if "logged a complaint" in m["text"]]
    assert [n["ts"] for n in notes] == [case.source.message_id]


async def test_a_stranger_named_in_the_form_is_refused_before_anything_is_posted(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    await bot.command("<@U0DANA|dana> missed the deadline twice", AVI, ACME)
    answer = await fill(bot, "open_case", {"affected": [DANA, "U0STRANGER"]}, AVI)
    assert answer["response_action"] == "errors"
    assert "<@U0STRANGER> is not in the directory" in answer["errors"]["affected"]
    await bot.settle()
    assert await bot.cases() == []
    assert [c for c in fake.posts_in(ACME) if c.method == "chat.postMessage"] == []


async def test_the_slash_command_outside_a_client_channel_answers_a_contact_usage(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    """A client's contact is not shown the firm's clients: the usage, no form."""
    response = await bot.command("something", CLIENT, "C0RANDOM")
    assert response.status == 200
    assert fake.calls_to("views.open") == []
    assert fake.calls_to("conversations.info") == []
    assert await bot.cases() == []


async def test_the_slash_command_in_a_dm_logs_a_phoned_in_complaint_in_the_channel_chosen(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    """`/complaint` in Avi's DM with the bot: the form asks which client channel (a select
    of the directory's, by the names Slack gives them), and the bot's note there, a new
    top-level message, anchors the case."""
    response = await bot.command("<@U0DANA|dana> missed the deadline twice", AVI, "D0AVI")
    assert response.status == 200
    await bot.idle()
    [opened] = fake.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "log"
    channel = next(b for b in view["blocks"] if b["block_id"] == "channel")
    assert channel["element"]["type"] == "static_select" and not channel.get("optional")
    assert [(o["value"], o["text"]["text"]) for o in channel["element"]["options"]] == [
        (ACME, "Acme Corp · channel #acme-project"),
        (GLOBEX, "Globex · channel #globex-shared"),
    ]
    affected = next(b for b in view["blocks"] if b["block_id"] == "affected")
    assert affected["element"]["initial_users"] == [DANA]
    assert json.loads(view["private_metadata"])["channel"] == "D0AVI"

    answer = await fill(bot, "log", {"channel": ACME, "summary": "Missed it twice"}, AVI)
    assert answer is None  # the modal closes
    await bot.settle()
    await assert_opened_with_both_threads_and_pings(bot, fake)
    case = await bot.only_case()
    anchor = fake.message(ACME, case.source.message_id)
    assert anchor and anchor["user"] == "UBOT" and "thread_ts" not in anchor
    assert anchor["text"].startswith("Avi Katz logged a complaint here")
    assert (case.source.channel, case.summary) == (ACME, "Missed it twice")
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")].count("D0AVI") == 0

    # Asked again, the names are known: Slack is not asked twice.
    asked = len(fake.calls_to("conversations.info"))
    await bot.command("again", AVI, "D0AVI")
    await bot.idle()
    assert len(fake.calls_to("views.open")) == 2
    assert len(fake.calls_to("conversations.info")) == asked


async def test_a_forged_channel_in_the_log_form_is_refused_on_the_form(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    await bot.command("missed the deadline", AVI, INTERNAL)
    await bot.idle()
    view = fake.calls_to("views.open")[-1].params["view"]
    state = state_for(view, {"summary": "Missed it"})
    state["channel"]["channel"] = {"selected_option": {"value": INTERNAL}}  # not offered
    payload = view_submission_payload(
        "log", state, private_metadata=view["private_metadata"], user_id=AVI
    )
    answer = await bot.interact_json(payload)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["channel"]
    assert answer["errors"]["channel"].startswith("Complaints are opened in a client channel.")
    await bot.settle()
    assert await bot.cases() == []
    assert [c for c in fake.calls_to("chat.postMessage")] == []


async def test_two_triggers_on_the_same_message_open_one_case(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    ts = fake.add_message(ACME, COMPLAINT, user=CLIENT)
    await bot.event(mention_event(ts, text=f"<@UBOT> {COMPLAINT}"))
    await bot.event(reaction_event(ts))
    await bot.shortcut(user_message(COMPLAINT, user_id=CLIENT, ts=ts), AVI, ACME)
    await fill(bot, "open_case", {}, AVI)
    await bot.settle()
    case = await bot.only_case()
    assert len([c for c in client_thread(fake, case) if "What happened?" in c.params["text"]]) == 1
    assert any(case.id in text for text in ephemerals_to(fake, AVI))  # "already has case"


async def test_a_mention_outside_client_channels_is_answered_with_the_reason(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    event = {**mention_event("1763800009.000100", user=AVI), "channel": INTERNAL}
    assert (await bot.event(event)).status == 200
    await bot.settle()
    assert await bot.cases() == []
    assert any("not listed for any client" in t for t in ephemerals_to(fake, AVI))
