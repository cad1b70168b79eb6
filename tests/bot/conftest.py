from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.directory import Directory
from handlers.directory_file import load_directory
from storage.postgres import PostgresStore
from storage.tinydb_store import TinyDBStore

EXAMPLE = Path(__file__).resolve().parents[2] / "complaintbot.example.toml"


@pytest.fixture
def directory() -> Directory:
    return load_directory(EXAMPLE)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[TinyDBStore]:
    tiny = TinyDBStore(tmp_path / "complaintbot.json")
    await tiny.open()
    try:
        yield tiny
    finally:
        await tiny.close()


@pytest.fixture
async def replicas(pg_url: str) -> AsyncIterator[list[PostgresStore]]:
    """Two PostgreSQL stores on one schema, as two replicas hold them."""
    stores = [PostgresStore(pg_url, pool_size=2) for _ in range(2)]
    for store in stores:
        await store.open()
    yield stores
    for store in stores:
        await store.close()
