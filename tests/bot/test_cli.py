"""`complaintbot` as a real process: serve, check, export, and its start-up errors."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bot.service import CaseService
from handlers.commands import OpenCase
from handlers.directory_file import load_directory
from handlers.model import MessageRef
from storage.tinydb_store import TinyDBStore

from .conftest import EXAMPLE

COMPLAINTBOT = str(Path(sys.executable).with_name("complaintbot"))
PLATFORM_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
)


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PLATFORM_VARIABLES}
    env.update(
        COMPLAINTBOT_DIRECTORY=str(EXAMPLE),
        COMPLAINTBOT_DATABASE_URL=str(tmp_path / "data" / "complaintbot.json"),
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMPLAINTBOT, *args],
        env=environment(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_serve(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [COMPLAINTBOT, "serve", "--port", str(port)],
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_listening(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if "listening on" in line:
            return lines
    process.kill()
    raise AssertionError(
        f"serve did not start: {lines} {process.stderr.read() if process.stderr else ''}"
    )


async def test_serve_answers_health_and_metrics_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = start_serve(tmp_path, port)
    try:
        lines = wait_until_listening(process)
        assert any(line.startswith("slack: off") for line in lines)
        assert any(line.startswith("teams: off") for line in lines)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                health = await response.json()
                assert response.status == 200
            assert health["ok"] is True and health["store"]["backend"] == "tinydb"
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
                assert response.headers["Content-Type"].startswith("text/plain")
        assert "complaintbot_cases_opened_total 0" in metrics
        assert "complaintbot_effects_pending 0" in metrics
        assert 'route="/healthz",status="200"} 1' in metrics
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "stopped" in (process.stderr.read() if process.stderr else "")
    finally:
        if process.poll() is None:
            process.kill()


def test_a_second_process_on_the_same_store_gets_a_clear_error(tmp_path: Path) -> None:
    port = free_port()
    first = start_serve(tmp_path, port)
    try:
        wait_until_listening(first)
        second = run(tmp_path, "serve", "--port", str(free_port()))
        assert second.returncode == 1
        assert "complaintbot.json" in second.stderr and "another" in second.stderr.lower()
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=20)


def test_check_reports_what_is_on(tmp_path: Path) -> None:
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "7 people, 3 clients" in result.stdout
    assert "slack: off" in result.stdout


def test_an_invalid_directory_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[people.dana]\nname = "Dana"\nmanager = "mia"\n', encoding="utf-8")
    result = run(tmp_path, "serve", "--port", str(free_port()), COMPLAINTBOT_DIRECTORY=str(broken))
    assert result.returncode == 2
    assert "people.dana.manager" in result.stderr and "Fix:" in result.stderr


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "not-a-token", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"MICROSOFT_APP_ID": "id"}, "MICROSOFT_APP_PASSWORD"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"),
    ],
)
def test_half_set_credentials_stop_start_up_naming_the_variable(
    tmp_path: Path, variables: dict[str, str], named: str
) -> None:
    result = run(tmp_path, "check", **variables)
    assert result.returncode == 2
    assert result.stderr.startswith(f"complaintbot: {named}:")
    assert "Fix:" in result.stderr
    for value in variables.values():
        if value.startswith("xox"):
            assert value not in result.stderr


def test_export_writes_every_case_as_csv_and_json(tmp_path: Path) -> None:
    async def seed() -> None:
        store = TinyDBStore(tmp_path / "data" / "complaintbot.json")
        await store.open()
        service = CaseService(store, load_directory(EXAMPLE))
        contact = service.directory.actor("slack", "U0CLIENT", "Carol")
        for ts in ("1.0", "2.0"):
            await service.open_case(
                OpenCase(
                    contact,
                    MessageRef("slack", "C0ACME", ts),
                    contact,
                    "The report was late, again",
                    "mention",
                    ("dana",),
                )
            )
        await store.close()

    asyncio.run(seed())
    as_csv = run(tmp_path, "export", "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["id"] for r in rows] == ["C-0001", "C-0002"]
    assert rows[0]["affected"] == "dana" and rows[0]["managers"] == "maya"
    out = tmp_path / "cases.json"
    as_json = run(tmp_path, "export", "--format", "json", "--output", str(out))
    assert as_json.returncode == 0, as_json.stderr
    cases = json.loads(out.read_text(encoding="utf-8"))["cases"]
    assert cases[1]["summary"] == "The report was late, again"
    assert cases[0]["timeline"][0]["kind"] == "opened"
