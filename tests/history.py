"""Seeded case histories, built through the real core: for the review's tests, its
renderings and its benchmarks.

A `Story` tells what happens to one case (who it names, the verdict, abuse, the
client's answers, a reopening, change requests); `History` plays it through
`CaseService` (and so `handlers.dispatch.handle`) with real commands on a store, moving
an injectable clock, so every case, event and timeline is what the bot itself would
have written. `FIRM` is the seeded history of the example directory's three clients
(complaintbot.example.toml) whose fit scores `tests/handlers/test_fit.py` checks by
hand.

Each story runs on a fixed schedule from its opening (`opened = now - days_ago`):
the account manager answers in the thread after 1 hour, each person named gives their
account after 2, the verdict comes after 3 (from the manager of the first person named,
or a lead when nobody is named), the resolution after `resolve_hours` (24). A reopening
by the firm comes 1 hour after the resolution and is resolved again 24 hours later.
Each of the client's answers comes 2 hours after the latest resolution; a "not
resolved" reopens the case and the account manager resolves it again 24 hours later.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.service import CaseService
from handlers.commands import (
    AddReply,
    Assess,
    GiveFeedback,
    OpenCase,
    RecordAccount,
    Reopen,
    Resolve,
    Withdraw,
)
from handlers.directory import Actor, Directory
from handlers.model import Case, MessageRef, Severity, Verdict
from storage.base import Store

# The review's "now" in the seeded tests: the stories are told in days before it.
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
R, PR, NR, MU = Verdict.RIGHT, Verdict.PARTLY_RIGHT, Verdict.NOT_RIGHT, Verdict.MISUNDERSTANDING


@dataclass(frozen=True)
class Story:
    client: str
    days_ago: float
    verdict: Verdict | None = None  # None: never judged (it stays open, or is withdrawn)
    affected: tuple[str, ...] = ()
    category: str = "quality"
    severity: Severity = Severity.MEDIUM
    abusive: bool = False
    resolve: bool = True  # resolved once judged
    reopen: bool = False  # the account manager reopens it once after the resolution
    feedback: tuple[bool, ...] = ()  # the client's answers, in order
    change_requests: tuple[str, ...] = ()
    withdraw: bool = False  # withdrawn by the account manager instead of judged
    resolve_hours: float = 24


class Clock:
    """The service's clock: tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class History:
    """Plays stories through the core onto `store`; the clock ends at `now`."""

    def __init__(self, store: Store, directory: Directory, now: datetime = NOW) -> None:
        self.store, self.directory, self.now = store, directory, now
        self.clock = Clock(now)
        self.service = CaseService(store, directory, clock=self.clock)
        self._messages = 0

    def contact(self, client_id: str) -> Actor:
        """The client's contact who raises its complaints (nobody of the directory)."""
        client = self.directory.clients[client_id]
        return Actor("slack", f"U0{client_id.upper()}CONTACT", f"{client.name} contact")

    def person(self, person_id: str) -> Actor:
        person = self.directory.person(person_id)
        return Actor("slack", person.platform_id("slack") or person.id, person.name, person.id)

    def assessor(self, story: Story) -> str:
        """The manager of the first person named, or a lead the case does not name."""
        for person_id in story.affected:
            manager = self.directory.manager_of(person_id)
            if manager and manager not in story.affected:
                return manager
        return next(p for p in self.directory.leads() if p not in story.affected)

    def owner(self, client_id: str) -> str:
        """Who steers the client's cases: its account manager, or a lead."""
        return self.directory.clients[client_id].account_manager or self.directory.leads()[0]

    def at(self, when: datetime) -> None:
        if when > self.now:
            raise ValueError(f"a story would run past now ({when} > {self.now}): open it earlier")
        self.clock.now = when

    async def tell(self, story: Story) -> Case:
        opened = self.now - timedelta(days=story.days_ago)
        client = self.directory.clients[story.client]
        contact = self.contact(story.client)
        owner = self.person(self.owner(story.client))
        self._messages += 1
        source = MessageRef("slack", client.channels("slack")[0], f"{self._messages}.000100")
        self.at(opened)
        words = f"Complaint {self._messages} from {client.name}"
        opening = OpenCase(
            contact,
            source,
            contact,
            words,
            "mention",
            story.affected,
            story.category,
            story.severity,
        )
        case_id = (await self.service.open_case(opening)).case.id
        self.at(opened + HOUR)
        await self.service.execute(AddReply(case_id, owner, "We are on it."))
        self.at(opened + 2 * HOUR)
        for person_id in story.affected:
            account = f"{person_id}'s account of case {case_id}"
            await self.service.execute(RecordAccount(case_id, self.person(person_id), account))
        self.at(opened + 3 * HOUR)
        if story.withdraw:
            await self.service.execute(Withdraw(case_id, owner, "settled by phone"))
        elif story.verdict is not None:
            assessor = self.person(self.assessor(story))
            await self.service.execute(
                Assess(case_id, assessor, story.verdict, "heard both sides", story.abusive)
            )
            if story.resolve:
                await self._answer(story, case_id, opened, owner, contact, source.channel)
        self.clock.now = self.now
        return await self.service.get(case_id)

    async def _answer(
        self,
        story: Story,
        case_id: str,
        opened: datetime,
        owner: Actor,
        contact: Actor,
        channel: str,
    ) -> None:
        """The resolution, a reopening by the firm, and the client's answers."""
        resolved = opened + timedelta(hours=story.resolve_hours)
        self.at(resolved)
        summary = f"What we agreed on case {case_id}."
        await self.service.execute(Resolve(case_id, owner, summary, story.change_requests))
        if story.reopen:
            self.at(resolved + HOUR)
            await self.service.execute(Reopen(case_id, owner, "the fix did not hold"))
            resolved += 25 * HOUR
            self.at(resolved)
            await self.service.execute(Resolve(case_id, owner, summary + " Again."))
        for answer in story.feedback:
            answered = resolved + 2 * HOUR
            self.at(answered)
            comment = "thank you" if answer else "still not right"
            await self.service.execute(GiveFeedback(case_id, contact, answer, comment, channel))
            if not answer:
                resolved = answered + 24 * HOUR
                self.at(resolved)
                await self.service.execute(Resolve(case_id, owner, summary + " Once more."))

    async def tell_all(self, stories: Mapping[str, Story] | Iterable[Story]) -> dict[str, Case]:
        """Every story, in order; the cases by the stories' names (or their order)."""
        named = stories.items() if isinstance(stories, Mapping) else enumerate(stories)
        return {str(name): await self.tell(story) for name, story in named}


# --- the example firm's seeded history ------------------------------------------------------
# acme (account manager avi), globex (tamar), initech (avi); dana reports to maya, eli to
# noa; ron is the lead. The expected fit of each client is worked out by hand in
# tests/handlers/test_fit.py.

FIRM: dict[str, Story] = {
    # acme: fair complaints, answered well: keep.
    "A0": Story("acme", 200, NR, ("dana",), feedback=(True,)),  # outside the 90 days
    "A1": Story(
        "acme", 60, R, ("dana",), feedback=(True,), change_requests=("weekly status call",)
    ),
    "A2": Story("acme", 45, PR, ("eli",), category="delay", feedback=(True,)),
    "A3": Story(
        "acme",
        30,
        MU,
        category="scope",
        feedback=(True,),
        change_requests=("a shared project calendar",),
    ),
    "A4": Story("acme", 10, None, ("dana",), severity=Severity.HIGH),  # open, overdue
    # globex: mostly not right, abusive once, reopened often: consider parting ways.
    "G1": Story("globex", 20, NR, ("dana",), abusive=True, feedback=(False, True)),
    "G2": Story("globex", 15, NR, ("dana",), category="communication", feedback=(False, True)),
    "G3": Story("globex", 40, NR, ("eli",), feedback=(False,)),
    "G4": Story(
        "globex",
        50,
        MU,
        ("dana",),
        category="scope",
        feedback=(True,),
        change_requests=("weekend support",),
    ),
    "G5": Story(
        "globex",
        60,
        R,
        category="billing",
        feedback=(True,),
        change_requests=("invoices in Hebrew", "a monthly invoice"),
    ),
    "G6": Story("globex", 10, NR, ("dana",), reopen=True),
    # initech: every complaint valid, but reopened and answered "not resolved": watch.
    "I1": Story("initech", 50, R, ("dana",), feedback=(False, True)),
    "I2": Story("initech", 42, R, ("eli",), category="communication", feedback=(False, False)),
    "I3": Story(
        "initech",
        30,
        PR,
        category="delay",
        reopen=True,
        feedback=(True,),
        change_requests=("earlier delivery dates",),
    ),
    "I4": Story("initech", 20, None, ("dana",), withdraw=True),
    "I5": Story("initech", 1, None, ("eli",), severity=Severity.LOW),  # open, not yet due
}


async def seed_firm(store: Store, directory: Directory, now: datetime = NOW) -> dict[str, Case]:
    """The example firm's history (FIRM) on `store`, as of `now`: the cases by story."""
    return await History(store, directory, now).tell_all(FIRM)


def monthly(client_id: str, now: datetime = NOW, days: int = 90) -> Counter[tuple[str, str]]:
    """What FIRM's stories say of a client's cases opened in the last `days`: how many by
    (verdict value or "unjudged", YYYY-MM of the opening), for the trend chart's checks."""
    counted: Counter[tuple[str, str]] = Counter()
    for story in FIRM.values():
        if story.client == client_id and story.days_ago < days:
            verdict = story.verdict.value if story.verdict else "unjudged"
            counted[verdict, f"{now - timedelta(days=story.days_ago):%Y-%m}"] += 1
    return counted
