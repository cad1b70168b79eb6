"""The embedded backend: one TinyDB-format file per case, and a journal in front of them.

Layout, for `COMPLAINTBOT_DATABASE_URL=data/complaintbot.json`:

    data/complaintbot.json         meta: schema version and counters (TinyDB layout)
    data/complaintbot.json.lock    flock: one process at a time
    data/complaintbot.d/cases/C-0001.json   a case: the case, its timeline, its outbox
                                   items, its refs and the delivery ids that changed it
    data/complaintbot.d/inbox.json triggers waiting for their message to be read
    data/complaintbot.d/jobs.json  the scheduled runs that finished (the last 90 days)
    data/complaintbot.d/addresses.json  where each platform user can be written to
    data/complaintbot.d/messages.json   messages kept for a later flag (`KeptMessage`)
    data/complaintbot.d/journal-000001.log  writes not yet folded into the files above

Why: a unit of work changes one case (and the counters), so the case is the unit of
storage. A write appends one journal line naming the units it replaces and returns
once that line is fsynced (`storage.journal`: writes that arrive together share one
fsync). The files are brought up to date later, off the hot path, when a journal
segment fills up (`COMPACT_BYTES`) and at close: a thread writes each unit changed in
that segment (temp file, fsync, rename, one fsync of the folder) and deletes the
segment. So a write costs what it changes, whatever the history holds. Opening reads
every file, replays the journal segments left over, and folds them in.

All state lives on the event loop; only the journal thread and the folding thread do
I/O. A read is a dict lookup. Cases that are final and have nothing left to send are
dropped from memory once their file is current; they are read from disk when asked for.

Leases (of outbox items, inbox items and job runs) are kept in memory: one process owns
the store, and a lease that dies with the process is exactly what a crash should do. An
unclean stop (no `clean` mark in meta) makes every pending item `maybe_sent` at the next
open. A finished job run is a unit of its own (one journal line), so it stays finished.

The read side (`cases_opened`, `open_cases`, `cases_of_person`) filters the in-memory
index (client, created_at, final or not, the people included) and reads only the cases
that match, from disk for those dropped from memory. The index also keeps each case's
reopens and last resolution (`case_history`), so the review reads no timeline.

A read-only open (`TinyDBStore(path, read_only=True)`: `complaintbot export` and `check`,
beside a running `serve`) takes no lock and changes nothing: it reads the journal, then
the files, and applies the journal over them, skipping a torn last line instead of
cutting it off. Every write method then raises StorageError.

The files' layout, atomic writes, the lock and the start-up errors are in
`storage.tinydb_files`; the journal in `storage.journal`; the outbox scheduler in
`storage.lanes`.

Limits: opening reads every case file (about 1 s per 10,000 cases on the development
machine), and the index of every case (number, source, client, created_at, status, people)
stays in memory.
"""

from __future__ import annotations

import asyncio
import copy
import errno
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from handlers.effects import CardUpdate, Effect, effect_from_dict, effect_to_dict
from handlers.errors import (
    Conflict,
    DuplicateDelivery,
    DuplicateSource,
    StorageError,
)
from handlers.fit import (
    REOPENED,
    RESOLVED,
    CaseFacts,
    ClientTotals,
    facts,
    marks,
    totals_by_client,
)
from handlers.model import Case, Event, case_from_dict, case_to_dict, event_from_dict, event_to_dict
from handlers.review import OpenCase, PersonCase
from handlers.trend import monthly_totals
from storage import tinydb_v1
from storage.base import (
    CLIENT_THREAD,
    DEFAULT_LEASE,
    Completion,
    Forget,
    InboxItem,
    KeptMessage,
    MessageKey,
    OutboxItem,
    kept_from_dict,
    kept_to_dict,
)
from storage.journal import Journal, JournalBroken, Pair, fsync_folder
from storage.lanes import Lanes
from storage.tinydb_files import (
    URL,
    cannot_use,
    lock,
    not_a_store,
    read_json,
    unit_from_file,
    unit_to_file,
    write_json,
)

Record = dict[str, Any]

SCHEMA_VERSION = 2
COMPACT_BYTES = 64 * 1024 * 1024  # a fold per 64 MB of journal: rarely in the middle of a burst
# Platforms retry a delivery within minutes; a day of ids catches every retry.
KEEP_DELIVERIES = timedelta(days=1)
# A scheduler asks for today's slot, or one it missed lately; older finished runs are let go.
KEEP_JOBS = timedelta(days=90)
META = "meta"
INBOX = "inbox:"
CASE = "case:"
JOB = "job:"  # + JSON [name, slot]: names and slots may hold any character
ADDRESS = "address:"  # + JSON [platform, user id]
MESSAGE = "message:"  # + JSON [platform, channel, message id]


@dataclass
class _Entry:
    """What the store keeps in memory of every case, live or not."""

    number: int
    source_key: str
    final: bool
    client_id: str
    created_at: datetime
    people: frozenset[str]  # `Case.included`
    reopens: int  # the timeline's `handlers.fit.marks`, for `case_history`
    resolved_at: datetime | None


class TinyDBStore:
    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        # The real file: two names (symlinks) of one store share one lock and one folder.
        self.path = Path(os.path.realpath(path))
        self.folder = self.path.with_name(f"{self.path.stem}.d")
        self.read_only = read_only
        self._cases_dir = self.folder / "cases"
        self._lock_fd: int | None = None
        self._journal: Journal | None = None
        self._snapshot = False  # opened read-only
        self._folder_thread: ThreadPoolExecutor | None = None
        self._meta: Record = {}
        self._index: dict[str, _Entry] = {}
        self._by_source: dict[str, str] = {}  # source key (or client thread) -> case id
        self._live: dict[str, Record] = {}  # case id -> record, for cases kept in memory
        self._inbox: dict[str, Record] = {}  # delivery id -> item (pending or dropped)
        self._jobs: dict[tuple[str, str], str] = {}  # finished run (name, slot) -> when
        self._addresses: dict[tuple[str, str], Record] = {}  # (platform, user id) -> reference
        self._kept: dict[MessageKey, KeptMessage] = {}
        self._deliveries: dict[str, str] = {}  # delivery id -> when, recent ones only
        self._pending: dict[int, tuple[str, str]] = {}  # outbox item -> (case id, lane)
        self._lanes = Lanes()
        # The Case last read or written for a live record, by its stored dict: reading a
        # busy case is then a copy, not a decoding of every statement it holds.
        self._decoded: dict[str, tuple[Record, Case]] = {}
        self._leases: dict[int, datetime] = {}
        self._inbox_leases: dict[str, datetime] = {}  # delivery id -> until
        self._job_leases: dict[tuple[str, str], datetime] = {}  # run (name, slot) -> until
        self._uncertain: set[int] = set()  # items whose outcome a crash left unknown
        self._dirty: dict[str, Any] = {}  # unit key -> value, since the last rotation
        self._folding: asyncio.Task[None] | None = None

    # lifecycle ------------------------------------------------------------------------------

    async def open(self) -> None:
        """Lock and load the store; read-only, load what it holds now without the lock.
        Whatever stops it raises a StorageError that names the problem and the fix."""
        try:
            if self.read_only:
                await asyncio.to_thread(self._load_snapshot)
                self._snapshot = True
                return
            self._folder_thread = ThreadPoolExecutor(1, thread_name_prefix="store-fold")
            last_segment = await asyncio.to_thread(self._load)
            self._journal = Journal(self.folder, last_segment + 1)
        except BaseException as err:
            self._release()
            if isinstance(err, OSError):
                raise cannot_use(self.path, err) from err
            raise

    def _load(self) -> int:
        """Lock, read every file, replay and fold the journal; the next segment's number."""
        if self.path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(self.path))
        self._cases_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fd = lock(self.path)
        for leftover in [*self._cases_dir.glob(".*.tmp"), *self.folder.glob(".*.tmp")]:
            leftover.unlink()
        meta = self._read_meta()
        self._read_files()
        self._meta = meta
        segments = Journal.segments(self.folder)
        for number, segment in enumerate(segments, start=1):
            try:
                for pairs in Journal.replay(segment, last=number == len(segments)):
                    self._apply(pairs)
            except ValueError as e:
                raise StorageError(str(e)) from e
        if not meta.get("clean"):  # the last run was killed: anything may have been in flight
            self._uncertain.update(self._pending)
        replayed, self._dirty = self._dirty, {}
        self._fold_now(replayed)
        self._forget_settled(replayed)
        for segment in segments:
            segment.unlink()
        self._write_meta(self._meta | {"clean": False})
        self._prune(datetime.now(UTC))
        return int(segments[-1].stem.split("-")[1]) if segments else 0

    def _load_snapshot(self) -> None:
        """Read the journal, then every file, and apply the journal over the files, changing
        nothing: no lock, no repair, no folding. A writer may fold meanwhile: the files
        then hold lines of the journal read before them, or newer ones, never less. So
        every case ends up at least as new as it was when the journal was read."""
        if self.path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(self.path))
        journal = self._read_journal()
        self._meta = self._read_meta()
        self._read_files()
        for pairs in journal:
            self._apply(pairs)

    def _read_journal(self) -> list[list[Pair]]:
        """Every line of every segment, skipping a torn last line and the segments a writer
        folded into the files (and deleted) since they were listed."""
        segments = Journal.segments(self.folder)
        lines: list[list[Pair]] = []
        for number, segment in enumerate(segments, start=1):
            try:
                lines += Journal.replay(segment, last=number == len(segments), repair=False)
            except FileNotFoundError:
                continue
            except ValueError as e:
                raise StorageError(str(e)) from e
        return lines

    def _read_files(self) -> None:
        for file in self._cases_dir.glob("*.json"):
            try:
                with file.open(encoding="utf-8") as f:
                    self._place_case(unit_from_file(json.load(f)), file_current=True)
            except (ValueError, KeyError, TypeError, AttributeError, StorageError) as e:
                raise StorageError(
                    f"{file} is not a complaintbot case file ({e!r}). Fix: restore it from "
                    "a backup, or move it out of that folder (its case is then left out)"
                ) from e
        inbox_file = self.folder / "inbox.json"
        if inbox_file.exists():
            read = dict(read_json(inbox_file).get("inbox", {}))
            self._inbox = {delivery: _dropped(row) for delivery, row in read.items()}
            if self._inbox != read:  # items an older version dropped with their words
                write_json(inbox_file, {"inbox": self._inbox})
        jobs_file = self.folder / "jobs.json"
        if jobs_file.exists():
            runs = read_json(jobs_file)["jobs"]
            self._jobs = {(r["name"], r["slot"]): r["finished_at"] for r in runs}
        addresses_file = self.folder / "addresses.json"
        if addresses_file.exists():
            rows = read_json(addresses_file)["addresses"]
            self._addresses = {(r["platform"], r["user_id"]): r["reference"] for r in rows}
        messages_file = self.folder / "messages.json"
        if messages_file.exists():
            kept = map(kept_from_dict, read_json(messages_file)["messages"])
            self._kept = {message.key: message for message in kept}

    def _read_meta(self) -> Record:
        if not self.path.exists() and self.read_only:
            raise StorageError(
                f"there is no store at {self.path}. Fix: point {URL} at the store "
                "`complaintbot serve` uses"
            )
        if not self.path.exists():
            new: Record = {"schema_version": SCHEMA_VERSION, "last_case_number": 0}
            new |= {"last_outbox_id": 0, "clean": True}
            self._write_meta(new)
            return new
        try:
            with self.path.open(encoding="utf-8") as f:
                doc = json.load(f)
        except ValueError as e:
            raise not_a_store(self.path, f"not JSON: {e}") from e
        meta = doc.get(META, {}).get("1") if isinstance(doc, dict) else None
        version = meta.get("schema_version") if isinstance(meta, dict) else None
        if not isinstance(version, int) or isinstance(version, bool):
            raise not_a_store(self.path, "no schema_version")
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"{self.path} was written by a newer complaintbot (schema version {version}, "
                f"this one knows up to {SCHEMA_VERSION}). Fix: upgrade complaintbot to open it"
            )
        if version == 1 and self.read_only:
            raise StorageError(
                f"{self.path} is in complaintbot 0.1's layout. Fix: start `complaintbot serve` "
                "on it once (it upgrades the store), then try again"
            )
        if version == 1:

            def write_case(record: Record) -> None:
                case_id = record["case"]["id"]
                write_json(self._cases_dir / f"{case_id}.json", unit_to_file(record))

            upgraded = tinydb_v1.upgrade(self.path, doc, read_json, write_case)
            fsync_folder(self._cases_dir)
            self._write_meta(upgraded)
            tinydb_v1.remove_archive(self.path)
            return upgraded
        assert isinstance(meta, dict)
        return dict(meta)

    async def check(self) -> str:
        """What `open()` would find, in a few words, read without the lock and writing
        nothing to the store; a StorageError naming the problem if it could not be used."""
        try:
            await asyncio.to_thread(self._check_writable)
        except OSError as err:
            raise cannot_use(self.path, err) from err
        if not self.path.exists():
            return "new (`complaintbot serve` creates it)"
        snapshot = TinyDBStore(self.path, read_only=True)
        await snapshot.open()
        health = await snapshot.health()
        await snapshot.close()
        return f"{health['cases']} cases ({health['final']} closed or withdrawn)"

    def _check_writable(self) -> None:
        """Raise the OSError `open()` would meet for want of rights or room: try a temporary
        file in the nearest existing folder of each folder the store writes to."""
        for target in (self.path.parent, self.folder, self._cases_dir):
            existing = next(p for p in (target, *target.parents) if p.exists())
            if not existing.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(target))
            try:
                tempfile.TemporaryFile(dir=existing).close()
            except OSError as err:  # name the folder, not the temporary file
                raise OSError(err.errno, err.strerror, str(existing)) from err

    async def close(self) -> None:
        self._snapshot = False
        if self._journal is None:
            return
        if self._folding:
            await self._folding
        for item_id in list(self._leases) if self._journal.broken is None else ():
            # whoever held it may have sent it
            await self._change_item(item_id, lambda row: row | {"maybe_sent": True}, {})
        journal, self._journal = self._journal, None
        await asyncio.to_thread(journal.close)
        clean = journal.broken is None
        if clean:
            await asyncio.to_thread(self._fold_now, self._dirty)
            self._dirty = {}
            for segment in Journal.segments(self.folder):
                segment.unlink()
            await asyncio.to_thread(self._write_meta, self._meta | {"clean": True})
        self._release()

    def _release(self) -> None:
        if self._folder_thread:
            self._folder_thread.shutdown()
            self._folder_thread = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    async def health(self) -> dict[str, Any]:
        info: dict[str, Any] = {"ok": True, "backend": "tinydb", "path": str(self.path)}
        journal = self._journal
        if self._snapshot:
            info["read_only"] = True
        elif journal is None:
            return info | {"ok": False, "error": "the store is not open"}
        elif journal.broken is not None:
            return info | {"ok": False, "error": f"cannot write the journal: {journal.broken}"}
        if not self.path.exists():
            return info | {"ok": False, "error": f"{self.path} is gone"}
        final = sum(1 for e in self._index.values() if e.final)
        return info | {"cases": len(self._index), "final": final, "in_memory": len(self._live)}

    # writing --------------------------------------------------------------------------------

    def _ready(self) -> Journal:
        self._writable()
        if self._journal is None:
            raise StorageError(f"the store at {self.path} is not open")
        if self._journal.broken is not None:
            raise StorageError(f"cannot write the store's journal: {self._journal.broken}")
        return self._journal

    def _writable(self) -> None:
        if self.read_only:
            raise StorageError(f"the store at {self.path} is open read-only")

    async def _commit(self, pairs: list[Pair]) -> None:
        """Apply a unit of work in memory, then wait until its journal line is durable."""
        journal = self._ready()
        self._apply(pairs)
        future = journal.append(pairs)
        if journal.bytes >= COMPACT_BYTES and self._folding is None:
            self._folding = asyncio.create_task(self._fold_segment(journal))
        try:
            await asyncio.shield(future)
        except JournalBroken as e:
            raise StorageError(str(e)) from e

    def _apply(self, pairs: Iterable[Pair]) -> None:
        for key, value in pairs:
            self._dirty[key] = value
            if key == META:
                self._meta = value
            elif key.startswith(INBOX):
                delivery = key[len(INBOX) :]
                self._inbox_leases.pop(delivery, None)  # retried, dropped or settled
                if value is None:
                    self._inbox.pop(delivery, None)
                else:
                    self._inbox[delivery] = value
            elif key.startswith(JOB):
                name, slot = json.loads(key[len(JOB) :])
                self._job_leases.pop((name, slot), None)  # a finished run needs none
                self._jobs[(name, slot)] = value
            elif key.startswith(ADDRESS):
                platform, user_id = json.loads(key[len(ADDRESS) :])
                self._addresses[(platform, user_id)] = value
            elif key.startswith(MESSAGE):
                platform, channel, message_id = json.loads(key[len(MESSAGE) :])
                if value is None:
                    self._kept.pop((platform, channel, message_id), None)
                else:
                    self._kept[(platform, channel, message_id)] = kept_from_dict(value)
            else:
                self._place_case(value, file_current=False)

    def _place_case(self, record: Record, file_current: bool) -> None:
        """Index a case record, keep it in memory unless it is final and settled."""
        case = record["case"]
        case_id = case["id"]
        source = case["source"]
        source_key = f"{source['platform']}:{source['channel']}:{source['message_id']}"
        number = int(case_id.split("-", 1)[1])
        self._index[case_id] = _Entry(
            number,
            source_key,
            case["status"] in _FINAL,
            case["client_id"],
            datetime.fromisoformat(case["created_at"]),
            _people(case),
            *marks(
                (e["kind"], datetime.fromisoformat(e["at"]))
                for e in record["timeline"]
                if e["kind"] in (REOPENED, RESOLVED)
            ),
        )
        self._by_source[source_key] = case_id
        thread = record["refs"].get(CLIENT_THREAD)
        if thread:
            self._by_source[thread] = case_id
        for delivery, at in record["deliveries"].items():
            self._deliveries[delivery] = at
        old = self._live.get(case_id)
        for item_id in _pending_ids(old) if old else ():
            self._pending.pop(item_id, None)
        lanes = {item_id: _lane(record["outbox"][str(item_id)]) for item_id in _pending_ids(record)}
        for item_id, lane in lanes.items():
            self._pending[item_id] = (case_id, lane)
        self._lanes.set_case(case_id, lanes)
        final = self._index[case_id].final
        if file_current and final and not _pending_ids(record) and not self.read_only:
            self._live.pop(case_id, None)
            self._decoded.pop(case_id, None)
        else:
            self._live[case_id] = record

    async def _fold_segment(self, journal: Journal) -> None:
        """Bring the files up to date with a full segment, in the folding thread."""
        dirty, self._dirty = self._dirty, {}
        try:
            old = await journal.rotate()
            assert self._folder_thread
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._folder_thread, self._fold_now, dirty)
            # Every segment up to this one is in the files now, a left-over of a fold that
            # failed too: replayed later, it would roll newer files back.
            for segment in Journal.segments(self.folder):
                if int(segment.stem.split("-")[1]) <= old:
                    segment.unlink()
            self._forget_settled(dirty)
            self._prune(datetime.now(UTC))
        except (OSError, JournalBroken):
            self._dirty = dirty | self._dirty  # kept for the next try, or replayed at open
        finally:
            self._folding = None

    def _fold_now(self, dirty: dict[str, Any]) -> None:
        """Write each changed unit's file; one fsync of each folder at the end."""
        inbox_changed = jobs_changed = addresses_changed = messages_changed = False
        for key, value in dirty.items():
            if key == META:
                self._write_meta(value, sync_folder=False)
            elif key.startswith(INBOX):
                inbox_changed = True
            elif key.startswith(JOB):
                jobs_changed = True
            elif key.startswith(ADDRESS):
                addresses_changed = True
            elif key.startswith(MESSAGE):
                messages_changed = True
            else:
                case_id = key[len(CASE) :]
                write_json(self._cases_dir / f"{case_id}.json", unit_to_file(value))
        if inbox_changed:
            write_json(self.folder / "inbox.json", {"inbox": dict(self._inbox)})
        if jobs_changed:
            runs = list(self._jobs.items())  # one step: the event loop may add runs meanwhile
            rows = [{"name": n, "slot": s, "finished_at": at} for (n, s), at in runs]
            write_json(self.folder / "jobs.json", {"jobs": rows})
        if addresses_changed:
            known = list(self._addresses.items())  # one step, as for the runs
            found = [{"platform": p, "user_id": u, "reference": r} for (p, u), r in known]
            write_json(self.folder / "addresses.json", {"addresses": found})
        if messages_changed:
            kept = [kept_to_dict(m) for m in list(self._kept.values())]  # one step, as above
            write_json(self.folder / "messages.json", {"messages": kept})
        for folder in (self._cases_dir, self.folder, self.path.parent):
            fsync_folder(folder)

    def _forget_settled(self, folded: dict[str, Any]) -> None:
        for key, value in folded.items():
            record = self._live.get(key[len(CASE) :]) if key.startswith(CASE) else None
            if record is not None and record is value:
                self._place_case(record, file_current=True)

    def _write_meta(self, meta: Record, sync_folder: bool = True) -> None:
        write_json(self.path, {META: {"1": meta}})
        if sync_folder:
            fsync_folder(self.path.parent)

    # cases ----------------------------------------------------------------------------------

    async def next_case_number(self) -> int:
        number = int(self._meta["last_case_number"]) + 1
        await self._commit([(META, self._meta | {"last_case_number": number})])
        return number

    async def case_for_source(self, source_key: str) -> Case | None:
        case_id = self._by_source.get(source_key)
        return await self.get_case(case_id) if case_id else None

    async def get_case(self, case_id: str) -> Case | None:
        record = await self._record(case_id)
        if record is None:
            return None
        known = self._decoded.get(case_id)
        if known is None or known[0] is not record["case"]:
            known = (record["case"], case_from_dict(record["case"]))
            self._decoded[case_id] = known
        return _own_copy(known[1])

    async def _record(self, case_id: str) -> Record | None:
        if self._journal is None and not self._snapshot:
            raise StorageError(f"the store at {self.path} is not open")
        if case_id in self._live:
            return self._live[case_id]
        if case_id not in self._index:
            return None
        data = await asyncio.to_thread(read_json, self._cases_dir / f"{case_id}.json")
        return unit_from_file(data)

    async def list_cases(self) -> list[Case]:
        ordered = sorted(self._index, key=lambda case_id: self._index[case_id].number)
        cases = [await self.get_case(case_id) for case_id in ordered]
        return [case for case in cases if case is not None]

    async def timeline(self, case_id: str) -> list[Event]:
        record = await self._record(case_id)
        return [event_from_dict(copy.deepcopy(e)) for e in record["timeline"]] if record else []

    async def get_ref(self, case_id: str, name: str) -> str | None:
        record = await self._record(case_id)
        return record["refs"].get(name) if record else None

    async def seen(self, delivery_id: str) -> bool:
        return delivery_id in self._deliveries or delivery_id in self._inbox

    async def create_case(
        self,
        case: Case,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None = None,
    ) -> None:
        self._ready()
        self._refuse_seen(delivery_id)
        existing = self._by_source.get(case.source.key)
        if existing:
            raise DuplicateSource(existing)
        if case.id in self._index:
            raise StorageError(f"case {case.id} already exists")
        record: Record = {"case": {}, "timeline": [], "outbox": {}, "refs": {}, "deliveries": {}}
        await self._write_case(record, case, events, effects, delivery_id)

    async def save_case(
        self,
        case: Case,
        expected_version: int,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None = None,
    ) -> None:
        self._ready()
        self._refuse_seen(delivery_id)
        record = await self._record(case.id)
        record = self._live.get(case.id, record)  # another write may have loaded it meanwhile
        self._refuse_seen(delivery_id)
        if record is None or record["case"]["version"] != expected_version:
            raise Conflict(f"case {case.id} is no longer at version {expected_version}")
        await self._write_case(record, case, events, effects, delivery_id)

    async def rewrite_case(
        self,
        case: Case,
        expected_version: int,
        timeline: list[Event],
        delivery_id: str | None = None,
        pending: Callable[[Effect], Effect] = lambda effect: effect,
        effects: Sequence[Effect] = (),
    ) -> None:
        """The rewrite goes through the journal like any write, then the journal is folded
        at once: its older lines still hold the old texts."""
        self._ready()
        self._refuse_seen(delivery_id)
        record = await self._record(case.id)
        record = self._live.get(case.id, record)
        self._refuse_seen(delivery_id)
        if record is None or record["case"]["version"] != expected_version:
            raise Conflict(f"case {case.id} is no longer at version {expected_version}")
        outbox = {
            item_id: row | {"effect": effect_to_dict(pending(effect_from_dict(row["effect"])))}
            for item_id, row in record["outbox"].items()
        }
        rewritten = record | {"timeline": [], "outbox": outbox}
        await self._write_case(rewritten, case, timeline, list(effects), delivery_id)
        await self._compact()

    async def _compact(self) -> None:
        """Fold the journal into the files now and delete it."""
        while self._folding is not None:
            await self._folding
        self._folding = asyncio.create_task(self._fold_segment(self._ready()))
        await self._folding

    def _refuse_seen(self, delivery_id: str | None) -> None:
        if delivery_id and delivery_id in self._deliveries:
            raise DuplicateDelivery(delivery_id)

    async def _write_case(
        self,
        record: Record,
        case: Case,
        events: list[Event],
        effects: list[Effect],
        delivery_id: str | None,
    ) -> None:
        outbox = dict(record["outbox"])
        last_id = int(self._meta["last_outbox_id"])
        for effect in effects:
            if isinstance(effect, CardUpdate) and self._waiting_card_update(outbox):
                continue
            last_id += 1
            outbox[str(last_id)] = _new_item(effect, case.updated_at)
        now = datetime.now(UTC)  # delivery ids expire by the wall clock, not the case's
        deliveries = _recent(record["deliveries"], now)
        if delivery_id:
            deliveries[delivery_id] = now.isoformat()
        new: Record = {
            "case": (encoded := case_to_dict(case)),
            "timeline": record["timeline"] + [copy.deepcopy(event_to_dict(e)) for e in events],
            "outbox": outbox,
            "refs": record["refs"],
            "deliveries": deliveries,
        }
        pairs: list[Pair] = [(CASE + case.id, new)]
        if last_id != self._meta["last_outbox_id"]:
            pairs.append((META, self._meta | {"last_outbox_id": last_id}))
        if delivery_id and delivery_id in self._inbox:
            pairs.append((INBOX + delivery_id, None))
        self._decoded[case.id] = (encoded, _own_copy(case))
        await self._commit(pairs)

    def _waiting_card_update(self, outbox: Record) -> bool:
        return any(
            row["effect"]["kind"] == CardUpdate.kind
            and not row["failed"]
            and int(item_id) not in self._leases
            for item_id, row in outbox.items()
        )

    # addresses ------------------------------------------------------------------------------

    async def save_address(self, platform: str, user_id: str, reference: dict[str, Any]) -> None:
        self._ready()
        key = ADDRESS + json.dumps([platform, user_id])
        await self._commit([(key, copy.deepcopy(reference))])

    async def address(self, platform: str, user_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self._addresses.get((platform, user_id)))

    # kept messages --------------------------------------------------------------------------

    async def keep_message(self, message: KeptMessage) -> None:
        self._ready()
        await self._commit([(MESSAGE + json.dumps(list(message.key)), kept_to_dict(message))])

    async def kept_message(
        self, platform: str, channel: str, message_id: str
    ) -> KeptMessage | None:
        return self._kept.get((platform, channel, message_id))

    async def forget_messages(self, which: Forget, dry_run: bool = False) -> int:
        """Like a rewrite, the journal is folded at once: its older lines hold the words."""
        gone = [key for key, message in self._kept.items() if which.matches(message)]
        if dry_run or not gone:
            return len(gone)
        self._ready()
        await self._commit([(MESSAGE + json.dumps(list(key)), None) for key in gone])
        await self._compact()
        return len(gone)

    # inbox ----------------------------------------------------------------------------------

    async def accept(self, item: InboxItem) -> bool:
        self._ready()
        if await self.seen(item.delivery_id):
            return False
        row = {
            "kind": item.kind,
            "payload": item.payload,
            "received_at": item.received_at.isoformat(),
            "attempts": item.attempts,
            "next_attempt_at": item.next_attempt_at.isoformat() if item.next_attempt_at else None,
            "errors": list(item.errors),
            "dropped": None,
        }
        await self._commit([(INBOX + item.delivery_id, row)])
        return True

    async def due_inbox(self, now: datetime, limit: int = 50) -> list[InboxItem]:
        return self._due(now)[:limit]

    async def claim_inbox(
        self, now: datetime, limit: int = 50, lease: timedelta = DEFAULT_LEASE
    ) -> list[InboxItem]:
        self._ready()
        leases = self._inbox_leases
        # not leased, or its lease ran out (its worker died)
        free = [i for i in self._due(now) if leases.get(i.delivery_id, now) <= now][:limit]
        for item in free:
            leases[item.delivery_id] = now + lease
        return free

    def _due(self, now: datetime) -> list[InboxItem]:
        due = [
            _inbox_item(delivery, row)
            for delivery, row in self._inbox.items()
            if row["dropped"] is None
            and (
                row["next_attempt_at"] is None
                or datetime.fromisoformat(row["next_attempt_at"]) <= now
            )
        ]
        return sorted(due, key=lambda item: item.received_at)

    async def retry_inbox(self, delivery_id: str, error: str, next_attempt_at: datetime) -> None:
        self._writable()
        row = self._inbox.get(delivery_id)
        if row is None or row["dropped"] is not None:
            return
        changed = row | {
            "attempts": row["attempts"] + 1,
            "next_attempt_at": next_attempt_at.isoformat(),
            "errors": [*row["errors"], error][-5:],
        }
        await self._commit([(INBOX + delivery_id, changed)])

    async def drop_inbox(self, delivery_id: str, reason: str) -> None:
        """A dropped item stays (as seen) for a day, so a retry of it is refused too; what
        it carried (a form's summary) does not (`_dropped`)."""
        self._writable()
        row = self._inbox.get(delivery_id)
        if row is None or row["dropped"] is not None:
            return
        dropped = {"dropped": reason, "dropped_at": datetime.now(UTC).isoformat()}
        await self._commit([(INBOX + delivery_id, _dropped(row | dropped))])

    # outbox ---------------------------------------------------------------------------------

    async def claim_effects(
        self, now: datetime, limit: int = 50, lease: timedelta = DEFAULT_LEASE
    ) -> list[OutboxItem]:
        self._writable()
        claimed: list[OutboxItem] = []
        if limit <= 0:
            return claimed
        for item_id, key in self._lanes.heads(now):
            until = self._leases.get(item_id)
            if until is not None and until > now:
                continue  # offered again when its lease runs out
            record = self._live[key[0]]
            row = record["outbox"][str(item_id)]
            due = datetime.fromisoformat(row["next_attempt_at"])
            if due > now:
                self._lanes.later(due, item_id, key)
                continue
            effect = effect_from_dict(row["effect"])
            if self._lanes.waits(item_id, key, effect.after):
                continue
            if until is not None:  # the lease ran out: its worker may have sent it
                self._uncertain.add(item_id)
            self._leases[item_id] = now + lease
            self._lanes.later(now + lease, item_id, key)
            claimed.append(
                OutboxItem(
                    item_id,
                    effect,
                    row["attempts"],
                    due,
                    maybe_sent=row["maybe_sent"] or item_id in self._uncertain,
                    refs=dict(record["refs"]),
                )
            )
            if len(claimed) >= limit:
                break
        return claimed

    async def complete_effects(self, done: Sequence[Completion]) -> None:
        await self._change_items([(item_id, None, refs) for item_id, refs in done])

    async def retry_effect(
        self,
        item_id: int,
        error: str,
        next_attempt_at: datetime,
        maybe_sent: bool = False,
    ) -> None:
        def retried(row: Record) -> Record:
            return row | {
                "attempts": row["attempts"] + 1,
                "error": error,
                "next_attempt_at": next_attempt_at.isoformat(),
                "maybe_sent": row["maybe_sent"] or maybe_sent or item_id in self._uncertain,
            }

        await self._change_item(item_id, retried, {})

    async def fail_effect(self, item_id: int, error: str) -> None:
        await self._change_item(item_id, lambda row: row | {"failed": True, "error": error}, {})

    async def _change_item(self, item_id: int, change: Any, refs: dict[str, str]) -> None:
        await self._change_items([(item_id, change, refs)])

    async def _change_items(self, changes: Sequence[tuple[int, Any, dict[str, str]]]) -> None:
        """Replace each item with `change(row)`, or remove it (None), and keep its refs, in
        one write. Unknown ids (an item settled twice) are ignored."""
        self._writable()
        changed: dict[str, Record] = {}  # case id -> its record with the changes so far
        for item_id, change, refs in changes:
            case_id = self._pending[item_id][0] if item_id in self._pending else None
            record = changed.get(case_id or "") or (self._live.get(case_id) if case_id else None)
            if case_id is None or record is None or str(item_id) not in record["outbox"]:
                continue
            outbox = dict(record["outbox"])
            row = outbox.pop(str(item_id))
            if change is not None:
                outbox[str(item_id)] = change(row)
            changed[case_id] = record | {"outbox": outbox, "refs": record["refs"] | refs}
            self._leases.pop(item_id, None)
            if change is None or outbox[str(item_id)]["failed"]:
                self._pending.pop(item_id, None)
                self._uncertain.discard(item_id)
        if changed:
            await self._commit([(CASE + case_id, new) for case_id, new in changed.items()])

    async def effect_counts(self) -> dict[str, int]:
        failed = sum(
            1
            for record in self._live.values()
            for row in record["outbox"].values()
            if row["failed"]
        )
        return {"pending": len(self._pending), "failed": failed}

    # read side ------------------------------------------------------------------------------

    async def cases_opened(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[Case]:
        return await self._cases_where(
            lambda entry: since <= entry.created_at < until and client_id in (None, entry.client_id)
        )

    async def case_history(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[CaseFacts]:
        opened = await self.cases_opened(since, until, client_id)
        entries = [self._index[case.id] for case in opened]
        return [
            facts(c, e.reopens, e.resolved_at)
            for c, e in zip(opened, entries, strict=True)
        ]

    async def client_totals(self, since: datetime, until: datetime) -> dict[str, ClientTotals]:
        return totals_by_client(await self.case_history(since, until))

    async def open_cases(self) -> list[Case]:
        return await self._cases_where(lambda entry: not entry.final)

    async def monthly_totals(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> dict[tuple[str, str], ClientTotals]:
        return monthly_totals(await self.case_history(since, until, client_id))

    async def open_for_review(self) -> list[OpenCase]:
        return [OpenCase.of(case) for case in await self.open_cases()]

    async def cases_of_person(self, person_id: str) -> list[Case]:
        return await self._cases_where(lambda entry: person_id in entry.people)

    async def person_history(
        self, person_id: str, since: datetime, until: datetime
    ) -> list[PersonCase]:
        return [
            PersonCase.of(case)
            for case in await self._cases_where(
                lambda entry: since <= entry.created_at < until and person_id in entry.people
            )
        ]

    async def _cases_where(self, keep: Callable[[_Entry], bool]) -> list[Case]:
        """The cases whose index entry matches, oldest first (then by number); only they
        are read."""
        matching = sorted(
            (entry.created_at, entry.number, case_id)
            for case_id, entry in self._index.items()
            if keep(entry)
        )
        cases = [await self.get_case(case_id) for _, _, case_id in matching]
        return [case for case in cases if case is not None]

    # scheduled work -------------------------------------------------------------------------

    async def claim_job(
        self, name: str, slot: str, now: datetime, lease: timedelta = DEFAULT_LEASE
    ) -> bool:
        self._ready()
        run = (name, slot)
        until = self._job_leases.get(run)
        if run in self._jobs or (until is not None and until > now):
            return False
        self._job_leases[run] = now + lease
        return True

    async def finish_job(self, name: str, slot: str) -> None:
        """One journal line; the run's lease ends with it (`_apply`)."""
        self._ready()
        if (name, slot) not in self._jobs:
            key = JOB + json.dumps([name, slot])
            await self._commit([(key, datetime.now(UTC).isoformat())])

    def _prune(self, now: datetime) -> None:
        """Let go of delivery ids past retrying, and of finished runs no one asks for."""
        self._deliveries = _recent(self._deliveries, now)
        stale = [
            d
            for d, row in self._inbox.items()
            if row["dropped"] and _older(row["dropped_at"], now, KEEP_DELIVERIES)
        ]
        for delivery in stale:
            self._inbox.pop(delivery)
        self._jobs = {run: at for run, at in self._jobs.items() if not _older(at, now, KEEP_JOBS)}


_FINAL = {"closed", "withdrawn"}


def _people(case: Record) -> frozenset[str]:
    """`Case.included` of a stored case, read off its dict: the index is built at open, where
    decoding every case would cost."""
    people = (*case["affected"], *case["managers"], case["account_manager"])
    return frozenset(person for person in people if person)


def _pending_ids(record: Record) -> list[int]:
    return [int(i) for i, row in record["outbox"].items() if not row["failed"]]


def _own_copy(case: Case) -> Case:
    """A Case the caller may change without changing the store's (its dicts are copied;
    everything else in it is immutable)."""
    return replace(case, accounts=dict(case.accounts), waivers=dict(case.waivers))


def _lane(row: Record) -> str:
    return str(row.get("lane") or effect_from_dict(row["effect"]).lane)


def _new_item(effect: Effect, due: datetime) -> Record:
    return {
        "effect": effect_to_dict(effect),
        "lane": effect.lane,
        "attempts": 0,
        "next_attempt_at": due.isoformat(),
        "failed": False,
        "error": None,
        "maybe_sent": False,
    }


def _dropped(row: Record) -> Record:
    """An inbox row as it is kept once dropped: that it was seen, why and when, and none of
    what it carried (someone's words would outlive any erasure there)."""
    return row | {"payload": {}} if row["dropped"] is not None else row


def _inbox_item(delivery_id: str, row: Record) -> InboxItem:
    return InboxItem(
        delivery_id=delivery_id,
        kind=row["kind"],
        payload=row["payload"],
        received_at=datetime.fromisoformat(row["received_at"]),
        attempts=row["attempts"],
        next_attempt_at=(
            datetime.fromisoformat(row["next_attempt_at"]) if row["next_attempt_at"] else None
        ),
        errors=tuple(row["errors"]),
    )


def _older(stamp: str, now: datetime, keep: timedelta) -> bool:
    return now - datetime.fromisoformat(stamp) > keep


def _recent(deliveries: dict[str, str], now: datetime) -> dict[str, str]:
    return {d: at for d, at in deliveries.items() if not _older(at, now, KEEP_DELIVERIES)}
