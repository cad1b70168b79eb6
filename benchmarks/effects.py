"""What the bot did, judged from the fake Web API's record: lost and duplicated effects, and
the time from each trigger to the last effect of its case.

A case opened by a mention naming Dana has five kinds of effect, each of which must show
up at least once: a reply in the client thread (under the mention), the card in the
internal channel, a note in the card's thread, and DMs to Dana and to her manager Maya. A
client reply must show up as a card note carrying its token. An effect missing when the
benchmark stops waiting is *lost*.

A *duplicate* is a bot post made twice: with Slack message metadata
`{"event_type": "complaintbot_effect", "event_payload": {"key": ...}}` a key posted more
than once; without it (older bots), the same text posted twice in the same place.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import aiohttp

from benchmarks.load import percentile
from tests.slack.harness import ACME, DANA, INTERNAL, MAYA

CASE_ID = re.compile(r"\bC-\d{4,}\b")
TRIGGER_TS = re.compile(r"complaint (\d+\.\d{6})")  # what EventFactory.mention writes
REPLY_TOKEN = re.compile(r"\bdetail-\d{6}\b")  # what EventFactory.reply writes
REQUIRED = ("client_thread", "card", "card_note", "dm_employee", "dm_manager")
POLL = 0.5
QUIET = 1.0  # after the last expected effect, how long to keep watching for duplicates


class FakeRecord:
    """The fake's recorded calls, fetched incrementally through its control API."""

    def __init__(self, control_url: str) -> None:
        self.control_url = control_url
        self.calls: list[dict[str, Any]] = []
        self.dm: dict[str, str] = {}
        self._next = 0
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def close(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> FakeRecord:
        async with self._session.get(self.control_url + "info") as answer:
            self.dm = (await answer.json())["dm"]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def fetch(self) -> list[dict[str, Any]]:
        async with self._session.get(
            self.control_url + "calls", params={"since": str(self._next)}
        ) as answer:
            found = await answer.json()
        self.calls.extend(found["calls"])
        self._next = found["next"]
        return self.calls


@dataclass
class Judgement:
    triggers: int
    replies: int
    lost: int
    duplicated: int
    stray: int  # bot posts that belong to no trigger or reply of this run
    missing: Counter[str] = field(default_factory=Counter)  # lost effects by kind
    # seconds from each trigger to the last effect of its case; inf while incomplete
    to_last_effect: dict[str, float] = field(default_factory=dict)
    last_effect_at: dict[str, float] = field(default_factory=dict)  # perf_counter time

    @property
    def complete(self) -> bool:
        return self.lost == 0

    def effect_ms(self, q: float) -> float:
        return percentile([t * 1000 for t in self.to_last_effect.values()], q)


def _case_of(post: Mapping[str, Any]) -> str | None:
    if post["key"]:
        return str(post["key"]).split("/", 1)[0]
    found = CASE_ID.search(post["text"])
    return found.group(0) if found else None


def judge(
    calls: list[dict[str, Any]],
    triggers: Mapping[str, float],
    replies: Mapping[str, float],
    dm: Mapping[str, str],
) -> Judgement:
    """`triggers`: mention ts -> when it was due; `replies`: token -> when it was due."""
    posts = [c for c in calls if c["method"] == "chat.postMessage" and not c["failed"]]
    keys = Counter(p["key"] for p in posts if p["key"])
    places = Counter((p["channel"], p["thread_ts"], p["text"]) for p in posts if not p["key"])
    duplicated = sum(n - 1 for n in keys.values() if n > 1)
    duplicated += sum(n - 1 for n in places.values() if n > 1)

    employee_dm, manager_dm = dm.get(DANA), dm.get(MAYA)
    case_source: dict[str, str] = {}  # case id -> trigger ts
    by_case: defaultdict[str, list[tuple[str, float]]] = defaultdict(list)
    claimed = [False] * len(posts)
    for n, post in enumerate(posts):  # the client thread names the case and its trigger
        ts = post["thread_ts"]
        if post["channel"] == ACME and ts in triggers:
            claimed[n] = True
            by_case[ts].append(("client_thread", post["at"]))
            case = _case_of(post)
            if case:
                case_source.setdefault(case, ts)
    for n, post in enumerate(posts):
        if claimed[n] or post["channel"] == ACME:
            continue
        if post["channel"] == INTERNAL and not post["thread_ts"]:
            kind = "card"
            case, source = _case_of(post), TRIGGER_TS.search(post["text"])
            if case and source and source.group(1) in triggers:
                case_source.setdefault(case, source.group(1))  # its client thread was lost
        elif post["channel"] == INTERNAL:
            if REPLY_TOKEN.search(post["text"]):
                continue  # a client reply's note: the reply's effect, not the trigger's
            kind = "card_note"
        elif post["channel"] == employee_dm:
            kind = "dm_employee"
        elif post["channel"] == manager_dm:
            kind = "dm_manager"
        else:
            kind = "other"  # e.g. the account manager's DM: real, but not judged here
        case = _case_of(post)
        if case in case_source:
            claimed[n] = True
            by_case[case_source[case]].append((kind, post["at"]))

    judgement = Judgement(len(triggers), len(replies), 0, duplicated, 0)
    for ts, due in triggers.items():
        effects = by_case.get(ts, [])
        kinds = {kind for kind, _ in effects}
        missing = [kind for kind in REQUIRED if kind not in kinds]
        judgement.missing.update(missing)
        judgement.lost += len(missing)
        last = max((at for kind, at in effects if kind in REQUIRED), default=math.inf)
        judgement.to_last_effect[ts] = math.inf if missing else last - due
        if not missing:
            judgement.last_effect_at[ts] = last
    notes = [(n, p) for n, p in enumerate(posts) if p["channel"] == INTERNAL and p["thread_ts"]]
    for token in replies:
        found = [n for n, p in notes if token in p["text"]]
        for n in found:
            claimed[n] = True
        if not found:
            judgement.missing["reply_note"] += 1
            judgement.lost += 1
    judgement.stray = claimed.count(False)
    return judgement


async def settle(
    record: FakeRecord,
    triggers: Mapping[str, float],
    replies: Mapping[str, float],
    deadline: float,
) -> Judgement:
    """Poll the fake until every expected effect is there (then watch a little longer for
    duplicates) or `deadline` (perf_counter) passes; judge what it recorded."""
    while True:
        judgement = judge(await record.fetch(), triggers, replies, record.dm)
        if judgement.complete or perf_counter() >= deadline:
            break
        await asyncio.sleep(POLL)
    if judgement.complete:
        await asyncio.sleep(QUIET)
        judgement = judge(await record.fetch(), triggers, replies, record.dm)
    return judgement
