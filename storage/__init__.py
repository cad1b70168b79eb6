"""Storage backends behind the `Store` protocol, chosen by COMPLAINTBOT_DATABASE_URL."""

from __future__ import annotations

from handlers.errors import StorageError
from storage.base import Store
from storage.tinydb_store import TinyDBStore


def open_store(url: str, read_only: bool = False) -> Store:
    """The store for `url`, not yet opened (the caller awaits `open()`): a path means TinyDB.
    `read_only` reads what the store holds now, beside a running `serve`, and writes nothing."""
    return _tinydb(url, read_only)


async def check_store(url: str) -> str:
    """What `serve` would find at `url`, in a few words, without writing to the store or
    taking its lock; a StorageError naming the problem and the fix if it could not use it."""
    return await _tinydb(url, read_only=True).check()


def _tinydb(url: str, read_only: bool) -> TinyDBStore:
    if url.startswith(("postgresql://", "postgres://")):
        raise StorageError(
            "PostgreSQL is not supported yet. Fix: set COMPLAINTBOT_DATABASE_URL to a file "
            "path, e.g. data/complaintbot.json"
        )
    if "://" in url:
        raise StorageError(
            f"{url} is not a store this complaintbot knows. Fix: set COMPLAINTBOT_DATABASE_URL "
            "to a file path, e.g. data/complaintbot.json"
        )
    return TinyDBStore(url, read_only=read_only)
