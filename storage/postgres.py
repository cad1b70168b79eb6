"""The shared backend: PostgreSQL, for one or many replicas (`postgresql://...` URLs).

Why psycopg 3 with psycopg-pool: it is the maintained PostgreSQL driver for Python with
native asyncio, typed, and it works behind PgBouncer in transaction mode (nothing here
relies on session state beyond what `_configure` sets on every new connection).

Every contract promise (storage/base.py) is kept by the database, not by this process:

- A unit of work is one transaction. The delivery id is inserted first (primary key: a
  repeat, from a platform retry or from the same event reaching another replica, finds
  it and is refused), then the case row is locked (`SELECT ... FOR UPDATE`) and checked
  against the expected version, then the case, its events and its effects are written.
  Any refusal raises inside the transaction, so nothing of it stays. The steps run server
  side, in functions (migration 0004) that one statement calls: one round trip per
  write, so an ack holds a pooled connection for one exchange, not seven.
- One case per source message: a unique index; concurrent creates wait on it.
- Case numbers come from a sequence (gaps allowed, repeats impossible).
- The outbox is claimed with `FOR UPDATE SKIP LOCKED`: the heads of the lanes (the
  oldest item of each case and lane that has not failed) that are due and not leased
  get a lease (`leased_until`, `lease_owner`). Replicas skip each other's rows instead
  of waiting; a lease that runs out (its replica died) hands the item out again as
  `maybe_sent`. Within a case, effects are numbered after the case row is locked, so
  their ids are in the order their case's writes committed.
- A `CardUpdate` is collapsed into a waiting one of its case, which is locked for the
  rest of the transaction so that no replica can lease it in between.
- A `DirectMessage` also waits for the older items of its case's card lane
  (`Effect.after`, column `after_lane`): it links to the card.
- Inbox items and scheduled job runs are leased the same way; `close()` releases this
  store's leases (its items come back `maybe_sent`).
- A lease also ends when its owner is gone: each store holds one connection named
  `complaintbot-<owner>` (application_name) for as long as it is open, and a lease
  whose owner has no session in `pg_stat_activity` is over, so a replica killed with
  SIGKILL holds nothing back once the server has seen its connections close (at once
  on one host; after TCP keepalive when its host vanished, and `leased_until` bounds
  it either way). Behind PgBouncer application names may not reach the server; then
  only `leased_until` ends a dead replica's leases.
- Delivery ids are kept for `DELIVERY_DAYS` (platform retries come within minutes; a
  case's unique source outlives them), pruned at open and every hour.

Connection or server errors become StorageError (the adapter answers 503 and the platform
retries). Timestamps are UTC on every connection. The schema and its migrations are in
`storage.pg_schema`; a read-only store (export, check) refuses every write at the server.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from handlers.effects import Effect, effect_from_dict, effect_to_dict
from handlers.errors import Conflict, DuplicateDelivery, DuplicateSource, StorageError
from handlers.fit import STANDS_RESOLVED, CaseFacts, ClientTotals, ReviewCase, facts
from handlers.model import (
    Case,
    Event,
    Severity,
    Status,
    Verdict,
    case_from_dict,
    case_to_dict,
    event_from_dict,
    event_to_dict,
    feedback_from_dict,
)
from handlers.review import OpenCase, PersonCase
from storage.base import (
    CLIENT_THREAD,
    DEFAULT_LEASE,
    Completion,
    Forget,
    InboxItem,
    KeptMessage,
    OutboxItem,
    kept_from_dict,
    kept_to_dict,
)
from storage.pg_schema import LATEST, migrate, refuse_newer, schema_version

DEFAULT_POOL_SIZE = 20  # per process; a statement holds a connection only while it runs
CONNECT_TIMEOUT = 10  # seconds
DELIVERY_DAYS = 1
PRUNE_EVERY = 3600.0  # seconds
FINAL = tuple(status.value for status in Status if status.final)
SAVE_CASE = "SELECT complaintbot_save_case(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
# How `jsonb_to_record` reads a field of a case's body that the review reads (`ReviewCase`,
# `OpenCase`, `PersonCase`), by its annotation: as a type the driver decodes itself (times,
# flags, lists of texts); answers stay JSON; the rest (ids, texts, enum values) is text.
_RECORD_TYPES = {
    "datetime": "timestamptz",
    "bool": "boolean",
    "tuple[str, ...]": "text[]",
    "tuple[Feedback, ...]": "jsonb",
}


def _record(view: type[ReviewCase | OpenCase | PersonCase]) -> str:
    """The column list of `view`'s fields, in its order, for `jsonb_to_record`."""
    return ", ".join(f"{f.name} {_RECORD_TYPES.get(str(f.type), 'text')}" for f in fields(view))


PRESENCE = "complaintbot-"  # + owner: the application_name of a store's presence connection


def _lease_over(table: str) -> str:
    """SQL: the row's lease has run out at %(now)s, or its owner's store is gone."""
    return (
        f"({table}.leased_until IS NULL OR {table}.leased_until <= %(now)s"
        f" OR {table}.lease_owner NOT IN (SELECT substr(application_name, {len(PRESENCE) + 1})"
        f" FROM pg_stat_activity WHERE application_name LIKE '{PRESENCE}%%'))"
    )


def describe(url: str) -> str:
    """The URL without its password: what start-up lines and `check` may print."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unreadable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def _unavailable(url: str, err: Exception) -> StorageError:
    reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return StorageError(
        f"cannot use PostgreSQL at {describe(url)} ({reason}). Fix: start the server, or "
        "correct COMPLAINTBOT_DATABASE_URL (postgresql://user:password@host:5432/dbname)"
    )


def _refusal(err: psycopg.Error, case_id: str) -> Exception | None:
    """The core's exception for a refusal of the write functions (migration 0004)."""
    match err.sqlstate:
        case "CB001":
            return DuplicateDelivery(err.diag.message_primary or "")
        case "CB002":
            return DuplicateSource(err.diag.message_detail or "")
        case "CB003":
            return StorageError(f"case {case_id} already exists")
        case "CB004":
            return Conflict(f"case {case_id} is no longer at the version read")
    return None


class PostgresStore:
    def __init__(
        self, url: str, read_only: bool = False, pool_size: int = DEFAULT_POOL_SIZE
    ) -> None:
        self.url, self.read_only, self.pool_size = url, read_only, pool_size
        self.owner = uuid.uuid4().hex  # whose leases are whose, across replicas
        self._pool: AsyncConnectionPool | None = None  # reads and units of work
        self._work: AsyncConnectionPool | None = None  # the outbox's, inbox's and jobs' own
        self._presence: AsyncConnection | None = None  # this store is alive while it is open
        self._pruner: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()

    # life ---------------------------------------------------------------------------------

    async def _connect(self, application_name: str = "complaintbot") -> AsyncConnection:
        try:
            conn = await AsyncConnection.connect(
                self.url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT,
                application_name=application_name,
            )
        except psycopg.Error as err:
            raise _unavailable(self.url, err) from err
        await self._configure(conn)
        return conn

    async def _configure(self, conn: AsyncConnection) -> None:
        await conn.execute("SET TIME ZONE 'UTC'")
        if self.read_only:
            await conn.execute("SET default_transaction_read_only = on")

    async def open(self) -> None:
        """Connect, bring the schema up to date (or, read-only, check it is), open the pool."""
        async with await self._connect() as conn:
            if self.read_only:
                version = await schema_version(conn)
                refuse_newer(version)
                if version < LATEST:
                    raise StorageError(
                        f"the database's schema is at version {version}, not {LATEST}. "
                        "Fix: run `complaintbot migrate` (or start `serve`, which migrates)"
                    )
            else:
                await migrate(conn)
        # Acks never wait behind the outbox's claims and completions: each has its own
        # connections, together `pool_size`.
        work = max(1, self.pool_size // 2)
        self._pool = self._new_pool(max(1, self.pool_size - work))
        self._work = self._new_pool(work)
        try:
            await self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)
            await self._work.open(wait=True, timeout=CONNECT_TIMEOUT)
        except psycopg.Error as err:
            raise _unavailable(self.url, err) from err
        if not self.read_only:
            self._presence = await self._connect(PRESENCE + self.owner)
            self._pruner = asyncio.create_task(self._prune_deliveries())

    def _new_pool(self, size: int) -> AsyncConnectionPool:
        return AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=size,
            kwargs={"autocommit": True, "application_name": "complaintbot"},
            configure=self._configure,
            timeout=CONNECT_TIMEOUT,  # waiting longer for a free connection helps no ack
            open=False,
        )

    async def close(self) -> None:
        pool, work, self._pool, self._work = self._pool, self._work, None, None
        if pool is None:
            return
        if self._pruner is not None:  # let it finish its query: a cancelled one can hang
            self._closing.set()
            await self._pruner
        if not self.read_only:
            with suppress(psycopg.Error):  # a lost server keeps them until they run out
                async with pool.connection() as conn, conn.transaction():
                    await self._release_leases(conn)
        await pool.close()
        if work is not None:
            await work.close()
        if self._presence is not None:
            await self._presence.close()
            self._presence = None

    async def _release_leases(self, conn: AsyncConnection) -> None:
        """This store's leases end with it; its outbox items may have been sent."""
        owner = (self.owner,)
        await conn.execute(
            "UPDATE outbox SET leased_until = NULL, lease_owner = NULL, maybe_sent = true"
            " WHERE lease_owner = %s",
            owner,
        )
        for table in ("inbox", "job_runs"):
            await conn.execute(
                f"UPDATE {table} SET leased_until = NULL, lease_owner = NULL"  # noqa: S608
                " WHERE lease_owner = %s",
                owner,
            )

    async def _prune_deliveries(self) -> None:
        while not self._closing.is_set():
            with suppress(StorageError):
                async with self._tx(work=True) as cur:
                    await cur.execute(
                        "DELETE FROM deliveries WHERE settled AND recorded_at < now() - %s",
                        (timedelta(days=DELIVERY_DAYS),),
                    )
            with suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), PRUNE_EVERY)

    @asynccontextmanager
    async def _cursor(self, transaction: bool, work: bool) -> AsyncIterator[AsyncCursor[Any]]:
        """A cursor on a pooled connection (the workers' pool if `work`), in a transaction
        or not; server trouble becomes StorageError."""
        pool = self._work if work else self._pool
        if pool is None:
            raise StorageError("the PostgreSQL store is not open")
        try:
            async with pool.connection() as conn:
                if transaction:
                    async with conn.transaction():
                        yield conn.cursor()
                else:
                    yield conn.cursor()
        except psycopg.Error as err:
            if isinstance(err, psycopg.errors.ReadOnlySqlTransaction):
                raise StorageError("this store was opened read-only") from err
            raise StorageError(f"PostgreSQL: {err}") from err

    def _tx(self, work: bool = False) -> AbstractAsyncContextManager[AsyncCursor[Any]]:
        """A unit of several statements: one transaction."""
        return self._cursor(transaction=True, work=work)

    async def _rows(
        self, query: str, params: Sequence[Any] | Mapping[str, Any] = (), work: bool = False
    ) -> list[tuple[Any, ...]]:
        """One statement, atomic by itself: no BEGIN and COMMIT around it (a third of the
        round trips under load)."""
        async with self._cursor(transaction=False, work=work) as cur:
            await cur.execute(query, params)  # type: ignore[arg-type]
            return await cur.fetchall()

    async def _work_rows(
        self, query: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        return await self._rows(query, params, work=True)

    async def _cases(self, where: str, params: Sequence[Any] = ()) -> list[Case]:
        rows = await self._rows(f"SELECT body FROM cases {where}", params)
        return [case_from_dict(body) for (body,) in rows]

    async def health(self) -> dict[str, Any]:
        try:
            ((count, final),) = await self._rows(
                "SELECT count(*), count(*) FILTER (WHERE status IN (%s, %s)) FROM cases", FINAL
            )
        except StorageError as err:
            return {"ok": False, "backend": "postgresql", "error": str(err)}
        return {
            "ok": True,
            "backend": "postgresql",
            "cases": count,
            "final": final,
            "schema": LATEST,
        }

    async def check(self) -> str:
        """What `serve` would find, in a few words, without writing anything."""
        async with await self._connect() as conn:
            version = await schema_version(conn)
            refuse_newer(version)
            server = conn.info.parameter_status("server_version") or "?"
            where = f"PostgreSQL {server}, schema version {version}"
            if version == 0:
                return f"{where}: empty (`serve` or `complaintbot migrate` creates the tables)"
            if version < LATEST:
                return f"{where} of {LATEST} (`serve` or `complaintbot migrate` upgrades it)"
            row = await (await conn.execute("SELECT count(*) FROM cases")).fetchone()
            return f"{where} (current), {row[0] if row else 0} cases"

    # cases --------------------------------------------------------------------------------

    async def next_case_number(self) -> int:
        (number,), = await self._rows("SELECT nextval('case_numbers')")
        return int(number)

    async def case_for_source(self, source_key: str) -> Case | None:
        found = await self._cases(
            "WHERE source_key = %s OR id = (SELECT case_id FROM refs"
            " WHERE name = %s AND value = %s LIMIT 1) ORDER BY source_key = %s DESC LIMIT 1",
            (source_key, CLIENT_THREAD, source_key, source_key),
        )
        return found[0] if found else None

    async def create_case(
        self,
        case: Case,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None = None,
    ) -> None:
        await self._write(
            "SELECT complaintbot_create_case(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (delivery_id, case.id, case.number, case.source.key, *self._columns(case)),
            case,
            events,
            effects,
        )

    async def save_case(
        self,
        case: Case,
        expected_version: int,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None = None,
    ) -> None:
        await self._write(
            SAVE_CASE,
            (delivery_id, case.id, expected_version, *self._columns(case)),
            case,
            events,
            effects,
        )

    async def rewrite_case(
        self,
        case: Case,
        expected_version: int,
        timeline: list[Event],
        delivery_id: str | None = None,
        pending: Callable[[Effect], Effect] = lambda effect: effect,
        effects: Sequence[Effect] = (),
    ) -> None:
        """One transaction: the case's outbox rows rewritten, its events and the marks
        their trigger keeps (migration 0006) cleared, then the case saved with the whole
        timeline through the write function (its delivery id and version checks; a refusal
        rolls all of it back), so the marks are counted anew from the timeline."""
        async with self._tx() as cur:
            await cur.execute(
                "SELECT id, effect FROM outbox WHERE case_id = %s ORDER BY id FOR UPDATE",
                (case.id,),
            )
            for item_id, body in await cur.fetchall():
                new = effect_to_dict(pending(effect_from_dict(body)))
                if new != body:
                    await cur.execute(
                        "UPDATE outbox SET effect = %s WHERE id = %s", (Jsonb(new), item_id)
                    )
            await cur.execute("DELETE FROM events WHERE case_id = %s", (case.id,))
            await cur.execute(
                "UPDATE cases SET reopens = 0, resolved_at = NULL WHERE id = %s", (case.id,)
            )
            await self._call(
                cur,
                SAVE_CASE,
                (delivery_id, case.id, expected_version, *self._columns(case)),
                case,
                timeline,
                effects,
            )

    async def _write(
        self,
        call: str,
        params: tuple[Any, ...],
        case: Case,
        events: list[Event],
        effects: list[Effect],
    ) -> None:
        """A unit of work in one round trip: the function (migration 0004) records the
        delivery id, writes the case, its events and its outbox items, or refuses."""
        async with self._cursor(transaction=False, work=False) as cur:
            await self._call(cur, call, params, case, events, effects)

    @staticmethod
    async def _call(
        cur: psycopg.AsyncCursor[Any],
        call: str,
        params: tuple[Any, ...],
        case: Case,
        events: Sequence[Event],
        effects: Sequence[Effect],
    ) -> None:
        """A write function's call with the case's events and outbox items; its refusal
        (SQLSTATE CB001-CB004) as the store's exception."""
        rows = [
            {"lane": e.lane, "after": e.after, "kind": e.kind, "effect": effect_to_dict(e)}
            for e in effects
        ]
        timeline = [event_to_dict(event) for event in events]
        try:
            await cur.execute(call, (*params, Jsonb(timeline), Jsonb(rows), case.updated_at))
        except psycopg.Error as err:
            refused = _refusal(err, case.id)
            if refused is None:
                raise
            raise refused from err

    @staticmethod
    def _columns(case: Case) -> tuple[Any, ...]:
        """status, version, body, client_id, created_at, people: the row beside its body."""
        return (
            case.status.value,
            case.version,
            Jsonb(case_to_dict(case)),
            case.client_id,
            case.created_at,
            list(case.included),
        )

    async def seen(self, delivery_id: str) -> bool:
        return bool(await self._rows("SELECT 1 FROM deliveries WHERE id = %s", (delivery_id,)))

    async def get_case(self, case_id: str) -> Case | None:
        found = await self._cases("WHERE id = %s", (case_id,))
        return found[0] if found else None

    async def list_cases(self) -> list[Case]:
        return await self._cases("ORDER BY number")

    async def timeline(self, case_id: str) -> list[Event]:
        rows = await self._rows(
            "SELECT body FROM events WHERE case_id = %s ORDER BY id", (case_id,)
        )
        return [event_from_dict(body) for (body,) in rows]

    async def get_ref(self, case_id: str, name: str) -> str | None:
        rows = await self._rows(
            "SELECT value FROM refs WHERE case_id = %s AND name = %s", (case_id, name)
        )
        return str(rows[0][0]) if rows else None

    # addresses ----------------------------------------------------------------------------

    async def save_address(self, platform: str, user_id: str, reference: dict[str, Any]) -> None:
        await self._work_rows(
            "INSERT INTO addresses (platform, user_id, reference) VALUES (%s, %s, %s)"
            " ON CONFLICT (platform, user_id) DO UPDATE SET reference = EXCLUDED.reference,"
            " saved_at = now() RETURNING 1",
            (platform, user_id, Jsonb(reference)),
        )

    async def address(self, platform: str, user_id: str) -> dict[str, Any] | None:
        rows = await self._rows(
            "SELECT reference FROM addresses WHERE platform = %s AND user_id = %s",
            (platform, user_id),
        )
        return dict(rows[0][0]) if rows else None

    # kept messages ------------------------------------------------------------------------

    async def keep_message(self, message: KeptMessage) -> None:
        await self._work_rows(
            "INSERT INTO kept_messages (platform, channel, message_id, author, body, kept_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (platform, channel, message_id)"
            " DO UPDATE SET author = EXCLUDED.author, body = EXCLUDED.body,"
            " kept_at = EXCLUDED.kept_at RETURNING 1",
            (*message.key, message.author, Jsonb(kept_to_dict(message)), message.kept_at),
        )

    async def kept_message(
        self, platform: str, channel: str, message_id: str
    ) -> KeptMessage | None:
        rows = await self._rows(
            "SELECT body FROM kept_messages WHERE platform = %s AND channel = %s"
            " AND message_id = %s",
            (platform, channel, message_id),
        )
        return kept_from_dict(rows[0][0]) if rows else None

    async def forget_messages(self, which: Forget, dry_run: bool = False) -> int:
        """One statement, with only the criteria `which` gives (an edit or a deletion of
        one message is then a primary key lookup); each set a row of parallel arrays."""
        clauses: list[str] = []
        params: list[Any] = []
        if which.before is not None:
            clauses.append("kept_at < %s")
            params.append(which.before)
        for columns, found in (
            ("platform, channel, message_id", which.messages),
            ("platform, author", which.authors),
            ("platform, channel", which.channels),
        ):
            if found:
                width = len(next(iter(found)))
                arrays = ", ".join(["%s::text[]"] * width)
                clauses.append(f"({columns}) IN (SELECT * FROM unnest({arrays}))")
                params += [[key[i] for key in sorted(found)] for i in range(width)]
        if not clauses:
            return 0
        where = " WHERE " + " OR ".join(clauses)
        if dry_run:
            ((count,),) = await self._rows(f"SELECT count(*) FROM kept_messages{where}", params)
        else:
            ((count,),) = await self._work_rows(
                f"WITH gone AS (DELETE FROM kept_messages{where} RETURNING 1)"
                " SELECT count(*) FROM gone",
                params,
            )
        return int(count)

    # read side ----------------------------------------------------------------------------

    @staticmethod
    def _opened(since: datetime, until: datetime, client: str | None) -> tuple[str, list[Any]]:
        """The WHERE of the cases opened in [since, until), and its params."""
        where = "WHERE created_at >= %s AND created_at < %s"
        params: list[Any] = [since, until]
        if client is not None:
            where, params = f"{where} AND client_id = %s", [*params, client]
        return where, params

    async def cases_opened(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[Case]:
        where, params = self._opened(since, until, client_id)
        return await self._cases(f"{where} ORDER BY created_at, number", params)

    async def case_history(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[CaseFacts]:
        """The `ReviewCase` fields of each body (`_read`) with the marks its row carries
        (migration 0006)."""
        where, params = self._opened(since, until, client_id)
        found = await self._read(ReviewCase, where, params, ("reopens", "resolved_at"))
        return [facts(_review_case(*case), reopens, at) for *case, reopens, at in found]

    async def _read(
        self,
        view: type[ReviewCase | OpenCase | PersonCase],
        where: str,
        params: Sequence[Any],
        columns: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """The fields of `view` of each case's body, then the row's `columns`, oldest first
        (then by number). The body is unpacked once, by `jsonb_to_record` (`->` would unpack
        a compressed body for each key), into typed columns the driver decodes in C (a
        third less time than one JSON array of every case, built by the server and parsed
        here)."""
        read = ", ".join([*(f"r.{f.name}" for f in fields(view)), *(f"c.{c}" for c in columns)])
        return await self._rows(
            f"SELECT {read} FROM (SELECT * FROM cases {where}) AS c,"
            f" jsonb_to_record(c.body) AS r({_record(view)}) ORDER BY c.created_at, c.number",
            params,
        )

    async def client_totals(self, since: datetime, until: datetime) -> dict[str, ClientTotals]:
        where, params = self._opened(since, until, None)
        return {client_id: counts for (client_id,), counts in await self._totals(where, params)}

    async def monthly_totals(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> dict[tuple[str, str], ClientTotals]:
        where, params = self._opened(since, until, client_id)
        return {
            (client, month): counts
            for (client, month), counts in await self._totals(where, params, by_month=True)
        }

    async def _totals(
        self, where: str, params: Sequence[Any], by_month: bool = False
    ) -> list[tuple[tuple[str, ...], ClientTotals]]:
        """One aggregate over the matching rows, by client (and by the month they opened in,
        YYYY-MM in UTC, as the store's times read), each body unpacked once
        (`jsonb_to_record`), counting what `handlers.fit.totals` counts. The median is the
        mean of the two middle values, as `statistics.median` takes it (`percentile_cont`
        interpolates otherwise, which can differ in the last bit)."""
        keys = ("client_id", "month") if by_month else ("client_id",)
        grouped = ", ".join(keys)
        month = ", to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month" if by_month else ""
        verdicts = ", ".join("count(*) FILTER (WHERE verdict = %s)" for _ in Verdict)
        resolved_now = ", ".join("%s" for _ in STANDS_RESOLVED)
        rows = await self._rows(
            f"SELECT {grouped}, count(*), {verdicts}, count(*) FILTER (WHERE abuse_flagged),"
            " count(*) FILTER (WHERE resolution IS NOT NULL),"
            " count(*) FILTER (WHERE resolution IS NOT NULL AND reopens > 0),"
            " coalesce(sum(said_resolved), 0)::bigint, coalesce(sum(said_not), 0)::bigint,"
            " (percentile_disc(0.5) WITHIN GROUP (ORDER BY hours)"
            " + percentile_disc(0.5) WITHIN GROUP (ORDER BY hours DESC)) / 2"
            f" FROM (SELECT client_id{month},"
            " reopens, r.verdict, r.abuse_flagged, r.resolution, f.said_resolved, f.said_not,"
            f" CASE WHEN r.resolution IS NOT NULL AND status IN ({resolved_now})"
            " THEN extract(epoch FROM resolved_at - created_at)::float8 / 3600 END AS hours"
            " FROM cases, jsonb_to_record(body) AS r(verdict text, abuse_flagged boolean,"
            " resolution text, feedback jsonb),"
            " LATERAL (SELECT count(*) FILTER (WHERE (a ->> 'resolved')::boolean) AS said_resolved,"
            " count(*) FILTER (WHERE NOT (a ->> 'resolved')::boolean) AS said_not"
            f" FROM jsonb_array_elements(r.feedback) AS a) AS f {where}) AS w GROUP BY {grouped}",
            [*(v.value for v in Verdict), *(s.value for s in STANDS_RESOLVED), *params],
        )
        found = []
        for row in rows:
            key, (cases, *rest) = tuple(row[: len(keys)]), row[len(keys) :]
            counts, rest = rest[: len(Verdict)], rest[len(Verdict) :]
            incidents, resolved, reopened, said_resolved, said_not, median = rest
            found.append(
                (
                    key,
                    ClientTotals(
                        cases=cases,
                        verdicts={v.value: n for v, n in zip(Verdict, counts, strict=True) if n},
                        incidents=incidents,
                        resolved=resolved,
                        reopened=reopened,
                        said_resolved=said_resolved,
                        said_not_resolved=said_not,
                        median_hours_to_resolve=median,
                    ),
                )
            )
        return found

    async def open_cases(self) -> list[Case]:
        return await self._cases(
            "WHERE status NOT IN (%s, %s) ORDER BY created_at, number", FINAL
        )

    async def open_for_review(self) -> list[OpenCase]:
        return [
            OpenCase(
                case_id,
                client_id,
                summary,
                Status(status),
                Severity(severity),
                account_manager,
                created_at,
                due_at,
            )
            for case_id, client_id, summary, status, severity, account_manager, created_at, due_at
            in await self._read(OpenCase, "WHERE status NOT IN (%s, %s)", FINAL)
        ]

    async def cases_of_person(self, person_id: str) -> list[Case]:
        return await self._cases(
            "WHERE people @> ARRAY[%s]::text[] ORDER BY created_at, number", (person_id,)
        )

    async def person_history(
        self, person_id: str, since: datetime, until: datetime
    ) -> list[PersonCase]:
        where, params = self._opened(since, until, None)
        return [
            PersonCase(
                case_id,
                client_id,
                created_at,
                tuple(affected),
                tuple(managers),
                account_manager,
                Verdict(verdict) if verdict else None,
                verdict_by,
                abuse_flagged,
            )
            for (
                case_id,
                client_id,
                created_at,
                affected,
                managers,
                account_manager,
                verdict,
                verdict_by,
                abuse_flagged,
            ) in await self._read(
                PersonCase, f"{where} AND people @> ARRAY[%s]::text[]", [*params, person_id]
            )
        ]

    # inbox --------------------------------------------------------------------------------

    _INBOX = "delivery_id, kind, payload, received_at, attempts, next_attempt_at, errors"

    @staticmethod
    def _inbox_item(row: tuple[Any, ...]) -> InboxItem:
        delivery_id, kind, payload, received_at, attempts, next_attempt_at, errors = row
        return InboxItem(
            delivery_id, kind, payload, received_at, attempts, next_attempt_at, tuple(errors)
        )

    async def accept(self, item: InboxItem) -> bool:
        rows = await self._rows(
            "WITH recorded AS (INSERT INTO deliveries (id, recorded_at, settled)"
            " VALUES (%s, now(), false) ON CONFLICT DO NOTHING RETURNING id)"
            " INSERT INTO inbox (delivery_id, kind, payload, received_at, attempts,"
            " next_attempt_at, errors) SELECT id, %s, %s, %s, %s, %s, %s FROM recorded"
            " RETURNING delivery_id",
            (
                item.delivery_id,
                item.kind,
                Jsonb(item.payload),
                item.received_at,
                item.attempts,
                item.next_attempt_at,
                Jsonb(list(item.errors)),
            ),
        )
        return bool(rows)

    async def due_inbox(self, now: datetime, limit: int = 50) -> list[InboxItem]:
        rows = await self._rows(
            f"SELECT {self._INBOX} FROM inbox"
            " WHERE next_attempt_at IS NULL OR next_attempt_at <= %s"
            " ORDER BY received_at, seq LIMIT %s",
            (now, limit),
        )
        return [self._inbox_item(row) for row in rows]

    async def claim_inbox(
        self, now: datetime, limit: int = 50, lease: timedelta = DEFAULT_LEASE
    ) -> list[InboxItem]:
        rows = await self._work_rows(
            "WITH ready AS (SELECT delivery_id FROM inbox"
            " WHERE (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)"
            f" AND {_lease_over('inbox')}"
            " ORDER BY received_at, seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED)"
            " UPDATE inbox SET leased_until = %(until)s, lease_owner = %(owner)s"
            f" FROM ready WHERE inbox.delivery_id = ready.delivery_id RETURNING inbox.seq,"
            f" {', '.join(f'inbox.{column}' for column in self._INBOX.split(', '))}",
            {"now": now, "limit": limit, "until": now + lease, "owner": self.owner},
        )
        ordered = sorted(rows, key=lambda row: (row[4], row[0]))  # received_at, seq
        return [self._inbox_item(row[1:]) for row in ordered]

    async def retry_inbox(self, delivery_id: str, error: str, next_attempt_at: datetime) -> None:
        await self._work_rows(
            "UPDATE inbox SET attempts = attempts + 1, next_attempt_at = %s,"
            " errors = errors || %s, leased_until = NULL, lease_owner = NULL"
            " WHERE delivery_id = %s RETURNING 1",
            (next_attempt_at, Jsonb([error]), delivery_id),
        )

    async def drop_inbox(self, delivery_id: str, reason: str) -> None:
        async with self._tx(work=True) as cur:
            await cur.execute(
                "DELETE FROM inbox WHERE delivery_id = %s RETURNING 1", (delivery_id,)
            )
            if await cur.fetchone() is not None:  # a retry of this delivery is refused
                await cur.execute(
                    "UPDATE deliveries SET settled = true, dropped = %s, recorded_at = now()"
                    " WHERE id = %s",
                    (reason, delivery_id),
                )

    # outbox -------------------------------------------------------------------------------

    async def claim_effects(
        self, now: datetime, limit: int = 50, lease: timedelta = DEFAULT_LEASE
    ) -> list[OutboxItem]:
        """Lease the due, unleased heads of up to `limit` lanes, oldest first.

        A head is the oldest item of its (case, lane) that has not failed, leased or not,
        so a leased or put-off head holds back its own lane only. Rows are read in id
        order and the scan stops at `limit` heads (an index probe each for an older item
        of the lane), so a claim costs what it hands out, not the whole outbox. Rows
        another replica holds are skipped; a row that changed meanwhile is checked again
        as it is now.
        """
        rows = await self._work_rows(
            "WITH ready AS (SELECT o.id FROM outbox o"
            " WHERE NOT o.failed AND o.next_attempt_at <= %(now)s"
            f" AND {_lease_over('o')}"
            " AND NOT EXISTS (SELECT 1 FROM outbox older WHERE older.case_id = o.case_id"
            " AND older.lane IN (o.lane, o.after_lane) AND NOT older.failed AND older.id < o.id)"
            " ORDER BY o.id LIMIT %(limit)s FOR UPDATE OF o SKIP LOCKED)"
            " UPDATE outbox o SET leased_until = %(until)s, lease_owner = %(owner)s,"
            " maybe_sent = o.maybe_sent OR o.leased_until IS NOT NULL"
            " FROM ready, cases c WHERE o.id = ready.id AND c.id = o.case_id"
            " RETURNING o.id, o.effect, o.attempts, o.next_attempt_at, o.maybe_sent, c.body,"
            " (SELECT coalesce(jsonb_object_agg(r.name, r.value), '{}') FROM refs r"
            " WHERE r.case_id = o.case_id)",
            {"now": now, "limit": limit, "until": now + lease, "owner": self.owner},
        )
        return [
            OutboxItem(
                item_id,
                effect_from_dict(effect),
                attempts,
                due,
                maybe_sent,
                case_from_dict(body),
                refs,
            )
            for item_id, effect, attempts, due, maybe_sent, body, refs in sorted(rows)
        ]

    async def complete_effects(self, done: Sequence[Completion]) -> None:
        """One statement (atomic by itself): the items go, and the refs of those that were
        there are kept (of one case's, the newest item's value of a name wins)."""
        if not done:
            return
        await self._work_rows(
            "WITH done AS (SELECT * FROM unnest(%s::bigint[], %s::jsonb[]) AS d (id, refs)),"
            " gone AS (DELETE FROM outbox o USING done WHERE o.id = done.id"
            " RETURNING o.id, o.case_id, done.refs)"
            " INSERT INTO refs (case_id, name, value)"
            " SELECT DISTINCT ON (gone.case_id, kept.key) gone.case_id, kept.key, kept.value"
            " FROM gone, jsonb_each_text(gone.refs) kept"
            " ORDER BY gone.case_id, kept.key, gone.id DESC"
            " ON CONFLICT (case_id, name) DO UPDATE SET value = EXCLUDED.value RETURNING 1",
            ([item_id for item_id, _ in done], [Jsonb(refs) for _, refs in done]),
        )

    async def retry_effect(
        self,
        item_id: int,
        error: str,
        next_attempt_at: datetime,
        maybe_sent: bool = False,
    ) -> None:
        await self._work_rows(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = %s,"
            " maybe_sent = maybe_sent OR %s, leased_until = NULL, lease_owner = NULL,"
            " errors = errors || %s WHERE id = %s RETURNING 1",
            (next_attempt_at, maybe_sent, Jsonb([error]), item_id),
        )

    async def fail_effect(self, item_id: int, error: str) -> None:
        await self._work_rows(
            "UPDATE outbox SET failed = true, leased_until = NULL, lease_owner = NULL,"
            " errors = errors || %s WHERE id = %s RETURNING 1",
            (Jsonb([error]), item_id),
        )

    async def effect_counts(self) -> dict[str, int]:
        (pending, failed), = await self._rows(
            "SELECT count(*) FILTER (WHERE NOT failed), count(*) FILTER (WHERE failed)"
            " FROM outbox"
        )
        return {"pending": pending, "failed": failed}

    # scheduled work -----------------------------------------------------------------------

    async def claim_job(
        self, name: str, slot: str, now: datetime, lease: timedelta = DEFAULT_LEASE
    ) -> bool:
        rows = await self._work_rows(
            "INSERT INTO job_runs (name, slot, leased_until, lease_owner)"
            " VALUES (%(name)s, %(slot)s, %(until)s, %(owner)s)"
            " ON CONFLICT (name, slot) DO UPDATE SET leased_until = EXCLUDED.leased_until,"
            " lease_owner = EXCLUDED.lease_owner WHERE job_runs.done_at IS NULL"
            f" AND {_lease_over('job_runs')}"
            " RETURNING 1",
            {"name": name, "slot": slot, "until": now + lease, "owner": self.owner, "now": now},
        )
        return bool(rows)

    async def finish_job(self, name: str, slot: str) -> None:
        await self._work_rows(
            "INSERT INTO job_runs (name, slot, done_at) VALUES (%s, %s, now())"
            " ON CONFLICT (name, slot) DO UPDATE SET done_at = now(), leased_until = NULL,"
            " lease_owner = NULL RETURNING 1",
            (name, slot),
        )


def _review_case(
    case_id: str,
    client_id: str,
    category: str,
    summary: str,
    status: str,
    created_at: datetime,
    verdict: str | None,
    abuse_flagged: bool,
    resolution: str | None,
    change_requests: list[str],
    feedback: list[dict[str, Any]],
) -> ReviewCase:
    """A `ReviewCase` from its fields as `case_history` reads them (`_read`)."""
    return ReviewCase(
        case_id,
        client_id,
        category,
        summary,
        Status(status),
        created_at,
        Verdict(verdict) if verdict else None,
        abuse_flagged,
        resolution,
        tuple(change_requests),
        tuple(feedback_from_dict(answer) for answer in feedback),
    )
