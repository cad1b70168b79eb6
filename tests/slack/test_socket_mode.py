"""With SLACK_APP_TOKEN set, the same app runs over Socket Mode instead of HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.model import Status
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.checks import card_posts, client_thread
from tests.slack.harness import INTERNAL, MAYA, SlackBot
from tests.slack.test_triggers import mention_event
from tests.slackkit.signing import block_action_payload, event_body


@pytest.fixture
async def socket_bot(tmp_path: Path, fake: FakeSlackAPI) -> AsyncIterator[SlackBot]:
    harness = SlackBot(tmp_path, fake, socket_mode=True)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def test_events_and_clicks_arrive_over_the_socket(
    socket_bot: SlackBot, fake: FakeSlackAPI
) -> None:
    # No HTTP endpoint for Slack in Socket Mode: nothing there to forge requests against.
    async with socket_bot.session.post(socket_bot.url, data=b"{}") as response:
        assert response.status == 404

    event = json.loads(event_body(mention_event("1763803000.000100")))
    ack = await fake.socket_send("events_api", event)
    assert ack["envelope_id"]
    await socket_bot.settle()
    case = await socket_bot.only_case()
    assert case.status is Status.OPEN
    assert client_thread(fake, case) and card_posts(fake, case)

    # The same event delivered again (Slack retries over sockets too) opens nothing new.
    await fake.socket_send("events_api", event)
    await socket_bot.settle()
    assert len(await socket_bot.cases()) == 1

    click = block_action_payload("assess", case.id, user_id=MAYA, channel_id=INTERNAL)
    await fake.socket_send("interactive", click)
    await socket_bot.idle()
    opened = fake.calls_to("views.open")
    assert opened and opened[-1].params["view"]["callback_id"] == "assess"
