"""`complaintbot` as a real process: serve, check, export, help, and its start-up errors."""

from __future__ import annotations

import argparse
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
import zipfile
from importlib.metadata import version
from pathlib import Path

import aiohttp
import pytest

from bot.cli import _parser
from bot.service import CaseService
from handlers.commands import OpenCase
from handlers.directory_file import load_directory
from handlers.model import MessageRef, Status
from storage.tinydb_store import TinyDBStore

from .conftest import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
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


def start_serve(tmp_path: Path, port: int, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [COMPLAINTBOT, "serve", "--port", str(port), *options],
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
        assert "complaintbot_cases_opened_total 0.0" in metrics
        assert "complaintbot_effects_pending 0.0" in metrics
        assert 'route="/healthz",status="200"} 1' in metrics
        ack = 'complaintbot_http_request_duration_seconds_count{method="GET",route="/healthz"} 1'
        assert ack in metrics
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


# export beside a running store ------------------------------------------------------------------


async def seed(store_path: Path, count: int, closed: int = 0) -> None:
    """`count` cases opened through the core, the first `closed` of them closed."""
    store = TinyDBStore(store_path)
    await store.open()
    service = CaseService(store, load_directory(EXAMPLE))
    contact = service.directory.actor("slack", "U0CLIENT", "Carol")
    for n in range(1, count + 1):
        source = MessageRef("slack", "C0ACME", f"{n}.0")
        await service.open_case(OpenCase(contact, source, contact, "late", "mention"))
    for n in range(1, closed + 1):
        case = await service.get(f"C-{n:04d}")
        await store.save_case(case.evolve(case.updated_at, status=Status.CLOSED), 0, [], [])
    await store.close()


def exported_ids(tmp_path: Path) -> list[str]:
    result = run(tmp_path, "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    return [case["id"] for case in json.loads(result.stdout)["cases"]]


async def test_export_and_check_work_while_serve_runs(tmp_path: Path) -> None:
    await seed(tmp_path / "data" / "complaintbot.json", 3, closed=1)
    port = free_port()
    process = start_serve(tmp_path, port, "--no-playground")  # its cases are Slack's
    try:
        wait_until_listening(process)
        assert exported_ids(tmp_path) == ["C-0001", "C-0002", "C-0003"]
        as_csv = run(tmp_path, "export")
        assert as_csv.returncode == 0, as_csv.stderr
        assert len(list(csv.DictReader(io.StringIO(as_csv.stdout)))) == 3
        check = run(tmp_path, "check")
        assert check.returncode == 0, check.stderr
        assert "complaintbot.json: 3 cases (1 closed or withdrawn)" in check.stdout
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            health = await response.json()
        assert health["ok"] and health["cases"] == 3 and health["final"] == 1
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_export_gives_every_case_another_process_has_written(tmp_path: Path) -> None:
    """A writer that keeps writing and folding its journal holds the lock; each export
    holds every case the writer had acknowledged before the export began."""
    store_path = tmp_path / "data" / "complaintbot.json"
    store_path.parent.mkdir()
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.bot.busy_writer", str(store_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert writer.stdout
    acknowledged: list[str] = []
    try:
        for round_ in range(1, 4):
            while len(acknowledged) < 100 * round_:
                line = writer.stdout.readline()
                assert line, "the writer died"
                acknowledged.append(line.split()[1])
            exported = exported_ids(tmp_path)
            missing = set(acknowledged) - set(exported)
            assert not missing, f"round {round_}: export lost {sorted(missing)[:5]}"
        assert writer.poll() is None, "the writer kept its store throughout"
        journal = store_path.with_name("complaintbot.d").glob("journal-*.log")
        newest = max(int(segment.stem.split("-")[1]) for segment in journal)
        assert newest > 3, "the writer folded its journal while the exports read"
    finally:
        writer.kill()
        writer.wait(timeout=10)


def test_export_csv_with_a_bom_to_a_file(tmp_path: Path) -> None:
    asyncio.run(seed(tmp_path / "data" / "complaintbot.json", 1))
    out = tmp_path / "cases.csv"
    result = run(tmp_path, "export", "--bom", "--output", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,client_id,")
    refused = run(tmp_path, "export", "--format", "json", "--bom")
    assert refused.returncode == 2 and "--bom is for CSV only" in refused.stderr


def test_export_to_a_file_it_cannot_write_says_so(tmp_path: Path) -> None:
    asyncio.run(seed(tmp_path / "data" / "complaintbot.json", 1))
    result = run(tmp_path, "export", "--output", str(tmp_path / "missing" / "cases.csv"))
    assert result.returncode == 2
    assert_one_error_line(result, "--output: cannot write")


def test_export_of_no_store_says_where_it_looked(tmp_path: Path) -> None:
    result = run(tmp_path, "export")
    assert result.returncode == 1
    assert_one_error_line(result, "store: there is no store at")
    assert not (tmp_path / "data").exists()


# help and version -------------------------------------------------------------------------------


def test_help_shows_every_options_default(tmp_path: Path) -> None:
    main = run(tmp_path, "--help")
    assert main.returncode == 0
    assert "COMPLAINTBOT_DATABASE_URL" in main.stdout and "data/complaintbot.json" in main.stdout
    [commands] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for name, command in commands.choices.items():
        assert name in main.stdout
        helped = run(tmp_path, name, "--help")
        assert helped.returncode == 0, helped.stderr
        shown = " ".join(helped.stdout.split())
        for option in command._actions:
            if option.dest == "help":
                continue
            assert option.help and "(default: " in option.help, f"{name} {option.dest}"
            expanded = option.help % {"default": option.default}
            assert " ".join(expanded.split()) in shown, f"{name} {option.dest}: {shown}"
    serve_help = " ".join(run(tmp_path, "serve", "--help").stdout.split())
    assert "(default: 127.0.0.1)" in serve_help and "(default: 3000)" in serve_help


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"complaintbot {version('complaintbot')}"


# start-up errors: one line with the fix, never a traceback ---------------------------------------


def assert_one_error_line(result: subprocess.CompletedProcess[str], starts: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("complaintbot:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"complaintbot: {starts}"), errors[0]
    assert "Fix: " in errors[0], errors[0]
    return errors[0]


STORE_FILES = {
    "a JSON list": ("[1, 2]", "no schema_version"),
    "not JSON": ("{not json", "not JSON"),
    "an object without schema_version": ('{"cases": {}}', "no schema_version"),
}


@pytest.mark.parametrize("shape", list(STORE_FILES))
@pytest.mark.parametrize("command", ["serve", "check", "export"])
def test_a_store_file_of_the_wrong_shape_stops_start_up(
    tmp_path: Path, shape: str, command: str
) -> None:
    content, says = STORE_FILES[shape]
    store = tmp_path / "store.json"
    store.write_text(content)
    args = ["serve", "--port", str(free_port())] if command == "serve" else [command]
    result = run(tmp_path, *args, COMPLAINTBOT_DATABASE_URL=str(store))
    assert result.returncode == 1
    line = assert_one_error_line(result, f"store: {store} is not a complaintbot store")
    assert says in line
    assert store.read_text() == content


@pytest.mark.parametrize("command", ["serve", "check"])
def test_a_store_under_a_file_stops_start_up(tmp_path: Path, command: str) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("")
    args = ["serve", "--port", str(free_port())] if command == "serve" else [command]
    url = str(blocker / "complaintbot.json")
    result = run(tmp_path, *args, COMPLAINTBOT_DATABASE_URL=url)
    assert result.returncode == 1
    assert f"{blocker} is a file, not a folder" in assert_one_error_line(result, "store: ")


@pytest.mark.parametrize("command", ["serve", "check"])
def test_a_store_where_nothing_may_be_written_stops_start_up(tmp_path: Path, command: str) -> None:
    """A read-only folder; /sys refuses new entries even to root, who may write anywhere else."""
    folder = Path("/sys") if os.geteuid() == 0 else tmp_path / "read-only"
    if folder == Path("/sys"):
        try:
            os.mkdir("/sys/complaintbot-probe")
        except OSError:
            pass
        else:
            os.rmdir("/sys/complaintbot-probe")
            pytest.skip("running as root, and /sys accepts new folders here")
    else:
        folder.mkdir()
        folder.chmod(0o555)
    args = ["serve", "--port", str(free_port())] if command == "serve" else [command]
    url = str(folder / "complaintbot" / "complaintbot.json")
    result = run(tmp_path, *args, COMPLAINTBOT_DATABASE_URL=url)
    assert result.returncode == 1
    assert f"no access to {folder}" in assert_one_error_line(result, "store: ")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            "postgresql://cb:pw@127.0.0.1:1/complaintbot",
            "store: cannot use PostgreSQL at postgresql://cb@127.0.0.1:1/complaintbot",
        ),
        ("sqlite:///complaintbot.db", "store: sqlite:// is not a store this complaintbot knows"),
    ],
)
def test_check_refuses_a_database_url_serve_could_not_use(
    tmp_path: Path, url: str, says: str
) -> None:
    result = run(tmp_path, "check", COMPLAINTBOT_DATABASE_URL=url)
    assert result.returncode == 1
    assert_one_error_line(result, says)


def test_check_of_a_new_store_creates_nothing(tmp_path: Path) -> None:
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "complaintbot.json: new" in result.stdout
    assert not (tmp_path / "data").exists()


def test_a_port_in_use_stops_serve_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(tmp_path, "serve", "--port", str(port))
    assert result.returncode == 2
    line = assert_one_error_line(result, f"--host 127.0.0.1 --port {port}: cannot listen there")
    assert "--port" in line.split("Fix: ")[1]


def test_teams_package_writes_the_zip_to_upload(tmp_path: Path) -> None:
    app_id = "0f9c6c6e-1b2a-4c7d-9e8f-123456789abc"
    output = tmp_path / "teams.zip"
    result = run(tmp_path, "teams-package", "-o", str(output), MICROSOFT_APP_ID=app_id)
    assert result.returncode == 0, result.stderr
    assert str(output) in result.stdout
    with zipfile.ZipFile(output) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(package.read("manifest.json"))["id"] == app_id


def test_teams_package_without_an_app_id_names_the_variable(tmp_path: Path) -> None:
    result = run(tmp_path, "teams-package", "-o", str(tmp_path / "teams.zip"))
    assert result.returncode == 2
    assert "MICROSOFT_APP_ID" in assert_one_error_line(result, "MICROSOFT_APP_ID")
    assert not (tmp_path / "teams.zip").exists()
