"""Two `complaintbot serve` processes on one PostgreSQL database behind one Slack app.

Slack sends each event to one URL; behind a load balancer any replica may get it, and a
retry may reach the other one while the first is still at work. Whatever the replicas do
between them, each trigger opens one case, and each effect of a case reaches Slack once,
in the order the core made it within its lane. The fake Web API records every call, and
every post carries its outbox key, so a post made twice is seen as such.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest

from storage.pg_schema import LOCK_KEY, migrations
from tests.fakes.slack_api import Call, FakeSlackAPI, post_to
from tests.replicas.harness import (
    WAIT,
    Record,
    Replica,
    Trigger,
    all_logs,
    export_cases,
    export_problems,
    first_missing,
    make_triggers,
    ports,
    problems,
    settle,
    start_together,
)
from tests.slack.harness import ACME, CLIENT, INTERNAL
from tests.slack.test_triggers import message_event

KINDS = ("mention", "reaction", "bare")


@asynccontextmanager
async def replicas(
    root: Path, fake: FakeSlackAPI, database_url: str, count: int = 2
) -> AsyncIterator[list[Replica]]:
    """`count` replicas on `database_url` (not started), killed at the end whatever happens."""
    made = [Replica(f"replica-{n}", root / f"r{n}", fake, database_url) for n in range(count)]
    try:
        yield made
    finally:
        for replica in made:
            replica.kill()


async def delivered_everything(
    session: aiohttp.ClientSession,
    fake: FakeSlackAPI,
    running: list[Replica],
    triggers: list[Trigger],
    database_url: str,
) -> list[dict[str, Any]]:
    """Wait until every trigger's case is in Slack whole and the outbox is empty, then
    check the fake's record and the exported cases exactly."""
    await settle(session, running, lambda: first_missing(fake, triggers))
    gauges = await next(r for r in running if r.alive).gauges(session)
    assert gauges["failed"] == 0, (gauges, all_logs(running))
    assert problems(fake, triggers) == []
    cases = await export_cases({**running[0].env, "COMPLAINTBOT_DATABASE_URL": database_url})
    assert export_problems(cases, triggers) == []
    assert len(cases) == len(triggers)
    return cases


@pytest.mark.slow
async def test_one_event_delivered_to_both_replicas_at_once_opens_one_case(
    tmp_path: Path, fake: FakeSlackAPI, pg_url: str
) -> None:
    triggers = make_triggers(fake, 50, KINDS)
    async with replicas(tmp_path, fake, pg_url) as (a, b), aiohttp.ClientSession() as session:
        await start_together(a, b)
        gate = asyncio.Semaphore(10)  # ten events in flight, each at both replicas at once

        async def to_both(trigger: Trigger) -> None:
            async with gate:
                await asyncio.gather(trigger.send(session, a.url), trigger.send(session, b.url))

        await asyncio.gather(*(to_both(t) for t in triggers))
        refused = [(t.event_id, t.statuses) for t in triggers if t.statuses != [200, 200]]
        assert refused == [], all_logs([a, b])
        await delivered_everything(session, fake, [a, b], triggers, pg_url)


@pytest.mark.slow
async def test_sigkill_of_one_replica_mid_burst_loses_no_acknowledged_trigger(
    tmp_path: Path, fake: FakeSlackAPI, pg_url: str
) -> None:
    fake.latency = 0.05  # a kill can fall between a post and its receipt
    triggers = make_triggers(fake, 200, KINDS)
    async with replicas(tmp_path, fake, pg_url) as (a, b), aiohttp.ClientSession() as session:
        await start_together(a, b)
        gate = asyncio.Semaphore(20)  # Slack sends, 20 at a time, alternating replicas

        async def send(trigger: Trigger, replica: Replica) -> None:
            async with gate:
                await trigger.send(session, replica.url)
            if sum(t.acknowledged for t in triggers) >= len(triggers) // 2:
                b.kill()

        await asyncio.gather(*(send(t, (a, b)[t.n % 2]) for t in triggers))
        acknowledged = {t.event_id for t in triggers if t.acknowledged}
        sent_to_b = [t for t in triggers if t.n % 2]
        assert not b.alive
        assert any(not t.acknowledged for t in sent_to_b), "the kill missed the burst"
        assert all(t.acknowledged for t in triggers if not t.n % 2), all_logs([a])

        # The killed replica comes back; Slack retries what was not acknowledged, to
        # either replica, as its load balancer would.
        await b.start()
        for attempt in range(1, 4):
            waiting = [t for t in triggers if not t.acknowledged]
            if not waiting:
                break
            await asyncio.gather(
                *(t.send(session, (a, b)[(t.n + attempt) % 2].url, retry=attempt) for t in waiting)
            )
        assert [t.event_id for t in triggers if not t.acknowledged] == [], all_logs([a, b])
        # Every trigger is now acknowledged, so all of them are checked, and with them
        # the ones acknowledged before the kill.
        assert 0 < len(acknowledged) < len(triggers)
        await delivered_everything(session, fake, [a, b], triggers, pg_url)


@pytest.mark.slow
async def test_an_outage_of_slack_delays_every_effect_and_loses_or_repeats_none(
    tmp_path: Path, fake: FakeSlackAPI, pg_url: str
) -> None:
    async with replicas(tmp_path, fake, pg_url) as (a, b), aiohttp.ClientSession() as session:
        await start_together(a, b)
        # Slack is up while each replica serves its first event (Bolt asks auth.test once).
        warm = make_triggers(fake, 2, ("mention",), first=1000)
        for trigger, replica in zip(warm, (a, b), strict=True):
            assert await trigger.send(session, replica.url) == 200
        await settle(session, [a, b], lambda: first_missing(fake, warm))

        fake.outage()  # every Web API method answers 503, as Slack's edge does when down
        outage_began = time.time()
        triggers = make_triggers(fake, 30, KINDS)
        statuses = await asyncio.gather(*(t.send(session, (a, b)[t.n % 2].url) for t in triggers))
        assert statuses == [200] * len(triggers), all_logs([a, b])
        # The client answers in the thread of each case opened at the ack, through the other
        # replica: a second write of the case, and a second note in its card's lane.
        replies = [client_reply(fake, t) for t in triggers if t.kind == "mention"]
        statuses = await asyncio.gather(*(r.send(session, (b, a)[r.n % 2].url) for r in replies))
        assert statuses == [200] * len(replies), all_logs([a, b])

        mention_cases = sum(t.kind == "mention" for t in triggers)
        inbox_triggers = len(triggers) - mention_cases

        def retried_during_outage() -> bool:
            """Every case opened at the ack has had a post refused and a retry refused (a
            retry first looks for its post by the key in message metadata), and the inbox
            has had the messages of its triggers refused more often than it holds them."""
            refused = [c for c in fake.calls if c.failed and c.at >= outage_began]
            keys = {key_of(c) for c in refused if c.method == "chat.postMessage"}
            lookups = [c for c in refused if c.params.get("include_all_metadata")]
            reads = [
                c
                for c in refused
                if c.method.startswith("conversations.")
                and not c.params.get("include_all_metadata")
            ]
            return (
                len({str(key).partition("/")[0] for key in keys if key}) >= mention_cases
                and len(lookups) >= mention_cases
                and len(reads) > inbox_triggers
            )

        await fake.wait_until(retried_during_outage, timeout=WAIT)
        posted = [c for c in fake.successful_calls("chat.postMessage") if c.at >= outage_began]
        assert posted == []  # nothing got through while Slack was down
        fake.end_outage()
        cases = await delivered_everything(session, fake, [a, b], warm + triggers, pg_url)

    record = Record(fake)
    for trigger in triggers:
        (case_id,) = record.case_on(trigger.ts)
        notes = [p.text for p in record.card_notes(case_id)]
        (case,) = [c for c in cases if c["id"] == case_id]
        said = [s["text"] for s in case["client_statements"]]
        if trigger.kind == "mention":
            assert len(notes) == 2 and REPLY in notes[1], (case_id, notes)
            assert len(said) == 2 and said[1] == REPLY, (case_id, said)
        else:
            assert len(notes) == 1, (case_id, notes)


REPLY = "It was due Monday. We need it by Friday."


def client_reply(fake: FakeSlackAPI, trigger: Trigger) -> Trigger:
    """The client's answer in the thread of `trigger`'s case, as a message event."""
    ts = fake.add_message(ACME, REPLY, user=CLIENT, thread_ts=trigger.ts)
    event = message_event(ts, REPLY, thread_ts=trigger.ts)
    return Trigger(trigger.n, "reply", trigger.ts, event, f"{trigger.event_id}RE")


def key_of(call: Call) -> str | None:
    """The outbox key a post carries in its message metadata."""
    return ((call.params.get("metadata") or {}).get("event_payload") or {}).get("key")


@pytest.mark.slow
async def test_two_replicas_started_at_once_on_an_empty_schema_both_serve(
    tmp_path: Path, fake: FakeSlackAPI, pg_url: str
) -> None:
    """Both replicas wait on the migration lock at the same time (the test holds it until
    both do), then both come up: the schema migrated once, each serving a trigger."""
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        schema = (await (await conn.execute("SELECT current_schema()")).fetchone() or [""])[0]
        key = LOCK_KEY + schema
        async with replicas(tmp_path, fake, pg_url) as (a, b), aiohttp.ClientSession() as session:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
                for replica, port in zip((a, b), ports(2), strict=True):
                    replica.spawn(port)
                await wait_for_rows(conn, WAITING_ON_LOCK, (key,), 2, [a, b])
            await asyncio.gather(a.listening(), b.listening())
            rows = await (
                await conn.execute("SELECT version, applied_at FROM schema_migrations")
            ).fetchall()
            assert sorted(v for v, _ in rows) == [m.version for m in migrations()]
            assert len({at for _, at in rows}) == 1  # one migration run, by one replica
            for replica in (a, b):
                async with session.get(f"{replica.base}/healthz") as response:
                    health = await response.json()
                assert response.status == 200 and health["ok"], (replica.name, health)
            triggers = make_triggers(fake, 2, ("mention",))
            for trigger, replica in zip(triggers, (a, b), strict=True):
                assert await trigger.send(session, replica.url) == 200, all_logs([a, b])
            await delivered_everything(session, fake, [a, b], triggers, pg_url)


# Sessions waiting for the advisory lock hashtext(key) (a bigint: its low 32 bits are objid).
WAITING_ON_LOCK = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    " AND objid::bigint = (hashtext(%s)::bigint & 4294967295)"
)


async def wait_for_rows(
    conn: psycopg.AsyncConnection,
    query: str,
    params: tuple[str, ...],
    count: int,
    running: list[Replica],
) -> None:
    """Wait until `query` counts `count` (the processes got there), or say what they said."""
    deadline = time.monotonic() + WAIT
    while True:
        row = await (await conn.execute(query, params)).fetchone()
        if row and row[0] >= count:
            return
        dead = [r.name for r in running if not r.alive]
        assert not dead and time.monotonic() < deadline, (row, dead, all_logs(running))
        await asyncio.sleep(0.05)


async def test_a_killed_replicas_leases_do_not_hold_its_effects_back(
    tmp_path: Path, fake: FakeSlackAPI, pg_url: str
) -> None:
    """The smallest case of the burst test: replica B is killed while it holds the lease
    of a case's card post (Slack took the post; B never heard its answer). Replica A and a
    restarted B are both up at once; the card lane (its notes wait behind the card) must
    be delivered within seconds, not when B's lease runs out."""
    card_post = post_to(INTERNAL, top_level=True)
    lift = fake.delay(card_post, 30)
    (trigger,) = make_triggers(fake, 1, ("mention",))
    async with replicas(tmp_path, fake, pg_url) as (a, b), aiohttp.ClientSession() as session:
        await b.start()
        assert await trigger.send(session, b.url) == 200
        held = await fake.wait_for(card_post, timeout=15)
        assert held.ok  # the card is in the channel...
        b.kill()  # ...and B dies waiting for its answer, holding the lease
        lift()
        await start_together(a, b)
        await settle(session, [a, b], lambda: first_missing(fake, [trigger]), timeout=20)
        assert problems(fake, [trigger]) == []
