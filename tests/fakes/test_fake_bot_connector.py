"""The fake must answer botframework-connector's own client the way the Connector does, or
Teams tests lie: sends, replies, updates, proactive 1:1 chats, tokens, and scripted failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from msrest.authentication import BasicTokenAuthentication

from .bot_connector import (
    ConnectorError,
    FakeBotConnector,
    RateLimited,
    ServerError,
    to_conversation,
)

INTERNAL = "19:internal@thread.tacv2"
CLIENT_CHANNEL = "19:acme@thread.tacv2"
SCOPE = "https://api.botframework.com/.default"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    async with FakeBotConnector() as connector:
        connector.add_conversation(INTERNAL, [("29:dana", "Dana Levi"), ("29:maya", "Maya Cohen")])
        connector.add_conversation(CLIENT_CHANNEL, [("29:carol", "Carol Client")], bot=False)
        yield connector


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def grant(fake: FakeBotConnector, http: aiohttp.ClientSession, **form: str) -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_id": fake.app_id,
        "client_secret": fake.app_password,
        "scope": SCOPE,
        **form,
    }
    async with http.post(fake.token_url(), data=data) as response:
        return response.status, await response.json()


@pytest.fixture
async def client(
    fake: FakeBotConnector, http: aiohttp.ClientSession
) -> AsyncIterator[ConnectorClient]:
    _, token = await grant(fake, http)
    credentials = BasicTokenAuthentication({"access_token": token["access_token"]})
    async with ConnectorClient(credentials, base_url=fake.service_url) as connector:
        yield connector


def message(text: str, **more: Any) -> Activity:
    return Activity(type="message", text=text, **more)


async def error_of(call: Any) -> tuple[int, str]:
    with pytest.raises(ErrorResponseException) as raised:
        await call
    return raised.value.response.status_code, raised.value.error.error.code


# --- tokens ---------------------------------------------------------------------------------


async def test_service_and_token_urls_are_loopback(fake: FakeBotConnector) -> None:
    assert fake.service_url.startswith("http://127.0.0.1:")
    assert fake.token_url("botframework.com").endswith("/botframework.com/oauth2/v2.0/token")


async def test_client_credentials_buy_a_bearer_token(
    fake: FakeBotConnector, http: aiohttp.ClientSession
) -> None:
    status, token = await grant(fake, http)
    assert status == 200
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["access_token"]
    (call,) = fake.calls_to("token")
    assert call.args["tenant"] == fake.tenant_id
    assert call.body["client_id"] == fake.app_id


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"scope": "https://api.botframework.com"}, 400, "invalid_scope"),
    ],
)
async def test_a_bad_grant_is_refused(
    fake: FakeBotConnector,
    http: aiohttp.ClientSession,
    form: dict[str, str],
    status: int,
    error: str,
) -> None:
    got, body = await grant(fake, http, **form)
    assert (got, body["error"]) == (status, error)
    assert body["error_description"]
    assert fake.calls_to("token")[0].status == status


async def test_the_connector_wants_an_issued_token(
    fake: FakeBotConnector, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.service_url}v3/conversations/{INTERNAL}/activities"
    for headers in ({}, {"Authorization": "Bearer forged"}):
        async with http.post(url, json={"type": "message"}, headers=headers) as response:
            assert response.status == 401
            assert await response.json() == {
                "message": "Authorization has been denied for this request."
            }
    assert fake.posted(INTERNAL) == []


# --- activities -----------------------------------------------------------------------------


async def test_send_reply_update_and_delete(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    card = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"type": "AdaptiveCard"},
    }
    sent = await client.conversations.send_to_conversation(
        INTERNAL, message("card", attachments=[card])
    )
    reply = await client.conversations.reply_to_activity(INTERNAL, sent.id, message("note"))
    updated = await client.conversations.update_activity(INTERNAL, sent.id, message("card v2"))

    assert updated.id == sent.id != reply.id
    assert int(reply.id) > int(sent.id)
    (top,) = fake.posted(INTERNAL)
    assert top["text"] == "card v2" and top["from"]["id"] == fake.bot["id"]
    assert [a["text"] for a in fake.posted(INTERNAL, reply_to=sent.id)] == ["note"]
    send = fake.calls_to("send")[0]
    assert send.method == "POST" and send.conversation_id == INTERNAL
    assert send.body["attachments"] == [card]
    assert send.headers["authorization"].startswith("Bearer fake-token-")
    assert [c.route for c in fake.calls] == ["token", "send", "reply", "update"]

    await client.conversations.delete_activity(INTERNAL, reply.id)
    assert fake.posted(INTERNAL, reply_to=sent.id) == []


async def test_sending_to_a_thread_replies_in_it(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    root = await client.conversations.send_to_conversation(INTERNAL, message("root"))
    thread = f"{INTERNAL};messageid={root.id}"
    await client.conversations.send_to_conversation(thread, message("in the thread"))
    assert [a["text"] for a in fake.posted(INTERNAL, reply_to=root.id)] == ["in the thread"]
    assert len(fake.successful_calls(to_conversation(INTERNAL))) == 2


async def test_refusals_are_error_responses(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    conversations = client.conversations
    assert await error_of(conversations.send_to_conversation("19:nowhere", message("x"))) == (
        404,
        "ConversationNotFound",
    )
    assert await error_of(conversations.send_to_conversation(CLIENT_CHANNEL, message("x"))) == (
        403,
        "BotNotInConversationRoster",
    )
    assert await error_of(conversations.update_activity(INTERNAL, "1", message("x"))) == (
        404,
        "ActivityNotFound",
    )
    huge = message("x" * (29 * 1024))
    assert await error_of(conversations.send_to_conversation(INTERNAL, huge)) == (
        413,
        "MessageSizeTooBig",
    )
    assert fake.posted(INTERNAL) == []


async def test_a_malformed_activity_is_a_bad_argument(
    fake: FakeBotConnector, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.service_url}v3/conversations/{INTERNAL}/activities"
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    async with http.post(url, data="not json", headers=headers) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "BadArgument"


# --- conversations --------------------------------------------------------------------------


async def test_a_proactive_chat_is_the_same_each_time(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    def parameters(**more: Any) -> ConversationParameters:
        return ConversationParameters(
            bot=ChannelAccount(id=fake.bot["id"]),
            members=[ChannelAccount(id="29:dana", name="Dana Levi")],
            tenant_id=fake.tenant_id,
            **more,
        )

    first = await client.conversations.create_conversation(parameters())
    again = await client.conversations.create_conversation(parameters(activity=message("hello")))
    assert first.id == again.id == fake.chat_id("29:dana")
    assert first.service_url == fake.service_url
    assert [a["text"] for a in fake.posted("29:dana")] == ["hello"]
    assert again.activity_id == fake.posted(first.id)[0]["id"]
    members = await client.conversations.get_conversation_members(first.id)
    assert [m.id for m in members] == ["29:dana", fake.bot["id"]]


async def test_a_chat_needs_one_member_and_a_tenant(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    bot = ChannelAccount(id=fake.bot["id"])
    nobody = ConversationParameters(bot=bot, members=[], tenant_id=fake.tenant_id)
    no_tenant = ConversationParameters(bot=bot, members=[ChannelAccount(id="29:dana")])
    for parameters in (nobody, no_tenant):
        status, code = await error_of(client.conversations.create_conversation(parameters))
        assert (status, code) == (400, "BadArgument")


async def test_a_new_channel_thread_starts_with_its_activity(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    created = await client.conversations.create_conversation(
        ConversationParameters(
            is_group=True,
            channel_data={"channel": {"id": INTERNAL}},
            activity=message("case card"),
            tenant_id=fake.tenant_id,
        )
    )
    assert created.id == f"{INTERNAL};messageid={created.activity_id}"
    assert [a["text"] for a in fake.posted(INTERNAL)] == ["case card"]


async def test_a_channel_thread_is_a_group_conversation(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    parameters = ConversationParameters(
        is_group=False,
        channel_data={"channel": {"id": INTERNAL}},
        activity=message("case card"),
        tenant_id=fake.tenant_id,
    )
    status, code = await error_of(client.conversations.create_conversation(parameters))
    assert (status, code) == (400, "BadArgument")
    assert fake.posted(INTERNAL) == []


async def test_members_of_a_channel(fake: FakeBotConnector, client: ConnectorClient) -> None:
    members = await client.conversations.get_conversation_members(INTERNAL)
    assert [(m.id, m.name) for m in members] == [
        ("29:dana", "Dana Levi"),
        ("29:maya", "Maya Cohen"),
        (fake.bot["id"], "complaintbot"),
    ]


# --- scripted failures ----------------------------------------------------------------------


async def test_rate_limit_answers_429_with_retry_after_then_recovers(
    fake: FakeBotConnector, http: aiohttp.ClientSession
) -> None:
    fake.fail_when(to_conversation(INTERNAL), RateLimited(7), ServerError(502))
    url = f"{fake.service_url}v3/conversations/{INTERNAL}/activities"
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}

    async def send() -> tuple[int, str | None]:
        async with http.post(url, json={"type": "message"}, headers=headers) as response:
            return response.status, response.headers.get("Retry-After")

    assert await send() == (429, "7")
    assert await send() == (502, None)
    assert await send() == (201, None)
    assert [c.failed for c in fake.calls_to("send")] == [True, True, False]
    assert len(fake.posted(INTERNAL)) == 1


async def test_fail_next_goes_first_and_outage_lasts(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    conversations = client.conversations
    fake.fail_next("send", ConnectorError(403, "Forbidden"))
    fake.outage(["send", "reply"])
    assert await error_of(conversations.send_to_conversation(INTERNAL, message("x"))) == (
        403,
        "Forbidden",
    )
    for _ in range(2):
        assert await error_of(conversations.send_to_conversation(INTERNAL, message("x"))) == (
            503,
            "ServiceError",
        )
    fake.end_outage()
    await conversations.send_to_conversation(INTERNAL, message("x"))
    assert len(fake.posted(INTERNAL)) == 1


async def test_a_delayed_answer_has_already_taken_effect(
    fake: FakeBotConnector, client: ConnectorClient
) -> None:
    lift = fake.delay("send", 30)
    sending = asyncio.ensure_future(
        client.conversations.send_to_conversation(INTERNAL, message("slow"))
    )
    await fake.wait_until(lambda: len(fake.posted(INTERNAL)) == 1)
    assert not sending.done()  # posted, but the bot has not heard back
    sending.cancel()
    lift()
    await client.conversations.send_to_conversation(INTERNAL, message("fast"))
    call = await fake.wait_for(lambda c: c.route == "send" and c.body["text"] == "fast")
    assert call.ok


async def test_wait_for_names_what_it_saw(fake: FakeBotConnector) -> None:
    with pytest.raises(TimeoutError, match="saw"):
        await fake.wait_for("send", timeout=0.1)


async def test_an_anonymous_connector_takes_calls_without_a_token(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeBotConnector(anonymous=True) as anonymous:
        anonymous.add_conversation(INTERNAL)
        url = f"{anonymous.service_url}v3/conversations/{INTERNAL}/activities"
        async with http.post(url, json={"type": "message", "text": "hi"}) as response:
            assert response.status == 201
        forged = {"Authorization": "Bearer forged"}
        async with http.post(url, json={"type": "message"}, headers=forged) as response:
            assert response.status == 401
        assert [a["text"] for a in anonymous.posted(INTERNAL)] == ["hi"]


async def test_graph_lists_what_was_posted_as_chat_messages_in_pages(
    fake: FakeBotConnector, http: aiohttp.ClientSession
) -> None:
    team = "7d3e9a10-8f2b-4c5d-9e6f-0000000000f1"
    fake.add_conversation("19:firm@thread.tacv2", [("29:dana", "Dana Levi")], team=team)
    token = fake.issue_token()
    headers = {"Authorization": f"Bearer {token}"}
    root = fake.next_activity_id()
    dana = {"id": "29:dana", "name": "Dana Levi"}
    fake.add_message("19:firm@thread.tacv2", {"id": root, "type": "message", "from": dana})
    thread = f"19:firm@thread.tacv2;messageid={root}"
    for n in range(55):
        async with http.post(
            f"{fake.service_url}v3/conversations/{thread}/activities",
            json={"type": "message", "text": f"<at>Dana Levi</at> reply {n}"},
            headers=headers,
        ) as response:
            assert response.status == 201
    replies = f"{fake.graph_url}/teams/{team}/channels/19:firm@thread.tacv2/messages/{root}/replies"

    async with http.get(f"{replies}?$top=50", headers=headers) as response:
        page = await response.json()
    assert len(page["value"]) == 50
    newest = page["value"][0]
    assert newest["body"] == {
        "contentType": "html",
        "content": '<p><at id="0">Dana Levi</at> reply 54</p>',
    }
    assert newest["from"]["application"]["id"] == fake.app_id and newest["from"]["user"] is None
    assert newest["replyToId"] == root and newest["createdDateTime"].endswith("Z")
    assert newest["channelIdentity"] == {"teamId": team, "channelId": "19:firm@thread.tacv2"}
    async with http.get(page["@odata.nextLink"], headers=headers) as response:
        rest = await response.json()
    assert [m["body"]["content"] for m in rest["value"]][-1].endswith("reply 0</p>")
    assert "@odata.nextLink" not in rest

    top = f"{fake.graph_url}/teams/{team}/channels/19:firm@thread.tacv2/messages"
    async with http.get(top, headers=headers) as response:
        (message,) = (await response.json())["value"]
    assert message["id"] == root and message["from"]["user"]["id"] == "29:dana"
    for url, status in [
        (f"{replies}?$top=51", 400),  # at most 50
        (f"{top}?$filter=x", 400),  # no other OData on channels
        (top.replace(team, "another-team"), 404),  # a channel is read under its team
        (f"{fake.graph_url}/chats/{fake.chat_id('29:dana')}/messages", 404),  # 1:1: not so
    ]:
        async with http.get(url, headers=headers) as response:
            assert response.status == status, url
    fake.graph_consent = False
    async with http.get(top, headers=headers) as response:
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "Forbidden"
