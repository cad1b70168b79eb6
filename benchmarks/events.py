"""The Slack events the benchmark sends, built with the tests' own builders.

Every event gets a fresh `ts` (and `event_id`), so nothing is a Slack retry. Triggers and
client replies carry a token in their text, so their effects can be found in the fake's
record: a mention's `ts` is its case's client thread, a reply's token shows up in the card
note that records it.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Literal

from tests.slack.harness import DANA
from tests.slack.test_triggers import mention_event, message_event
from tests.slackkit.signing import event_body

Kind = Literal["plain", "mention", "reply"]


@dataclass(frozen=True)
class Event:
    kind: Kind
    body: bytes
    ref: str  # a mention's ts (its case's source), a reply's token; "" for a plain message


class EventFactory:
    def __init__(self) -> None:
        self._micros = itertools.count(int(time.time()) * 1_000_000, 100)
        self._replies = itertools.count(1)

    def _ts(self) -> str:
        micros = next(self._micros)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def plain(self) -> Event:
        """A channel message: no mention, not in a case thread; the bot has nothing to do."""
        ts = self._ts()
        event = message_event(ts, f"status update {ts}: the build is green")
        return Event("plain", event_body(event), "")

    def mention(self) -> Event:
        """A new complaint naming an employee (Dana, whose manager is Maya)."""
        ts = self._ts()
        text = f"<@UBOT> complaint {ts}: the report was late again, <@{DANA}> never answered"
        return Event("mention", event_body(mention_event(ts, text)), ts)

    def reply(self, thread_ts: str) -> Event:
        """The client writing more in the client thread of the case opened on `thread_ts`."""
        token = f"detail-{next(self._replies):06d}"
        event = message_event(self._ts(), f"more detail {token}", thread_ts=thread_ts)
        return Event("reply", event_body(event), token)
