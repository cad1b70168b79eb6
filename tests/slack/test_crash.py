"""`complaintbot serve` killed with SIGKILL mid-work and started again on the same store:
every trigger Slack was told "200" about is a case, every effect reaches Slack once.

The bot is a real process; "Slack" is this test: it sends signed events (and, for those
not acknowledged, Slack's retries) and holds the fake Web API, which answers only after a
call has taken effect, so a kill can fall between a post and its receipt.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.bot.test_cli import COMPLAINTBOT, environment, free_port, wait_until_listening
from tests.fakes.slack_api import FakeSlackAPI, post_to
from tests.slack.harness import ACME, CLIENT, DANA, DIRECTORY, INTERNAL, MAYA, SECRET, TOKEN
from tests.slack.test_triggers import mention_event, message_event, reaction_event
from tests.slackkit.signing import JSON_CONTENT, event_body, post_signed, retry_headers

METADATA_TYPE = "complaintbot_effect"
CASE_ID = re.compile(r"\bC-\d{4,}\b")
ACK = "What happened?"  # in the first reply of every case's client thread


class Bot:
    """`complaintbot serve` on a store directory that outlives each process."""

    def __init__(self, root: Path, fake: FakeSlackAPI) -> None:
        directory = root / "complaintbot.toml"
        directory.write_text(DIRECTORY, encoding="utf-8")
        self.root = root
        self.env = environment(
            root,
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.base_url,
            COMPLAINTBOT_DIRECTORY=str(directory),
        )
        self.process: subprocess.Popen[str] | None = None
        self.runs = 0
        self.base = self.url = ""

    async def start(self) -> None:
        self.runs += 1
        port = free_port()
        log = (self.root / f"serve-{self.runs}.log").open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [COMPLAINTBOT, "serve", "--port", str(port)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        await asyncio.to_thread(wait_until_listening, self.process)
        # Nothing else is read from stdout: drain it so the process can never block on it.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/slack/events"

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def logs(self) -> str:
        """The tail of every run's log, for failure messages."""
        return "\n".join(
            (self.root / f"serve-{n}.log").read_text(encoding="utf-8")[-3000:]
            for n in range(1, self.runs + 1)
        )

    async def pending(self, session: aiohttp.ClientSession) -> int:
        async with session.get(f"{self.base}/metrics") as response:
            found = re.search(
                r"^complaintbot_effects_pending (\d+)(?:\.0)?$", await response.text(), re.M
            )
        assert found, "no complaintbot_effects_pending in /metrics"
        return int(found.group(1))

    async def settled(
        self, session: aiohttp.ClientSession, done: Callable[[], bool], timeout: float
    ) -> None:
        """Wait until the outbox is empty and `done()` holds (the inbox is not in the gauge)."""
        deadline = time.monotonic() + timeout
        while not (await self.pending(session) == 0 and done()):
            if time.monotonic() > deadline:
                pending = await self.pending(session)
                raise AssertionError(
                    f"not settled in {timeout}s ({pending} effects pending)\n{self.logs()}"
                )
            await asyncio.sleep(0.2)


@contextmanager
def bot_process(root: Path, fake: FakeSlackAPI) -> Iterator[Bot]:
    bot = Bot(root, fake)
    try:
        yield bot
    finally:
        bot.kill()


@dataclass
class Trigger:
    """One event as Slack would deliver it, and what became of its deliveries."""

    event_id: str
    event: dict[str, Any]
    ts: str  # the message the case is opened on
    attempts: int = 0
    acknowledged: bool = False

    async def send(self, session: aiohttp.ClientSession, url: str) -> None:
        """One delivery; a retry (the same event_id) carries Slack's retry headers."""
        headers = retry_headers(self.attempts) if self.attempts else {}
        self.attempts += 1
        body = event_body(self.event, event_id=self.event_id)
        try:
            async with await post_signed(
                session, url, body, SECRET, JSON_CONTENT, headers
            ) as response:
                await response.read()
                self.acknowledged = self.acknowledged or response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            pass  # the process died under it, or was not there: not acknowledged


def bot_posts(fake: FakeSlackAPI) -> dict[tuple[str, str | None], list[str]]:
    """The texts of the bot's successful posts, by (channel, thread_ts or None)."""
    found: defaultdict[tuple[str, str | None], list[str]] = defaultdict(list)
    for call in fake.successful_calls("chat.postMessage"):
        assert call.answer
        found[(call.answer["channel"], call.params.get("thread_ts"))].append(
            str(call.params.get("text", ""))
        )
    return found


def duplicated_keys(fake: FakeSlackAPI) -> dict[str, int]:
    """Outbox keys carried by more than one successful post (each post must carry one)."""
    keys: Counter[str] = Counter()
    for call in fake.successful_calls("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        assert metadata.get("event_type") == METADATA_TYPE, call.params
        keys[metadata["event_payload"]["key"]] += 1
    return {key: count for key, count in keys.items() if count > 1}


def ids_in(texts: list[str]) -> list[str]:
    return [found for text in texts for found in CASE_ID.findall(text)]


def acked_case(posts: dict[tuple[str, str | None], list[str]], ts: str) -> list[str]:
    """The case ids in the acknowledgements posted in the client thread of `ts`."""
    return ids_in([t for t in posts.get((ACME, ts), []) if ACK in t])


@pytest.mark.slow
async def test_sigkill_mid_burst_loses_no_acknowledged_trigger_and_posts_nothing_twice(
    tmp_path: Path, fake: FakeSlackAPI
) -> None:
    fake.latency = 0.1
    triggers: list[Trigger] = []
    for n in range(200):
        if n % 2:
            text = f"Report {n} was late, <@{DANA}> never answered"
            ts = fake.add_message(ACME, text, user=CLIENT)
            triggers.append(Trigger(f"EvBurst{n:03d}", reaction_event(ts), ts))
        else:
            text = f"<@UBOT> Report {n} was late, <@{DANA}> never answered"
            ts = fake.add_message(ACME, text, user=CLIENT)
            triggers.append(Trigger(f"EvBurst{n:03d}", mention_event(ts, text), ts))
    with bot_process(tmp_path, fake) as bot:
        await bot.start()
        async with aiohttp.ClientSession() as session:
            # Slack sends, 20 at a time; the bot is killed once half are acknowledged.
            gate = asyncio.Semaphore(20)

            async def send(trigger: Trigger, url: str, kill_at_half: bool) -> None:
                async with gate:
                    await trigger.send(session, url)
                if kill_at_half and sum(t.acknowledged for t in triggers) >= len(triggers) // 2:
                    bot.kill()

            await asyncio.gather(*(send(t, bot.url, True) for t in triggers))
            bot.kill()
            acknowledged_before = {t.event_id for t in triggers if t.acknowledged}
            assert 0 < len(acknowledged_before) < len(triggers), "the kill missed the burst"

            # Started again on the same store; Slack retries what was not acknowledged.
            await bot.start()
            for _ in range(4):
                waiting = [t for t in triggers if not t.acknowledged]
                if not waiting:
                    break
                await asyncio.gather(*(send(t, bot.url, False) for t in waiting))
                await asyncio.sleep(0.5)
            assert all(t.acknowledged for t in triggers), [
                (t.event_id, t.attempts) for t in triggers if not t.acknowledged
            ]

            def every_case_delivered() -> bool:
                posts = bot_posts(fake)
                cards = ids_in(posts.get((INTERNAL, None), []))
                return len(set(cards)) >= len(triggers) and all(
                    acked_case(posts, t.ts) for t in triggers
                )

            await bot.settled(session, every_case_delivered, timeout=90)

    posts = bot_posts(fake)
    assert duplicated_keys(fake) == {}
    case_of = {}
    for trigger in triggers:
        acks = acked_case(posts, trigger.ts)
        assert len(acks) == 1, (trigger.event_id, posts.get((ACME, trigger.ts)))
        case_of[trigger.event_id] = acks[0]
    assert len(set(case_of.values())) == len(triggers)  # one case per trigger
    cards = Counter(ids_in(posts.get((INTERNAL, None), [])))
    assert sum(cards.values()) == len(triggers)
    dms = {user: Counter(ids_in(posts.get((fake.dm_id(user), None), []))) for user in (DANA, MAYA)}
    for event_id, case_id in case_of.items():
        assert cards[case_id] == 1, (event_id, case_id, cards[case_id])
        assert dms[DANA][case_id] == 1, (event_id, case_id, "DM to Dana")
        assert dms[MAYA][case_id] == 1, (event_id, case_id, "DM to Maya")


@pytest.mark.slow
async def test_a_kill_between_the_card_post_and_its_receipt_leaves_one_card(
    tmp_path: Path, fake: FakeSlackAPI
) -> None:
    card_post = post_to(INTERNAL, top_level=True)
    lift = fake.delay(card_post, 30)  # Slack posts the card, the bot never hears its ts
    text = "<@UBOT> the report was late again, <@U0DANA> never answered"
    source = fake.add_message(ACME, text, user=CLIENT)
    trigger = Trigger("EvCard1", mention_event(source, text), source)
    with bot_process(tmp_path, fake) as bot:
        await bot.start()
        async with aiohttp.ClientSession() as session:
            await trigger.send(session, bot.url)
            assert trigger.acknowledged
            held = await fake.wait_for(card_post, timeout=15)
            assert held.ok  # the card is in the channel...
            bot.kill()  # ...and the bot dies waiting for its answer
            lift()

            await bot.start()
            await bot.settled(session, lambda: True, timeout=30)
            (case_id,) = acked_case(bot_posts(fake), source)
            cards = [m for m in fake.posted(INTERNAL) if case_id in m["text"]]
            assert len(cards) == 1, [m["text"] for m in cards]
            card_ts = cards[0]["ts"]
            assert card_ts == held.answer["ts"]  # type: ignore[index]

            # A later change to the case updates that same card.
            reply = "It was due Monday. We need it by Friday."
            reply_ts = fake.add_message(ACME, reply, user=CLIENT, thread_ts=source)
            statement = Trigger("EvCard2", message_event(reply_ts, reply, thread_ts=source), "")
            sent_at = time.time()
            await statement.send(session, bot.url)
            assert statement.acknowledged
            update = await fake.wait_for(
                lambda c: (
                    c.method == "chat.update"
                    and c.params.get("channel") == INTERNAL
                    and c.at >= sent_at
                ),
                timeout=15,
            )
            await bot.settled(session, lambda: True, timeout=30)

    assert update.ok and update.params["ts"] == card_ts
    assert [m["ts"] for m in fake.posted(INTERNAL) if case_id in m["text"]] == [card_ts]
    updates = [c for c in fake.calls_to("chat.update") if c.params.get("channel") == INTERNAL]
    assert {c.params["ts"] for c in updates} == {card_ts}
    assert len([c for c in fake.successful_calls(card_post) if case_id in c.params["text"]]) == 1
    assert duplicated_keys(fake) == {}
