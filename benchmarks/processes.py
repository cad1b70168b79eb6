"""The processes of one benchmark run: the fake Web API, the bot (or the floor), on loopback;
or several replicas of the bot (or the floor) on one PostgreSQL schema, behind the
round-robin proxy of `benchmarks/proxy.py`.

Every process is started by the benchmark and ended by it, by pid: SIGTERM, then SIGKILL
if it has not exited within its grace time. Output goes to log files in the run's work
directory, never to a pipe nobody reads.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import aiohttp

from benchmarks.pg import fresh_schema
from tests.slack.harness import DIRECTORY, SECRET, TOKEN

ServerKind = Literal["bot", "floor"]
StoreKind = Literal["tinydb", "postgres"]

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COMPLAINTBOT = str(Path(sys.executable).with_name("complaintbot"))
START_TIMEOUT = 30.0
STOP_GRACE = 15.0
PY_SPY = str(Path(sys.executable).with_name("py-spy"))
#: Set by `benchmarks.run --py-spy DIR`: every bot server is sampled by py-spy while it
#: serves, into DIR/<scenario dir>-<server>.txt (collapsed stacks, one line per stack).
profile_dir: Path | None = None
#: Set by `benchmarks.run --bot-env NAME=VALUE`: settings for every bot server (e.g.
#: COMPLAINTBOT_DATABASE_POOL_SIZE). Otherwise the bot runs on its defaults: these
#: tuning settings are not inherited from the benchmark's own environment.
bot_env: dict[str, str] = {}
TUNING = ("COMPLAINTBOT_DATABASE_POOL_SIZE", "COMPLAINTBOT_OUTBOX_CONCURRENCY")


class StartError(RuntimeError):
    """A process did not come up; the message carries the tail of its log."""


@dataclass
class Fake:
    process: subprocess.Popen[bytes]
    base_url: str
    control_url: str
    latency_mode: str


@dataclass
class Server:
    kind: ServerKind
    process: subprocess.Popen[bytes]
    url: str  # POST target, .../slack/events
    log: Path

    @property
    def base(self) -> str:
        return self.url.removesuffix("/slack/events")

    def peak_rss_mb(self) -> float | None:
        """VmHWM of the server process (its peak resident set), in MB."""
        return peak_rss_mb(self.process.pid)


@dataclass
class Proxy:
    process: subprocess.Popen[bytes]
    base: str
    log: Path


@dataclass(frozen=True)
class Backend:
    """Where the bot keeps its store, and how many replicas serve it.

    `tinydb`: one file per run. `postgres`: a fresh schema of `pg_url` per run, dropped
    after. With `proxy` (always with more than one replica) the load goes to the proxy,
    which hands requests to the replicas in turn; the floor gets the same replicas and
    proxy, without a store."""

    store: StoreKind = "tinydb"
    replicas: int = 1
    proxy: bool = False
    pg_url: str = ""

    def __post_init__(self) -> None:
        if self.replicas > 1 and not self.proxy:
            raise ValueError("several replicas need the proxy in front")
        if self.replicas > 1 and self.store == "tinydb":
            raise ValueError("a TinyDB file is one replica's (it is locked)")


SINGLE = Backend()


@dataclass
class Front:
    """What the load generator talks to: one server, or the proxy before several."""

    servers: list[Server]
    proxy: Proxy | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        if self.proxy is None:
            return self.servers[0].url
        return f"{self.proxy.base}/slack/events"

    def peak_rss_mb(self) -> float | None:
        """The largest VmHWM among the replicas (each is a process of its own), in MB."""
        found = [r for r in (s.peak_rss_mb() for s in self.servers) if r is not None]
        return max(found) if found else None

    def rss_each_mb(self) -> list[float | None]:
        return [s.peak_rss_mb() for s in self.servers]

    async def proxy_stats(self) -> dict[str, object] | None:
        """Requests (and connection errors) per replica, as the proxy counted them."""
        if self.proxy is None:
            return None
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.get(f"{self.proxy.base}/_proxy/stats") as answer,
        ):
            found: dict[str, object] = await answer.json()
            return found


@dataclass
class Stack:
    fake: Fake
    server: Front
    database_url: str = ""


def peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB -> MB
    return None


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def postgres_pids() -> list[int]:
    """Every process on this machine named `postgres` (the server, if it runs here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text(encoding="ascii").strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class CpuMeter:
    """CPU seconds each process of a stack used between `start()` and `stop()`: where a
    2-CPU machine's time went during a load."""

    def __init__(self, st: Stack) -> None:
        self.st = st
        self._began: dict[str, float] = {}
        self._wall = 0.0
        self._commits: int | None = None

    def _now(self) -> dict[str, float]:
        front = self.st.server
        found = {f"server {n + 1}": cpu_seconds(s.process.pid) for n, s in enumerate(front.servers)}
        if front.proxy is not None:
            found["proxy"] = cpu_seconds(front.proxy.process.pid)
        found["fake Slack"] = cpu_seconds(self.st.fake.process.pid)
        found["load generator"] = sum(os.times()[:2])
        if self.st.database_url:
            found["postgres (all)"] = sum(cpu_seconds(pid) for pid in postgres_pids())
        return found

    async def start(self) -> None:
        self._commits = await self._transactions()
        self._began = self._now()
        self._wall = time.perf_counter()

    async def stop(self, count: int = 0, what: str = "event") -> list[str]:
        wall = time.perf_counter() - self._wall
        used = {k: v - self._began.get(k, 0.0) for k, v in self._now().items()}
        parts = ", ".join(f"{k} {v:.1f}" for k, v in used.items())
        found = [
            f"CPU seconds in the {wall:.0f} s of load and settling: {parts}; "
            f"total {sum(used.values()):.1f} of {len(os.sched_getaffinity(0)) * wall:.0f} "
            "available"
        ]
        commits = await self._transactions()
        if commits is not None and self._commits is not None:
            done = commits - self._commits
            each = f" ({done / count:.1f} per {what})" if count else ""
            found.append(
                f"PostgreSQL: {done:,} transactions committed in the database meanwhile"
                f"{each}, by every client of it (pg_stat_database)"
            )
        return found

    async def _transactions(self) -> int | None:
        if not self.st.database_url:
            return None
        await asyncio.sleep(1.1)  # the server publishes its counters about once a second
        return await asyncio.to_thread(database_commits, self.st.database_url)


def database_commits(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _spawn(argv: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )


async def stop(process: subprocess.Popen[bytes], grace: float = STOP_GRACE) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if process.poll() is None:
        process.kill()
        await asyncio.to_thread(process.wait)


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


async def start_fake(workdir: Path, latency: float) -> Fake:
    ready = workdir / "fake.ready"
    ready.unlink(missing_ok=True)  # a work directory used before must not answer for it
    log = workdir / "fake.log"
    argv = [PYTHON, "-m", "benchmarks.fake_slack", "--ready-file", str(ready)]
    process = _spawn([*argv, "--latency", str(latency)], log, _base_env())
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            await stop(process)
            raise StartError(f"the fake Slack API did not start:\n{_tail(log)}")
        await asyncio.sleep(0.05)
    found = json.loads(ready.read_text(encoding="utf-8"))
    return Fake(process, found["base_url"], found["control_url"], found["latency_mode"])


async def start_server(
    kind: ServerKind, workdir: Path, fake: Fake, database_url: str = "", name: str = ""
) -> Server:
    """`complaintbot serve` (bot) or benchmarks/floor.py (floor), on a free loopback port;
    its store at `database_url` (default: a new TinyDB file in `workdir`)."""
    port = free_port()
    directory = workdir / "complaintbot.toml"
    directory.write_text(DIRECTORY, encoding="utf-8")
    env = _base_env()
    for variable in ("SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", *TUNING):
        env.pop(variable, None)
    if kind == "bot":
        env.update(bot_env)
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        COMPLAINTBOT_DATABASE_URL=database_url or str(workdir / "data" / "complaintbot.json"),
        COMPLAINTBOT_DIRECTORY=str(directory),
    )
    if kind == "bot":
        argv = [COMPLAINTBOT, "serve", "--port", str(port), "--no-playground"]
    else:
        argv = [PYTHON, "-m", "benchmarks.floor", "--port", str(port)]
    log = workdir / f"{name or kind}.log"
    process = _spawn(argv, log, env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                await stop(process)
                raise StartError(f"the {name or kind} did not start:\n{_tail(log)}")
            with suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"{base}/healthz", timeout=aiohttp.ClientTimeout(2)) as r:
                    if r.status == 200:
                        break
            await asyncio.sleep(0.1)
    return Server(kind, process, f"{base}/slack/events", log)


async def start_proxy(workdir: Path, upstreams: list[str]) -> Proxy:
    ready = workdir / "proxy.ready"
    ready.unlink(missing_ok=True)
    log = workdir / "proxy.log"
    argv = [PYTHON, "-m", "benchmarks.proxy", "--ready-file", str(ready)]
    for upstream in upstreams:
        argv += ["--upstream", upstream]
    process = _spawn(argv, log, _base_env())
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            await stop(process)
            raise StartError(f"the proxy did not start:\n{_tail(log)}")
        await asyncio.sleep(0.05)
    return Proxy(process, json.loads(ready.read_text(encoding="utf-8"))["url"], log)


def start_py_spy(workdir: Path, server: Server, into: Path) -> subprocess.Popen[bytes]:
    into.mkdir(parents=True, exist_ok=True)
    out = into / f"{workdir.name}-{server.log.stem}.txt"
    argv = [PY_SPY, "record", "--pid", str(server.process.pid), "--format", "raw"]
    argv += ["--output", str(out), "--rate", "200", "--nonblocking"]
    return _spawn(argv, into / f"{workdir.name}-{server.log.stem}.py-spy.log", _base_env())


async def stop_py_spy(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """SIGINT: py-spy writes what it sampled, then exits; killed if it takes too long."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + grace
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await stop(process, grace=2)


@asynccontextmanager
async def _database(kind: ServerKind, workdir: Path, backend: Backend) -> AsyncIterator[str]:
    """The store's URL for one run ("" for a new TinyDB file in `workdir`)."""
    if kind == "bot" and backend.store == "postgres":
        async with fresh_schema(backend.pg_url) as url:
            yield url
    else:
        yield ""


@asynccontextmanager
async def stack(
    kind: ServerKind, workdir: Path, latency: float = 0.0, backend: Backend = SINGLE
) -> AsyncIterator[Stack]:
    """A fresh fake and fresh servers (a new store) in `workdir`, behind the proxy if
    `backend` says so; all stopped on exit (and a PostgreSQL schema dropped).

    Replicas start one after the other (each answers /healthz before the next starts), as a
    rolling deploy would, so the first one alone creates the schema's tables."""
    workdir.mkdir(parents=True, exist_ok=True)
    fake = await start_fake(workdir, latency)
    servers: list[Server] = []
    proxy: Proxy | None = None
    samplers: list[subprocess.Popen[bytes]] = []
    try:
        async with _database(kind, workdir, backend) as database_url:
            try:
                for n in range(backend.replicas):
                    name = f"{kind}-{n + 1}" if backend.replicas > 1 else kind
                    servers.append(await start_server(kind, workdir, fake, database_url, name))
                if backend.proxy:
                    proxy = await start_proxy(workdir, [s.base for s in servers])
                if kind == "bot" and profile_dir is not None:
                    samplers = [start_py_spy(workdir, s, profile_dir) for s in servers]
                yield Stack(fake, Front(servers, proxy), database_url)
            finally:
                await asyncio.gather(*(stop_py_spy(p) for p in samplers))
                if proxy is not None:
                    await stop(proxy.process, grace=5)
                await asyncio.gather(*(stop(s.process) for s in servers))
    finally:
        await stop(fake.process, grace=5)
