"""The fake must answer the real ``slack_sdk`` client the way Slack does, or bot tests lie."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from .slack_api import Call, FakeSlackAPI, RateLimited, ServerError, SlackError, post_to

CLIENT = "U0CLIENT"
AGENT = "U0AGENT"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as api:
        api.add_user(CLIENT, "client.contact", real_name="Casey Client")
        api.add_user(AGENT, "support.agent", real_name="Alex Agent")
        api.add_channel("C0SUPPORT", "support", members=[AGENT])
        api.add_channel("C0CONNECT", "acme-connect", shared=True, members=[CLIENT])
        api.add_channel("C0OLD", "old-complaints", archived=True)
        api.add_channel("C0NOBOT", "private-team", private=True, bot_member=False)
        yield api


@pytest.fixture
def client(fake: FakeSlackAPI) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.base_url)


async def error_of(call: Awaitable[Any]) -> str:
    """The Slack error code a client call fails with."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value.response["error"]


async def test_base_url_is_loopback_api_root(fake: FakeSlackAPI) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake.base_url.endswith("/api/")


async def test_auth_test_identifies_the_bot(fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    answer = await client.auth_test()

    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == ("UBOT", "BBOT", "T0FIRM")
    (call,) = fake.calls_to("auth.test")
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert not call.failed


async def test_wrong_or_missing_token_is_refused(fake: FakeSlackAPI) -> None:
    wrong = AsyncWebClient(token="xoxb-someone-else", base_url=fake.base_url)
    anonymous = AsyncWebClient(base_url=fake.base_url)

    assert await error_of(wrong.auth_test()) == "invalid_auth"
    assert await error_of(anonymous.auth_test()) == "not_authed"


async def test_post_message_returns_increasing_ts_and_echo(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Received*"}}]

    first = await client.chat_postMessage(channel="C0SUPPORT", text="Received", blocks=blocks)
    second = await client.chat_postMessage(channel="#support", text="Again")

    assert first["channel"] == second["channel"] == "C0SUPPORT"
    assert float(first["ts"]) < float(second["ts"])
    assert first["message"]["blocks"] == blocks
    assert first["message"]["bot_id"] == "BBOT"
    assert fake.posts_in("C0SUPPORT")[0].params["blocks"] == blocks


async def test_update_rewrites_the_posted_message(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="C0SUPPORT", text="Open")

    updated = await client.chat_update(channel="C0SUPPORT", ts=posted["ts"], text="Closed")

    assert (updated["ts"], updated["text"]) == (posted["ts"], "Closed")
    assert [c.method for c in fake.posts_in("C0SUPPORT")] == ["chat.postMessage", "chat.update"]
    missing = client.chat_update(channel="C0SUPPORT", ts="1.000001", text="x")
    assert await error_of(missing) == "message_not_found"


async def test_post_errors_match_slack(client: AsyncWebClient) -> None:
    assert await error_of(client.chat_postMessage(channel="C0NOBOT", text="x")) == "not_in_channel"
    assert await error_of(client.chat_postMessage(channel="C0OLD", text="x")) == "is_archived"
    assert await error_of(client.chat_postMessage(channel="C0NONE", text="x")) == (
        "channel_not_found"
    )
    with pytest.warns(UserWarning, match="`text` argument is missing"):
        assert await error_of(client.chat_postMessage(channel="C0SUPPORT")) == "no_text"


async def test_form_encoded_bodies_are_accepted_and_json_fields_decoded(
    fake: FakeSlackAPI,
) -> None:
    blocks = [{"type": "divider"}]
    form = {"token": "xoxb-test", "channel": "C0SUPPORT", "blocks": json.dumps(blocks)}

    async with aiohttp.ClientSession() as session:
        response = await session.post(fake.base_url + "chat.postMessage", data=form)
        answer = await response.json()

    assert answer["ok"] is True
    (call,) = fake.calls_to("chat.postMessage")
    assert call.params["blocks"] == blocks
    assert call.raw["blocks"] == json.dumps(blocks)


async def test_dm_ids_are_stable_per_user_set(fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    opened = await client.conversations_open(users=[CLIENT])
    reopened = await client.conversations_open(users=CLIENT)
    group = await client.conversations_open(users=[AGENT, CLIENT])

    dm = opened["channel"]["id"]
    assert dm == reopened["channel"]["id"] == fake.dm_id(CLIENT)
    assert dm.startswith("D")
    assert reopened["already_open"] is True
    assert group["channel"]["id"] == fake.dm_id(CLIENT, AGENT) != dm
    posted = await client.chat_postMessage(channel=CLIENT, text="About your complaint")
    assert posted["channel"] == dm
    info = await client.conversations_info(channel=dm)
    assert (info["channel"]["is_im"], info["channel"]["user"]) == (True, CLIENT)


async def test_invite_adds_member_then_reports_already_in_channel(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    answer = await client.conversations_invite(channel="C0SUPPORT", users=[CLIENT])

    assert answer["channel"]["id"] == "C0SUPPORT"
    assert CLIENT in fake.members("C0SUPPORT")
    again = client.conversations_invite(channel="C0SUPPORT", users=CLIENT)
    assert await error_of(again) == "already_in_channel"


async def test_invite_into_slack_connect_channel_is_refused(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    refused = client.conversations_invite(channel="C0CONNECT", users=[AGENT])

    assert await error_of(refused) == "cant_invite"
    assert AGENT not in fake.members("C0CONNECT")


async def test_invite_errors_match_slack(fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    fake.add_channel("C0OPEN", "shared-but-open", shared=True, invite_refused=False)

    assert await error_of(client.conversations_invite(channel="C0OLD", users=AGENT)) == (
        "is_archived"
    )
    assert await error_of(client.conversations_invite(channel="C0SUPPORT", users="UBOT")) == (
        "cant_invite_self"
    )
    assert await error_of(client.conversations_invite(channel="C0SUPPORT", users="U0NOBODY")) == (
        "user_not_found"
    )
    await client.conversations_invite(channel="C0OPEN", users=AGENT)
    assert AGENT in fake.members("C0OPEN")


async def test_conversations_info_and_members(client: AsyncWebClient) -> None:
    shared = (await client.conversations_info(channel="C0CONNECT"))["channel"]
    hidden = (await client.conversations_info(channel="C0NOBOT"))["channel"]
    members = await client.conversations_members(channel="C0SUPPORT")

    assert (shared["is_shared"], shared["is_ext_shared"], shared["is_member"]) == (True, True, True)
    assert (hidden["is_private"], hidden["is_member"], hidden["is_archived"]) == (
        True,
        False,
        False,
    )
    assert members["members"] == [AGENT, "UBOT"]
    assert await error_of(client.conversations_info(channel="C0NONE")) == "channel_not_found"


async def test_users_info(client: AsyncWebClient) -> None:
    user = (await client.users_info(user=CLIENT))["user"]

    assert (user["id"], user["name"], user["is_bot"]) == (CLIENT, "client.contact", False)
    assert user["profile"]["real_name"] == "Casey Client"
    assert (await client.users_info(user="UBOT"))["user"]["is_bot"] is True
    assert await error_of(client.users_info(user="U0NOBODY")) == "user_not_found"


async def test_ephemeral_permalink_and_reactions(client: AsyncWebClient) -> None:
    ephemeral = await client.chat_postEphemeral(channel="C0SUPPORT", user=AGENT, text="Only you")
    posted = await client.chat_postMessage(channel="C0SUPPORT", text="Logged")
    link = await client.chat_getPermalink(channel="C0SUPPORT", message_ts=posted["ts"])
    await client.reactions_add(channel="C0SUPPORT", timestamp=posted["ts"], name="eyes")

    assert ephemeral["message_ts"]
    ts_digits = posted["ts"].replace(".", "")
    assert link["permalink"] == f"https://firm.slack.com/archives/C0SUPPORT/p{ts_digits}"
    again = client.reactions_add(channel="C0SUPPORT", timestamp=posted["ts"], name="eyes")
    assert await error_of(again) == "already_reacted"
    outsider = client.chat_postEphemeral(channel="C0SUPPORT", user=CLIENT, text="x")
    assert await error_of(outsider) == "user_not_in_channel"


async def test_views_open_update_push(client: AsyncWebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "complaint_form",
        "title": {"type": "plain_text", "text": "Complaint"},
        "blocks": [],
    }

    opened = (await client.views_open(trigger_id="1.2.abc", view=modal))["view"]
    updated = await client.views_update(
        view_id=opened["id"], hash=opened["hash"], view={**modal, "private_metadata": "C-1"}
    )
    pushed = (await client.views_push(trigger_id="1.3.abc", view=modal))["view"]

    assert opened["id"].startswith("V") and opened["callback_id"] == "complaint_form"
    assert updated["view"]["id"] == opened["id"]
    assert updated["view"]["private_metadata"] == "C-1"
    assert pushed["id"] != opened["id"]
    stale = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)
    assert await error_of(stale) == "hash_conflict"
    assert await error_of(client.views_update(view_id="V0NONE", view=modal)) == "not_found"


async def test_unknown_method(client: AsyncWebClient) -> None:
    assert await error_of(client.api_call("complaints.teleport")) == "unknown_method"


async def test_rate_limit_is_retried_by_slack_sdk_handler(fake: FakeSlackAPI) -> None:
    retrying = AsyncWebClient(
        token="xoxb-test",
        base_url=fake.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", RateLimited(retry_after=1))

    answer = await retrying.chat_postMessage(channel="C0SUPPORT", text="Eventually")

    assert answer["ok"] is True
    limited, delivered = fake.calls_to("chat.postMessage")
    assert (limited.failed, delivered.failed) == (True, False)
    assert delivered.at - limited.at >= 1


async def test_rate_limit_reaches_caller_without_retry_handler(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    fake.fail_next("chat.postMessage", RateLimited(retry_after=7))

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0SUPPORT", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


async def test_scripted_failures_are_consumed_in_order(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    fake.fail_next("conversations.invite", ServerError(status=503), SlackError("fatal_error"))

    with pytest.raises(SlackApiError) as outage:
        await client.conversations_invite(channel="C0SUPPORT", users=CLIENT)
    second = client.conversations_invite(channel="C0SUPPORT", users=CLIENT)
    assert await error_of(second) == "fatal_error"
    await client.conversations_invite(channel="C0SUPPORT", users=CLIENT)

    assert outage.value.response.status_code == 503
    assert [c.failed for c in fake.calls_to("conversations.invite")] == [True, True, False]


async def test_wait_for_sees_calls_made_later(fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    async def post_soon() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel="C0SUPPORT", text="late")

    task = asyncio.create_task(post_soon())
    call = await fake.wait_for(lambda c: c.params.get("text") == "late", timeout=2)
    await task

    assert isinstance(call, Call) and call.method == "chat.postMessage"
    assert await fake.wait_for("chat.postMessage") is call
    with pytest.raises(TimeoutError):
        await fake.wait_for("views.open", timeout=0.05)
    fake.clear()
    assert fake.calls == []


async def test_response_url_posts_are_captured(fake: FakeSlackAPI) -> None:
    webhook = AsyncWebhookClient(fake.response_url())

    response = await webhook.send(text="Thanks, we are on it", response_type="ephemeral")

    assert response.status_code == 200
    (call,) = fake.calls_to("response_url")
    assert call.params == {"text": "Thanks, we are on it", "response_type": "ephemeral"}


# ---------------------------------------------------------------------- slowness and outages

EFFECT = {"event_type": "complaintbot_effect", "event_payload": {"key": "C-0001/1"}}


async def test_latency_answers_after_the_call_took_effect(fake: FakeSlackAPI) -> None:
    assert FakeSlackAPI(latency=0.25).latency == 0.25
    fake.latency = 0.3
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    started = time.monotonic()
    posting = asyncio.create_task(client.chat_postMessage(channel="C0SUPPORT", text="slow"))

    call = await fake.wait_for("chat.postMessage", timeout=2)
    assert not posting.done()  # the answer is still on its way...
    assert [m["text"] for m in fake.posted("C0SUPPORT")] == ["slow"]  # ...the post is made
    assert call.ok and call.answer and call.answer["ts"] == fake.posted("C0SUPPORT")[0]["ts"]
    answer = await posting

    assert time.monotonic() - started >= 0.3
    assert answer["ts"] == call.answer["ts"]


async def test_a_client_that_gives_up_mid_call_leaves_the_message_posted(
    fake: FakeSlackAPI,
) -> None:
    fake.latency = 30  # released when the fake stops, so the test does not wait for it
    impatient = AsyncWebClient(token="xoxb-test", base_url=fake.base_url, timeout=0.2)

    with pytest.raises(TimeoutError):
        await impatient.chat_postMessage(channel="C0SUPPORT", text="posted, ts unknown")

    (message,) = fake.posted("C0SUPPORT")
    assert message["text"] == "posted, ts unknown"
    assert [c.ok for c in fake.successful_calls("chat.postMessage")] == [True]


async def test_delay_holds_only_the_calls_it_selects_until_lifted(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    parent = await client.chat_postMessage(channel="C0SUPPORT", text="card")
    lift = fake.delay(post_to("C0SUPPORT", top_level=True), 0.5)

    started = time.monotonic()
    await client.chat_postMessage(channel="C0SUPPORT", text="note", thread_ts=parent["ts"])
    await client.conversations_info(channel="C0SUPPORT")
    quick = time.monotonic() - started
    await client.chat_postMessage(channel="C0SUPPORT", text="second card")
    held = time.monotonic() - started - quick
    lift()
    started = time.monotonic()
    await client.chat_postMessage(channel="C0SUPPORT", text="third card")
    lifted = time.monotonic() - started

    assert quick < 0.4 and held >= 0.5 and lifted < 0.4
    assert [m["text"] for m in fake.posted("C0SUPPORT")] == ["card", "second card", "third card"]


async def test_fail_when_scripts_only_the_calls_it_selects_in_order(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    dm = (await client.conversations_open(users=CLIENT))["channel"]["id"]
    fake.fail_when(post_to(dm), RateLimited(retry_after=30), ServerError(503), SlackError("x"))

    await client.chat_postMessage(channel="C0SUPPORT", text="unaffected")
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel=dm, text="1")
    await client.chat_postMessage(channel="C0SUPPORT", text="still unaffected")
    with pytest.raises(SlackApiError) as outage:
        await client.chat_postMessage(channel=dm, text="2")
    assert await error_of(client.chat_postMessage(channel=dm, text="3")) == "x"
    await client.chat_postMessage(channel=dm, text="4")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "30"
    assert outage.value.response.status_code == 503
    to_dm = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == dm]
    assert [(c.failed, c.status) for c in to_dm] == [
        (True, 429),
        (True, 503),
        (True, 200),
        (False, 200),
    ]
    assert [m["text"] for m in fake.posted(dm)] == ["4"]  # a refused post is not made
    assert not any(c.failed for c in fake.posts_in("C0SUPPORT"))


async def test_an_outage_answers_503_to_what_it_covers_until_it_ends(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    ts = fake.add_message("C0SUPPORT", "flag me", user=CLIENT)
    fake.outage("conversations.history")

    for _ in range(3):
        with pytest.raises(SlackApiError) as down:
            await client.conversations_history(channel="C0SUPPORT", latest=ts, inclusive=True)
        assert down.value.response.status_code == 503
    await client.chat_postMessage(channel="C0SUPPORT", text="posting still works")
    fake.outage(["chat.postMessage", "chat.update"], status=502)
    with pytest.raises(SlackApiError) as bad_gateway:
        await client.chat_postMessage(channel="C0SUPPORT", text="not now")
    fake.outage()  # everything
    with pytest.raises(SlackApiError):
        await client.auth_test()
    fake.end_outage()
    found = await client.conversations_history(
        channel="C0SUPPORT", latest=ts, inclusive=True, limit=1
    )

    assert bad_gateway.value.response.status_code == 502
    assert [m["text"] for m in found["messages"]] == ["flag me"]
    history = fake.calls_to("conversations.history")
    assert [c.failed for c in history] == [True, True, True, False]
    assert [m["text"] for m in fake.posted("C0SUPPORT")] == ["posting still works"]


# ---------------------------------------------------------------------- threads and metadata


async def test_replies_give_the_whole_thread_parent_first(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    parent = fake.add_message("C0SUPPORT", "complaint", user=CLIENT)
    first = (await client.chat_postMessage(channel="C0SUPPORT", text="a", thread_ts=parent))["ts"]
    second = fake.add_message("C0SUPPORT", "b", user=CLIENT, thread_ts=parent)
    third = (await client.chat_postMessage(channel="C0SUPPORT", text="c", thread_ts=parent))["ts"]
    await client.chat_postMessage(channel="C0SUPPORT", text="elsewhere")

    def texts(answer: Any) -> list[str]:
        return [m["text"] for m in answer["messages"]]

    whole = await client.conversations_replies(channel="C0SUPPORT", ts=parent)
    from_a_reply = await client.conversations_replies(channel="C0SUPPORT", ts=second)
    after_first = await client.conversations_replies(channel="C0SUPPORT", ts=parent, oldest=first)
    around = await client.conversations_replies(
        channel="C0SUPPORT", ts=parent, oldest=first, latest=third, inclusive=True
    )
    before_third = await client.conversations_replies(channel="C0SUPPORT", ts=parent, latest=third)

    assert texts(whole) == texts(from_a_reply) == ["complaint", "a", "b", "c"]
    assert whole["has_more"] is False
    assert whole["messages"][0]["reply_count"] == 3
    assert whole["messages"][0]["latest_reply"] == third
    assert whole["messages"][2]["parent_user_id"] == CLIENT
    assert texts(after_first) == ["complaint", "b", "c"]
    assert texts(around) == ["complaint", "a", "b", "c"]
    assert texts(before_third) == ["complaint", "a", "b"]
    # A message without replies is its own thread; the channel's history shows no replies.
    alone = (await client.conversations_history(channel="C0SUPPORT", limit=1))["messages"][0]
    assert texts(await client.conversations_replies(channel="C0SUPPORT", ts=alone["ts"])) == [
        "elsewhere"
    ]
    history = await client.conversations_history(channel="C0SUPPORT")
    assert texts(history) == ["elsewhere", "complaint"]
    assert history["messages"][1]["thread_ts"] == parent


async def test_replies_are_paged_by_limit_and_cursor(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    parent = fake.add_message("C0SUPPORT", "p", user=CLIENT)
    for n in range(4):
        fake.add_message("C0SUPPORT", str(n), user=CLIENT, thread_ts=parent)

    page = await client.conversations_replies(channel="C0SUPPORT", ts=parent, limit=3)
    cursor = page["response_metadata"]["next_cursor"]
    rest = await client.conversations_replies(
        channel="C0SUPPORT", ts=parent, limit=3, cursor=cursor
    )

    assert [m["text"] for m in page["messages"]] == ["p", "0", "1"] and page["has_more"]
    assert [m["text"] for m in rest["messages"]] == ["2", "3"] and not rest["has_more"]
    bad = client.conversations_replies(channel="C0SUPPORT", ts=parent, cursor="not-a-cursor")
    assert await error_of(bad) == "invalid_cursor"


async def test_replies_errors_match_slack(client: AsyncWebClient) -> None:
    missing = client.conversations_replies(channel="C0SUPPORT", ts="1700000000.999999")
    assert await error_of(missing) == "thread_not_found"
    nowhere = client.conversations_replies(channel="C0NONE", ts="1700000000.000100")
    assert await error_of(nowhere) == "channel_not_found"
    outside = client.conversations_replies(channel="C0NOBOT", ts="1700000000.000100")
    assert await error_of(outside) == "not_in_channel"


async def test_a_reply_to_a_message_the_fake_never_saw_is_a_thread_of_replies(
    client: AsyncWebClient,
) -> None:
    """The bot answers mentions a test never added with add_message; the thread still reads."""
    await client.chat_postMessage(channel="C0SUPPORT", text="ack", thread_ts="1763800000.000100")

    thread = await client.conversations_replies(channel="C0SUPPORT", ts="1763800000.000100")

    assert [m["text"] for m in thread["messages"]] == ["ack"]


async def test_metadata_is_kept_and_read_back_only_on_request(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    card = await client.chat_postMessage(channel="C0SUPPORT", text="card", metadata=EFFECT)
    await client.chat_update(channel="C0SUPPORT", ts=card["ts"], text="card, updated")
    note = await client.chat_postMessage(
        channel="C0SUPPORT", text="note", thread_ts=card["ts"], metadata=EFFECT
    )

    plain = await client.conversations_history(channel="C0SUPPORT")
    full = await client.conversations_history(channel="C0SUPPORT", include_all_metadata=True)
    thread = await client.conversations_replies(
        channel="C0SUPPORT", ts=card["ts"], include_all_metadata=True
    )
    plain_thread = await client.conversations_replies(channel="C0SUPPORT", ts=note["ts"])

    assert "metadata" not in plain["messages"][0]
    assert full["messages"][0]["metadata"] == EFFECT  # chat.update left it as it was
    assert full["messages"][0]["text"] == "card, updated"
    assert [m["metadata"] for m in thread["messages"]] == [EFFECT, EFFECT]
    assert all("metadata" not in m for m in plain_thread["messages"])
    assert card["message"]["metadata"] == EFFECT
    assert fake.message("C0SUPPORT", card["ts"])["metadata"] == EFFECT  # type: ignore[index]
    malformed = client.chat_postMessage(
        channel="C0SUPPORT", text="x", metadata={"event_payload": {}}
    )
    assert await error_of(malformed) == "invalid_metadata_schema"


async def test_history_reads_a_dm_the_bot_opened(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    dm = (await client.conversations_open(users=CLIENT))["channel"]["id"]
    await client.chat_postMessage(channel=dm, text="About your complaint", metadata=EFFECT)
    await client.chat_postMessage(channel=CLIENT, text="And again")  # a user ID means the DM

    found = await client.conversations_history(channel=dm, limit=50, include_all_metadata=True)

    assert [m["text"] for m in found["messages"]] == ["And again", "About your complaint"]
    assert found["messages"][1]["metadata"] == EFFECT
    assert [m["text"] for m in fake.posted(CLIENT)] == [m["text"] for m in fake.posted(dm)]


async def test_posted_and_successful_calls_show_what_slack_holds(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    parent = await client.chat_postMessage(channel="C0SUPPORT", text="top")
    await client.chat_postMessage(channel="C0SUPPORT", text="reply", thread_ts=parent["ts"])
    await client.chat_update(channel="C0SUPPORT", ts=parent["ts"], text="top, edited")
    fake.add_message("C0SUPPORT", "a person", user=AGENT)
    fake.fail_next("chat.postMessage", ServerError(503))
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C0SUPPORT", text="lost")
    assert await error_of(client.chat_postMessage(channel="C0OLD", text="x")) == "is_archived"

    assert [m["text"] for m in fake.posted("C0SUPPORT")] == ["top, edited"]
    assert [m["text"] for m in fake.posted("C0SUPPORT", thread_ts=parent["ts"])] == ["reply"]
    assert [c.params["text"] for c in fake.successful_calls("chat.postMessage")] == [
        "top",
        "reply",
    ]
    assert len(fake.successful_calls()) == 3  # the update too
    assert len(fake.calls_to("chat.postMessage")) == 4


async def test_wait_until_checks_after_each_call(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    async def post_three() -> None:
        for n in range(3):
            await asyncio.sleep(0.02)
            await client.chat_postMessage(channel="C0SUPPORT", text=str(n))

    task = asyncio.create_task(post_three())
    await fake.wait_until(lambda: len(fake.posted("C0SUPPORT")) == 3, timeout=2)
    await task

    with pytest.raises(TimeoutError):
        await fake.wait_until(lambda: len(fake.posted("C0SUPPORT")) == 4, timeout=0.1)
