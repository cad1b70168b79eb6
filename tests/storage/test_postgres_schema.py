"""The PostgreSQL schema: migrations from empty and from the previous version, replicas
migrating at once, a newer schema refused, and what `check` reports."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb

from handlers.errors import StorageError
from handlers.fit import ReviewCase
from handlers.model import Status, case_to_dict, event_to_dict
from storage.pg_schema import LATEST, migrate, migrations, schema_version
from storage.postgres import PostgresStore, describe
from tests.storage.samples import T0, make_case, make_event


async def connect(url: str) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(url, autocommit=True)


async def tables(conn: psycopg.AsyncConnection) -> set[str]:
    rows = await (
        await conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    ).fetchall()
    return {name for (name,) in rows}


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    assert [m.version for m in migrations()] == list(range(1, LATEST + 1))
    assert LATEST >= 2


async def test_an_empty_database_is_brought_to_the_latest_version(pg_url: str) -> None:
    async with await connect(pg_url) as conn:
        assert await schema_version(conn) == 0
        assert await migrate(conn) == (0, LATEST)
        assert {"cases", "events", "outbox", "inbox", "deliveries", "refs", "job_runs"} <= (
            await tables(conn)
        )
        assert await migrate(conn) == (LATEST, LATEST)  # a second run changes nothing
        rows = await (await conn.execute("SELECT version FROM schema_migrations")).fetchall()
        assert sorted(v for (v,) in rows) == [m.version for m in migrations()]


async def test_cases_written_at_the_previous_version_are_kept_and_indexed(pg_url: str) -> None:
    """Version 1 had no read-side columns: 0002 fills them in from each case's body."""
    case = make_case(7)
    async with await connect(pg_url) as conn:
        assert await migrate(conn, target=1) == (0, 1)
        await conn.execute(
            "INSERT INTO cases (id, number, source_key, status, version, body)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (case.id, case.number, case.source.key, "open", 0, Jsonb(case_to_dict(case))),
        )
        assert await migrate(conn) == (1, LATEST)
    store = PostgresStore(pg_url)
    await store.open()
    try:
        assert await store.get_case(case.id) == case
        assert await store.cases_of_person("devi") == [case]
        assert await store.cases_of_person("ana") == [case]  # the account manager
        assert await store.cases_opened(case.created_at, case.due_at, "acme") == [case]
        assert await store.open_cases() == [case]
    finally:
        await store.close()


async def test_cases_written_before_0006_get_their_timeline_marks(pg_url: str) -> None:
    """0006 fills in each case's reopens and last resolution from the events already there."""
    case = replace(make_case(7, status=Status.RESOLVED), resolution="fixed")
    kinds = ["opened", "resolved", "reopened", "resolved", "noted"]
    async with await connect(pg_url) as conn:
        await migrate(conn, target=5)
        await conn.execute(
            "INSERT INTO cases (id, number, source_key, status, version, body, client_id,"
            " created_at, people) VALUES (%s, %s, %s, %s, 0, %s, %s, %s, %s)",
            (case.id, case.number, case.source.key, case.status.value,
             Jsonb(case_to_dict(case)), case.client_id, case.created_at, list(case.included)),
        )  # fmt: skip
        for minutes, kind in enumerate(kinds):
            event = event_to_dict(make_event(case, kind, minutes))
            await conn.execute(
                "INSERT INTO events (case_id, body) VALUES (%s, %s)", (case.id, Jsonb(event))
            )
        await migrate(conn)
    store = PostgresStore(pg_url)
    await store.open()
    try:
        [found] = await store.case_history(case.created_at, case.due_at)
        last = T0 + timedelta(minutes=3)
        assert (found.case, found.reopens, found.resolved_at) == (ReviewCase.of(case), 1, last)
    finally:
        await store.close()


async def test_replicas_migrating_at_once_apply_each_migration_once(pg_url: str) -> None:
    conns = [await connect(pg_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(conn) for conn in conns))
    finally:
        for conn in conns:
            await conn.close()
    assert sorted(results) == [(0, LATEST)] + [(LATEST, LATEST)] * 3


async def test_a_schema_written_by_a_newer_version_is_refused(pg_url: str) -> None:
    async with await connect(pg_url) as conn:
        await migrate(conn)
        await conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, 'from the future')",
            (LATEST + 1,),
        )
    for read_only in (False, True):
        with pytest.raises(StorageError, match=f"version {LATEST + 1}, written by a newer"):
            await PostgresStore(pg_url, read_only=read_only).open()
    with pytest.raises(StorageError, match="newer complaintbot"):
        await PostgresStore(pg_url).check()


async def test_a_read_only_store_needs_the_latest_schema_and_writes_nothing(pg_url: str) -> None:
    with pytest.raises(StorageError, match="Fix: run `complaintbot migrate`"):
        await PostgresStore(pg_url, read_only=True).open()
    async with await connect(pg_url) as conn:
        assert await schema_version(conn) == 0  # it created nothing
    writer = PostgresStore(pg_url)
    await writer.open()
    await writer.create_case(make_case(1), [], [])
    reader = PostgresStore(pg_url, read_only=True)
    await reader.open()
    try:
        assert [c.id for c in await reader.list_cases()] == ["C-0001"]
        with pytest.raises(StorageError, match="read-only"):
            await reader.create_case(make_case(2), [], [])
        assert [c.id for c in await writer.list_cases()] == ["C-0001"]
    finally:
        await reader.close()
        await writer.close()


async def test_check_reports_the_schema_version(pg_url: str) -> None:
    assert "schema version 0: empty" in await PostgresStore(pg_url).check()
    async with await connect(pg_url) as conn:
        await migrate(conn, target=1)
    assert f"schema version 1 of {LATEST}" in await PostgresStore(pg_url).check()
    store = PostgresStore(pg_url)
    await store.open()
    await store.create_case(make_case(1), [], [])
    await store.close()
    assert f"schema version {LATEST} (current), 1 cases" in await PostgresStore(pg_url).check()


async def test_an_unreachable_server_is_one_line_naming_the_fix() -> None:
    url = "postgresql://someone:s3cret@127.0.0.1:1/nowhere"
    with pytest.raises(StorageError) as refused:
        await PostgresStore(url).open()
    message = str(refused.value)
    assert "cannot use PostgreSQL at postgresql://someone@127.0.0.1:1/nowhere" in message
    assert "Fix: start the server" in message and "s3cret" not in message
    assert "\n" not in message


async def test_a_missing_schema_is_named(pg_url: str) -> None:
    url = pg_url.rsplit("options=", 1)[0] + "options=-csearch_path%3Dno_such_schema"
    with pytest.raises(StorageError, match=r"no schema of search_path \(no_such_schema\)"):
        await PostgresStore(url).open()


def test_describe_never_shows_a_password() -> None:
    assert describe("postgresql://u:pw@db.example:6432/cb") == "postgresql://u@db.example:6432/cb"
    assert describe("postgresql:///cb") == "postgresql:///cb"
