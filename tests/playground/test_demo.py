"""The seeded demo: real commands through the service, cases in every status, genuine
timelines, delivered to the playground like any other case, and only into an empty store."""

from __future__ import annotations

from collections import Counter

from bot.playground.demo import seed_demo
from handlers.model import Case, Status

from .conftest import Playground


async def test_the_demo_leaves_cases_in_every_status(playground: Playground) -> None:
    assert await seed_demo(playground.runtime) == 10
    cases = await playground.runtime.store.list_cases()
    statuses = Counter(case.status for case in cases)
    assert set(statuses) == set(Status)
    assert statuses[Status.CLOSED] == 2 and statuses[Status.REOPENED] == 2
    assert {c.client_id for c in cases} == {"acme", "globex", "initech"}


async def test_the_demo_timelines_are_those_of_real_commands(playground: Playground) -> None:
    await seed_demo(playground.runtime)
    store = playground.runtime.store
    by_status: dict[Status, Case] = {}
    for case in await store.list_cases():
        by_status.setdefault(case.status, case)  # the first case of each status

    closed = by_status[Status.CLOSED]
    kinds = [e.kind for e in await store.timeline(closed.id)]
    expected = ["opened", "account", "investigating", "verdict", "resolved", "feedback_yes"]
    assert kinds == [*expected, "closed"]
    assert closed.verdict and closed.resolution and closed.feedback[0].resolved

    withdrawn = by_status[Status.WITHDRAWN]
    last = (await store.timeline(withdrawn.id))[-1]
    assert last.kind == "withdrawn" and last.actor == "Client contact (Initech)"

    acknowledged = by_status[Status.ACKNOWLEDGED]
    assert acknowledged.public_replies[0].author.person_id == acknowledged.account_manager
    abusive = [c for c in await store.list_cases() if c.abuse_flagged]
    assert len(abusive) == 1 and abusive[0].verdict and abusive[0].verdict.value == "not_right"
    flagged = [c for c in await store.list_cases() if c.reporter != c.raised_by]
    assert [c.reporter.person_id for c in flagged] == ["tamar"]  # opened with the trigger emoji


async def test_the_demo_reaches_the_playground_through_the_outbox(playground: Playground) -> None:
    await seed_demo(playground.runtime)
    await playground.settle()
    state = await playground.state("ron")
    internal = next(c for c in state["channels"] if c["id"] == "internal")
    cards = [m["card"] for m in internal["messages"] if m["card"]]
    assert [c["case_id"] for c in cards] == [f"C-{n:04d}" for n in range(1, 11)]
    assert {c["status"] for c in cards} == {s.value for s in Status}
    dm = next(c for c in state["channels"] if c["id"] == "dm-ron")
    assert any("abusive" in "".join(p[1] for p in m["parts"]) for m in dm["messages"])
    contact = await playground.state("contact:globex")
    threads = [m["replies"] for m in contact["channels"][0]["messages"]]
    asked = [r for replies in threads for r in replies if r["buttons"]]
    assert [b["action"] for b in asked[0]["buttons"]] == ["feedback_yes", "feedback_no"]


async def test_the_demo_seeds_only_an_empty_store(playground: Playground) -> None:
    await playground.say("contact:acme", "client-acme", "@complaintbot The build is red.")
    assert await seed_demo(playground.runtime) == 0
    assert len(await playground.runtime.store.list_cases()) == 1
