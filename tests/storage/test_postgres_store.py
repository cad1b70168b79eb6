"""The PostgreSQL backend: the shared contract on the real server, one schema per test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import psycopg
import pytest

from storage.base import Store
from storage.postgres import PRESENCE, PostgresStore
from tests.storage.contract import Kept, Reopen, StoreContract, soon
from tests.storage.samples import make_case, make_effects, make_inbox_item


class TestPostgresStore(StoreContract):
    @pytest.fixture
    async def store(self, pg_url: str) -> AsyncIterator[PostgresStore]:
        store = PostgresStore(pg_url, pool_size=4)
        await store.open()
        yield store
        await store.close()

    @pytest.fixture
    async def reopen(self, store: PostgresStore, pg_url: str) -> AsyncIterator[Reopen]:
        current: list[Store] = [store]

        async def reopen() -> Store:
            await current[-1].close()
            current.append(PostgresStore(pg_url, pool_size=4))
            await current[-1].open()
            return current[-1]

        yield reopen
        await current[-1].close()

    @pytest.fixture
    def kept(self, pg_url: str) -> Kept:
        async def kept() -> str:
            """Every live row of every table of the test's schema, as text."""
            async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
                tables = await conn.execute(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                )
                rows = []
                for (table,) in await tables.fetchall():
                    found = await conn.execute(f'SELECT t::text FROM "{table}" t')
                    rows += [row for (row,) in await found.fetchall()]
            return "\n".join(rows)

        return kept


async def kill_presence(url: str, store: PostgresStore) -> None:
    """What the server sees of a replica killed with SIGKILL: its connection is gone.
    Waits until the server has let the session go (terminating only signals it)."""
    name = (PRESENCE + store.owner,)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            name,
        )
        deadline = time.monotonic() + 30
        while await (
            await conn.execute("SELECT 1 FROM pg_stat_activity WHERE application_name = %s", name)
        ).fetchone():
            assert time.monotonic() < deadline, "the server kept the session"
            await asyncio.sleep(0.01)


async def test_the_leases_of_a_store_that_is_gone_are_over_at_once(pg_url: str) -> None:
    """A replica killed mid-delivery holds back nothing: its outbox, inbox and job leases
    are handed to a live replica at once, the outbox item as maybe sent."""
    dying, alive = PostgresStore(pg_url, pool_size=2), PostgresStore(pg_url, pool_size=2)
    await dying.open()
    await alive.open()
    try:
        case = make_case(1)
        await dying.create_case(case, [], make_effects(case))
        await dying.accept(make_inbox_item("ev-1"))
        now = soon()
        held = await dying.claim_effects(now)
        assert len(held) == 3
        assert [i.delivery_id for i in await dying.claim_inbox(now)] == ["ev-1"]
        assert await dying.claim_job("digest", "d1", now)

        # While its owner lives, a lease holds.
        assert await alive.claim_effects(now) == []
        assert await alive.claim_inbox(now) == []
        assert not await alive.claim_job("digest", "d1", now)

        await kill_presence(pg_url, dying)
        taken = await alive.claim_effects(now)
        assert [(i.id, i.maybe_sent) for i in taken] == [(i.id, True) for i in held]
        assert [i.delivery_id for i in await alive.claim_inbox(now)] == ["ev-1"]
        assert await alive.claim_job("digest", "d1", now)
        assert await dying.claim_effects(now) == []  # the live replica holds them now
    finally:
        await dying.close()
        await alive.close()
