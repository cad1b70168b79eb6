"""How big each scenario is: the full targets, and a short run that scales them down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoreCounts:
    """Scenario e: cases seeded through the Store API before timing `save_case`."""

    closed_small: int
    closed_large: int
    open_small: int
    open_large: int
    samples: int  # timed saves per configuration
    seed_cap: float  # seconds of seeding allowed per configuration
    # PostgreSQL: one schema grown through these sizes (cases of history), timed at each
    pg_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    pg_samples: int = 200  # timed save_case and get_case calls at each size
    pg_seed_cap: float = 900  # seconds of seeding allowed in all


@dataclass(frozen=True)
class ReviewCounts:
    """Scenario g: one store per backend grown through these sizes, the review timed at each."""

    sizes: tuple[int, ...]  # cases of history, PostgreSQL
    tinydb_sizes: tuple[int, ...]
    calls: int  # timed load_view calls per view and size
    seed_cap: float  # seconds of seeding allowed per backend
    clients: int = 100
    days: float = 450  # the history's span


@dataclass(frozen=True)
class Profile:
    name: str
    senders: int  # scenario a: concurrent senders at full speed
    a_seconds: float  # scenario a: each measurement, at most this long ...
    a_count: int  # ... or this many events
    a_history: int  # events sent before the "after history" measurement
    a_history_cap: float  # seconds allowed for sending them
    b_rate: float
    b_seconds: float
    b_setup_cases: int  # cases opened before the mixed load, for client replies to land in
    c_rate: float
    c_seconds: float
    d_rate: float
    d_seconds: float
    d_latency: float  # seconds the fake adds to every Web API call
    settle_cap: float  # seconds to wait after the load for effects to show up
    timeout: float  # per request; later counts as unanswered
    paced_limit: int  # connections in flight for paced runs
    store: StoreCounts
    review: ReviewCounts
    replicas: int = 2  # b and c on PostgreSQL: `complaintbot serve` replicas behind the proxy
    pg_url: str = ""  # the PostgreSQL server (set by benchmarks.run from --pg-url)


FULL = Profile(
    name="full",
    senders=16,
    a_seconds=20,
    a_count=100_000,
    a_history=10_000,
    a_history_cap=600,
    b_rate=300,
    b_seconds=60,
    b_setup_cases=5,
    c_rate=100,
    c_seconds=10,
    d_rate=10,
    d_seconds=30,
    d_latency=0.05,
    settle_cap=60,
    timeout=10,
    paced_limit=100,
    store=StoreCounts(1_000, 20_000, 10, 1_000, samples=30, seed_cap=900),
    review=ReviewCounts((1_000, 10_000, 100_000), (1_000, 10_000, 100_000), 10, seed_cap=1_500),
)

SHORT = Profile(
    name="short",
    senders=16,
    a_seconds=4,
    a_count=100_000,
    a_history=1_000,
    a_history_cap=12,
    b_rate=300,
    b_seconds=8,
    b_setup_cases=5,
    c_rate=100,
    c_seconds=3,
    d_rate=10,
    d_seconds=6,
    d_latency=0.05,
    settle_cap=10,
    timeout=5,
    paced_limit=100,
    store=StoreCounts(
        100,
        2_000,
        10,
        200,
        samples=15,
        seed_cap=12,
        pg_sizes=(1_000, 10_000),
        pg_samples=200,
        pg_seed_cap=60,
    ),  # fmt: skip
    # PostgreSQL to 100k even here: the review's limits are for that size (seeding ~70 s)
    review=ReviewCounts((1_000, 10_000, 100_000), (1_000, 10_000), 10, seed_cap=300),
)


def describe(p: Profile) -> dict[str, str]:
    """Each scenario's size in this profile, in words (for docs/benchmarks.md)."""
    s = p.store
    return {
        "a": f"plain channel messages, {p.senders} senders at full speed, each measurement "
        f"≤{p.a_seconds:.0f} s; fresh store, and after {p.a_history:,} events "
        f"(sending them capped at {p.a_history_cap:.0f} s); vs the floor",
        "b": f"{p.b_rate:.0f} events/s for {p.b_seconds:.0f} s: 90% plain, 8% client replies "
        f"in {p.b_setup_cases} cases opened first, 2% new complaints; floor under the same load; "
        f"on TinyDB (one server), and on PostgreSQL ({p.replicas} replicas behind the proxy, "
        f"vs {p.replicas} floors behind it)",
        "c": f"{p.c_rate:.0f} complaints/s for {p.c_seconds:.0f} s (each names an employee); "
        f"floor under the same load; TinyDB, and PostgreSQL with {p.replicas} replicas as in b",
        "d": f"{p.d_rate:.0f} complaints/s for {p.d_seconds:.0f} s, "
        f"{p.d_latency * 1000:.0f} ms added to every Web API call",
        "e": f"save_case of one open case: {s.closed_large:,} closed cases vs {s.closed_small:,}, "
        f"{s.open_large:,} open vs {s.open_small:,}; {s.samples} timed saves each, seeding "
        f"capped at {s.seed_cap:.0f} s per store (TinyDB). PostgreSQL: save_case of one open "
        f"case and get_case of a random one, {s.pg_samples} each, at "
        + ", ".join(f"{n:,}" for n in s.pg_sizes)
        + f" cases of history (one schema grown through them, seeding capped at "
        f"{s.pg_seed_cap:.0f} s in all)",
        "f": "peak RSS (VmHWM) of the bot's server process over the scenarios above",
        "g": "`/review` (the portfolio), `/review client NAME` (the busiest client) and "
        "`/review person @someone` (the person named on the most cases), "
        f"{p.review.calls} timed `load_view` calls each, on one store per backend grown "
        f"through {', '.join(f'{n:,}' for n in p.review.sizes)} cases (PostgreSQL) and "
        f"{', '.join(f'{n:,}' for n in p.review.tinydb_sizes)} (TinyDB) of {p.review.clients} "
        f"clients over {p.review.days:.0f} days, seeding capped at {p.review.seed_cap:.0f} s "
        "per backend",
    }


COMMON = (
    "Effects are waited for up to {settle} s after the load (c: at least 5 s after the "
    "burst); a request unanswered after {timeout} s counts as unanswered."
)
