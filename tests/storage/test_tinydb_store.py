"""The TinyDB backend: the shared contract, plus what only a file store has to get right."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query, TinyDB

from handlers.errors import StorageError
from handlers.model import Status
from storage import open_store, tinydb_store
from storage.atomic_json import AtomicJSONStorage
from storage.tinydb_store import SCHEMA_VERSION, TinyDBStore
from tests.storage.contract import StoreContract, soon
from tests.storage.samples import T0, make_case, make_effects, make_event

ROOT = Path(__file__).resolve().parents[2]


class TestTinyDBStore(StoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[TinyDBStore]:
        store = TinyDBStore(tmp_path / "data" / "complaintbot.json")
        await store.open()
        yield store
        await store.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "complaintbot.json"


def archive_of(path: Path) -> Path:
    return path.with_name("complaintbot.archive.json")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def case_ids(path: Path) -> list[str]:
    return [row["case"]["id"] for row in load(path)["cases"].values()]


# durability -----------------------------------------------------------------------------------


async def test_everything_survives_close_and_reopen(path: Path) -> None:
    store = TinyDBStore(path)
    await store.open()
    number = await store.next_case_number()
    case, closed = make_case(number), make_case(number + 100)
    await store.create_case(case, [make_event(case)], make_effects(case))
    await store.create_case(closed, [make_event(closed)], [])
    await store.save_case(closed.evolve(T0, status=Status.CLOSED), 0, [], [])
    first, second, *_ = await store.due_effects(soon())
    await store.retry_effect(first.id, "busy", soon() + timedelta(hours=1))
    await store.fail_effect(second.id, "gone")
    await store.first_delivery("evt-1")
    await store.set_ref(case.id, "card", "123.4")
    before = (await store.list_cases(), await store.timeline(closed.id))
    due_later = await store.due_effects(soon() + timedelta(hours=2))
    await store.close()

    reopened = TinyDBStore(path)
    await reopened.open()
    assert (await reopened.list_cases(), await reopened.timeline(closed.id)) == before
    assert await reopened.due_effects(soon() + timedelta(hours=2)) == due_later
    assert await reopened.effect_counts() == {"pending": 2, "failed": 1}
    assert await reopened.first_delivery("evt-1") is False
    assert await reopened.get_ref(case.id, "card") == "123.4"
    assert await reopened.next_case_number() == number + 1
    await reopened.close()


async def test_a_new_item_id_is_never_reused(path: Path) -> None:
    store = TinyDBStore(path)
    await store.open()
    case = make_case(1)
    await store.create_case(case, [], make_effects(case))
    ids = [item.id for item in await store.due_effects(soon())]
    for item_id in ids:
        await store.complete_effect(item_id)
    await store.close()
    await store.open()
    await store.save_case(case.evolve(T0), 0, [], make_effects(case))
    assert min(item.id for item in await store.due_effects(soon())) > max(ids)
    await store.close()


async def test_acknowledged_writes_survive_sigkill(path: Path) -> None:
    """Kill a writer mid-stream, at a different point each round; every write it reported
    must be there, and no case number may be handed out twice across the restarts."""
    created: set[str] = set()
    closed: set[str] = set()
    acks = 0
    async with asyncio.timeout(120):
        for round_, kill_after in enumerate((30, 41, 52, 63, 74)):
            writer = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.storage.crash_writer", str(path),
                cwd=ROOT, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert writer.stdout
            lines = []
            for _ in range(kill_after):
                line = await asyncio.wait_for(writer.stdout.readline(), timeout=30)
                assert line, "the writer died before it was killed"
                lines.append(line)
            writer.send_signal(signal.SIGKILL)
            lines += (await writer.stdout.read()).splitlines()  # acked before the kill landed
            acks += len(lines)
            assert await writer.wait() == -signal.SIGKILL
            for action, case_id in (line.decode().split() for line in lines):
                (created if action == "created" else closed).add(case_id)

            store = TinyDBStore(path)
            await store.open()
            for case_id in created:
                case = await store.get_case(case_id)
                assert case is not None, f"round {round_}: acknowledged {case_id} is lost"
                assert await store.timeline(case_id), f"round {round_}: {case_id} lost events"
                if case_id in closed:
                    assert case.status is Status.CLOSED, f"round {round_}: {case_id} not closed"
            await store.close()
            assert not list(path.parent.glob("*.tmp")), "open() leaves no temp files behind"
    assert len(created) + len(closed) == acks
    assert closed <= created


# locking --------------------------------------------------------------------------------------

SECOND_OPENER = """
import asyncio, sys
from handlers.errors import StoreLocked
from storage.tinydb_store import TinyDBStore
try:
    asyncio.run(TinyDBStore(sys.argv[1]).open())
except StoreLocked as e:
    print(e)
    sys.exit(3)
"""


def open_in_another_process(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SECOND_OPENER, str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def test_a_second_process_gets_store_locked(path: Path) -> None:
    store = TinyDBStore(path)
    await store.open()
    refused = open_in_another_process(path)
    assert refused.returncode == 3, refused.stderr
    assert str(path) in refused.stdout
    assert "another complaintbot process" in refused.stdout
    assert "COMPLAINTBOT_DATABASE_URL" in refused.stdout

    await store.close()
    allowed = open_in_another_process(path)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


# schema ---------------------------------------------------------------------------------------


async def test_new_files_record_the_schema_version(path: Path) -> None:
    store = TinyDBStore(path)
    await store.open()
    await store.close()
    assert load(path)["meta"]["1"]["schema_version"] == SCHEMA_VERSION
    assert load(archive_of(path))["meta"]["1"]["schema_version"] == SCHEMA_VERSION


async def test_a_file_from_a_newer_complaintbot_is_refused(path: Path) -> None:
    newer = json.dumps({"meta": {"1": {"schema_version": SCHEMA_VERSION + 1}}, "cases": {}})
    path.write_text(newer)
    store = TinyDBStore(path)
    with pytest.raises(StorageError, match="written by a newer complaintbot"):
        await store.open()
    assert path.read_text() == newer
    with pytest.raises(StorageError, match="not open"):
        await store.get_case("C-0001")


async def test_an_older_file_is_migrated_once(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TinyDBStore(path)
    await store.open()
    kept, archived = make_case(1), make_case(2)
    await store.create_case(kept, [], [])
    await store.create_case(archived, [], [])
    await store.save_case(archived.evolve(T0, status=Status.CLOSED), 0, [], [])
    await store.close()

    calls = []

    def shout_summaries(doc: dict[str, Any]) -> dict[str, Any]:
        calls.append(sorted(doc))
        for row in doc["cases"].values():
            row["case"]["summary"] = row["case"]["summary"].upper()
        return doc

    monkeypatch.setattr(tinydb_store, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(tinydb_store, "MIGRATIONS", {1: shout_summaries})
    for _ in range(2):
        store = TinyDBStore(path)
        await store.open()
        assert [c.summary for c in await store.list_cases()] == [
            "DELIVERY 1 WAS LATE",
            "DELIVERY 2 WAS LATE",
        ]
        await store.close()
    assert calls == [["cases", "deliveries", "meta", "outbox", "refs"], ["cases", "meta"]]
    assert load(path)["meta"]["1"]["schema_version"] == 2
    assert load(archive_of(path))["meta"]["1"]["schema_version"] == 2


async def test_a_file_that_is_not_a_store_is_refused(path: Path) -> None:
    path.write_text('{"_default": {}}')
    with pytest.raises(StorageError, match="not a complaintbot store"):
        await TinyDBStore(path).open()
    path.write_text('{"meta": ')
    with pytest.raises(StorageError, match="cannot read"):
        await TinyDBStore(path).open()


# archive --------------------------------------------------------------------------------------


async def test_closing_a_case_moves_it_out_of_the_main_file(path: Path) -> None:
    store = TinyDBStore(path)
    await store.open()
    kept, closed = make_case(1), make_case(2)
    for case in (kept, closed):
        await store.create_case(case, [make_event(case)], make_effects(case))
    await store.save_case(closed.evolve(T0, status=Status.CLOSED), 0, [], [])
    await store.close()

    assert case_ids(path) == [kept.id]
    assert closed.summary not in path.read_text()
    assert case_ids(archive_of(path)) == [closed.id]
    assert len(load(path)["outbox"]) == 6, "outbox items stay in the main file"


async def test_a_crash_between_archive_and_main_write_loses_nothing(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStore(path)
    await store.open()
    case = make_case(1)
    await store.create_case(case, [make_event(case)], [])
    real_write = AtomicJSONStorage.write

    def archive_only(self: AtomicJSONStorage, data: dict[str, Any]) -> None:
        if self.path == path:
            raise OSError("disk gone")
        real_write(self, data)

    monkeypatch.setattr(AtomicJSONStorage, "write", archive_only)
    closed = case.evolve(T0, status=Status.CLOSED)
    with pytest.raises(StorageError, match="disk gone"):
        await store.save_case(closed, 0, [make_event(case, "closed", 1)], [])
    monkeypatch.setattr(AtomicJSONStorage, "write", real_write)
    await store.close()
    assert case_ids(path) == case_ids(archive_of(path)) == [case.id]

    await store.open()
    assert await store.list_cases() == [case], "the main file's copy wins"
    assert [e.kind for e in await store.timeline(case.id)] == ["opened"]
    await store.save_case(closed, 0, [make_event(case, "closed", 1)], [])
    await store.close()
    assert case_ids(path) == []
    assert case_ids(archive_of(path)) == [case.id]
    assert len(load(archive_of(path))["cases"]["1"]["timeline"]) == 2


async def test_the_files_are_readable_with_tinydb(path: Path) -> None:
    store = TinyDBStore(path)
    await store.open()
    case = make_case(7)
    await store.create_case(case, [make_event(case)], [])
    await store.close()
    db = TinyDB(path, storage=AtomicJSONStorage)
    assert db.table("cases").get(Query().case.id == case.id) is not None
    db.close()


# bookkeeping ----------------------------------------------------------------------------------


async def test_only_the_latest_delivery_ids_are_kept(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tinydb_store, "KEEP_DELIVERIES", 3)
    store = TinyDBStore(path)
    await store.open()
    for delivery in ("a", "b", "c", "d"):
        assert await store.first_delivery(delivery) is True
    assert await store.first_delivery("d") is False
    assert await store.first_delivery("a") is True, "the oldest id was forgotten"
    assert [row["id"] for row in load(path)["deliveries"].values()] == ["c", "d", "a"]
    await store.close()


async def test_a_case_id_cannot_be_created_twice(path: Path) -> None:
    store = TinyDBStore(path)
    await store.open()
    await store.create_case(make_case(1, "m-1"), [], [])
    with pytest.raises(StorageError, match="C-0001 already exists"):
        await store.create_case(make_case(1, "m-2"), [], [])
    assert await store.case_for_source(make_case(1, "m-2").source.key) is None
    await store.close()


async def test_health(path: Path) -> None:
    store = TinyDBStore(path)
    assert (await store.health())["ok"] is False, "not open yet"
    await store.open()
    for number in (1, 2):
        await store.create_case(make_case(number), [], [])
    await store.save_case(make_case(2).evolve(T0, status=Status.CLOSED), 0, [], [])
    assert await store.health() == {
        "ok": True,
        "backend": "tinydb",
        "path": str(path),
        "cases": 1,
        "size_bytes": path.stat().st_size,
    }
    path.unlink()
    broken = await store.health()
    assert broken["ok"] is False
    assert str(path) in broken["error"]
    await store.close()


# the file layer and the factory ---------------------------------------------------------------


def test_atomic_storage_reads_a_missing_file_as_empty(path: Path) -> None:
    assert AtomicJSONStorage(path).read() is None


def test_a_failed_atomic_write_keeps_the_old_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"1": {"v": "old"}}})

    def explode(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(json, "dump", explode)
    with pytest.raises(OSError, match="disk full"):
        storage.write({"t": {"1": {"v": "new"}}})
    monkeypatch.undo()
    assert storage.read() == {"t": {"1": {"v": "old"}}}
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_leftover_temp_files_are_discarded(path: Path) -> None:
    leftover = path.parent / f".{path.name}.abc123.tmp"
    leftover.write_text("{half")
    other = path.parent / ".other.json.abc123.tmp"
    other.write_text("{}")
    AtomicJSONStorage(path).discard_temp_files()
    assert not leftover.exists()
    assert other.exists()


def test_open_store_picks_the_backend(path: Path) -> None:
    store = open_store(str(path))
    assert isinstance(store, TinyDBStore)
    assert store.path == path
    assert not path.exists(), "open_store does not open the store"
    for url in ("postgresql://db/complaintbot", "postgres://db/complaintbot"):
        with pytest.raises(StorageError, match="PostgreSQL support is not built yet"):
            open_store(url)
