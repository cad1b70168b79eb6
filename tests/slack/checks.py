"""What a test expects to find among the calls the bot made to (fake) Slack."""

from __future__ import annotations

from typing import Any

from handlers.model import Case
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.slack.harness import INTERNAL


def client_thread(fake: FakeSlackAPI, case: Case) -> list[Call]:
    return [
        c
        for c in fake.posts_in(case.source.channel)
        if c.method == "chat.postMessage" and c.params.get("thread_ts") == case.source.message_id
    ]


def card_posts(fake: FakeSlackAPI, case: Case) -> list[Call]:
    """The card itself (posted once, then updated), not its thread."""
    return [
        c
        for c in fake.posts_in(INTERNAL)
        if c.method in ("chat.postMessage", "chat.update")
        and not c.params.get("thread_ts")
        and case.id in c.params.get("text", "")
    ]


def card_thread(fake: FakeSlackAPI, card_ts: str) -> list[str]:
    return [
        c.params["text"]
        for c in fake.posts_in(INTERNAL)
        if c.method == "chat.postMessage" and c.params.get("thread_ts") == card_ts
    ]


def dms_to(fake: FakeSlackAPI, user: str) -> list[str]:
    channel = fake.dm_id(user)
    return [c.params["text"] for c in fake.posts_in(channel) if c.method == "chat.postMessage"]


def ephemerals_to(fake: FakeSlackAPI, user: str) -> list[str]:
    return [
        c.params["text"]
        for c in fake.calls_to("chat.postEphemeral")
        if c.params.get("user") == user
    ]


def blocks_text(blocks: Any) -> str:
    """Every text inside Block Kit blocks, one a line."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(found)


def texts_of(call: Call) -> str:
    """Everything a call would show: its text and every text inside its blocks."""
    inside = blocks_text(call.params.get("blocks"))
    return "\n".join(t for t in (str(call.params.get("text", "")), inside) if t)
