"""`complaintbot serve` and the playground, as a real process: on by default on loopback,
off on request or with platform credentials, refused on a public interface without
`--expose-playground`, and `--demo` seeding cases in every status."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.playground import decide, is_loopback
from bot.settings import Settings
from handlers.errors import ConfigError
from handlers.model import Status
from storage.tinydb_store import TinyDBStore
from tests.bot.test_cli import COMPLAINTBOT, environment, free_port, run, wait_until_listening

from .conftest import WAIT_SECONDS, wait_for


@contextmanager
def serving(tmp_path: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    process = subprocess.Popen(
        [COMPLAINTBOT, "serve", *args],
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, wait_until_listening(process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=WAIT_SECONDS * 2)
            except subprocess.TimeoutExpired:
                process.kill()
                raise


def test_a_public_interface_is_refused_without_the_flag(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.returncode == 2
    assert result.stderr.startswith("complaintbot: --host: 0.0.0.0 is not a loopback address")
    assert "--expose-playground" in result.stderr
    assert not (tmp_path / "data" / "complaintbot.json").exists()  # refused before the store


def test_a_public_interface_without_the_playground_needs_no_flag(tmp_path: Path) -> None:
    port = free_port()
    with serving(tmp_path, "--host", "0.0.0.0", "--port", str(port), "--no-playground") as (
        _,
        lines,
    ):
        assert "playground: off (--no-playground)" in lines


async def test_the_flag_exposes_it_with_a_warning(tmp_path: Path) -> None:
    port = free_port()
    args = ("--host", "0.0.0.0", "--port", str(port), "--expose-playground")
    with serving(tmp_path, *args) as (process, lines):
        assert f"playground: on at http://0.0.0.0:{port}/" in lines
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/") as page,
        ):
            assert page.status == 200
    assert process.stderr
    warning = process.stderr.read()
    assert "warning: the playground is exposed on 0.0.0.0" in warning
    assert "anyone who can reach port" in warning


async def test_serve_starts_the_playground_on_loopback_by_default(tmp_path: Path) -> None:
    port = free_port()
    with serving(tmp_path, "--port", str(port)) as (_, lines):
        assert f"playground: on at http://127.0.0.1:{port}/" in lines
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/") as page:
            assert page.status == 200 and '<html lang="en"' in await page.text()
    with serving(tmp_path, "--port", str(port), "--no-playground") as (_, lines):
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/") as page:
            assert page.status == 404


async def test_serve_demo_seeds_cases_in_every_status(tmp_path: Path) -> None:
    port = free_port()
    with serving(tmp_path, "--port", str(port), "--demo"):
        state_url = f"http://127.0.0.1:{port}/playground/api/state?persona=avi"

        async def every_status_shows() -> bool:
            async with aiohttp.ClientSession() as http, http.get(state_url) as got:
                state = await got.json()
            internal = next(c for c in state["channels"] if c["id"] == "internal")
            shown = {m["card"]["status"] for m in internal["messages"] if m["card"]}
            return shown == {s.value for s in Status}

        await wait_for(every_status_shows)
    store = TinyDBStore(tmp_path / "data" / "complaintbot.json")
    await store.open()
    try:
        cases = await store.list_cases()
    finally:
        await store.close()
    assert len(cases) == 10 and {c.status for c in cases} == set(Status)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_platform_credentials_turn_the_playground_off() -> None:
    slack = Settings(slack_bot_token="xoxb-1", slack_signing_secret="s")
    teams = Settings(microsoft_app_id="id", microsoft_app_password="pw")
    for settings in (slack, teams):
        decision = decide(settings, "0.0.0.0", 3000, off=False, expose=False)
        assert not decision.on and "credentials" in decision.line
    on = decide(Settings(), "::1", 3000, off=False, expose=False)
    assert on.on and on.line == "playground: on at http://[::1]:3000/" and not on.warning
    with pytest.raises(ConfigError, match="--expose-playground"):
        decide(Settings(), "::", 3000, off=False, expose=False)


async def test_sigterm_finishes_requests_in_flight_and_loses_nothing(tmp_path: Path) -> None:
    """Complaints sent just before SIGTERM: each one answered 200 is a case after restart."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/playground/api/messages"
    with serving(tmp_path, "--port", str(port)) as (process, _):
        async with aiohttp.ClientSession() as http:

            async def complain(n: int) -> str | None:
                body = {
                    "persona": "contact:acme",
                    "channel": "client-acme",
                    "text": f"@complaintbot Report {n} was late. @Dana Levi never replied.",
                }
                try:
                    async with http.post(url, json=body) as response:
                        return str((await response.json())["case"]) if response.ok else None
                except aiohttp.ClientError:
                    return None  # refused once shutdown began: never acknowledged

            requests = [asyncio.create_task(complain(n)) for n in range(30)]
            await asyncio.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            answered = {case for case in await asyncio.gather(*requests) if case}
        assert await asyncio.to_thread(process.wait, WAIT_SECONDS) == 0

    assert answered, "no request finished before the shutdown"
    store = TinyDBStore(tmp_path / "data" / "complaintbot.json")
    await store.open()
    try:
        kept = {case.id for case in await store.list_cases()}
    finally:
        await store.close()
    assert answered <= kept
