"""Build and sign HTTP requests the way Slack sends them to a Bolt app.

Bolt rejects anything not signed with the app's signing secret, so end-to-end tests must sign
their requests exactly as Slack does
(https://docs.slack.dev/authentication/verifying-requests-from-slack/):
``v0=`` + hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}")).

The payload builders fill in the fields Slack actually sends (checked against Slack's
interaction-payload reference and Bolt's typed payloads), so handlers that read e.g.
``body["user"]["id"]``, ``body["container"]["message_ts"]`` or ``body["view"]["state"]`` see
what production would give them.

The defaults match ``tests/fakes/slack_api.py`` (team ``T0FIRM``, bot ``UBOT``, app ``A0BOT``);
they are repeated here so this module imports on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

JSON = dict[str, Any]

TEAM_ID = "T0FIRM"
TEAM_DOMAIN = "firm"
API_APP_ID = "A0BOT"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
USER_ID = "U0CLIENT"
USER_NAME = "client.contact"
CHANNEL_ID = "C0SUPPORT"
CHANNEL_NAME = "support"
#: The deprecated verification token Slack still puts in payloads; Bolt ignores it.
VERIFICATION_TOKEN = "legacy-verification-token"
#: Port 9 (discard) on loopback refuses connections: a bot that answers through a default
#: ``response_url`` fails loudly instead of reaching hooks.slack.com. Pass
#: ``FakeSlackAPI.response_url()`` to capture those answers.
OFFLINE_RESPONSE_URL = "http://127.0.0.1:9/response_url"

FORM = "application/x-www-form-urlencoded"
JSON_CONTENT = "application/json"

_sequence = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_sequence):08d}"


def _trigger_id() -> str:
    return f"{int(time.time())}.{next(_sequence)}.0123456789abcdef0123456789abcdef"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` headers for ``body``.

    ``timestamp`` defaults to now; pass an old one to test replay rejection.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


async def post_signed(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    secret: str,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> aiohttp.ClientResponse:
    """POST ``body`` signed with ``secret``; ``headers`` can add to or override the signature.

    The response is returned unread; it is released when read or when ``session`` closes.
    """
    all_headers = {"Content-Type": content_type, **sign(body, secret), **(headers or {})}
    return await session.post(url, data=body, headers=all_headers)


# ---------------------------------------------------------------------- Events API


def event_body(
    event: JSON,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    *,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
    is_ext_shared_channel: bool = False,
) -> bytes:
    """An ``event_callback`` envelope around ``event``, JSON-encoded (send as application/json).

    ``event_id`` defaults to a fresh one, since Slack retries reuse it and bots deduplicate on it.
    """
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or _unique("Ev"),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": "4-" + _unique("eyJldCI6Im1lc3NhZ2UifQ"),
    }
    return json.dumps(envelope).encode()


def retry_headers(attempt: int = 1, reason: str = "http_error") -> dict[str, str]:
    """The headers Slack adds when it delivers an event again, with the same ``event_id``,
    because an earlier delivery failed: ``attempt`` counts from 1 (Slack tries three more
    times); ``reason`` is e.g. ``http_error`` (a non-2xx answer) or ``http_timeout``."""
    return {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}


# ---------------------------------------------------------------------- slash commands


def command_body(
    command: str = "/complaint",
    text: str = "",
    user_id: str = USER_ID,
    channel_id: str = CHANNEL_ID,
    trigger_id: str | None = None,
    *,
    user_name: str = USER_NAME,
    channel_name: str = CHANNEL_NAME,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    response_url: str = OFFLINE_RESPONSE_URL,
) -> bytes:
    """A slash-command invocation, form-encoded as Slack sends it (send as FORM)."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }
    return urlencode(fields).encode()


# ---------------------------------------------------------------------- interactivity


def interaction_body(payload: JSON) -> bytes:
    """An interaction request: form-encoded ``payload=<json>`` (send as FORM)."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def _user(user_id: str, user_name: str, team_id: str) -> JSON:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team(team_id: str) -> JSON:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def block_action_payload(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str = "actions",
    action_type: str = "button",
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    message: JSON | None = None,
    view: JSON | None = None,
    team_id: str = TEAM_ID,
    user_team_id: str | None = None,
    api_app_id: str = API_APP_ID,
    trigger_id: str | None = None,
    response_url: str = OFFLINE_RESPONSE_URL,
) -> JSON:
    """A ``block_actions`` payload for one clicked element.

    Without ``view`` the element sits in a message (``message`` defaults to a bot message in
    ``channel_id``) and the payload carries ``channel``, ``message`` and ``response_url``; with
    ``view`` (as :func:`view_payload` builds it) it sits in a modal and carries ``view`` instead.
    ``user_team_id`` makes the clicking user one of another organisation (a Slack Connect
    channel): ``user.team_id`` and ``team`` are theirs, not the workspace's ``team_id``.
    """
    action: JSON = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": _action_ts(),
    }
    if value is not None:
        action["value"] = value
    acting_team = user_team_id or team_id
    payload: JSON = {
        "type": "block_actions",
        "user": _user(user_id, user_name, acting_team),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "team": _team(acting_team),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        return payload
    message = message or bot_message()
    payload["container"] = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel_id, "name": channel_name}
    payload["message"] = message
    payload["state"] = {"values": {}}
    payload["response_url"] = response_url
    return payload


def view_payload(
    callback_id: str,
    values: JSON | None = None,
    *,
    private_metadata: str = "",
    view_id: str | None = None,
    blocks: list[JSON] | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> JSON:
    """A modal ``view`` object as it appears inside interaction payloads.

    ``values`` is ``state.values`` in Slack's shape:
    ``{block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}``.
    """
    view_id = view_id or _unique("V")
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": values or {}},
        "hash": f"{int(time.time())}.{_unique('h')}",
        "title": {"type": "plain_text", "text": "Complaint", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": api_app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }


def view_submission_payload(
    callback_id: str,
    values: JSON | None = None,
    *,
    private_metadata: str = "",
    view: JSON | None = None,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    team_id: str = TEAM_ID,
    user_team_id: str | None = None,
    api_app_id: str = API_APP_ID,
    trigger_id: str | None = None,
) -> JSON:
    """A ``view_submission`` payload: the user pressed Submit on a modal.

    Pass ``view`` to submit a modal built earlier with :func:`view_payload` (then
    ``values`` and ``private_metadata`` are taken from it, not from the arguments).
    ``user_team_id`` makes the submitting user one of another organisation: ``user.team_id``
    and ``team`` are theirs, while the view stays the workspace's (``app_installed_team_id``).
    """
    acting_team = user_team_id or team_id
    return {
        "type": "view_submission",
        "team": _team(acting_team),
        "user": _user(user_id, user_name, acting_team),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "view": view
        or view_payload(
            callback_id,
            values,
            private_metadata=private_metadata,
            team_id=team_id,
            api_app_id=api_app_id,
        ),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_shortcut_payload(
    callback_id: str,
    message: JSON | None = None,
    *,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str = OFFLINE_RESPONSE_URL,
) -> JSON:
    """A ``message_action`` payload: the user ran a message shortcut on ``message``.

    ``message`` defaults to a plain message from ``user_id`` (see :func:`user_message`).
    """
    message = message or user_message("Something went wrong", user_id=user_id)
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": _action_ts(),
        "team": _team(team_id),
        "user": _user(user_id, user_name, team_id),
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or _trigger_id(),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }


def user_message(text: str, *, user_id: str = USER_ID, ts: str | None = None) -> JSON:
    """A message written by a person, as it appears in payloads and ``message`` events."""
    return {
        "type": "message",
        "user": user_id,
        "ts": ts or _action_ts(),
        "text": text,
        "team": TEAM_ID,
    }


def bot_message(text: str = "", *, ts: str | None = None) -> JSON:
    """A message the bot posted with its bot token (e.g. the one holding a clicked button)."""
    return {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": API_APP_ID,
        "ts": ts or _action_ts(),
        "text": text,
        "team": TEAM_ID,
    }
