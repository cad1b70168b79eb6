"""PostgreSQL for the benchmark: whether it can run there, and a fresh schema per run.

The server is `--pg-url` (default: `COMPLAINTBOT_BENCH_DATABASE_URL`, else
`postgresql://postgres@127.0.0.1:5432/test`). Every PostgreSQL run gets a schema of its own
(`cbbench_<random>`), named in the URL the bot is given (`options=-csearch_path=...`, as
`tests/pg.py` does), created empty before the run and dropped (CASCADE) after it. When the
server cannot be reached, or this checkout's store cannot use it yet, `unavailable()` says
why in one line and the PostgreSQL rows are reported as skipped.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
ENV = "COMPLAINTBOT_BENCH_DATABASE_URL"
OFF = ("", "off", "none")
CONNECT_TIMEOUT = 3


def default_url() -> str:
    return os.environ.get(ENV, DEFAULT_URL)


def shown(url: str) -> str:
    """The URL without a password, for reports."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def with_schema(url: str, schema: str) -> str:
    """`url` with every connection's search_path set to `schema`."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".strip()


def _connect_check(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as err:
        return f"PostgreSQL at {shown(url)} unreachable ({_first_line(err)})"
    return None


def _store_check(url: str) -> str | None:
    if importlib.util.find_spec("storage.postgres") is None:
        return "this checkout has no PostgreSQL store yet (storage/postgres.py)"
    from storage import open_store

    try:
        open_store(with_schema(url, "cbbench_probe"))  # not opened: only asks if it would
    except Exception as err:
        return f"the store refuses {shown(url)} ({_first_line(err)})"
    return None


_found: dict[str, str | None] = {}


async def unavailable(url: str) -> str | None:
    """None if the benchmark can run on PostgreSQL at `url`, else why not (one line).
    Asked once per run and URL."""
    if url.strip().lower() in OFF:
        return "turned off (--pg-url off)"
    if url not in _found:
        reason = await asyncio.to_thread(_connect_check, url)
        _found[url] = reason or await asyncio.to_thread(_store_check, url)
    return _found[url]


def _create(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')


def _drop(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@asynccontextmanager
async def fresh_schema(url: str) -> AsyncIterator[str]:
    """A URL whose tables live in a new, empty schema of the server; dropped on exit."""
    schema = f"cbbench_{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(_create, url, schema)
    try:
        yield with_schema(url, schema)
    finally:
        await asyncio.to_thread(_drop, url, schema)
