"""Storage backends behind the `Store` protocol, chosen by COMPLAINTBOT_DATABASE_URL."""

from __future__ import annotations

from handlers.errors import StorageError
from storage.base import Store
from storage.tinydb_store import TinyDBStore


def open_store(url: str) -> Store:
    """The store for `url`, not yet opened (the caller awaits `open()`): a path means TinyDB."""
    if url.startswith(("postgresql://", "postgres://")):
        raise StorageError("PostgreSQL support is not built yet; use a file path")
    return TinyDBStore(url)
