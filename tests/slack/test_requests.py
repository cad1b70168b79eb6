"""What Slack sends that is wrong, repeated or uninteresting, and what Slack answers badly."""

from __future__ import annotations

import json
import time

from tests.fakes.slack_api import FakeSlackAPI, RateLimited, ServerError
from tests.slack.checks import client_thread, dms_to, ephemerals_to
from tests.slack.harness import (
    ACME,
    AVI,
    CLIENT,
    DANA,
    ELI,
    GLOBEX,
    GLOBEX_CLIENT,
    INTERNAL,
    MAYA,
    SECRET,
    SlackBot,
    fill,
)
from tests.slack.test_triggers import COMPLAINT, mention_event, message_event
from tests.slackkit.signing import JSON_CONTENT, event_body, sign


async def opened(bot: SlackBot, ts: str = "1763802000.000100") -> str:
    await bot.event(mention_event(ts))
    await bot.settle()
    return (await bot.only_case()).id


async def test_bad_signatures_get_401_and_do_not_use_up_the_event(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    body = event_body(mention_event("1763802001.000100"), event_id="Ev0FORGED")
    wrong = await bot.post(body, JSON_CONTENT, secret="not-the-secret")
    stale = await bot.post(
        body, JSON_CONTENT, headers=sign(body, SECRET, timestamp=int(time.time()) - 600)
    )
    async with bot.session.post(bot.url, data=body, headers={"Content-Type": JSON_CONTENT}) as r:
        missing = r.status
    assert (wrong.status, stale.status, missing) == (401, 401, 401)
    assert await bot.cases() == [] and fake.calls == []
    # The same event, signed properly, is still processed.
    assert (await bot.post(body, JSON_CONTENT)).status == 200
    await bot.settle()
    assert len(await bot.cases()) == 1


async def test_a_retried_delivery_is_ignored(bot: SlackBot, fake: FakeSlackAPI) -> None:
    await opened(bot)
    reply = message_event(
        "1763802002.000100", "Also the numbers were wrong.", thread_ts="1763802000.000100"
    )
    body = event_body(reply, event_id="Ev0REPLY1")
    assert (await bot.post(body, JSON_CONTENT)).status == 200
    retried = await bot.post(
        body, JSON_CONTENT, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    )
    assert retried.status == 200
    await bot.settle()
    case = await bot.only_case()
    assert [s.text for s in case.client_statements].count("Also the numbers were wrong.") == 1


async def test_events_the_bot_ignores_still_get_200(bot: SlackBot, fake: FakeSlackAPI) -> None:
    ignored = [
        {"type": "channel_created", "channel": {"id": "C0NEW", "name": "new"}},
        message_event("1763802003.000100", "chit-chat, no thread"),
        {**message_event("1763802004.000100", "posted by the bot", user="UBOT"), "bot_id": "BBOT"},
        {**mention_event("1763802005.000100"), "channel": "C0RANDOM"},
    ]
    for event in ignored:
        assert (await bot.event(event)).status == 200
    await bot.settle()
    assert await bot.cases() == []


async def test_malformed_and_oversized_bodies_are_refused(bot: SlackBot) -> None:
    garbage = b'{"type": "event_callback", "event": '
    assert (await bot.post(garbage, JSON_CONTENT)).status == 400
    huge = json.dumps({"type": "event_callback", "padding": "x" * 2_000_000}).encode()
    assert (await bot.post(huge, JSON_CONTENT)).status == 413
    assert await bot.cases() == []


async def test_buttons_are_refused_by_role_and_change_nothing(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case_id = await opened(bot)
    before = await bot.only_case()
    attempts = [
        ("assess", CLIENT, "Only people of the firm"),
        ("assess", ELI, "Only a manager of someone named"),
        ("assess", DANA, "Only a manager of someone named"),
        ("account", MAYA, "Only the people named"),
        ("resolve", AVI, "cannot be resolved before a verdict"),
        ("feedback_yes", CLIENT, "not resolved yet"),
    ]
    for action, user, reason in attempts:
        assert (await bot.press(action, case_id, user, INTERNAL)).status == 200
        assert any(reason in text for text in ephemerals_to(fake, user)), (action, user)
    assert fake.calls_to("views.open") == []
    after = await bot.only_case()
    assert after.version == before.version


async def test_a_forged_form_submission_is_refused_in_the_form(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case_id = await opened(bot)
    answer = await bot.submit(
        "assess",
        {"verdict": {"verdict": {"type": "radio_buttons", "selected_option": {"value": "right"}}}},
        json.dumps({"case_id": case_id, "channel": ACME}),
        CLIENT,
    )
    assert answer["response_action"] == "errors"
    assert "Only people of the firm" in answer["errors"]["verdict"]
    assert (await bot.only_case()).verdict is None


async def test_a_too_long_resolution_is_refused_in_the_form(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case_id = await opened(bot)
    await bot.press("account", case_id, DANA, INTERNAL)
    await fill(bot, "account", {"account": "My side."}, DANA)
    await bot.press("assess", case_id, MAYA, INTERNAL)
    await fill(bot, "assess", {"verdict": "right"}, MAYA)
    await bot.press("resolve", case_id, AVI, INTERNAL)
    answer = await fill(bot, "resolve", {"resolution": "x" * 501}, AVI)
    assert "501 characters" in answer["errors"]["resolution"]
    assert (await bot.only_case()).resolution is None


async def test_rate_limit_then_server_error_then_ok_still_delivers_the_dm_once(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    fake.fail_next("conversations.open", RateLimited(retry_after=1), ServerError(500))
    case_id = await opened(bot)
    attempts = fake.calls_to("conversations.open")
    assert [c.failed for c in attempts[:3]] == [True, True, False]
    assert len([t for t in dms_to(fake, DANA) if case_id in t]) == 1
    assert len([t for t in dms_to(fake, MAYA) if case_id in t]) == 1


async def test_an_outage_longer_than_the_client_retries_delays_but_does_not_lose(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    # Slack is down for the client thread's first post three times over; the outbox tries
    # again later, looks for the post it may have made, and sends it once.
    to_acme = lambda c: c.method == "chat.postMessage" and c.params.get("channel") == ACME  # noqa: E731
    fake.fail_when(to_acme, ServerError(503), ServerError(503), ServerError(503))
    await opened(bot)
    case = await bot.only_case()
    acks = [c for c in client_thread(fake, case) if "What happened?" in c.params["text"]]
    assert [c.failed for c in acks] == [True, True, True, False]  # three refusals, then sent once
    assert (await bot.runtime.store.effect_counts()) == {"pending": 0, "failed": 0}  # type: ignore[union-attr]


async def test_a_refused_invite_on_a_shared_channel_is_reported_to_the_account_manager(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    event = {**mention_event("1763802010.000100", user=GLOBEX_CLIENT), "channel": GLOBEX}
    await bot.event(event)
    await bot.settle()
    assert DANA not in fake.members(GLOBEX)
    told = [t for t in dms_to(fake, AVI) if "could not add Dana Levi" in t]
    assert told and "cant_invite" in told[0]


async def test_no_internal_card_is_posted_to_a_channel_slack_says_is_shared(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    fake.add_channel(INTERNAL, "complaints", shared=True, members=[AVI])
    await bot.event(mention_event("1763802011.000100"))
    await bot.settle()
    assert [c for c in fake.posts_in(INTERNAL) if c.method != "chat.postEphemeral"] == []
    counts = await bot.runtime.store.effect_counts()  # type: ignore[union-attr]
    assert counts["failed"] >= 1
    assert len(await bot.cases()) == 1  # the case itself is kept
    assert COMPLAINT.split(",")[0] in (await bot.only_case()).summary


async def test_a_broadcast_mention_in_client_text_never_pings_anyone(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    text = "<@UBOT> <!channel> <!here> the report was late again, <@U0DANA> never answered"
    await bot.event(mention_event("1763802020.000100", text=text))
    await bot.event(
        message_event(
            "1763802021.000100", "<!everyone> still waiting", thread_ts="1763802020.000100"
        )
    )
    await bot.settle()
    case = await bot.only_case()
    assert case.client_statements[-1].text == "@everyone still waiting"  # kept as seen, inert
    sent = [c for c in fake.calls if c.method.startswith("chat.") and not c.failed]
    assert sent and not any("<!" in str(c.params.get("text", "")) for c in sent)
    # Client contacts appear as Slack mentions, which Slack shows as their names.
    assert any("<@U0CLIENT>" in c.params.get("text", "") for c in fake.posts_in(INTERNAL))


async def test_a_client_thread_the_bot_cannot_post_in_is_reported_to_the_account_manager(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    fake.add_channel(ACME, "acme-project", members=[CLIENT, AVI], bot_member=False)
    await bot.event(mention_event("1763802030.000100"))
    await bot.settle()
    case = await bot.only_case()  # kept, whatever Slack says
    told = [t for t in dms_to(fake, AVI) if "could not post in the client thread" in t]
    assert told and case.id in told[0] and "not_in_channel" in told[0]
    assert (await bot.runtime.store.effect_counts())["failed"] >= 1  # type: ignore[union-attr]


async def test_someone_already_in_the_channel_is_not_invited_again(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    for ts in ("1763802100.000100", "1763802200.000100"):
        assert (await bot.event(mention_event(ts))).status == 200
    await bot.settle()
    assert len(await bot.cases()) == 2
    invites = [c for c in fake.calls_to("conversations.invite") if c.params["users"] == DANA]
    assert len(invites) == 1
