"""`complaintbot` on PostgreSQL as a real process: migrate, check, and export beside a
running `serve`."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import aiohttp

from storage.pg_schema import LATEST
from storage.postgres import PostgresStore
from tests.storage.samples import make_case

from .test_cli import COMPLAINTBOT, environment, free_port, run, wait_until_listening


def test_migrate_then_check_report_the_schema_version(tmp_path: Path, pg_url: str) -> None:
    before = run(tmp_path, "check", COMPLAINTBOT_DATABASE_URL=pg_url)
    assert before.returncode == 0, before.stderr
    assert "schema version 0: empty" in before.stdout
    migrated = run(tmp_path, "migrate", COMPLAINTBOT_DATABASE_URL=pg_url)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema version {LATEST} (current), 0 cases" in migrated.stdout
    assert "store: postgresql://" in migrated.stdout
    again = run(tmp_path, "migrate", COMPLAINTBOT_DATABASE_URL=pg_url)
    assert again.returncode == 0 and again.stdout == migrated.stdout


async def test_export_and_check_read_a_running_system(tmp_path: Path, pg_url: str) -> None:
    store = PostgresStore(pg_url)
    await store.open()
    for number in (1, 2, 3):
        await store.create_case(make_case(number), [], [])
    port = free_port()
    process = subprocess.Popen(
        [COMPLAINTBOT, "serve", "--port", str(port), "--no-playground"],
        env=environment(tmp_path, COMPLAINTBOT_DATABASE_URL=pg_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_listening(process)
        await store.create_case(make_case(4), [], [])  # written while serve runs
        exported = run(tmp_path, "export", "--format", "json", COMPLAINTBOT_DATABASE_URL=pg_url)
        assert exported.returncode == 0, exported.stderr
        ids = [case["id"] for case in json.loads(exported.stdout)["cases"]]
        assert ids == ["C-0001", "C-0002", "C-0003", "C-0004"]
        check = run(tmp_path, "check", COMPLAINTBOT_DATABASE_URL=pg_url)
        assert "(current), 4 cases" in check.stdout, check.stderr
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            health = await response.json()
        assert health["ok"] and health["cases"] == 4
        assert health["store"]["backend"] == "postgresql"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        await store.close()
