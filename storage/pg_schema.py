"""The PostgreSQL schema: numbered SQL migrations, applied in order under an advisory lock.

`storage/migrations/NNNN_name.sql` are applied once each, in number order, and recorded
in `schema_migrations`; the schema's version is the highest number applied. `serve`
migrates at start and `complaintbot migrate` does it by hand. What is missing is applied
in one transaction with its records: a failure or a crash leaves the schema as it was.

Replicas that start together serialise on a transaction-level advisory lock keyed by the
schema's name: the first applies what is missing, the others then find nothing to do.
A database written by a newer complaintbot (a version above the newest file here) is
refused rather than written with an older idea of its tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import AsyncConnection, sql

from handlers.errors import StorageError

LOCK_KEY = "complaintbot-migrations:"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    script: str


def migrations() -> list[Migration]:
    """Every migration shipped with this complaintbot, oldest first."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(found, key=lambda m: m.version)


LATEST = migrations()[-1].version


async def current_schema(conn: AsyncConnection) -> str:
    """The schema the tables live in (the first of search_path that exists)."""
    row = await (await conn.execute("SELECT current_schema()")).fetchone()
    if row is None or row[0] is None:
        path = await (await conn.execute("SHOW search_path")).fetchone()
        raise StorageError(
            f"no schema of search_path ({path[0] if path else '?'}) exists in this database. "
            "Fix: create it (CREATE SCHEMA ...) or point the URL's search_path at one that exists"
        )
    return str(row[0])


async def schema_version(conn: AsyncConnection) -> int:
    """The version of the schema `conn` uses; 0 when complaintbot has never written it."""
    schema = await current_schema(conn)
    exists = await (
        await conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'schema_migrations'",
            (schema,),
        )
    ).fetchone()
    if not exists:
        return 0
    row = await (await conn.execute("SELECT max(version) FROM schema_migrations")).fetchone()
    return int(row[0] or 0) if row else 0


def refuse_newer(version: int) -> None:
    if version > LATEST:
        raise StorageError(
            f"the database's schema is at version {version}, written by a newer complaintbot "
            f"(this one knows up to {LATEST}). Fix: run the newer complaintbot, or point "
            "COMPLAINTBOT_DATABASE_URL at another database"
        )


async def migrate(conn: AsyncConnection, target: int = LATEST) -> tuple[int, int]:
    """Bring the schema up to `target`; (version before, version after). `conn` must be in
    autocommit mode (the transaction here is the whole migration)."""
    schema = await current_schema(conn)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (LOCK_KEY + schema,))
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        before = await schema_version(conn)
        refuse_newer(before)
        for migration in migrations():
            if before < migration.version <= target:
                try:
                    await conn.execute(sql.SQL(migration.script))  # type: ignore[arg-type]
                except psycopg.Error as err:
                    raise StorageError(
                        f"migration {migration.version:04d}_{migration.name} failed: {err}"
                    ) from err
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
        return before, await schema_version(conn)
