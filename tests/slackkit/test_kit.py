"""The kit's signatures, request bodies and manifest check must agree with Slack's own tools.

Signatures are checked against ``slack_sdk``'s verifier, and the request builders against a
real Bolt app: if Bolt routes them to the right listener with the right fields, a bot test
built on them exercises the same code path as production.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from aiohttp import web
from jsonschema import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.signature import SignatureVerifier

from .manifest import SCHEMA_DIR, validate_manifest
from .signing import (
    FORM,
    JSON_CONTENT,
    block_action_payload,
    command_body,
    event_body,
    interaction_body,
    message_shortcut_payload,
    post_signed,
    sign,
    view_payload,
    view_submission_payload,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


# ---------------------------------------------------------------------- signing


def test_sign_matches_slack_sdk_verifier() -> None:
    body = command_body(text="late delivery")

    headers = sign(body, SECRET)

    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert verifier.is_valid_request(body, headers)
    assert headers["X-Slack-Signature"] == verifier.generate_signature(
        timestamp=headers["X-Slack-Request-Timestamp"], body=body
    )


def test_sign_is_rejected_for_other_secret_body_or_stale_time() -> None:
    body = event_body({"type": "app_mention"})
    verifier = SignatureVerifier(SECRET)

    assert not verifier.is_valid_request(body, sign(body, "another-secret"))
    assert not verifier.is_valid_request(body + b" ", sign(body, SECRET))
    assert not verifier.is_valid_request(body, sign(body, SECRET, int(time.time()) - 600))


def test_bodies_are_encoded_as_slack_sends_them() -> None:
    envelope = json.loads(event_body({"type": "app_mention"}, event_id="Ev0001"))
    command = parse_qs(command_body(text="late", trigger_id="1.2.abc").decode())
    interaction = parse_qs(interaction_body({"type": "block_actions"}).decode())

    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev0001"
    assert envelope["authorizations"][0]["user_id"] == "UBOT"
    assert command["command"] == ["/complaint"] and command["trigger_id"] == ["1.2.abc"]
    assert json.loads(interaction["payload"][0]) == {"type": "block_actions"}


# ---------------------------------------------------------------------- Bolt round trip


@dataclass
class BoltServer:
    url: str
    received: asyncio.Queue[tuple[str, dict[str, Any]]]


async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
    """Authorise without calling auth.test: this test has no Slack API to talk to."""
    return AuthorizeResult(
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_user_id="UBOT",
        bot_id="BBOT",
        bot_token="xoxb-test",
    )


@pytest.fixture
async def bolt() -> AsyncIterator[BoltServer]:
    received: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    app = AsyncApp(signing_secret=SECRET, authorize=authorize)

    @app.command("/complaint")
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        received.put_nowait(("command", body))

    @app.event("app_mention")
    async def on_mention(body: dict[str, Any]) -> None:
        received.put_nowait(("event", body))

    @app.action("escalate")
    async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        received.put_nowait(("action", body))

    @app.view("complaint_form")
    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        received.put_nowait(("view", body))

    @app.shortcut("log_complaint")
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        received.put_nowait(("shortcut", body))

    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        yield BoltServer(f"http://127.0.0.1:{port}/slack/events", received)
    finally:
        await runner.cleanup()


async def deliver(bolt: BoltServer, body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        response = await post_signed(session, bolt.url, body, SECRET, content_type)
        assert response.status == 200, await response.text()
    return await asyncio.wait_for(bolt.received.get(), timeout=5)


async def test_bolt_rejects_bad_signatures(bolt: BoltServer) -> None:
    body = command_body()
    async with aiohttp.ClientSession() as session:
        forged = await post_signed(session, bolt.url, body, "not-the-secret", FORM)
        stale = await post_signed(
            session, bolt.url, body, SECRET, FORM, headers=sign(body, SECRET, 1_500_000_000)
        )

    assert (forged.status, stale.status) == (401, 401)
    assert bolt.received.empty()


async def test_bolt_routes_slash_command(bolt: BoltServer) -> None:
    kind, body = await deliver(bolt, command_body(text="invoice 42 wrong"), FORM)

    assert kind == "command"
    assert (body["text"], body["user_id"], body["channel_id"]) == (
        "invoice 42 wrong",
        "U0CLIENT",
        "C0SUPPORT",
    )
    assert body["trigger_id"]


async def test_bolt_routes_event(bolt: BoltServer) -> None:
    mention = {
        "type": "app_mention",
        "user": "U0CLIENT",
        "text": "<@UBOT> my order is late",
        "ts": "1700000001.000200",
        "channel": "C0SUPPORT",
        "event_ts": "1700000001.000200",
    }

    kind, body = await deliver(bolt, event_body(mention, event_id="Ev0TEST"), JSON_CONTENT)

    assert (kind, body["event_id"], body["event"]["text"]) == (
        "event",
        "Ev0TEST",
        "<@UBOT> my order is late",
    )


async def test_bolt_routes_block_action_in_message(bolt: BoltServer) -> None:
    payload = block_action_payload("escalate", "complaint-7", block_id="triage")

    kind, body = await deliver(bolt, interaction_body(payload), FORM)

    assert kind == "action"
    assert body["actions"][0]["value"] == "complaint-7"
    assert body["container"]["message_ts"] == body["message"]["ts"]
    assert body["channel"]["id"] == "C0SUPPORT"


async def test_bolt_routes_block_action_in_modal(bolt: BoltServer) -> None:
    modal = view_payload("complaint_form", private_metadata="complaint-7")

    kind, body = await deliver(
        bolt, interaction_body(block_action_payload("escalate", view=modal)), FORM
    )

    assert kind == "action"
    assert body["container"] == {"type": "view", "view_id": modal["id"]}
    assert "message" not in body


async def test_bolt_routes_view_submission(bolt: BoltServer) -> None:
    values = {"details": {"text": {"type": "plain_text_input", "value": "Parcel lost"}}}
    payload = view_submission_payload("complaint_form", values, private_metadata="C0SUPPORT")

    kind, body = await deliver(bolt, interaction_body(payload), FORM)

    assert kind == "view"
    assert body["view"]["state"]["values"]["details"]["text"]["value"] == "Parcel lost"
    assert body["view"]["private_metadata"] == "C0SUPPORT"


async def test_bolt_routes_message_shortcut(bolt: BoltServer) -> None:
    payload = message_shortcut_payload("log_complaint")

    kind, body = await deliver(bolt, interaction_body(payload), FORM)

    assert kind == "shortcut"
    assert body["message_ts"] == body["message"]["ts"]
    assert body["channel"]["id"] == "C0SUPPORT"


# ---------------------------------------------------------------------- manifest


def example_manifest() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "example.valid.v1.json").read_text(encoding="utf-8"))


def test_example_manifest_is_valid() -> None:
    validate_manifest(example_manifest())


def test_manifest_with_unknown_field_is_invalid() -> None:
    manifest = copy.deepcopy(example_manifest())
    manifest["display_information"]["colour"] = "red"

    with pytest.raises(ValidationError, match="'colour' was unexpected"):
        validate_manifest(manifest)


def test_manifest_with_wrongly_typed_field_is_invalid() -> None:
    manifest = copy.deepcopy(example_manifest())
    manifest["settings"]["socket_mode_enabled"] = "yes"

    with pytest.raises(ValidationError) as raised:
        validate_manifest(manifest)

    assert list(raised.value.absolute_path) == ["settings", "socket_mode_enabled"]
