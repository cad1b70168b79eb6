"""Correctly signed requests whose bodies are not what Slack sends: 400, and nothing changes.

A signature proves who sent a body, not that it has the shape the bot reads. Each body
here is checked before any listener runs: no case is opened or changed, nothing is said.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ACME, AVI, CLIENT, INTERNAL, MAYA, SlackBot
from tests.slackkit import events
from tests.slackkit.signing import (
    FORM,
    JSON_CONTENT,
    block_action_payload,
    command_body,
    event_body,
    interaction_body,
    message_shortcut_payload,
    user_message,
    view_submission_payload,
)

ROOT = "1763820000.000100"
COMPLAINT = "<@UBOT> the report was late again, <@U0DANA> never answered"


def mention(**changes: Any) -> dict[str, Any]:
    return {**events.app_mention(ACME, ROOT, COMPLAINT, user=CLIENT), **changes}


def reply(**changes: Any) -> dict[str, Any]:
    event = events.message(ACME, "1763820001.000100", "more", user=CLIENT, thread_ts=ROOT)
    return {**event, **changes}


def envelope(**changes: Any) -> bytes:
    body = json.loads(event_body(mention()))
    return json.dumps({**body, **changes}).encode()


def metadata(case_id: str) -> str:
    return json.dumps({"case_id": case_id, "channel": INTERNAL})


def submission(case_id: str, **view_changes: Any) -> dict[str, Any]:
    payload = view_submission_payload(
        "assess",
        {"verdict": {"verdict": {"type": "radio_buttons", "selected_option": {"value": "right"}}}},
        private_metadata=metadata(case_id),
        user_id=MAYA,
    )
    view = {k: v for k, v in payload["view"].items() if k not in view_changes}
    view.update({k: v for k, v in view_changes.items() if v is not None})
    return {**payload, "view": view}


def without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    """`payload` with the key at `path` removed (a copy)."""
    copied = json.loads(json.dumps(payload))
    node = copied
    for key in path[:-1]:
        node = node[key] if not isinstance(node, list) else node[int(key)]
    del node[path[-1]]
    return copied


def bodies(case_id: str) -> dict[str, tuple[bytes, str]]:
    """Name -> (body, content type): every one signed, every one malformed."""
    as_json = {
        "a list": b"[]",
        "null": b"null",
        "a number": b"42",
        "event as a list": envelope(event=[mention()]),
        "event as null": envelope(event=None),
        "event without a type": envelope(event=without(mention(), "type")),
        "event_id as a number": envelope(event_id=7),
        "channel as a number": event_body(mention(channel=12345)),
        "ts as a number": event_body(mention(ts=1763820000.0001)),
        "text null": event_body(mention(text=None)),
        "user as an object": event_body(mention(user={"id": CLIENT})),
        "a reply's user as an object": event_body(reply(user={"id": CLIENT})),
        "a reply's thread_ts as a list": event_body(reply(thread_ts=[ROOT])),
        "a reply's files as an object": event_body(reply(files={"name": "x.pdf"})),
        "a reply's file as a string": event_body(reply(files=["x.pdf"])),
        "a reaction's item as a list": event_body(
            {
                **events.reaction_added(
                    ACME,
                    ROOT,
                    user=AVI,
                    item_user=CLIENT,
                    reaction="triangular_flag_on_post",
                    event_ts="1763820002.000100",
                ),
                "item": [ACME, ROOT],
            }
        ),
        "a reaction without a user": event_body(
            without(
                events.reaction_added(
                    ACME,
                    ROOT,
                    user=AVI,
                    item_user=CLIENT,
                    reaction="triangular_flag_on_post",
                    event_ts="1763820002.000100",
                ),
                "user",
            )
        ),
    }
    press = block_action_payload("assess", case_id, user_id=MAYA, channel_id=INTERNAL)
    shortcut = message_shortcut_payload(
        "log_complaint", user_message(COMPLAINT, user_id=CLIENT), user_id=AVI, channel_id=ACME
    )
    interactions: dict[str, Any] = {
        "payload a list": [],
        "payload null": None,
        "a block action without value": without(press, "actions", "0", "value"),
        "a block action without actions": without(press, "actions"),
        "a block action with actions an object": {**press, "actions": {"0": press["actions"][0]}},
        "a block action without a user": without(press, "user"),
        "a block action with a numeric user id": {**press, "user": {"id": 5}},
        "a block action without trigger_id": without(press, "trigger_id"),
        "a view submission without view.id": submission(case_id, id=None),
        "a view submission without state": submission(case_id, state=None),
        "a view submission with values a list": submission(case_id, state={"values": []}),
        "a view submission with a field as a string": submission(
            case_id, state={"values": {"verdict": {"verdict": "right"}}}
        ),
        "a view submission with a choice as a string": submission(
            case_id,
            state={"values": {"verdict": {"verdict": {"selected_option": "right"}}}},
        ),
        "a view submission with metadata not JSON": submission(case_id, private_metadata="{"),
        "a view submission with metadata a list": submission(case_id, private_metadata="[]"),
        "a view submission with metadata without case_id": submission(
            case_id, private_metadata=json.dumps({"channel": INTERNAL})
        ),
        "a view submission without view": without(submission(case_id), "view"),
        "a shortcut without its message": without(shortcut, "message"),
        "a shortcut with channel a string": {**shortcut, "channel": ACME},
    }
    as_form = {name: (interaction_body(payload), FORM) for name, payload in interactions.items()}
    as_form["interaction payload not JSON"] = (urlencode({"payload": "{not json"}).encode(), FORM)
    command = dict(
        token="t",
        command="/complaint",
        text="late",
        user_id=AVI,
        channel_id=ACME,
        trigger_id="13345224609.738474920.8088930838d88f008e0",
    )
    for missing in ("channel_id", "user_id", "trigger_id"):
        fields = {k: v for k, v in command.items() if k != missing}
        as_form[f"a slash command without {missing}"] = (urlencode(fields).encode(), FORM)
    return {**{k: (v, JSON_CONTENT) for k, v in as_json.items()}, **as_form}


async def test_every_malformed_body_gets_400_and_changes_nothing(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    await bot.event(events.app_mention(ACME, "1763820009.000100", COMPLAINT, user=CLIENT))
    await bot.settle()
    before = await bot.only_case()
    calls = len(fake.calls)

    answered = {}
    for name, (body, content_type) in bodies(before.id).items():
        answered[name] = (await bot.post(body, content_type)).status
    await bot.settle()

    assert {name: status for name, status in answered.items() if status != 400} == {}
    assert await bot.cases() == [before]  # nothing opened, nothing changed
    assert fake.calls[calls:] == []  # nothing said, no form opened


async def test_well_formed_bodies_still_pass(bot: SlackBot, fake: FakeSlackAPI) -> None:
    """The check refuses what Slack never sends, not what it sends without a field."""
    checks = [
        event_body({"type": "channel_created", "channel": {"id": "C0NEW", "name": "new"}}),
        event_body(events.message_changed(reply(), "edited", "1763820100.000000")),
        event_body(
            {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "channel": ACME,
                "ts": "1763820101.000000",
                "deleted_ts": "1763820001.000100",
                "event_ts": "1763820101.000000",
                "previous_message": reply(),
            }
        ),
        json.dumps({"type": "url_verification", "token": "t", "challenge": "c"}).encode(),
        event_body(reply(edited={"user": CLIENT, "ts": "1763820100.000000"})),
    ]
    for body in checks:
        assert (await bot.post(body, JSON_CONTENT)).status == 200
    assert (await bot.post(command_body(text="late", user_id=AVI, channel_id=ACME), FORM)).status
    assert await bot.cases() == []


# ---------------------------------------------------------------------- Socket Mode


@pytest.fixture
async def socket_bot(tmp_path: Path, fake: FakeSlackAPI) -> AsyncIterator[SlackBot]:
    harness = SlackBot(tmp_path, fake, socket_mode=True)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def test_a_malformed_payload_over_the_socket_is_acknowledged_and_changes_nothing(
    socket_bot: SlackBot, fake: FakeSlackAPI
) -> None:
    forged = json.loads(event_body(mention(user={"id": CLIENT})))
    ack = await fake.socket_send("events_api", forged)
    assert ack["envelope_id"]
    await socket_bot.settle()
    assert await socket_bot.cases() == []
    assert [c for c in fake.calls if c.method.startswith(("chat.", "views."))] == []
