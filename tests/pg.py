"""PostgreSQL for tests: the real server, one fresh schema per test.

`COMPLAINTBOT_TEST_DATABASE_URL` names the server (`.ci/run` sets it). When it is set the
server must answer: a test that cannot reach it fails, so CI never passes by skipping.
When it is unset, every PostgreSQL test is skipped with one line saying how to run them.

Each test gets its own schema (`cbtest_<unix time>_<random>`), named in the URL it is
given (`options=-csearch_path=...`, which libpq passes to the server), so runs and tests
never see each other's tables; the schema is dropped afterwards. Schemas a killed run
left behind are dropped by the next run once they are a day old.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest

ENV = "COMPLAINTBOT_TEST_DATABASE_URL"
SKIP = (
    f"PostgreSQL tests skipped: {ENV} is not set "
    "(e.g. postgresql://postgres@127.0.0.1:5432/test; .ci/run sets it)"
)


def server_url() -> str:
    url = os.environ.get(ENV, "")
    if not url:
        pytest.skip(SKIP)
    return url


def with_schema(url: str, schema: str) -> str:
    """`url` with every connection's search_path set to `schema`."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


STALE = 24 * 3600  # seconds
_swept = False


def create_schema(url: str) -> str:
    global _swept
    now = int(time.time())
    schema = f"cbtest_{now}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        if not _swept:
            _swept = True
            rows = conn.execute(
                r"SELECT nspname FROM pg_namespace WHERE nspname ~ '^cbtest_\d+_'"
            ).fetchall()
            for (old,) in rows:
                if int(old.split("_")[1]) < now - STALE:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{old}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database URL whose tables live in a new, empty schema of the test server."""
    url = server_url()
    schema = create_schema(url)
    try:
        yield with_schema(url, schema)
    finally:
        drop_schema(url, schema)
