"""The load generator: signed POSTs to /slack/events, paced or at full speed, and their stats.

Concurrency is bounded by the session's connector limit, every run is bounded in count and
in time, and every request has a timeout: a server that stops answering shows up as
unanswered requests, never as a hung benchmark. Latency is measured with
`time.perf_counter` from when a request was *due* (paced runs) or sent (full-speed runs)
until its response was read, so a generator waiting on a slow server still counts the wait.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from time import perf_counter

import aiohttp

from benchmarks.events import Event, Kind
from tests.slackkit.signing import JSON_CONTENT, sign


@dataclass(frozen=True)
class Sent:
    kind: Kind
    ref: str
    due: float  # perf_counter when it was due
    status: int | None  # None: no answer within the timeout (or the connection failed)
    latency: float | None  # seconds, due -> response read
    error: str = ""


@dataclass(frozen=True)
class LoadStats:
    sent: int
    ok: int
    non_200: int
    unanswered: int
    elapsed: float
    throughput: float  # 200 answers per second of the run
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass
class Run:
    results: list[Sent]
    started: float
    finished: float

    def stats(self) -> LoadStats:
        return summarize(self.results, self.finished - self.started)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values; inf counts as a value."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(results: Sequence[Sent], elapsed: float) -> LoadStats:
    answered = [r.latency * 1000 for r in results if r.latency is not None]
    ok = sum(1 for r in results if r.status == 200)
    non_200 = sum(1 for r in results if r.status is not None and r.status != 200)
    return LoadStats(
        sent=len(results),
        ok=ok,
        non_200=non_200,
        unanswered=sum(1 for r in results if r.status is None),
        elapsed=elapsed,
        throughput=ok / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(answered, 50),
        p95_ms=percentile(answered, 95),
        p99_ms=percentile(answered, 99),
        max_ms=max(answered) if answered else math.nan,
    )


class Sender:
    """Signs and posts events to one server (loopback only), at most `limit` at a time."""

    def __init__(self, url: str, secret: str, limit: int, timeout: float) -> None:
        if not url.startswith("http://127.0.0.1:"):
            raise ValueError(f"the benchmark only sends to 127.0.0.1, not {url}")
        self.url, self.secret = url, secret
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=limit),
            timeout=aiohttp.ClientTimeout(total=timeout),
        )

    async def close(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> Sender:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def send(self, event: Event, due: float | None = None) -> Sent:
        due = perf_counter() if due is None else due
        headers = {"Content-Type": JSON_CONTENT, **sign(event.body, self.secret)}
        try:
            async with self._session.post(self.url, data=event.body, headers=headers) as answer:
                await answer.read()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as err:
            return Sent(event.kind, event.ref, due, None, None, type(err).__name__)
        return Sent(event.kind, event.ref, due, status, perf_counter() - due)


async def paced(sender: Sender, events: Iterable[Event], rate: float, duration: float) -> Run:
    """Send `events` at `rate` per second for at most `duration` seconds (open loop: a slow
    answer does not slow the schedule, up to the connector limit), then wait for answers."""
    started = perf_counter() + 0.05
    tasks: list[asyncio.Task[Sent]] = []
    for n, event in enumerate(events):
        due = started + n / rate
        if due - started >= duration:
            break
        delay = due - perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(sender.send(event, due)))
    results = list(await asyncio.gather(*tasks))
    return Run(results, started, perf_counter())


async def full_speed(
    sender: Sender, make: Callable[[], Event], senders: int, count: int, duration: float
) -> Run:
    """`senders` concurrent senders, each sending its next event as soon as the last one was
    answered, until `count` events were sent or `duration` seconds passed."""
    numbers = itertools.count()
    results: list[Sent] = []
    started = perf_counter()
    deadline = started + duration

    async def one_sender() -> None:
        while next(numbers) < count and perf_counter() < deadline:
            results.append(await sender.send(make()))

    await asyncio.gather(*(one_sender() for _ in range(senders)))
    return Run(results, started, perf_counter())
