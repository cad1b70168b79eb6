"""The PostgreSQL backend: the shared contract on the real server, one schema per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.base import Store
from storage.postgres import PostgresStore
from tests.storage.contract import Reopen, StoreContract


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
