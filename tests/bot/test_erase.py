"""`complaintbot erase` and `export --audit` as real processes, on a seeded history in a
TinyDB store: the raw files are searched for the erased words."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from handlers.directory import Directory
from handlers.effects import CardNote, DirectMessage
from handlers.messages import text
from storage.base import InboxItem, KeptMessage, Store
from storage.postgres import PostgresStore
from storage.tinydb_store import TinyDBStore
from tests.bot.test_cli import run
from tests.history import seed_firm
from tests.storage.contract import drain

KEPT = {  # messages kept for a later flag: (channel, author, words)
    "m-dana": ("19:acme@thread.tacv2", "29:1dana", "Dana says the fix ships Friday"),
    "m-carol": ("19:acme@thread.tacv2", "29:carol", "Carol says the invoice is wrong"),
    "m-gary": ("19:globex@thread.tacv2", "29:gary", "Gary says the site is down"),
}


async def keep(store: Store, message_id: str) -> None:
    """A message of the example's Teams channels, kept for a later flag."""
    channel, author, words = KEPT[message_id]
    kept = KeptMessage("teams", channel, message_id, author, author, words, (), datetime.now(UTC))
    await store.keep_message(kept)


def raw(root: Path) -> bytes:
    """Every byte the store keeps on disk."""
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


async def seeded(tmp_path: Path, directory: Directory) -> tuple[Path, list[str]]:
    """The example firm's history, with its outbox still full; Dana's accounts."""
    data = tmp_path / "data"
    store = TinyDBStore(data / "complaintbot.json")
    await store.open()
    cases = await seed_firm(store, directory)
    await store.close()
    accounts = [c.accounts["dana"].text for c in cases.values() if "dana" in c.accounts]
    return data, accounts


async def test_erase_a_person_leaves_their_words_nowhere(
    tmp_path: Path, directory: Directory
) -> None:
    data, accounts = await seeded(tmp_path, directory)
    assert len(accounts) == 9 and all(a.encode() in raw(data) for a in accounts)
    before = raw(data)

    dry = run(tmp_path, "erase", "--person", "dana", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "cases: 9; would erase the text of person dana" in dry.stdout
    assert raw(data) == before  # a dry run changes nothing

    done = run(tmp_path, "erase", "--person", "dana", "--by", "privacy@firm")
    assert done.returncode == 0, done.stderr
    assert "cases: 9; erased the text of person dana" in done.stdout
    left = raw(data)
    assert [a for a in accounts if a.encode() in left] == []
    assert b"Complaint 1 from Acme Corp" in left  # the client's words are not hers

    store = TinyDBStore(data / "complaintbot.json")
    await store.open()
    try:
        erased = [c for c in await store.list_cases() if "dana" in c.accounts]
        assert {c.accounts["dana"].text for c in erased} == {text("en", "redacted.erased")}
        # The pending card lines and DMs that quoted her account quote it no more, and the
        # cards are redrawn.
        for case in erased:
            timeline = await store.timeline(case.id)
            assert timeline[-1].kind == "erased" and timeline[-1].actor == "privacy@firm"
        pending = [i.effect for i in await drain(store, datetime.now(UTC) + timedelta(days=1))]
    finally:
        await store.close()
    notes = [e.text for e in pending if isinstance(e, CardNote | DirectMessage)]
    assert notes and not [n for n in notes for a in accounts if a in n]

    audit = run(tmp_path, "export", "--audit")
    assert audit.returncode == 0, audit.stderr
    lines = [json.loads(line) for line in audit.stdout.splitlines()]
    assert {"case_id", "at", "actor", "kind", "detail", "key"} == set(lines[0])
    said = [line for line in lines if line["kind"] == "erased"]
    assert len(said) == 9 and {line["actor"] for line in said} == {"privacy@firm"}
    assert said[0]["detail"]["subject"] == "person dana"
    assert not [a for a in accounts if a in audit.stdout]

    again = run(tmp_path, "erase", "--person", "dana", "--by", "privacy@firm")
    assert "cases: 0;" in again.stdout  # nothing left to take


async def test_erase_names_an_unknown_person_and_changes_nothing(
    tmp_path: Path, directory: Directory
) -> None:
    data, _ = await seeded(tmp_path, directory)
    before = raw(data)
    refused = run(tmp_path, "erase", "--person", "danna")
    assert refused.returncode == 2
    assert "--person" in refused.stderr and "did you mean dana?" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert raw(data) == before


async def test_erase_on_postgresql_rewrites_the_rows(
    tmp_path: Path, directory: Directory, pg_url: str
) -> None:
    store = PostgresStore(pg_url)
    await store.open()
    try:
        cases = await seed_firm(store, directory)
        await keep(store, "m-gary")
    finally:
        await store.close()
    said = [c.client_statements[0].text for c in cases.values() if c.client_id == "globex"]
    assert len(said) == 6
    said.append(KEPT["m-gary"][2])

    done = run(tmp_path, "erase", "--client", "globex", COMPLAINTBOT_DATABASE_URL=pg_url)
    assert done.returncode == 0, done.stderr
    assert "cases: 6; erased the text of client globex" in done.stdout
    async with await psycopg.AsyncConnection.connect(pg_url) as conn:
        rows = await conn.execute(
            "SELECT body::text FROM cases UNION ALL SELECT body::text FROM events"
            " UNION ALL SELECT effect::text FROM outbox"
            " UNION ALL SELECT body::text FROM kept_messages"
        )
        stored = "\n".join(row for (row,) in await rows.fetchall())
    assert [s for s in said if s in stored] == []
    assert "Complaint 1 from Acme Corp" in stored  # another client's words stay


async def test_erase_takes_out_the_messages_kept_for_a_later_flag(
    tmp_path: Path, directory: Directory
) -> None:
    data = tmp_path / "data"
    store = TinyDBStore(data / "complaintbot.json")
    await store.open()
    for message_id in KEPT:
        await keep(store, message_id)
    await store.close()
    words = {message_id: said.encode() for message_id, (_, _, said) in KEPT.items()}
    assert all(said in raw(data) for said in words.values())
    before = raw(data)

    dry = run(tmp_path, "erase", "--client", "acme", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "messages kept for a later flag: 2; would erase" in dry.stdout
    assert raw(data) == before

    done = run(tmp_path, "erase", "--person", "dana")
    assert done.returncode == 0, done.stderr
    assert "messages kept for a later flag: 1; erased" in done.stdout
    left = raw(data)
    assert words["m-dana"] not in left
    assert words["m-carol"] in left and words["m-gary"] in left  # not hers

    done = run(tmp_path, "erase", "--client", "acme")
    assert done.returncode == 0, done.stderr
    assert "messages kept for a later flag: 1; erased" in done.stdout
    left = raw(data)
    assert words["m-carol"] not in left
    assert words["m-gary"] in left  # another client's channel


async def test_erase_says_what_still_waits_in_the_inbox_and_exits_3(
    tmp_path: Path, directory: Directory
) -> None:
    """A trigger the bot has not opened yet (its platform unreachable) is out of reach:
    erase does the rest, names what waits, and exits 3 until it is a case."""
    data, _ = await seeded(tmp_path, directory)
    store = TinyDBStore(data / "complaintbot.json")
    await store.open()
    received = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    form = {"channel": "C0ACME", "summary": "Dana said the fix ships Friday"}
    assert await store.accept(InboxItem("slack:view:V1", "slack.form", form, received))
    await store.close()

    waiting = run(tmp_path, "erase", "--person", "dana")
    assert waiting.returncode == 3, waiting.stderr
    assert "cases: 9; erased the text of person dana" in waiting.stdout
    assert "triggers still waiting in the inbox to become cases: 1" in waiting.stderr
    assert "2026-11-30T09:00:00+00:00" in waiting.stderr
    assert "Traceback" not in waiting.stderr

    store = TinyDBStore(data / "complaintbot.json")
    await store.open()
    await store.drop_inbox("slack:view:V1", "opened elsewhere")
    await store.close()
    again = run(tmp_path, "erase", "--person", "dana")
    assert again.returncode == 0, again.stderr
    assert "cases: 0; erased the text of person dana" in again.stdout


async def test_the_audit_export_takes_the_client_and_since_filters(
    tmp_path: Path, directory: Directory
) -> None:
    data, _ = await seeded(tmp_path, directory)
    store = TinyDBStore(data / "complaintbot.json")
    await store.open()
    every = {c.id: c for c in await store.list_cases()}
    await store.close()
    globex = {i for i, c in every.items() if c.client_id == "globex"}
    assert globex and globex != set(every)

    audit = run(tmp_path, "export", "--audit", "--client", "globex")
    assert audit.returncode == 0, audit.stderr
    assert {json.loads(line)["case_id"] for line in audit.stdout.splitlines()} == globex

    latest = max(c.created_at for c in every.values())
    since = run(tmp_path, "export", "--audit", "--since", latest.date().isoformat())
    assert since.returncode == 0, since.stderr
    later = {i for i, c in every.items() if c.created_at.date() >= latest.date()}
    assert {json.loads(line)["case_id"] for line in since.stdout.splitlines()} == later
