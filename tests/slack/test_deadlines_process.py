"""Deadlines in a real `complaintbot serve`, restarted on the same TinyDB file, its clock
set by `COMPLAINTBOT_CLOCK_START` (a test-only setting, refused against real Slack): each
start finds what has fallen due by then, and sends nothing an earlier start sent."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import aiohttp

from tests.bot.test_cli import COMPLAINTBOT, environment, free_port, wait_until_listening
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.slack.checks import dms_to
from tests.slack.harness import ACME, AVI, INTERNAL, RON, SECRET, TOKEN
from tests.slack.test_deadlines import DIGEST, ESCALATED, FIRM, FRIDAY_EVENING, REMINDERS
from tests.slack.test_triggers import mention_event
from tests.slackkit.signing import JSON_CONTENT, event_body, post_signed

ACK_REMINDER = REMINDERS["acknowledge"][1]


class Serve:
    """`complaintbot serve` with Slack on the fake Web API, started at a set time."""

    def __init__(self, tmp_path: Path, fake: FakeSlackAPI) -> None:
        self.tmp_path, self.fake = tmp_path, fake
        self.directory = tmp_path / "complaintbot.toml"
        self.directory.write_text(FIRM, encoding="utf-8")

    async def run_at(self, start: str) -> tuple[subprocess.Popen[str], int, list[str]]:
        port = free_port()
        env = environment(
            self.tmp_path,
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=self.fake.base_url,
            COMPLAINTBOT_DIRECTORY=str(self.directory),
            COMPLAINTBOT_CLOCK_START=start,
        )
        process = subprocess.Popen(
            [COMPLAINTBOT, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines = await asyncio.to_thread(wait_until_listening, process)
        return process, port, lines

    async def wait(self, predicate: object) -> Call:
        return await self.fake.wait_for(predicate, timeout=20)  # type: ignore[arg-type]


async def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(process.wait, 20) == 0


def dm_with(fake: FakeSlackAPI, user: str, phrase: str):  # type: ignore[no-untyped-def]
    channel = fake.dm_id(user)
    return lambda c: (
        c.method == "chat.postMessage"
        and c.params.get("channel") == channel
        and phrase in c.params.get("text", "")
    )


def card_note(phrase: str):  # type: ignore[no-untyped-def]
    return lambda c: (
        c.method == "chat.postMessage"
        and c.params.get("channel") == INTERNAL
        and bool(c.params.get("thread_ts"))
        and phrase in c.params.get("text", "")
    )


def card_notes(fake: FakeSlackAPI, phrase: str) -> int:
    return sum(card_note(phrase)(c) for c in fake.posts_in(INTERNAL))


async def test_a_restarted_process_sends_each_reminder_and_escalation_once(
    tmp_path: Path, fake: FakeSlackAPI
) -> None:
    serve = Serve(tmp_path, fake)
    process, port, lines = await serve.run_at("2026-12-04T20:00:00+02:00")  # Friday evening
    try:
        assert any(line.startswith("clock: started at 2026-12-04T20:00:00+02:00") for line in lines)
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/slack/events"
            body = event_body(mention_event(FRIDAY_EVENING))
            async with await post_signed(session, url, body, SECRET, JSON_CONTENT) as response:
                assert response.status == 200
        await serve.wait(lambda c: c.method == "chat.postMessage" and c.params["channel"] == ACME)
        await serve.wait(card_note("opened case C-0001"))
        await stop(process)

        # Sunday 12:00: three quarters of the four business hours to answer the client.
        process, _, _ = await serve.run_at("2026-12-06T12:00:00+02:00")
        await serve.wait(dm_with(fake, AVI, ACK_REMINDER))
        await serve.wait(dm_with(fake, RON, DIGEST))
        await stop(process)

        # Sunday 13:00, after a restart: the deadline has passed, the reminder was sent.
        process, _, _ = await serve.run_at("2026-12-06T13:00:00+02:00")
        await serve.wait(card_note("passed, held by"))
        await serve.wait(dm_with(fake, RON, ESCALATED))
        await stop(process)

        # Monday: a new working day, so a new digest; nothing of Sunday again.
        process, _, _ = await serve.run_at("2026-12-07T10:00:00+02:00")
        await serve.wait(lambda c: len([t for t in dms_to(fake, RON) if DIGEST in t]) == 2)
        await stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    # The card's thread and each person's DMs keep their order, so a repeat made by an
    # earlier start would have been delivered before the line each start waited for.
    assert card_notes(fake, "Reminder sent to Avi Katz") == 1
    assert card_notes(fake, "passed, held by") == 1
    assert len([t for t in dms_to(fake, AVI) if ACK_REMINDER in t]) == 1
    assert len([t for t in dms_to(fake, RON) if ESCALATED in t]) == 1
    assert len([t for t in dms_to(fake, RON) if DIGEST in t]) == 2
