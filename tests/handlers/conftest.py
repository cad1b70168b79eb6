"""A small firm built in code, its people as actors, and helpers that drive the core.

The firm mirrors DESIGN.md's example: dana (employee) -> maya (manager) -> ron (lead),
avi (account manager, reports to ron), plus eli (dana's colleague, also under maya),
noa (a second lead, outside dana's chain) and a lead-less chain tal -> gil.
Clients: acme (account manager avi), globex (no account manager) and initech (account
manager tal).

Every successful command run through `run`/`open_case` is also checked against the
rules every change must keep (version, timestamps, events, card, effect order), so each
test exercises them; `test_feedback_reopen.py` checks them explicitly once more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from handlers import dispatch, intake
from handlers.commands import (
    Assess,
    CaseCommand,
    OpenCase,
    RecordAccount,
    Resolve,
    Trigger,
)
from handlers.directory import Actor, Client, Directory, Person
from handlers.directory_file import load_directory
from handlers.effects import CardNote, CardUpdate, Effect
from handlers.errors import Refusal
from handlers.messages import CATALOG, text
from handlers.model import Case, MessageRef, Severity, Verdict
from handlers.outcome import Context, Outcome, describe
from storage.memory import MemoryStore

NOW = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
SOURCE_TEXT = "  Dana sent the quarterly report two weeks late and it was wrong.  "
CLIENT_USER = "U0CAROL"
OTHER_CLIENT_USER = "U0BOB"


def make_directory(language: str = "en") -> Directory:
    people = [
        Person(
            "dana", "Dana Levi", manager="maya", addresses={"slack": "U0DANA", "teams": "29:1dana"}
        ),
        Person("maya", "Maya Cohen", manager="ron", addresses={"slack": "U0MAYA"}),
        Person("ron", "Ron Bar", roles=frozenset({"lead"}), addresses={"slack": "U0RON"}),
        Person(
            "avi",
            "Avi Katz",
            manager="ron",
            roles=frozenset({"account_manager"}),
            addresses={"slack": "U0AVI"},
        ),
        Person("eli", "Eli Shani", manager="maya", addresses={"slack": "U0ELI"}),
        Person("noa", "Noa Golan", roles=frozenset({"lead"}), addresses={"slack": "U0NOA"}),
        # A second chain that ends at a manager who is not a lead.
        Person("gil", "Gil Peretz", addresses={"slack": "U0GIL"}),
        Person("tal", "Tal Mizrahi", manager="gil", addresses={"slack": "U0TAL"}),
    ]
    clients = [
        Client(
            "acme",
            "Acme Corp",
            channels_on={"slack": ("C0ACME",), "teams": ("19:acme@thread.tacv2",)},
            account_manager="avi",
        ),
        Client("globex", "Globex", channels_on={"slack": ("C0GLOBEX",)}),
        # Its account manager's chain ends at gil, who is not a lead.
        Client("initech", "Initech", channels_on={"slack": ("C0INITECH",)}, account_manager="tal"),
    ]
    return Directory(
        people={p.id: p for p in people},
        clients={c.id: c for c in clients},
        internal_channel={"slack": "C0INTERNAL", "teams": "19:abc@thread.tacv2"},
        language=language,
    )


# --- the firm and the clock -------------------------------------------------------------



EXAMPLE = Path(__file__).resolve().parents[2] / "complaintbot.example.toml"


@pytest.fixture
def example() -> Directory:
    """The directory of complaintbot.example.toml, the demo firm."""
    return load_directory(EXAMPLE)


@pytest.fixture
async def store() -> AsyncIterator[MemoryStore]:
    memory = MemoryStore()
    await memory.open()
    yield memory
    await memory.close()


@pytest.fixture
def directory() -> Directory:
    return make_directory()


@pytest.fixture
def ctx(directory: Directory) -> Context:
    """When cases are opened."""
    return Context(directory, NOW)


@pytest.fixture
def later(directory: Directory) -> Context:
    """When commands run against an open case."""
    return Context(directory, LATER)


# --- actors -----------------------------------------------------------------------------


@pytest.fixture
def client() -> Actor:
    """The Acme contact who wrote the complaint."""
    return Actor("slack", CLIENT_USER, "Carol (Acme)")


@pytest.fixture
def other_client() -> Actor:
    """Another Acme contact in the same channel."""
    return Actor("slack", OTHER_CLIENT_USER, "Bob (Acme)")


def _person(person_id: str) -> Callable[[Directory], Actor]:
    def fixture(directory: Directory) -> Actor:
        actor = directory.actor("slack", directory.person(person_id).platform_id("slack") or "")
        assert actor.person_id == person_id
        return actor

    return pytest.fixture(fixture, name=person_id)


dana = _person("dana")
maya = _person("maya")
ron = _person("ron")
avi = _person("avi")
eli = _person("eli")
noa = _person("noa")
gil = _person("gil")
tal = _person("tal")


# --- invariants every change keeps ------------------------------------------------------


def assert_effect_order(effects: list[Effect]) -> None:
    """Client thread first, then the card, then DMs and invites, then the card's timeline
    lines (a DM waits for every earlier item of the card's lane, and needs only the card)."""

    def rank(effect: Effect) -> int:
        if effect.audience == "client":
            return 0
        if isinstance(effect, CardUpdate):
            return 1
        if isinstance(effect, CardNote):
            return 3
        return 2

    ranks = [rank(e) for e in effects]
    assert ranks == sorted(ranks), [type(e).__name__ for e in effects]


def assert_well_formed(outcome: Outcome, ctx: Context, before: Case | None) -> None:
    case = outcome.case
    if before is None:
        assert case.version == 0
        assert case.created_at == ctx.now
    else:
        assert case.id == before.id
        assert case.version == before.version + 1
        assert case.created_at == before.created_at
    assert case.updated_at == ctx.now
    assert outcome.events, "every change is an event on the timeline"
    for event in outcome.events:
        assert (event.case_id, event.at) == (case.id, ctx.now)
    assert all(e.case_id == case.id for e in outcome.effects)
    assert [e for e in outcome.effects if isinstance(e, CardUpdate)] == [CardUpdate(case.id)]
    notes = [e.text for e in outcome.effects if isinstance(e, CardNote)]
    assert notes == [describe(e, ctx.language) for e in outcome.events]
    assert_effect_order(outcome.effects)
    for effect in outcome.effects:
        for value in vars(effect).values():
            if isinstance(value, str):
                assert "{" not in value, f"unfilled placeholder in {effect}"
    assert outcome.notice and "{" not in outcome.notice


# --- driving the core -------------------------------------------------------------------


@pytest.fixture
def open_case(ctx: Context, avi: Actor, client: Actor) -> Callable[..., Outcome]:
    """Open case 42 in Acme's channel: by default avi flags Carol's message naming dana."""

    def open_(
        affected: tuple[str, ...] = ("dana",),
        *,
        actor: Actor | None = None,
        source_author: Actor | None = None,
        source_text: str = SOURCE_TEXT,
        trigger: Trigger = "reaction",
        platform: str = "slack",
        channel: str = "C0ACME",
        category: str = "quality",
        severity: Severity = Severity.MEDIUM,
        summary: str = "",
        context: Context | None = None,
    ) -> Outcome:
        context = context or ctx
        command = OpenCase(
            actor=actor or avi,
            source=MessageRef(platform, channel, "1700000000.000100"),
            source_author=source_author or client,
            source_text=source_text,
            trigger=trigger,
            affected=affected,
            category=category,
            severity=severity,
            summary=summary,
        )
        outcome = intake.open_case(command, 42, context)
        assert_well_formed(outcome, context, None)
        return outcome

    return open_


@pytest.fixture
def run(later: Context) -> Callable[..., Outcome]:
    """Apply a command to a case through `dispatch.handle`, three hours after opening."""

    def run_(command: CaseCommand, case: Case, context: Context | None = None) -> Outcome:
        context = context or later
        outcome = dispatch.handle(command, case, context)
        assert_well_formed(outcome, context, case)
        return outcome

    return run_


@pytest.fixture
def refused() -> Callable[..., Refusal]:
    """Expect `call(*args, **kw)` to refuse with `kind`; its reason renders in both languages."""

    def check(kind: type[Refusal], call: Callable[..., Any], *args: Any, **kw: Any) -> Refusal:
        with pytest.raises(kind) as caught:
            call(*args, **kw)
        refusal = caught.value
        assert type(refusal) is kind
        for language in CATALOG:
            assert refusal.key in CATALOG[language], refusal.key
            reason = text(language, refusal.key, **refusal.params)
            assert reason and "{" not in reason
        return refusal

    return check


# --- cases at each stage ----------------------------------------------------------------

ACCOUNT_TEXT = "I sent it on the agreed date; the client changed the scope twice."


@pytest.fixture
def opened(open_case: Callable[..., Outcome]) -> Case:
    """Case C-0042 naming dana, freshly opened."""
    return open_case().case


@pytest.fixture
def heard(opened: Case, run: Callable[..., Outcome], dana: Actor) -> Case:
    """Dana has given her account."""
    return run(RecordAccount(opened.id, dana, ACCOUNT_TEXT), opened).case


@pytest.fixture
def assessed(heard: Case, run: Callable[..., Outcome], maya: Actor) -> Case:
    """Maya has assessed: the client is partly right."""
    return run(Assess(heard.id, maya, Verdict.PARTLY_RIGHT, "a fair point on timing"), heard).case


@pytest.fixture
def resolved(assessed: Case, run: Callable[..., Outcome], avi: Actor) -> Case:
    """Avi has resolved the case; the client has been asked for feedback."""
    summary = "We agreed the report is due on the 5th; the next one will be on time."
    return run(Resolve(assessed.id, avi, summary), assessed).case
