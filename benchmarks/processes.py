"""The processes of one benchmark run: the fake Web API, the bot (or the floor), on loopback.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import aiohttp

from tests.slack.harness import DIRECTORY, SECRET, TOKEN

ServerKind = Literal["bot", "floor"]

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COMPLAINTBOT = str(Path(sys.executable).with_name("complaintbot"))
START_TIMEOUT = 30.0
STOP_GRACE = 15.0


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

    def peak_rss_mb(self) -> float | None:
        """VmHWM of the server process (its peak resident set), in MB."""
        return peak_rss_mb(self.process.pid)


@dataclass
class Stack:
    fake: Fake
    server: Server


def peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB -> MB
    return None


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


async def start_server(kind: ServerKind, workdir: Path, fake: Fake) -> Server:
    """`complaintbot serve` (bot) or benchmarks/floor.py (floor), on a free loopback port."""
    port = free_port()
    directory = workdir / "complaintbot.toml"
    directory.write_text(DIRECTORY, encoding="utf-8")
    env = _base_env()
    for name in ("SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"):
        env.pop(name, None)
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        COMPLAINTBOT_DATABASE_URL=str(workdir / "data" / "complaintbot.json"),
        COMPLAINTBOT_DIRECTORY=str(directory),
    )
    if kind == "bot":
        argv = [COMPLAINTBOT, "serve", "--port", str(port), "--no-playground"]
    else:
        argv = [PYTHON, "-m", "benchmarks.floor", "--port", str(port)]
    log = workdir / f"{kind}.log"
    process = _spawn(argv, log, env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                await stop(process)
                raise StartError(f"the {kind} did not start:\n{_tail(log)}")
            with suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"{base}/healthz", timeout=aiohttp.ClientTimeout(2)) as r:
                    if r.status == 200:
                        break
            await asyncio.sleep(0.1)
    return Server(kind, process, f"{base}/slack/events", log)


@asynccontextmanager
async def stack(kind: ServerKind, workdir: Path, latency: float = 0.0) -> AsyncIterator[Stack]:
    """A fresh fake and a fresh server (new store) in `workdir`; both stopped on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    fake = await start_fake(workdir, latency)
    try:
        server = await start_server(kind, workdir, fake)
        try:
            yield Stack(fake, server)
        finally:
            await stop(server.process)
    finally:
        await stop(fake.process, grace=5)
