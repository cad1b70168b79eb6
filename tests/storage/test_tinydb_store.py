"""The TinyDB backend: the shared contract, plus what only a file store has to get right:
the journal (group commit, torn lines, folding into per-case files), crashes, the lock,
and the files' layout."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB

from handlers.errors import StorageError
from handlers.model import Status, case_to_dict, event_to_dict
from storage import journal, open_store, tinydb_store
from storage.base import Forget, Store
from storage.postgres import PostgresStore
from storage.tinydb_store import SCHEMA_VERSION, TinyDBStore
from tests.storage.contract import FAR, Kept, Reopen, StoreContract, chatter, drain, soon
from tests.storage.samples import T0, make_case, make_effects, make_event, make_inbox_item

ROOT = Path(__file__).resolve().parents[2]


class TestTinyDBStore(StoreContract):
    @pytest.fixture
    def where(self, tmp_path: Path) -> Path:
        return tmp_path / "data" / "complaintbot.json"

    @pytest.fixture
    async def store(self, where: Path) -> AsyncIterator[TinyDBStore]:
        store = TinyDBStore(where)
        await store.open()
        yield store
        await store.close()

    @pytest.fixture
    async def reopen(self, store: TinyDBStore, where: Path) -> AsyncIterator[Reopen]:
        opened: list[TinyDBStore] = [store]

        async def reopen() -> Store:
            await opened[-1].close()
            opened.append(TinyDBStore(where))
            await opened[-1].open()
            return opened[-1]

        yield reopen
        await opened[-1].close()

    @pytest.fixture
    def kept(self, where: Path) -> Kept:
        async def kept() -> str:
            files = sorted(p for p in where.parent.rglob("*") if p.is_file())
            return "".join(p.read_text(encoding="utf-8", errors="replace") for p in files)

        return kept


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "complaintbot.json"


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def case_file(path: Path, case_id: str) -> Path:
    return path.with_name("complaintbot.d") / "cases" / f"{case_id}.json"


def segments(path: Path) -> list[Path]:
    return sorted(path.with_name("complaintbot.d").glob("journal-*.log"))


async def opened(path: Path) -> TinyDBStore:
    store = TinyDBStore(path)
    await store.open()
    return store


# the journal ----------------------------------------------------------------------------------


async def test_writes_that_arrive_together_share_an_fsync(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs: list[int] = []
    real = os.fdatasync
    monkeypatch.setattr(journal.os, "fdatasync", lambda fd: (syncs.append(fd), real(fd))[1])
    store = await opened(path)
    cases = [make_case(n) for n in range(1, 201)]
    await asyncio.gather(*(store.create_case(c, [make_event(c)], make_effects(c)) for c in cases))
    assert len(await store.list_cases()) == 200
    assert 0 < len(syncs) < 100, f"{len(syncs)} fsyncs for 200 concurrent writes"
    await store.close()


async def test_a_write_is_in_the_journal_before_it_returns(path: Path) -> None:
    store = await opened(path)
    case = make_case(1)
    await store.create_case(case, [make_event(case)], [], delivery_id="slack:Ev1")
    lines = segments(path)[-1].read_bytes().splitlines()
    assert any(b'"slack:Ev1"' in line for line in lines)
    assert not case_file(path, case.id).exists(), "files are brought up to date later"
    await store.close()
    assert case_file(path, case.id).exists() and not segments(path)


async def test_a_torn_last_line_is_cut_off(path: Path) -> None:
    store = await opened(path)
    case = make_case(1)
    await store.create_case(case, [], [])
    segment = segments(path)[-1]
    kept = segment.read_bytes()
    with segment.open("ab") as f:
        f.write(b'[["case:C-0002",{"case":')
    reopened = TinyDBStore(path)
    store._release()  # drop the lock the "dead" process held
    await reopened.open()
    assert [c.id for c in await reopened.list_cases()] == [case.id]
    assert await reopened.case_for_source(make_case(2).source.key) is None
    await reopened.close()
    assert kept  # the good line was replayed and folded in
    assert case_file(path, case.id).exists()


async def test_damage_in_an_older_segment_is_refused(path: Path) -> None:
    store = await opened(path)
    await store.create_case(make_case(1), [], [])
    store._release()
    folder = path.with_name("complaintbot.d")
    (folder / "journal-000000.log").write_bytes(b'not json\n[["meta",{}]]\n')
    with pytest.raises(StorageError, match="damaged"):
        await TinyDBStore(path).open()


async def test_a_full_segment_is_folded_into_the_files_off_the_hot_path(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tinydb_store, "COMPACT_BYTES", 20_000)
    store = await opened(path)
    for number in range(1, 41):
        case = make_case(number)
        await store.create_case(case, [make_event(case)], make_effects(case))
    while store._folding is not None:
        await store._folding
    assert case_file(path, "C-0001").exists(), "the first segment was folded"
    assert len(segments(path)) == 1, "a folded segment is deleted"
    assert len(await store.list_cases()) == 40
    await store.close()


async def test_a_final_case_with_nothing_to_send_leaves_memory_but_stays_readable(
    path: Path,
) -> None:
    store = await opened(path)
    case = make_case(1)
    await store.create_case(case, [make_event(case)], [])
    closed = case.evolve(T0, status=Status.CLOSED)
    await store.save_case(closed, 0, [make_event(case, "closed", 1)], [])
    await store.close()
    store = await opened(path)
    assert (await store.health())["in_memory"] == 0
    assert await store.get_case(case.id) == closed
    assert len(await store.timeline(case.id)) == 2
    assert await store.case_for_source(case.source.key) == closed
    reopened = closed.evolve(T0, status=Status.REOPENED)
    await store.save_case(reopened, closed.version, [], [])
    assert await store.get_case(case.id) == reopened
    await store.close()


async def test_the_read_side_reads_only_the_matching_cases_from_disk(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tinydb_store, "COMPACT_BYTES", 20_000)
    store = await opened(path)
    done = make_case(1, client_id="globex", affected=("sam",), created_at=T0 - timedelta(days=1))
    await store.create_case(done, [make_event(done)], [])
    closed = done.evolve(T0, status=Status.CLOSED)
    await store.save_case(closed, 0, [], [])
    live = [make_case(number) for number in range(2, 41)]
    for case in live:  # enough to fill a segment: it is folded, and the closed case let go
        await store.create_case(case, [make_event(case)], make_effects(case))
    while store._folding is not None:
        await store._folding
    assert closed.id not in store._live

    reads: list[Path] = []
    read_json = tinydb_store.read_json

    def counted(file: Path) -> Any:
        reads.append(file)
        return read_json(file)

    monkeypatch.setattr(tinydb_store, "read_json", counted)

    async def ask(store: TinyDBStore) -> None:
        reads.clear()
        assert await store.cases_of_person("sam") == [closed]
        globex = await store.cases_opened(T0 - FAR, T0 + FAR, client_id="globex")
        assert globex == [closed]
        assert await store.open_cases() == live
        assert reads == [case_file(path, closed.id)] * 2, "only the matching case is read"

    await ask(store)
    await store.close()
    store = await opened(path)
    assert (await store.health())["in_memory"] == len(live)
    await ask(store)
    reopened = closed.evolve(T0, status=Status.REOPENED)
    await store.save_case(reopened, closed.version, [], [])
    assert await store.open_cases() == [reopened, *live]
    await store.close()


async def test_a_finished_job_run_survives_a_crash(path: Path) -> None:
    finished, leased = ("digest", "2025-03-03"), ("digest", "2025-03-04")
    store = await opened(path)
    assert await store.claim_job(*finished, T0)
    await store.finish_job(*finished)
    assert await store.claim_job(*leased, T0)
    store._release()  # killed: the finished run is only in the journal
    again = await opened(path)
    assert not await again.claim_job(*finished, T0 + FAR)
    assert await again.claim_job(*leased, T0), "a lease dies with its process"
    await again.close()
    [row] = load(path.with_name("complaintbot.d") / "jobs.json")["jobs"]
    assert (row["name"], row["slot"]) == finished
    assert not segments(path)
    from_files = await opened(path)
    assert not await from_files.claim_job(*finished, T0 + FAR)
    await from_files.close()


async def test_finished_job_runs_are_let_go_after_90_days(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert timedelta(days=90) == tinydb_store.KEEP_JOBS
    store = await opened(path)
    await store.finish_job("digest", "2025-03-03")
    await store.close()
    monkeypatch.setattr(tinydb_store, "KEEP_JOBS", timedelta(0))
    store = await opened(path)
    assert await store.claim_job("digest", "2025-03-03", T0)
    await store.close()


async def test_an_unclean_stop_makes_every_pending_item_maybe_sent(path: Path) -> None:
    store = await opened(path)
    case = make_case(1)
    await store.create_case(case, [], make_effects(case))
    store._release()  # killed: no clean close
    again = await opened(path)
    claimed = await again.claim_effects(soon())
    assert claimed and all(item.maybe_sent for item in claimed)
    for item in claimed:
        await again.complete_effects([(item.id, {})])
    await drain(again, soon())
    later = make_case(2)
    await again.create_case(later, [], make_effects(later))
    await again.close()
    clean = await opened(path)
    after_clean_stop = await clean.claim_effects(soon())
    assert {i.effect.case_id for i in after_clean_stop} == {later.id}
    assert not any(item.maybe_sent for item in after_clean_stop)
    await clean.close()


async def test_delivery_ids_are_forgotten_after_a_day(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await opened(path)
    case = make_case(1)
    await store.create_case(case, [], [], delivery_id="slack:old")
    await store.close()
    monkeypatch.setattr(tinydb_store, "KEEP_DELIVERIES", timedelta(0))
    store = await opened(path)
    assert not await store.seen("slack:old")
    await store.close()


async def test_inbox_items_an_older_version_dropped_lose_their_words_at_open(
    path: Path,
) -> None:
    """Before, a dropped item kept what it carried for a day: such a file is cleaned at
    once, so an erasure leaves the words in no file of the store."""
    store = await opened(path)
    item = make_inbox_item("evt-1")
    await store.accept(replace(item, payload=item.payload | {"summary": "FORM-7731"}))
    await store.close()
    inbox = path.with_name("complaintbot.d") / "inbox.json"
    old = load(inbox)
    now = datetime.now(UTC).isoformat()  # within the day a dropped item is kept
    old["inbox"]["evt-1"] |= {"dropped": "gave up", "dropped_at": now}
    inbox.write_text(json.dumps(old))

    store = await opened(path)
    try:
        assert await store.seen("evt-1") and "FORM-7731" not in inbox.read_text()
    finally:
        await store.close()


# crashes ---------------------------------------------------------------------------------------


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
            assert not list(path.parent.rglob("*.tmp")), "open() leaves no temp files behind"
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


async def test_the_lock_follows_symlinks(path: Path, tmp_path: Path) -> None:
    store = await opened(path)
    await store.create_case(make_case(1), [], [])
    alias = tmp_path / "alias.json"
    alias.symlink_to(path)
    refused = open_in_another_process(alias)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    await store.close()


# files ----------------------------------------------------------------------------------------


async def test_new_stores_record_the_schema_version(path: Path) -> None:
    store = await opened(path)
    await store.close()
    assert load(path)["meta"]["1"]["schema_version"] == SCHEMA_VERSION


async def test_a_file_from_a_newer_complaintbot_is_refused(path: Path) -> None:
    newer = json.dumps({"meta": {"1": {"schema_version": SCHEMA_VERSION + 1}}})
    path.write_text(newer)
    store = TinyDBStore(path)
    with pytest.raises(StorageError, match="written by a newer complaintbot"):
        await store.open()
    assert path.read_text() == newer
    with pytest.raises(StorageError, match="not open"):
        await store.get_case("C-0001")


async def test_a_store_of_the_single_file_layout_is_upgraded(path: Path) -> None:
    live, closed = make_case(1), make_case(2).evolve(T0, status=Status.CLOSED)
    effect = {"kind": "card_update", "case_id": live.id}
    row = {"effect": effect, "attempts": 1, "next_attempt_at": T0.isoformat()}
    v1 = {
        "meta": {"1": {"schema_version": 1, "last_case_number": 2, "last_outbox_id": 7}},
        "cases": {"1": {"case": case_to_dict(live), "timeline": [event_to_dict(make_event(live))]}},
        "outbox": {"7": row | {"failed": False, "error": "busy"}},
        "deliveries": {"1": {"id": "slack:Ev1"}},
        "refs": {"1": {"case_id": live.id, "name": "slack_card_ts", "value": "111.1"}},
    }
    archive = {"meta": v1["meta"], "cases": {"1": {"case": case_to_dict(closed), "timeline": []}}}
    path.write_text(json.dumps(v1))
    path.with_name("complaintbot.archive.json").write_text(json.dumps(archive))

    store = await opened(path)
    assert await store.list_cases() == [live, closed]
    assert await store.timeline(live.id) == [make_event(live)]
    assert await store.get_ref(live.id, "slack_card_ts") == "111.1"
    [item] = await store.claim_effects(soon())
    assert (item.id, item.effect.case_id, item.attempts) == (7, live.id, 1)
    assert await store.next_case_number() == 3
    await store.close()
    assert load(path)["meta"]["1"]["schema_version"] == SCHEMA_VERSION
    assert load(path.with_name("complaintbot.v1.json")) == v1, "the old file is kept"
    assert not path.with_name("complaintbot.archive.json").exists()


@pytest.mark.parametrize("content", ["[1, 2]", "not json", '{"cases": {}}'])
async def test_a_file_that_is_not_a_store_is_refused(path: Path, content: str) -> None:
    path.write_text(content)
    with pytest.raises(StorageError, match=str(path.name)):
        await TinyDBStore(path).open()


async def test_case_files_are_readable_with_tinydb(path: Path) -> None:
    store = await opened(path)
    case = make_case(1)
    await store.create_case(case, [make_event(case)], make_effects(case))
    await store.close()
    with TinyDB(case_file(path, case.id), access_mode="r") as db:
        assert db.table("case").all()[0]["id"] == case.id
        assert len(db.table("outbox")) == 3
        assert len(db.table("timeline")) == 1


async def test_a_case_id_cannot_be_created_twice(path: Path) -> None:
    store = await opened(path)
    await store.create_case(make_case(1, "m-1"), [], [])
    with pytest.raises(StorageError, match="already exists"):
        await store.create_case(make_case(1, "m-2"), [], [])
    await store.close()


async def test_health(path: Path) -> None:
    store = await opened(path)
    await store.create_case(make_case(1), [], [])
    health = await store.health()
    assert health["ok"] is True and health["cases"] == 1 and health["backend"] == "tinydb"
    await store.close()
    assert (await store.health())["ok"] is False


def test_open_store_picks_the_backend(path: Path) -> None:
    assert isinstance(open_store(str(path)), TinyDBStore)
    assert isinstance(open_store("postgresql://localhost/complaintbot"), PostgresStore)
    assert isinstance(open_store("postgres://localhost/complaintbot"), PostgresStore)
    with pytest.raises(StorageError, match="mysql:// is not a store"):
        open_store("mysql://localhost/complaintbot")


# kept messages --------------------------------------------------------------------------------


async def test_forgotten_messages_are_in_no_file_of_the_store(path: Path) -> None:
    folded, journaled = "Folded into messages.json", "Still in the journal"
    store = await opened(path)
    await store.keep_message(chatter("m-1", folded))
    await store.close()  # folded: messages.json holds it
    store = await opened(path)
    await store.keep_message(chatter("m-2", journaled))  # a journal line only
    await store.keep_message(chatter("m-3", "Kept on", author="29:erin"))
    everything = b"".join(listing(path).values())
    assert folded.encode() in everything and journaled.encode() in everything

    assert await store.forget_messages(Forget(authors=frozenset({("teams", "29:carol")}))) == 2
    left = b"".join(listing(path).values())  # the store still open: no fold at close helps
    assert folded.encode() not in left and journaled.encode() not in left
    assert b"Kept on" in left
    await store.close()


# read-only ------------------------------------------------------------------------------------


def listing(path: Path) -> dict[str, bytes]:
    """Every file of the store and its bytes: what a read-only open must leave as it was."""
    return {str(f): f.read_bytes() for f in sorted(path.parent.rglob("*")) if f.is_file()}


async def read_only(path: Path) -> TinyDBStore:
    store = TinyDBStore(path, read_only=True)
    await store.open()
    return store


async def test_read_only_sees_every_write_beside_a_writer_and_changes_nothing(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tinydb_store, "COMPACT_BYTES", 20_000)
    writer = await opened(path)
    for number in range(1, 41):
        case = make_case(number)
        await writer.create_case(case, [make_event(case)], make_effects(case))
    closed = make_case(1).evolve(T0, status=Status.CLOSED)
    await writer.save_case(closed, 0, [make_event(closed, "closed", 1)], [])
    await writer.accept(make_inbox_item("slack:Ev9"))
    while writer._folding is not None:
        await writer._folding
    assert case_file(path, "C-0001").exists() and segments(path), "in files and the journal"
    before = listing(path)

    reader = await read_only(path)  # the writer holds the lock all along
    cases = await reader.list_cases()
    assert [c.id for c in cases] == [make_case(n).id for n in range(1, 41)]
    assert cases[0] == closed
    assert len(await reader.timeline(closed.id)) == 2
    assert await reader.seen("slack:Ev9")
    health = await reader.health()
    assert health["ok"] and health["read_only"] and health["cases"] == 40 and health["final"] == 1
    await reader.close()
    assert listing(path) == before, "a read-only open writes nothing"
    await writer.close()


async def test_read_only_skips_a_torn_last_line_and_leaves_it(path: Path) -> None:
    writer = await opened(path)
    case = make_case(1)
    await writer.create_case(case, [], [])
    with segments(path)[-1].open("ab") as f:
        f.write(b'[["case:C-0002",{"case":')  # a line being written right now
    torn = segments(path)[-1].read_bytes()
    reader = await read_only(path)
    assert [c.id for c in await reader.list_cases()] == [case.id]
    assert segments(path)[-1].read_bytes() == torn
    await reader.close()
    writer._release()


def fold_and_delete(writer: TinyDBStore, path: Path) -> None:
    """What the writer's folding thread does: the journal into the files, then it is gone."""
    writer._fold_now(writer._dirty)
    for segment in segments(path):
        segment.unlink()


@pytest.mark.parametrize("fold", ["before", "after"])
async def test_read_only_loses_nothing_to_a_fold_as_it_reads_the_files(
    path: Path, fold: str
) -> None:
    writer = await opened(path)
    for number in (1, 2, 3):
        await writer.create_case(make_case(number), [], [])
    reader = TinyDBStore(path, read_only=True)
    read_files = reader._read_files

    def fold_meanwhile() -> None:
        if fold == "before":
            fold_and_delete(writer, path)
        read_files()
        if fold == "after":
            fold_and_delete(writer, path)

    reader._read_files = fold_meanwhile  # type: ignore[method-assign]
    await reader.open()
    assert [c.id for c in await reader.list_cases()] == ["C-0001", "C-0002", "C-0003"]
    writer._release()


async def test_read_only_loses_nothing_to_a_fold_while_it_lists_the_journal(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = await opened(path)
    for number in (1, 2, 3):
        await writer.create_case(make_case(number), [], [])
    listed = tinydb_store.Journal.segments

    def then_fold(folder: Path) -> list[Path]:
        found = listed(folder)
        fold_and_delete(writer, path)  # the listed segments are gone before they are read
        return found

    monkeypatch.setattr(tinydb_store.Journal, "segments", then_fold)
    reader = await read_only(path)
    assert [c.id for c in await reader.list_cases()] == ["C-0001", "C-0002", "C-0003"]
    writer._release()


async def test_read_only_refuses_every_write(path: Path) -> None:
    writer = await opened(path)
    case = make_case(1)
    await writer.create_case(case, [], make_effects(case))
    await writer.accept(make_inbox_item("slack:Ev1"))
    await writer.close()
    reader = await read_only(path)
    writes = [
        reader.next_case_number(),
        reader.create_case(make_case(2), [], []),
        reader.save_case(case.evolve(T0, summary="changed"), 0, [], []),
        reader.accept(make_inbox_item("slack:Ev2")),
        reader.retry_inbox("slack:Ev1", "busy", T0),
        reader.drop_inbox("slack:Ev1", "gone"),
        reader.claim_effects(soon()),
        reader.complete_effects([(1, {})]),
        reader.retry_effect(1, "busy", T0),
        reader.fail_effect(1, "no"),
        reader.claim_inbox(soon()),
        reader.claim_job("digest", "2025-03-03", T0),
        reader.finish_job("digest", "2025-03-03"),
    ]
    for write in writes:
        with pytest.raises(StorageError, match="read-only"):
            await write
    assert (await reader.effect_counts())["pending"] == 3
    await reader.close()


async def test_read_only_needs_a_store_and_creates_none(path: Path) -> None:
    with pytest.raises(StorageError, match="there is no store at .*Fix:"):
        await read_only(path)
    assert not path.parent.joinpath("complaintbot.d").exists() and not path.exists()


async def test_read_only_refuses_a_store_of_the_single_file_layout(path: Path) -> None:
    v1 = {"meta": {"1": {"schema_version": 1}}, "cases": {}}
    path.write_text(json.dumps(v1))
    with pytest.raises(StorageError, match="0.1's layout. Fix: start `complaintbot serve`"):
        await read_only(path)
    assert load(path) == v1


# start-up errors: one line, naming the problem and the fix -------------------------------------


def one_line_with_a_fix(error: pytest.ExceptionInfo[StorageError]) -> str:
    message = str(error.value)
    assert "\n" not in message and "Fix: " in message, message
    return message


@pytest.mark.parametrize("read_only_open", [False, True])
async def test_a_store_under_a_file_names_the_file(tmp_path: Path, read_only_open: bool) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    store = TinyDBStore(blocker / "data" / "complaintbot.json", read_only=read_only_open)
    with pytest.raises(StorageError) as error:
        await (store.check() if read_only_open else store.open())
    assert f"{blocker} is a file, not a folder" in one_line_with_a_fix(error)


async def test_a_folder_given_as_the_store_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as error:
        await TinyDBStore(tmp_path).open()
    assert "is a folder, not a store file" in one_line_with_a_fix(error)
    assert str(tmp_path / "complaintbot.json") in str(error.value)


@pytest.mark.parametrize(
    ("err", "says"),
    [
        (PermissionError(13, "Permission denied"), "Permission denied"),
        (OSError(30, "Read-only file system"), "Read-only file system"),
        (OSError(28, "No space left on device"), "no space left"),
    ],
)
async def test_a_folder_the_store_cannot_write_is_named(
    path: Path, monkeypatch: pytest.MonkeyPatch, err: OSError, says: str
) -> None:
    err.filename = str(path.parent / "complaintbot.d")

    def refuse(*args: object, **kwargs: object) -> None:
        raise err

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(StorageError) as error:
        await TinyDBStore(path).open()
    message = one_line_with_a_fix(error)
    assert says in message and "complaintbot.d" in message


async def test_a_folder_where_nothing_may_be_created_stops_open_and_check() -> None:
    """/sys refuses new entries even to root, as a read-only folder refuses anyone else."""
    try:
        os.mkdir("/sys/complaintbot-probe")
    except OSError:
        pass
    else:
        os.rmdir("/sys/complaintbot-probe")
        pytest.skip("/sys accepts new folders here")
    store = TinyDBStore("/sys/complaintbot/complaintbot.json")
    for attempt in (store.open(), store.check()):
        with pytest.raises(StorageError) as error:
            await attempt
        assert "no access to /sys" in one_line_with_a_fix(error)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
async def test_a_read_only_folder_stops_open_and_check(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    store = TinyDBStore(folder / "complaintbot.json")
    try:
        for attempt in (store.open(), store.check()):
            with pytest.raises(StorageError) as error:
                await attempt
            assert f"no access to {folder}" in one_line_with_a_fix(error)
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize(
    ("content", "says"),
    [("[1, 2]", "no schema_version"), ("not json", "not JSON"), ('{"a": 1}', "no schema_version")],
)
async def test_a_store_file_of_the_wrong_shape_is_named_with_the_fix(
    path: Path, content: str, says: str
) -> None:
    path.write_text(content)
    for store in (TinyDBStore(path), TinyDBStore(path, read_only=True)):
        with pytest.raises(StorageError) as error:
            await store.open()
        message = one_line_with_a_fix(error)
        assert f"{path} is not a complaintbot store ({says}" in message
    assert path.read_text() == content


async def test_a_damaged_case_file_is_named(path: Path) -> None:
    store = await opened(path)
    await store.create_case(make_case(1), [], [])
    await store.close()
    case_file(path, "C-0001").write_text('{"case": {}}')
    with pytest.raises(StorageError) as error:
        await TinyDBStore(path).open()
    assert str(case_file(path, "C-0001")) in one_line_with_a_fix(error)


async def test_check_says_what_serve_would_find_and_writes_nothing(path: Path) -> None:
    assert "new" in await TinyDBStore(path).check()
    assert list(path.parent.iterdir()) == []
    store = await opened(path)
    await store.create_case(make_case(1), [], [])
    done = make_case(2)
    await store.create_case(done, [], [])
    await store.save_case(done.evolve(T0, status=Status.WITHDRAWN), 0, [], [])
    assert await TinyDBStore(path).check() == "2 cases (1 closed or withdrawn)"  # beside a writer
    await store.close()


async def test_a_fold_that_failed_is_covered_by_the_next_one_and_rolls_nothing_back(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tinydb_store, "COMPACT_BYTES", 8_000)
    store = await opened(path)
    real_fold = TinyDBStore._fold_now
    failures = iter([OSError("disk full")])

    def flaky_fold(self: TinyDBStore, dirty: dict[str, Any]) -> None:
        failure = next(failures, None)
        if failure:
            raise failure
        real_fold(self, dirty)

    monkeypatch.setattr(TinyDBStore, "_fold_now", flaky_fold)
    case = make_case(1)
    await store.create_case(case, [], [])
    current = case
    for n in range(60):  # enough for several segments: the first fold fails
        edited = current.evolve(T0, summary=f"edit {n} " + "x" * 200)
        await store.save_case(edited, current.version, [make_event(case, "edited", n)], [])
        current = edited
        while store._folding is not None:
            await store._folding
    assert len(segments(path)) == 1, "the failed fold's segment went with the next fold"
    store._release()  # as if killed: the next open replays what is left of the journal
    again = await opened(path)
    assert await again.get_case(case.id) == current
    assert len(await again.timeline(case.id)) == 60
    await again.close()
