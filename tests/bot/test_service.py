"""The dispatch every adapter calls, against the real embedded store."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.retention import retention_jobs
from bot.service import CaseService
from handlers.commands import AddReply, Assess, OpenCase, RecordAccount, Withdraw
from handlers.directory import Actor, Directory
from handlers.effects import CardNoteUpdate
from handlers.errors import NotAllowed, NotNow
from handlers.messages import text
from handlers.model import MessageRef, Verdict
from handlers.redaction import Redact
from storage.tinydb_store import TinyDBStore
from tests.history import Clock
from tests.storage.contract import drain


def trigger(directory: Directory, message_id: str = "1700000000.000100") -> OpenCase:
    client = directory.actor("slack", "U0CLIENT", "Carol")
    channel = directory.clients["acme"].channels("slack")[0]
    return OpenCase(
        actor=client,
        source=MessageRef("slack", channel, message_id),
        source_author=client,
        source_text="The report was late again",
        trigger="mention",
        affected=("dana",),
    )


async def test_the_same_trigger_twenty_times_at_once_opens_one_case(
    store: TinyDBStore, directory: Directory
) -> None:
    service = CaseService(store, directory)
    results = await asyncio.gather(*(service.open_case(trigger(directory)) for _ in range(20)))

    cases = await store.list_cases()
    assert len(cases) == 1
    assert {r.case.id for r in results} == {cases[0].id}
    assert sum(r.changed for r in results) == 1
    assert all("already has case" in r.notice for r in results if not r.changed)
    # Only the winner's effects are queued: one acknowledgement, not twenty.
    due = await drain(store, cases[0].created_at.replace(year=9999))
    assert sum(1 for item in due if item.effect.kind == "client_post") == 2  # ack + included


async def test_two_replicas_sharing_a_store_still_open_one_case(
    store: TinyDBStore, directory: Directory
) -> None:
    first, second = CaseService(store, directory), CaseService(store, directory)
    a, b = await asyncio.gather(
        first.open_case(trigger(directory)), second.open_case(trigger(directory))
    )
    assert a.case.id == b.case.id
    assert len(await store.list_cases()) == 1


async def test_concurrent_changes_to_one_case_are_both_kept(
    store: TinyDBStore, directory: Directory
) -> None:
    service = CaseService(store, directory)
    opened = (await service.open_case(trigger(directory))).case
    dana = directory.actor("slack", directory.people["dana"].platform_id("slack") or "")
    maya = directory.actor("slack", directory.people["maya"].platform_id("slack") or "")
    await asyncio.gather(
        service.execute(RecordAccount(opened.id, dana, "I sent it on Tuesday as agreed.")),
        service.execute(Assess(opened.id, maya, Verdict.MISUNDERSTANDING, "dates unclear")),
    )
    case = await service.get(opened.id)
    assert "dana" in case.accounts and case.verdict is Verdict.MISUNDERSTANDING
    assert case.version == opened.version + 2


async def test_a_refusal_changes_nothing_and_names_the_reason(
    store: TinyDBStore, directory: Directory
) -> None:
    service = CaseService(store, directory)
    opened = (await service.open_case(trigger(directory))).case
    client = directory.actor("slack", "U0CLIENT", "Carol")
    with pytest.raises(NotAllowed) as refused:
        await service.execute(Assess(opened.id, client, Verdict.RIGHT))
    assert service.refusal_text(refused.value) == "Only people of the firm can do this."
    assert (await service.get(opened.id)).version == opened.version
    assert [e.kind for e in await store.timeline(opened.id)] == ["opened"]


async def test_a_refused_trigger_spends_no_case_number(
    store: TinyDBStore, directory: Directory
) -> None:
    service = CaseService(store, directory)
    bad = OpenCase(**{**trigger(directory).__dict__, "source": MessageRef("slack", "C0NOPE", "1")})
    with pytest.raises(NotNow):
        await service.open_case(bad)
    good = await service.open_case(trigger(directory))
    assert good.case.id == "C-0001"


async def test_an_unknown_case_is_a_clear_refusal(store: TinyDBStore, directory: Directory) -> None:
    service = CaseService(store, directory)
    dana = directory.actor("slack", directory.people["dana"].platform_id("slack") or "")
    with pytest.raises(NotNow) as refused:
        await service.execute(RecordAccount("C-0999", dana, "text"))
    assert service.refusal_text(refused.value) == "There is no case C-0999."


async def test_thirty_concurrent_replies_on_one_case_are_all_kept(
    store: TinyDBStore, directory: Directory
) -> None:
    service = CaseService(store, directory)
    opened = (await service.open_case(trigger(directory))).case
    client = directory.actor("slack", "U0CLIENT", "Carol")
    replies = [AddReply(opened.id, client, f"reply {n}") for n in range(30)]
    results = await asyncio.gather(
        *(service.execute(reply, f"slack:Ev{n}") for n, reply in enumerate(replies))
    )
    assert all(r.changed for r in results)
    case = await service.get(opened.id)
    said = [s.text for s in case.client_statements]
    assert sorted(t for t in said if t.startswith("reply")) == sorted(r.text for r in replies)


async def test_a_delivery_is_applied_once(store: TinyDBStore, directory: Directory) -> None:
    service = CaseService(store, directory)
    opened = (await service.open_case(trigger(directory), "slack:Ev0")).case
    again = await service.open_case(trigger(directory), "slack:Ev0")
    assert not again.changed and again.case == opened
    client = directory.actor("slack", "U0CLIENT", "Carol")
    first = await service.execute(AddReply(opened.id, client, "still late"), "slack:Ev1")
    repeat = await service.execute(AddReply(opened.id, client, "still late"), "slack:Ev1")
    assert first.changed and not repeat.changed
    case = await service.get(opened.id)
    assert [s.text for s in case.client_statements].count("still late") == 1


async def test_a_redaction_logs_the_notes_it_cannot_find(
    store: TinyDBStore, directory: Directory, caplog: pytest.LogCaptureFixture
) -> None:
    """A timeline written before events had keys names no card note: the words stay on
    the platform, and the log says how many lines that is."""
    service = CaseService(store, directory)
    case = (await service.open_case(trigger(directory))).case
    dana = directory.actor("slack", "U0DANA", "Dana")
    case = (await service.execute(RecordAccount(case.id, dana, "I was away. ACCOUNT-1"))).case
    old = [replace(e, key="") for e in await store.timeline(case.id)]
    await store.rewrite_case(case, case.version, old)
    await drain(store, case.created_at.replace(year=9999))

    operator = Actor("cli", "ops", "privacy@firm")
    with caplog.at_level(logging.WARNING, logger="bot.service"):
        done = await service.redact(Redact(case.id, operator, "person", "dana"))
    assert done.changed and done.unfound == 1
    assert f"{case.id}: 1 card notes posted before notes were kept" in caplog.text
    queued = [i.effect for i in await drain(store, case.created_at.replace(year=9999))]
    assert queued and not [e for e in queued if isinstance(e, CardNoteUpdate)]


async def test_retention_finds_when_an_older_case_was_closed_in_its_timeline(
    store: TinyDBStore, directory: Directory
) -> None:
    """A case withdrawn before cases kept `final_at`, and written 20 days later: the
    retention sweep reads its timeline and counts from the withdrawal."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    clock = Clock(start)
    days = replace(directory, retention_days=30)
    service = CaseService(store, days, clock=clock)
    case = (await service.open_case(trigger(days))).case
    case = (await service.execute(Withdraw(case.id, directory.actor("slack", "U0AVI", "Avi")))).case
    assert case.final_at == start
    written = replace(case, final_at=None, updated_at=start + timedelta(days=20))
    await store.rewrite_case(written, case.version, await store.timeline(case.id))

    (sweep,) = retention_jobs(service)
    clock.now = start + timedelta(days=31)
    await sweep.run("2026-04-02", clock.now)
    kept = await store.get_case(case.id)
    assert kept and kept.summary == text("en", "redacted.retention") and kept.final_at == start
