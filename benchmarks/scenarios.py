"""Scenarios a-d and f: load against a running `complaintbot serve`, and against the floor.

Every run of a server is a fresh stack (fake Web API + server + new store) in its own
work directory, so no scenario inherits another's history.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

from benchmarks.effects import FakeRecord, Judgement, judge, settle
from benchmarks.events import Event, EventFactory
from benchmarks.load import LoadStats, Run, Sender, full_speed, paced
from benchmarks.pg import unavailable
from benchmarks.processes import SINGLE, Backend, CpuMeter, ServerKind, Stack, stack
from benchmarks.profiles import Profile
from benchmarks.report import Row
from tests.slack.harness import SECRET

#: Scenario b's mix, per 50 events: 1 mention (2%), 4 client replies (8%), 45 plain (90%).
MENTION_AT = frozenset({0})
REPLY_AT = frozenset({6, 18, 31, 43})


@dataclass
class Measured:
    """One server's figures for one load."""

    load: LoadStats
    rss_mb: float | None
    effects: Judgement | None = None
    notes: list[str] = field(default_factory=list)
    in_time: int = 0  # c: cases complete within 5 s after the burst


def sender_for(st: Stack, limit: int, p: Profile) -> Sender:
    return Sender(st.server.url, SECRET, limit, p.timeout)


def ratio(bot: LoadStats, floor: LoadStats) -> float | None:
    return bot.throughput / floor.throughput if floor.throughput else None


def clean(load: LoadStats, effects: Judgement | None = None) -> bool:
    ok = load.non_200 == 0 and load.unanswered == 0
    return ok and (effects is None or (effects.lost == 0 and effects.duplicated == 0))


def load_notes(load: LoadStats) -> list[str]:
    if not load.unanswered:
        return []
    return [f"{load.unanswered} of {load.sent} requests got no answer in time"]


def effect_notes(fx: Judgement) -> list[str]:
    found = []
    if fx.missing:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(fx.missing.items()))
        found.append(f"lost by kind: {kinds}")
    if fx.stray:
        found.append(f"{fx.stray} bot posts belonged to no trigger or reply of the run")
    return found


def postgres(p: Profile) -> Backend:
    return Backend("postgres", p.replicas, proxy=True, pg_url=p.pg_url)


def tag(backend: Backend) -> str:
    if backend.store == "tinydb":
        return "TinyDB"
    return f"PostgreSQL, {backend.replicas} replicas via proxy"


async def replica_notes(st: Stack) -> list[str]:
    """How the proxy split the load, and each replica's peak RSS."""
    front = st.server
    if front.proxy is None:
        return []
    stats = await front.proxy_stats() or {}
    requests: dict[str, int] = stats.get("requests", {})  # type: ignore[assignment]
    errors: dict[str, int] = stats.get("errors", {})  # type: ignore[assignment]
    split = "/".join(str(requests.get(s.base, 0)) for s in front.servers)
    rss = "/".join(f"{r:.0f}" if r is not None else "?" for r in front.rss_each_mb())
    failed = sum(errors.values())
    return [
        f"proxy: {split} requests to replica "
        + "/".join(str(n + 1) for n in range(len(front.servers)))
        + f", {failed} proxy errors; "
        f"peak RSS per replica {rss} MB (the column shows the largest)"
    ]


def triggers_of(run: Run) -> tuple[dict[str, float], dict[str, float]]:
    mentions = {r.ref: r.due for r in run.results if r.kind == "mention"}
    replies = {r.ref: r.due for r in run.results if r.kind == "reply"}
    return mentions, replies


# ------------------------------------------------------------------ a. plain messages


async def _plain_at_full_speed(kind: ServerKind, work: Path, p: Profile, history: int) -> Measured:
    async with stack(kind, work) as st, sender_for(st, p.senders, p) as sender:
        factory = EventFactory()
        notes: list[str] = []
        if history:
            before = await full_speed(sender, factory.plain, p.senders, history, p.a_history_cap)
            done = before.stats()
            notes.append(
                f"history: {done.ok} of {history} events answered 200 in "
                f"{done.elapsed:.1f} s ({done.throughput:.0f}/s; cap {p.a_history_cap:.0f} s)"
            )
        run = await full_speed(sender, factory.plain, p.senders, p.a_count, p.a_seconds)
        async with FakeRecord(st.fake.control_url) as record:
            stray = judge(await record.fetch(), {}, {}, record.dm).stray
        if stray:
            notes.append(f"{stray} bot posts for plain messages (expected none)")
        load = run.stats()
        return Measured(load, st.server.peak_rss_mb(), notes=notes + load_notes(load))


async def plain_throughput(p: Profile, work: Path) -> list[Row]:
    """The floor is measured before and after the bot, and the bot compared with the mean
    of the two, so a machine that speeds up or slows down during the scenario shows."""
    before = await _plain_at_full_speed("floor", work / "a-floor-before", p, history=0)
    fresh = await _plain_at_full_speed("bot", work / "a-fresh", p, history=0)
    aged = await _plain_at_full_speed("bot", work / "a-history", p, history=p.a_history)
    after = await _plain_at_full_speed("floor", work / "a-floor-after", p, history=0)
    floor_rate = (before.load.throughput + after.load.throughput) / 2
    rows = []
    drift = abs(before.load.throughput - after.load.throughput) / floor_rate if floor_rate else 0
    warning = [
        f"the floor changed by {drift:.0%} between before and after: the machine's speed "
        "changed during the scenario (other work?), so take these ratios with care"
    ]
    for label, got in (("before", before), ("after", after)):
        share = got.load.throughput / floor_rate if floor_rate else None
        rows.append(
            Row(
                f"a. plain, floor ({label})",
                "reference",
                got.load,
                share,
                rss_mb=got.rss_mb,
                notes=warning if drift > 0.2 and label == "after" else [],
            )
        )
    for label, got in (("fresh store", fresh), (f"after {p.a_history:,} events", aged)):
        r = got.load.throughput / floor_rate if floor_rate else None
        passed = r is not None and r >= 0.8 and clean(got.load)
        rows.append(
            Row(
                f"a. plain, {label}",
                "≥0.8× floor",
                got.load,
                r,
                rss_mb=got.rss_mb,
                passed=passed,
                notes=got.notes,
            )
        )
    return rows


# ------------------------------------------------------------------ b. mixed load


def mixed(factory: EventFactory, threads: list[str]) -> Iterator[Event]:
    cycle = itertools.cycle(threads)
    for n in itertools.count():
        if n % 50 in MENTION_AT:
            yield factory.mention()
        elif n % 50 in REPLY_AT:
            yield factory.reply(next(cycle))
        else:
            yield factory.plain()


async def _mixed(kind: ServerKind, work: Path, p: Profile, backend: Backend = SINGLE) -> Measured:
    async with (
        stack(kind, work, backend=backend) as st,
        sender_for(st, p.paced_limit, p) as sender,
        FakeRecord(st.fake.control_url) as record,
    ):
        factory = EventFactory()
        opened: dict[str, float] = {}
        for _ in range(p.b_setup_cases):  # the open cases that client replies go to
            event = factory.mention()
            opened[event.ref] = (await sender.send(event)).due
        notes: list[str] = []
        if kind == "bot":
            setup = await settle(record, opened, {}, perf_counter() + p.settle_cap)
            if not setup.complete:
                notes.append(f"set-up cases incomplete before the load ({setup.lost} lost)")
        meter = CpuMeter(st)
        await meter.start()
        run = await paced(sender, mixed(factory, list(opened)), p.b_rate, p.b_seconds)
        load = run.stats()
        notes += load_notes(load)
        if kind == "floor":
            notes += await replica_notes(st)
            return Measured(load, st.server.peak_rss_mb(), notes=notes)
        mentions, replies = triggers_of(run)
        expected = {**opened, **mentions}
        fx = await settle(record, expected, replies, perf_counter() + p.settle_cap)
        cpu = await meter.stop(load.sent, "event")
        counts = f"{len(mentions)} new cases, {len(replies)} client replies"
        notes.insert(0, f"{counts}, {p.b_setup_cases} cases opened before")
        notes += effect_notes(fx) + await replica_notes(st) + cpu
        return Measured(load, st.server.peak_rss_mb(), fx, notes)


B_TARGET = "ack p99 ≤100 ms, none lost/dup, all 200"
C_TARGET = "ack p99 ≤250 ms, all complete ≤5 s after"


def _mixed_rows(
    label: str, floor: Measured, bot: Measured, what: str, floor_what: str
) -> list[Row]:
    passed = bot.load.p99_ms <= 100 and clean(bot.load, bot.effects)
    return [
        Row(
            f"{label}, {floor_what}",
            "reference",
            floor.load,
            1.0,
            rss_mb=floor.rss_mb,
            notes=floor.notes,
        ),
        Row(
            f"{label}, {what}",
            B_TARGET,
            bot.load,
            ratio(bot.load, floor.load),
            bot.effects,
            bot.rss_mb,
            passed=passed,
            notes=bot.notes,
        ),
    ]


async def mixed_load(p: Profile, work: Path) -> list[Row]:
    label = f"b. mixed {p.b_rate:.0f}/s × {p.b_seconds:.0f} s"
    return await on_each_backend(label, B_TARGET, _mixed, _mixed_rows, p, work / "b")


async def on_each_backend(
    label: str,
    target: str,
    run: Callable[..., Awaitable[Any]],
    rows_of: Callable[..., list[Row]],
    p: Profile,
    work: Path,
) -> list[Row]:
    """A scenario against its floor on the embedded store, then on PostgreSQL with the
    replicas behind the proxy (against a floor behind the same proxy), or why not."""
    rows = rows_of(
        label,
        await run("floor", work / "floor", p),
        await run("bot", work / "bot", p),
        tag(SINGLE),
        "floor",
    )
    backend = postgres(p)
    reason = await unavailable(p.pg_url)
    if reason:
        return rows + [skipped(f"{label}, {tag(backend)}", target, reason)]
    floor = await run("floor", work / "pg-floor", p, backend)
    bot = await run("bot", work / "pg-bot", p, backend)
    floor_what = f"floor, {backend.replicas} replicas via proxy"
    return rows + rows_of(label, floor, bot, tag(backend), floor_what)


def skipped(label: str, target: str, reason: str) -> Row:
    return Row(label, target, result=f"skipped: {reason}")


# ------------------------------------------------------------------ c. complaint burst


async def _burst(kind: ServerKind, work: Path, p: Profile, backend: Backend = SINGLE) -> Measured:
    async with (
        stack(kind, work, backend=backend) as st,
        sender_for(st, p.paced_limit, p) as sender,
    ):
        factory = EventFactory()
        mentions = (factory.mention() for _ in itertools.count())
        meter = CpuMeter(st)
        await meter.start()
        run = await paced(sender, mentions, p.c_rate, p.c_seconds)
        load = run.stats()
        if kind == "floor":
            notes = load_notes(load) + await replica_notes(st)
            return Measured(load, st.server.peak_rss_mb(), notes=notes)
        async with FakeRecord(st.fake.control_url) as record:
            burst_end = run.started + p.c_seconds
            triggers, _ = triggers_of(run)
            fx = await settle(record, triggers, {}, burst_end + max(5.0, p.settle_cap))
        cpu = await meter.stop(len(triggers), "complaint")
        in_time = sum(1 for at in fx.last_effect_at.values() if at <= burst_end + 5)
        notes = [f"{in_time} of {len(triggers)} cases complete within 5 s after the burst"]
        notes += load_notes(load) + effect_notes(fx) + await replica_notes(st) + cpu
        return Measured(load, st.server.peak_rss_mb(), fx, notes, in_time)


def _burst_rows(
    label: str, floor: Measured, bot: Measured, what: str, floor_what: str
) -> list[Row]:
    fx = bot.effects
    assert fx is not None
    in_time = bot.in_time
    passed = bot.load.p99_ms <= 250 and in_time == fx.triggers and clean(bot.load, fx)
    return [
        Row(
            f"{label}, {floor_what}",
            "reference",
            floor.load,
            1.0,
            rss_mb=floor.rss_mb,
            notes=floor.notes,
        ),
        Row(
            f"{label}, {what}",
            C_TARGET,
            bot.load,
            ratio(bot.load, floor.load),
            fx,
            bot.rss_mb,
            f"{in_time}/{fx.triggers} in 5 s",
            passed,
            bot.notes,
        ),
    ]


async def complaint_burst(p: Profile, work: Path) -> list[Row]:
    label = f"c. burst {p.c_rate:.0f} complaints/s × {p.c_seconds:.0f} s"
    return await on_each_backend(label, C_TARGET, _burst, _burst_rows, p, work / "c")


# ------------------------------------------------------------------ d. slow Web API


async def slow_web_api(p: Profile, work: Path) -> list[Row]:
    async with (
        stack("bot", work / "d-bot", latency=p.d_latency) as st,
        sender_for(st, p.paced_limit, p) as sender,
        FakeRecord(st.fake.control_url) as record,
    ):
        factory = EventFactory()
        mentions = (factory.mention() for _ in itertools.count())
        run = await paced(sender, mentions, p.d_rate, p.d_seconds)
        triggers, _ = triggers_of(run)
        fx = await settle(record, triggers, {}, perf_counter() + p.settle_cap)
        rss = st.server.peak_rss_mb()
        mode = st.fake.latency_mode
    load = run.stats()
    notes = [f"{len(triggers)} complaints; Web API latency {p.d_latency * 1000:.0f} ms ({mode})"]
    passed = fx.effect_ms(95) <= 500 and clean(load, fx)
    label = f"d. {p.d_rate:.0f} complaints/s, +{p.d_latency * 1000:.0f} ms per API call"
    return [
        Row(
            label,
            "trigger→last effect p95 ≤500 ms",
            load,
            None,
            fx,
            rss,
            passed=passed,
            notes=notes + load_notes(load) + effect_notes(fx),
        )
    ]


# ------------------------------------------------------------------ f. memory


def peak_memory(rows: list[Row]) -> Row:
    bot_rows = [r for r in rows if r.rss_mb is not None and r.target != "reference"]
    if not bot_rows:
        return Row("f. peak server RSS", "≤200 MB", notes=["no server RSS was measured"])
    peak = max(bot_rows, key=lambda r: r.rss_mb or 0.0)
    assert peak.rss_mb is not None
    return Row(
        "f. peak server RSS (bot, whole run)",
        "≤200 MB",
        rss_mb=peak.rss_mb,
        result=f"in {peak.scenario.split(',')[0]}",
        passed=peak.rss_mb <= 200,
    )
