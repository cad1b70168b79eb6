"""`complaintbot serve` with Slack credentials, as a real process: Slack on, the playground
off, and a signed event from "Slack" becomes a case whose messages reach the Web API."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import aiohttp

from tests.bot.test_cli import COMPLAINTBOT, environment, free_port, wait_until_listening
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ACME, DIRECTORY, SECRET, TOKEN
from tests.slack.test_triggers import mention_event
from tests.slackkit.signing import JSON_CONTENT, event_body, post_signed


async def test_serve_with_slack_credentials_handles_a_signed_event(
    tmp_path: Path, fake: FakeSlackAPI
) -> None:
    directory = tmp_path / "complaintbot.toml"
    directory.write_text(DIRECTORY, encoding="utf-8")
    port = free_port()
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        COMPLAINTBOT_DIRECTORY=str(directory),
    )
    process = subprocess.Popen(
        [COMPLAINTBOT, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = await asyncio.to_thread(wait_until_listening, process)
        assert "slack: on (HTTP at POST /slack/events)" in lines
        assert any(line.startswith("playground: off") for line in lines)
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/slack/events"
            body = event_body(mention_event("1763804000.000100"))
            async with await post_signed(session, url, body, SECRET, JSON_CONTENT) as response:
                assert response.status == 200
            async with await post_signed(session, url, body, "forged", JSON_CONTENT) as response:
                assert response.status == 401
            async with session.get(f"http://127.0.0.1:{port}/") as response:
                assert response.status == 404  # no playground next to a real workspace
        ack = await fake.wait_for(
            lambda c: c.method == "chat.postMessage" and c.params.get("channel") == ACME,
            timeout=20,
        )
        assert "C-0001" in ack.params["text"]
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 20) == 0
        assert TOKEN not in (process.stderr.read() if process.stderr else "")
    finally:
        if process.poll() is None:
            process.kill()
