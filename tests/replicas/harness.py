"""Real `complaintbot serve` processes sharing one database, one fake Slack Web API, and a
reading of the fake's record that says, per case, what reached Slack and how often.

The replicas are real processes (`Replica`), each on its own port; "Slack" is the test:
it sends signed Events API requests (`Trigger.send`, with Slack's retry headers on a
retry) and holds the fake Web API, which records every call. Every post the outbox makes
carries its outbox key (`case id/item id`) in message metadata, so `Record` can tell a
post made twice from two posts, and which lane of which case it belongs to.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.bot.test_cli import COMPLAINTBOT, environment, free_port, wait_until_listening
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import (
    ACME,
    AVI,
    CLIENT,
    DANA,
    DIRECTORY,
    INTERNAL,
    INTERNAL_PEOPLE,
    MAYA,
    SECRET,
    TOKEN,
)
from tests.slack.test_triggers import mention_event, reaction_event
from tests.slackkit.signing import JSON_CONTENT, event_body, post_signed, retry_headers

METADATA_TYPE = "complaintbot_effect"
ACK = "What happened?"  # in the first reply of every case's client thread
INCLUDED = "Included in this case:"  # ... and in the second
DIGEST = "Your daily digest."  # a lead's digest, sent with the case it lists first
WAIT = 60.0  # generous: what a test waits for at most before it says what is missing


# --- processes -------------------------------------------------------------------------------


class Replica:
    """One `complaintbot serve` on `database_url`; it can be killed and started again."""

    def __init__(self, name: str, root: Path, fake: FakeSlackAPI, database_url: str) -> None:
        self.name, self.root = name, root
        root.mkdir(parents=True, exist_ok=True)
        directory = root / "complaintbot.toml"
        directory.write_text(DIRECTORY, encoding="utf-8")
        self.env = environment(
            root,
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.base_url,
            COMPLAINTBOT_DIRECTORY=str(directory),
            COMPLAINTBOT_DATABASE_URL=database_url,
        )
        self.process: subprocess.Popen[str] | None = None
        self.runs = 0
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/slack/events"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def spawn(self, port: int) -> None:
        """Start the process; `listening` waits until it says it listens."""
        self.runs += 1
        self.port = port
        log = (self.root / f"serve-{self.runs}.log").open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [COMPLAINTBOT, "serve", "--port", str(port), "--no-playground"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()

    async def listening(self) -> list[str]:
        assert self.process
        try:
            lines = await asyncio.to_thread(wait_until_listening, self.process)
        except AssertionError as err:
            raise AssertionError(f"{self.name} did not start: {err}\n{self.logs()}") from None
        # Nothing else is read from stdout: drain it so the process can never block on it.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # type: ignore[union-attr]
        return lines

    async def start(self) -> list[str]:
        self.spawn(free_port())
        return await self.listening()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        if self.alive:
            assert self.process
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, as a deploy stops it; SIGKILL if it does not go within 20 s."""
        if self.alive:
            assert self.process
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def logs(self) -> str:
        """The tail of every run's log, for failure messages."""
        return "\n".join(
            f"--- {self.name} run {n} ---\n"
            + (self.root / f"serve-{n}.log").read_text(encoding="utf-8")[-3000:]
            for n in range(1, self.runs + 1)
        )

    async def gauges(self, session: aiohttp.ClientSession) -> dict[str, int]:
        """The outbox now, as /metrics says: effects pending and effects given up on."""
        async with session.get(f"{self.base}/metrics") as response:
            text = await response.text()
        found = {}
        for name in ("pending", "failed"):
            match = re.search(rf"^complaintbot_effects_{name} (\d+)(?:\.0)?$", text, re.M)
            assert match, f"no complaintbot_effects_{name} in {self.name}'s /metrics"
            found[name] = int(match.group(1))
        return found


def ports(count: int) -> list[int]:
    """`count` different free ports."""
    found: list[int] = []
    while len(found) < count:
        port = free_port()
        if port not in found:
            found.append(port)
    return found


async def start_together(*replicas: Replica) -> None:
    """Start every replica at once (processes spawned back to back), wait until all listen."""
    for replica, port in zip(replicas, ports(len(replicas)), strict=True):
        replica.spawn(port)
    await asyncio.gather(*(r.listening() for r in replicas))


def all_logs(replicas: Iterable[Replica]) -> str:
    return "\n".join(r.logs() for r in replicas)


async def settle(
    session: aiohttp.ClientSession,
    replicas: list[Replica],
    done: Callable[[], str | None],
    timeout: float = WAIT,
) -> None:
    """Wait until the shared outbox is empty (pending 0, as a live replica reads the
    store) and `done()` has nothing left to say (it names what is still missing)."""
    deadline = time.monotonic() + timeout
    while True:
        live = [r for r in replicas if r.alive]
        assert live, "no replica is running\n" + all_logs(replicas)
        gauges = await live[0].gauges(session)
        missing = done()
        if gauges["pending"] == 0 and missing is None:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not settled in {timeout}s: {gauges}, still missing: {missing}\n"
                + all_logs(replicas)
            )
        await asyncio.sleep(0.2)


async def export_cases(env: dict[str, str]) -> list[dict[str, Any]]:
    """`complaintbot export --format json` against the replicas' database: every case."""
    result = await asyncio.to_thread(
        subprocess.run,
        [COMPLAINTBOT, "export", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    cases: list[dict[str, Any]] = json.loads(result.stdout)["cases"]
    return cases


# --- what Slack sends -------------------------------------------------------------------------


@dataclass
class Trigger:
    """One event that opens a case, as Slack delivers it, and the answers it got.

    `kind` is how it opens the case: "mention" (the bot mentioned in the client's message:
    the case is opened before the ack), "reaction" (the trigger emoji on the client's
    message, by Avi, the account manager) or "bare" (the client mentions the bot alone
    under their own message); the last two wait in the inbox for the message to be read.
    """

    n: int
    kind: str
    ts: str  # the client's message the case is opened on
    event: dict[str, Any]
    event_id: str
    statuses: list[int | None] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return 200 in self.statuses

    @property
    def dm_to(self) -> set[str]:
        """Who is DMed about its case: Dana (named), Maya (her manager), and Avi (the
        account manager) unless Avi raised it himself."""
        return {DANA, MAYA} | (set() if self.kind == "reaction" else {AVI})

    async def send(self, session: aiohttp.ClientSession, url: str, retry: int = 0) -> int | None:
        """One delivery: the status answered, or None if no answer came (the process was
        killed, or not there). Retry number `retry` carries Slack's retry headers."""
        body = event_body(self.event, event_id=self.event_id)
        headers = retry_headers(retry) if retry else {}
        status: int | None = None
        try:
            async with await post_signed(
                session, url, body, SECRET, JSON_CONTENT, headers
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            pass
        self.statuses.append(status)
        return status


def make_triggers(
    fake: FakeSlackAPI, count: int, kinds: tuple[str, ...], first: int = 0
) -> list[Trigger]:
    """`count` triggers on as many new client messages in Acme's channel, cycling `kinds`."""
    triggers = []
    for n in range(first, first + count):
        kind = kinds[n % len(kinds)]
        complaint = f"Report {n} was late, <@{DANA}> never answered"
        if kind == "mention":
            text = f"<@UBOT> {complaint}"
            ts = fake.add_message(ACME, text, user=CLIENT)
            event = mention_event(ts, text)
        elif kind == "reaction":
            ts = fake.add_message(ACME, complaint, user=CLIENT)
            event = reaction_event(ts)
        elif kind == "bare":
            ts = fake.add_message(ACME, complaint, user=CLIENT)
            reply = fake.add_message(ACME, "<@UBOT>", user=CLIENT, thread_ts=ts)
            event = {**mention_event(reply, "<@UBOT>"), "thread_ts": ts}
        else:
            raise ValueError(kind)
        triggers.append(Trigger(n, kind, ts, event, f"EvRep{n:04d}{kind[:2].upper()}"))
    return triggers


# --- what reached Slack -----------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """A successful chat.postMessage, in the order the fake applied them."""

    order: int
    key: str
    case_id: str
    item: int
    channel: str
    thread_ts: str | None
    ts: str
    text: str


class Record:
    """The bot's successful posts in the fake's record, by case and by lane."""

    def __init__(self, fake: FakeSlackAPI) -> None:
        self.fake = fake
        self.posts: list[Post] = []
        self.unkeyed: list[dict[str, Any]] = []
        for order, call in enumerate(fake.successful_calls("chat.postMessage")):
            assert call.answer
            metadata = call.params.get("metadata") or {}
            key = (metadata.get("event_payload") or {}).get("key")
            if metadata.get("event_type") != METADATA_TYPE or not key:
                self.unkeyed.append(call.params)
                continue
            case_id, _, item = str(key).partition("/")
            self.posts.append(
                Post(
                    order,
                    str(key),
                    case_id,
                    int(item) if item.isdigit() else -1,
                    call.answer["channel"],
                    call.params.get("thread_ts"),
                    call.answer["ts"],
                    str(call.params.get("text", "")),
                )
            )
        self.dm_channel = {fake.dm_id(user): user for user in INTERNAL_PEOPLE}
        self.by_case: defaultdict[str, list[Post]] = defaultdict(list)
        for post in self.posts:
            self.by_case[post.case_id].append(post)

    def duplicated_keys(self) -> dict[str, int]:
        keys = Counter(p.key for p in self.posts)
        return {key: count for key, count in keys.items() if count > 1}

    def case_on(self, ts: str) -> set[str]:
        """The cases whose posts went to the client thread of the message `ts`."""
        return {p.case_id for p in self.posts if p.channel == ACME and p.thread_ts == ts}

    def client_thread(self, case_id: str, ts: str) -> list[Post]:
        return [p for p in self.by_case[case_id] if p.channel == ACME and p.thread_ts == ts]

    def cards(self, case_id: str) -> list[Post]:
        return [p for p in self.by_case[case_id] if p.channel == INTERNAL and not p.thread_ts]

    def card_notes(self, case_id: str) -> list[Post]:
        return [p for p in self.by_case[case_id] if p.channel == INTERNAL and p.thread_ts]

    def dms(self, case_id: str) -> Counter[str]:
        """How many DMs each person got about the case (a lead's daily digest, which may go
        out whenever a replica starts in working hours, is about every open case)."""
        return Counter(
            self.dm_channel.get(p.channel, p.channel)
            for p in self.by_case[case_id]
            if p.channel.startswith("D") and not p.text.startswith(DIGEST)
        )

    def lanes(self, case_id: str, ts: str) -> dict[str, list[Post]]:
        """The case's posts by outbox lane (client thread, card and its notes, DMs to one
        person), each in the order Slack took them."""
        found: defaultdict[str, list[Post]] = defaultdict(list)
        for post in self.by_case[case_id]:
            if post.channel == ACME and post.thread_ts == ts:
                found["client"].append(post)
            elif post.channel == INTERNAL:
                found["card"].append(post)
            elif post.channel.startswith("D"):
                found[f"dm:{self.dm_channel.get(post.channel, post.channel)}"].append(post)
            else:
                found[f"elsewhere:{post.channel}"].append(post)
        return found


def first_missing(fake: FakeSlackAPI, triggers: list[Trigger]) -> str | None:
    """What is not yet in Slack for the first trigger that lacks something (its case's
    acknowledgement and second reply, its card, its DMs); None once every one has it all."""
    record = Record(fake)
    for trigger in triggers:
        cases = record.case_on(trigger.ts)
        if not cases:
            return f"{trigger.event_id}: no reply in its client thread"
        for case_id in cases:
            thread = record.client_thread(case_id, trigger.ts)
            if len(thread) < 2:
                return f"{trigger.event_id} ({case_id}): {len(thread)} of 2 client replies"
            if not record.cards(case_id):
                return f"{trigger.event_id} ({case_id}): no card"
            dms = record.dms(case_id)
            if not all(dms[user] for user in trigger.dm_to):
                return f"{trigger.event_id} ({case_id}): DMs so far {dict(dms)}"
    return None


def problems(fake: FakeSlackAPI, triggers: list[Trigger]) -> list[str]:
    """Everything wrong in the fake's record for these triggers, each one a case: a post
    carrying no outbox key, one made twice, a trigger with no case or several, a case of
    no trigger, a case whose client thread, card or DMs are not exactly what one case
    makes, or a lane whose posts reached Slack out of the order the core made them."""
    record = Record(fake)
    found = [f"a post without an outbox key: {p}" for p in record.unkeyed]
    found += [f"{key} posted {n} times" for key, n in record.duplicated_keys().items()]
    seen_cases: set[str] = set()
    for trigger in triggers:
        cases = record.case_on(trigger.ts)
        if len(cases) != 1:
            found.append(f"{trigger.event_id}: {len(cases)} cases in its thread {sorted(cases)}")
            continue
        (case_id,) = cases
        seen_cases.add(case_id)
        where = f"{trigger.event_id} ({trigger.kind}, {case_id})"
        thread = [p.text for p in record.client_thread(case_id, trigger.ts)]
        if len(thread) != 2 or ACK not in thread[0] or INCLUDED not in thread[1]:
            found.append(f"{where}: client thread {thread}")
        cards = record.cards(case_id)
        if len(cards) != 1:
            found.append(f"{where}: {len(cards)} cards")
        elif any(note.thread_ts != cards[0].ts for note in record.card_notes(case_id)):
            found.append(f"{where}: a card note outside its card's thread")
        dms = record.dms(case_id)
        if dms != Counter(dict.fromkeys(trigger.dm_to, 1)):
            found.append(f"{where}: DMs {dict(dms)}, expected one each to {sorted(trigger.dm_to)}")
        for lane, posts in record.lanes(case_id, trigger.ts).items():
            items = [p.item for p in posts]
            if items != sorted(items):
                found.append(f"{where}: lane {lane} reached Slack in the order {items}")
    strays = set(record.by_case) - seen_cases
    found += [f"{case_id}: posts for a case no trigger opened" for case_id in sorted(strays)]
    return found


def export_problems(cases: list[dict[str, Any]], triggers: list[Trigger]) -> list[str]:
    """The exported cases must be exactly one per trigger, on its message."""
    found = []
    ids = Counter(c["id"] for c in cases)
    found += [f"case id {i} exported {n} times" for i, n in ids.items() if n > 1]
    sources = Counter(c["source"]["message_id"] for c in cases)
    for trigger in triggers:
        if sources[trigger.ts] != 1:
            found.append(f"{trigger.event_id}: {sources[trigger.ts]} cases on {trigger.ts}")
    expected = {t.ts for t in triggers}
    found += [f"a case on {ts}, no trigger's" for ts in sources if ts not in expected]
    return found
