"""The embedded backend: a TinyDB-format JSON file owned by one process.

How it keeps the Store contract:

- Each file's whole document (TinyDB's layout, `{table: {doc_id: row}}`) is
  held in memory, loaded at open. A write builds the next document, writes it
  with `AtomicJSONStorage` (so one write is all or nothing and durable), and
  only then swaps it in. Rows are replaced, never changed in place, so building
  the next document needs only shallow copies of the tables.
- TinyDB is not thread-safe and read-check-write steps must not interleave, so
  every public method is one job on a single-thread executor: jobs run one at
  a time, and the event loop never waits for an fsync.
- An exclusive `flock` on `<path>.lock` keeps a second process out.
- The main file is rewritten on every write, so it is kept small: closed and
  withdrawn cases move, with their timelines, to `<stem>.archive.json`, and
  completed outbox items are deleted.

Main file tables: `meta` (one row: schema_version, last_case_number,
last_outbox_id), `cases` (`{"case": ..., "timeline": [...]}` per case),
`outbox`, `deliveries`, `refs` (refs stay here for archived cases too: a card
may still be updated after its case closed). The archive holds `meta` and
`cases`.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from handlers.effects import Effect, effect_from_dict, effect_to_dict
from handlers.errors import Conflict, DuplicateSource, StorageError, StoreLocked
from handlers.model import (
    Case,
    Event,
    MessageRef,
    case_from_dict,
    case_to_dict,
    event_from_dict,
    event_to_dict,
)
from storage.atomic_json import AtomicJSONStorage
from storage.base import OutboxItem

Document = dict[str, dict[str, Any]]
Row = dict[str, Any]
T = TypeVar("T")

SCHEMA_VERSION = 1

# MIGRATIONS[n] turns a version-n document into a version n+1 one. To change the
# layout, bump SCHEMA_VERSION and add the step from the previous version here. A
# step gets each file's whole document in turn (main file, then archive, which has
# only `meta` and `cases`) and returns it; open() sets the new schema_version and
# writes the result.
MIGRATIONS: dict[int, Callable[[Document], Document]] = {}

# Platforms retry a delivery within minutes, so the latest 10,000 ids catch every
# retry while the main file stays small.
KEEP_DELIVERIES = 10_000

META = "1"  # doc id of the single meta row


class TinyDBStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._main = _File(
            self.path,
            tables=("cases", "outbox", "deliveries", "refs"),
            counters=("last_case_number", "last_outbox_id"),
        )
        self._archive = _File(self.path.with_name(f"{self.path.stem}.archive.json"), ("cases",))
        self._lock_fd: int | None = None
        self._executor: ThreadPoolExecutor | None = None

    async def _run(self, job: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise StorageError(f"the store at {self.path} is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, job, *args)

    # lifecycle ------------------------------------------------------------------------------

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tinydb-store")
        try:
            await self._run(self._open)
        except BaseException:
            self._executor.shutdown()
            self._executor = None
            raise

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock(self.path)
        try:
            for file in (self._main, self._archive):
                file.load()
        except BaseException:
            self._release()
            raise

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        # Queued jobs run first: the executor is FIFO.
        await asyncio.get_running_loop().run_in_executor(executor, self._release)
        executor.shutdown()

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    async def health(self) -> dict[str, Any]:
        info: dict[str, Any] = {"ok": True, "backend": "tinydb", "path": str(self.path)}
        try:
            return info | await self._run(self._health)
        except (OSError, StorageError) as e:
            return info | {"ok": False, "error": str(e)}

    def _health(self) -> dict[str, Any]:
        with self.path.open("rb") as f:  # proves the file is there and readable
            size = os.fstat(f.fileno()).st_size
        return {"cases": len(self._main.doc["cases"]), "size_bytes": size}

    # cases ----------------------------------------------------------------------------------

    async def next_case_number(self) -> int:
        return await self._run(self._next_case_number)

    def _next_case_number(self) -> int:
        doc = self._main.draft()
        number = int(doc["meta"][META]["last_case_number"]) + 1
        _set_meta(doc, last_case_number=number)
        self._main.commit(doc)
        return number

    async def case_for_source(self, source_key: str) -> Case | None:
        return await self._run(self._case_where, lambda c: _source_key(c) == source_key)

    async def get_case(self, case_id: str) -> Case | None:
        return await self._run(self._case_where, lambda c: c["id"] == case_id)

    def _case_where(self, match: Callable[[Row], bool]) -> Case | None:
        row = self._find(match)
        return case_from_dict(row["case"]) if row else None

    async def list_cases(self) -> list[Case]:
        return await self._run(self._list_cases)

    def _list_cases(self) -> list[Case]:
        # The main file goes last so its copy wins over a leftover in the archive.
        latest = {
            row["case"]["id"]: row["case"]
            for file in (self._archive, self._main)
            for row in file.doc["cases"].values()
        }
        return sorted((case_from_dict(c) for c in latest.values()), key=lambda c: c.number)

    async def timeline(self, case_id: str) -> list[Event]:
        return await self._run(self._timeline, case_id)

    def _timeline(self, case_id: str) -> list[Event]:
        row = self._find(lambda c: c["id"] == case_id)
        return [event_from_dict(e) for e in row["timeline"]] if row else []

    async def create_case(self, case: Case, events: list[Event], effects: list[Effect]) -> None:
        await self._run(self._create_case, case, events, effects)

    def _create_case(self, case: Case, events: list[Event], effects: list[Effect]) -> None:
        existing = self._find(lambda c: _source_key(c) == case.source.key)
        if existing:
            raise DuplicateSource(existing["case"]["id"])
        if self._find(lambda c: c["id"] == case.id):
            raise StorageError(f"case {case.id} already exists")
        self._place(case, [event_to_dict(e) for e in events], effects)

    async def save_case(
        self, case: Case, expected_version: int, events: list[Event], effects: list[Effect]
    ) -> None:
        await self._run(self._save_case, case, expected_version, events, effects)

    def _save_case(
        self, case: Case, expected_version: int, events: list[Event], effects: list[Effect]
    ) -> None:
        stored = self._find(lambda c: c["id"] == case.id)
        if stored is None or stored["case"]["version"] != expected_version:
            raise Conflict(f"case {case.id} is no longer at version {expected_version}")
        self._place(case, stored["timeline"] + [event_to_dict(e) for e in events], effects)

    def _find(self, match: Callable[[Row], bool]) -> Row | None:
        """The first case row whose case matches; the main file is searched first."""
        for file in (self._main, self._archive):
            for row in file.doc["cases"].values():
                if match(row["case"]):
                    return row
        return None

    def _place(self, case: Case, timeline: list[Row], effects: list[Effect]) -> None:
        """Write the case to the file it belongs in, then drop it from the other one.

        Final cases belong in the archive. Writing the destination first means a
        crash in between leaves the case in both files (reads prefer the main
        file, the next save removes the copy), never in neither.
        """
        row = {"case": case_to_dict(case), "timeline": timeline}
        main = self._main.draft()
        _add_effects(main, effects, due=case.updated_at)
        main["cases"] = _without(main["cases"], case.id)
        if case.status.final:
            archive = self._archive.draft()
            archive["cases"] = _without(archive["cases"], case.id)
            _insert(archive["cases"], row)
            self._archive.commit(archive)
            self._main.commit(main)
        else:
            _insert(main["cases"], row)
            self._main.commit(main)
            archived = self._archive.doc["cases"]
            remaining = _without(archived, case.id)
            if len(remaining) < len(archived):
                self._archive.commit(self._archive.doc | {"cases": remaining})

    # outbox ---------------------------------------------------------------------------------
    # Unknown item ids (e.g. an item completed twice) are ignored.

    async def due_effects(self, now: datetime, limit: int = 50) -> list[OutboxItem]:
        return await self._run(self._due_effects, now, limit)

    def _due_effects(self, now: datetime, limit: int) -> list[OutboxItem]:
        rows = sorted(self._main.doc["outbox"].items(), key=lambda kv: int(kv[0]))
        items = (
            OutboxItem(
                int(key),
                effect_from_dict(row["effect"]),
                row["attempts"],
                datetime.fromisoformat(row["next_attempt_at"]),
            )
            for key, row in rows
            if not row["failed"]
        )
        return list(islice(_in_case_order(items, now), limit))

    async def complete_effect(self, item_id: int) -> None:
        await self._run(self._change_outbox, item_id, None)

    async def retry_effect(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        changes = {"error": error, "next_attempt_at": next_attempt_at.isoformat()}
        await self._run(self._change_outbox, item_id, changes)

    async def fail_effect(self, item_id: int, error: str) -> None:
        await self._run(self._change_outbox, item_id, {"error": error, "failed": True})

    def _change_outbox(self, item_id: int, changes: Row | None) -> None:
        """Count an attempt and apply `changes` to the item, or delete it if None."""
        doc = self._main.draft()
        row = doc["outbox"].pop(str(item_id), None)
        if row is None:
            return
        if changes is not None:
            doc["outbox"][str(item_id)] = row | changes | {"attempts": row["attempts"] + 1}
        self._main.commit(doc)

    async def effect_counts(self) -> dict[str, int]:
        return await self._run(self._effect_counts)

    def _effect_counts(self) -> dict[str, int]:
        rows = self._main.doc["outbox"].values()
        failed = sum(1 for row in rows if row["failed"])
        return {"pending": len(rows) - failed, "failed": failed}

    # platform bookkeeping -------------------------------------------------------------------

    async def first_delivery(self, delivery_id: str) -> bool:
        return await self._run(self._first_delivery, delivery_id)

    def _first_delivery(self, delivery_id: str) -> bool:
        if any(row["id"] == delivery_id for row in self._main.doc["deliveries"].values()):
            return False
        doc = self._main.draft()
        _insert(doc["deliveries"], {"id": delivery_id})
        newest = sorted(doc["deliveries"].items(), key=lambda kv: int(kv[0]))[-KEEP_DELIVERIES:]
        doc["deliveries"] = dict(newest)
        self._main.commit(doc)
        return True

    async def get_ref(self, case_id: str, name: str) -> str | None:
        return await self._run(self._get_ref, case_id, name)

    def _get_ref(self, case_id: str, name: str) -> str | None:
        refs = self._main.doc["refs"].values()
        wanted = (case_id, name)
        return next((r["value"] for r in refs if (r["case_id"], r["name"]) == wanted), None)

    async def set_ref(self, case_id: str, name: str, value: str) -> None:
        await self._run(self._set_ref, case_id, name, value)

    def _set_ref(self, case_id: str, name: str, value: str) -> None:
        doc = self._main.draft()
        doc["refs"] = {
            key: r for key, r in doc["refs"].items() if (r["case_id"], r["name"]) != (case_id, name)
        }
        _insert(doc["refs"], {"case_id": case_id, "name": name, "value": value})
        self._main.commit(doc)


class _File:
    """One JSON file and the in-memory copy of what is on disk."""

    def __init__(self, path: Path, tables: tuple[str, ...], counters: tuple[str, ...] = ()) -> None:
        self.path = path
        self.storage = AtomicJSONStorage(path)
        self.tables, self.counters = tables, counters
        self.doc: Document = {}

    def load(self) -> None:
        """Read the file, creating it if missing and migrating it if it is older."""
        self.storage.discard_temp_files()
        try:
            doc = self.storage.read()
        except (OSError, ValueError) as e:
            raise StorageError(f"cannot read {self.path}: {e}") from e
        if doc is None:  # a new store
            meta = {"schema_version": SCHEMA_VERSION} | dict.fromkeys(self.counters, 0)
            self.commit({"meta": {META: meta}} | {table: {} for table in self.tables})
            return
        version = doc.get("meta", {}).get(META, {}).get("schema_version")
        if not isinstance(version, int):
            raise StorageError(f"{self.path} is not a complaintbot store (no schema_version)")
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"{self.path} was written by a newer complaintbot (schema version {version}, "
                f"this one knows up to {SCHEMA_VERSION}); upgrade complaintbot to open it"
            )
        if version == SCHEMA_VERSION:
            self.doc = doc
            return
        while version < SCHEMA_VERSION:
            doc = MIGRATIONS[version](doc)
            version += 1
            _set_meta(doc, schema_version=version)
        self.commit(doc)

    def draft(self) -> Document:
        """A copy to build the next document in; rows are shared, so replace, never mutate."""
        return {name: dict(rows) for name, rows in self.doc.items()}

    def commit(self, doc: Document) -> None:
        try:
            self.storage.write(doc)
        except OSError as e:
            raise StorageError(f"cannot write {self.path}: {e}") from e
        self.doc = doc


def _lock(path: Path) -> int:
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreLocked(
            f"{path} is in use by another complaintbot process; stop that process, "
            "or point COMPLAINTBOT_DATABASE_URL at another file"
        ) from None
    return fd


def _set_meta(doc: Document, **changes: Any) -> None:
    doc["meta"][META] = doc["meta"][META] | changes


def _insert(rows: dict[str, Row], row: Row) -> None:
    """Add a row under the next doc id, as TinyDB would."""
    rows[str(max(map(int, rows), default=0) + 1)] = row


def _without(cases: dict[str, Row], case_id: str) -> dict[str, Row]:
    return {key: row for key, row in cases.items() if row["case"]["id"] != case_id}


def _add_effects(doc: Document, effects: list[Effect], due: datetime) -> None:
    """Queue effects in order, due from when their case changed."""
    last = int(doc["meta"][META]["last_outbox_id"])
    for item_id, effect in enumerate(effects, start=last + 1):
        doc["outbox"][str(item_id)] = {
            "effect": effect_to_dict(effect),
            "attempts": 0,
            "next_attempt_at": due.isoformat(),
            "failed": False,
            "error": None,
        }
    _set_meta(doc, last_outbox_id=last + len(effects))


def _source_key(case: Row) -> str:
    return MessageRef(**case["source"]).key


def _in_case_order(items: Iterable[OutboxItem], now: datetime) -> Iterator[OutboxItem]:
    """Due items, oldest first, leaving out every item behind one of its case's that waits."""
    waiting: set[str] = set()
    for item in items:
        if item.effect.case_id in waiting:
            continue
        if item.next_attempt_at > now:
            waiting.add(item.effect.case_id)
            continue
        yield item
