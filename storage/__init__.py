"""Storage backends behind the `Store` protocol, chosen by COMPLAINTBOT_DATABASE_URL:
a `postgresql://` URL means PostgreSQL (several replicas may share it), a path means
the embedded TinyDB files (one process)."""

from __future__ import annotations

from handlers.errors import StorageError
from storage.base import Store
from storage.postgres import DEFAULT_POOL_SIZE, PostgresStore, describe
from storage.tinydb_store import TinyDBStore

POSTGRES = ("postgresql://", "postgres://")


def open_store(url: str, read_only: bool = False, pool_size: int = DEFAULT_POOL_SIZE) -> Store:
    """The store for `url`, not yet opened (the caller awaits `open()`). `read_only` reads
    what the store holds now, beside a running `serve`, and writes nothing."""
    if url.startswith(POSTGRES):
        return PostgresStore(url, read_only=read_only, pool_size=pool_size)
    return _tinydb(url, read_only)


async def check_store(url: str) -> str:
    """What `serve` would find at `url`, in a few words, without writing to the store or
    taking its lock; a StorageError naming the problem and the fix if it could not use it."""
    if url.startswith(POSTGRES):
        return await PostgresStore(url, read_only=True).check()
    return await _tinydb(url, read_only=True).check()


def display_url(url: str) -> str:
    """The store's URL as lines and logs may show it: never a password."""
    return describe(url) if url.startswith(POSTGRES) else url


def _tinydb(url: str, read_only: bool) -> TinyDBStore:
    if "://" in url:
        raise StorageError(
            f"{url.split('://', 1)[0]}:// is not a store this complaintbot knows. Fix: set "
            "COMPLAINTBOT_DATABASE_URL to a file path (data/complaintbot.json) or a "
            "postgresql:// URL"
        )
    return TinyDBStore(url, read_only=read_only)
