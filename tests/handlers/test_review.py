"""The review's views on the seeded firm (tests/history.py), read through the store as
`bot.review` reads them, and the one parser of `review ...` every platform uses."""

from __future__ import annotations

import dataclasses
import gc
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.review import cycles_paused, load_view, view_json
from handlers import review
from handlers.directory import Actor, Directory
from handlers.messages import HE, Markup
from handlers.model import Case, MessageRef, Severity, Status, Verdict
from handlers.review_request import (
    ReviewRefused,
    ReviewRequest,
    parse_review,
    review_request,
    review_words,
)
from storage.memory import MemoryStore
from tests.catalogs import HEBREW
from tests.history import NOW, History, Story, seed_firm


@pytest.fixture
async def firm(store: MemoryStore, example: Directory) -> dict[str, Case]:
    return await seed_firm(store, example)


async def view(store: MemoryStore, directory: Directory, words: str = "") -> review.View:
    request = parse_review(words, directory)
    assert isinstance(request, ReviewRequest), request
    return await load_view(store, directory, request, NOW)


def ids(firm: dict[str, Case], *stories: str) -> list[str]:
    return [firm[s].id for s in stories]


# --- the portfolio ----------------------------------------------------------------------------


async def test_the_portfolio_puts_the_poorest_fit_first(
    store: MemoryStore, example: Directory, firm: dict[str, Case]
) -> None:
    portfolio = await view(store, example)
    assert isinstance(portfolio, review.PortfolioView)
    assert portfolio.title == "Portfolio review · last 90 days"
    assert portfolio.window.days == 90 and portfolio.window.until == NOW
    lines = {line.client_id: line for line in portfolio.clients}
    assert [line.client_id for line in portfolio.clients] == ["globex", "initech", "acme"]
    assert [line.band for line in portfolio.clients] == ["part_ways", "watch", "keep"]
    assert lines["globex"].band_label == "consider parting ways"
    # acme: A1-A4 (A0 is older than 90 days); A4 is not judged yet.
    acme = lines["acme"]
    assert (acme.cases, acme.mix.judged, acme.mix.unjudged) == (4, 3, 1)
    assert acme.mix.counts == {"right": 1, "partly_right": 1, "not_right": 0, "misunderstanding": 1}
    assert acme.mix.shares["right"] == pytest.approx(1 / 3)
    assert (acme.feedback.resolved, acme.feedback.not_resolved) == (3, 0)
    assert acme.median_hours_to_resolve == 24  # each resolved once, a day after opening
    # globex: G1, G2 resolved again at 50 h, G3 at 50 h, G4 and G5 at 24 h, G6 at 49 h
    # (reopened by the firm an hour after its first resolution): median (49 + 50) / 2.
    globex = lines["globex"]
    assert globex.mix.counts["not_right"] == 4 and globex.mix.shares["not_right"] == 4 / 6
    assert globex.median_hours_to_resolve == 49.5
    assert (globex.feedback.resolved, globex.feedback.not_resolved) == (4, 3)
    assert globex.score == pytest.approx(25 / 56)
    # initech: I1 50 h, I2 76 h (two "not resolved"), I3 49 h; I4 withdrawn, I5 open.
    assert lines["initech"].median_hours_to_resolve == 50
    assert lines["initech"].cases == 5 and lines["initech"].mix.unjudged == 2
    assert portfolio.open.total == 5 and portfolio.open.overdue == 1


async def test_a_client_without_cases_is_listed_and_kept(
    store: MemoryStore, example: Directory
) -> None:
    await History(store, example).tell(Story("acme", 5, Verdict.NOT_RIGHT, ("dana",)))
    portfolio = await view(store, example)
    assert isinstance(portfolio, review.PortfolioView)
    initech = next(line for line in portfolio.clients if line.client_id == "initech")
    assert (initech.cases, initech.score, initech.band) == (0, None, "keep")
    assert initech.median_hours_to_resolve is None


# --- open cases -------------------------------------------------------------------------------


async def test_open_cases_overdue_first_then_the_oldest(
    store: MemoryStore, example: Directory, firm: dict[str, Case]
) -> None:
    opened = await view(store, example, "open")
    assert isinstance(opened, review.OpenView)
    # A4 is investigating, opened 10 days ago (Thursday 22 May 2025, 12:00 in Jerusalem) and
    # due 24 business hours later (high; Sunday to Thursday, 9 to 18): Monday 26 May 18:00,
    # so 5 days (and 18 hours) overdue on Sunday 1 June.
    # Resolved cases wait on the client's answer: G3, G6, I2 are open but not overdue.
    assert [line.case_id for line in opened.cases] == ids(firm, "A4", "I2", "G3", "G6", "I5")
    a4, i5 = opened.cases[0], opened.cases[-1]
    assert (a4.overdue, a4.overdue_days, a4.age_days, a4.status) == (True, 5, 10, "investigating")
    assert (a4.owner, a4.owner_label, a4.client) == ("avi", "<person:avi>", "Acme Corp")
    assert (i5.overdue, i5.overdue_days, i5.age_days, i5.severity) == (False, 0, 1, "low")
    assert [(o.owner, o.open, o.overdue, o.oldest_days) for o in opened.owners] == [
        ("avi", 3, 1, 42),
        ("tamar", 2, 0, 40),
    ]
    assert opened.title == "Open cases (5)"


async def test_a_case_without_account_manager_has_no_owner(example: Directory) -> None:
    store = MemoryStore()
    await store.open()
    clients = dict(example.clients)
    clients["globex"] = replace(clients["globex"], account_manager=None)
    directory = replace(example, clients=clients)
    await History(store, directory).tell(Story("globex", 3, None, ("dana",)))
    opened = await view(store, directory, "open")
    assert isinstance(opened, review.OpenView)
    [line] = opened.cases
    assert line.owner is None and line.owner_label == "no owner"


# --- one client -------------------------------------------------------------------------------


async def test_one_client_in_full(
    store: MemoryStore, example: Directory, firm: dict[str, Case]
) -> None:
    acme = await view(store, example, "client Acme Corp")
    assert isinstance(acme, review.ClientView)
    assert acme.client_id == "acme" and acme.title == "Acme Corp · last 90 days"
    assert [line.case_id for line in acme.history] == ids(firm, "A4", "A3", "A2", "A1")
    assert acme.history[0].verdict is None and acme.history[0].verdict_label == "not judged yet"
    assert [(t.category, t.cases) for t in acme.themes] == [
        ("quality", 2),
        ("delay", 1),
        ("scope", 1),
    ]
    assert [t.label for t in acme.themes] == ["quality of work", "delay", "scope"]
    assert [c.text for c in acme.change_requests] == [
        "weekly status call",
        "a shared project calendar",
    ]
    assert acme.feedback.comments == ("thank you",) * 3
    fit = acme.fit
    assert (fit.band, fit.band_label, fit.rule) == ("keep", "keep", None)
    assert [(p.name, p.weight) for p in fit.parts] == [
        ("valid", 1),
        ("not_right", 2),
        ("misunderstanding", 1),
        ("abuse", 2),
        ("reopens", 1),
        ("feedback", 1),
    ]
    assert fit.parts[0].detail == "2 of 3 judged complaints were right or partly right"
    assert fit.parts[0].label == "Valid complaints"
    assert sum(p.contribution for p in fit.parts) == pytest.approx(fit.score)
    assert fit.recommendation.headline == "Keep: the history shows a good fit."
    assert fit.recommendation.reasons == (
        "Fit score 0.92: keep by the score (keep from 0.85, watch from 0.65, a frank "
        "conversation from 0.50).",
        "1 of 3 judged complaints were not right or a misunderstanding: they count against "
        "the client's fit, never against our people.",
        "2 of 3 judged complaints were valid: ours to fix, and never on their own a reason "
        "to part ways.",
    )


async def test_the_recommendation_gives_every_reason(
    store: MemoryStore, example: Directory, firm: dict[str, Case]
) -> None:
    globex = await view(store, example, "client globex")
    assert isinstance(globex, review.ClientView)
    recommendation = globex.fit.recommendation
    assert recommendation.label == "consider parting ways"
    assert recommendation.headline.startswith("Consider parting ways")
    assert recommendation.reasons[0].startswith("Fit score 0.45: consider parting ways")
    assert recommendation.reasons[1:] == (
        "5 of 6 judged complaints were not right or a misunderstanding: they count against "
        "the client's fit, never against our people.",
        "1 of 6 judged complaints were valid: ours to fix, and never on their own a reason "
        "to part ways.",
        "Cases with abusive treatment of staff flagged: 1.",
        "4 of 6 resolved cases were reopened.",
        "3 of 7 feedback answers said it was not resolved.",
    )
    [g6] = [line for line in globex.history if line.case_id == firm["G6"].id]
    assert g6.reopens == 1
    [g1] = [line for line in globex.history if line.case_id == firm["G1"].id]
    assert g1.abuse and g1.reopens == 1


async def test_a_rule_that_moved_the_band_is_a_reason(
    store: MemoryStore, example: Directory
) -> None:
    await History(store, example).tell(
        Story("globex", 5, Verdict.NOT_RIGHT, ("dana",), feedback=(False,))
    )
    globex = await view(store, example, "client globex")
    assert isinstance(globex, review.ClientView)
    assert globex.fit.band == "watch" and globex.fit.rule == "little_history"
    assert globex.fit.recommendation.reasons[-1] == (
        "Fewer than 3 judged cases: too little history to judge, so no worse than watch."
    )


async def test_a_client_with_no_cases_in_the_window(store: MemoryStore, example: Directory) -> None:
    initech = await view(store, example, "client initech")
    assert isinstance(initech, review.ClientView)
    assert initech.cases == 0 and initech.fit.score is None and initech.fit.band == "keep"
    assert initech.fit.recommendation.reasons == ("No cases in the last 90 days.",)
    assert all(p.detail == "nothing to measure yet, so left out" for p in initech.fit.parts)


async def test_outside_text_in_a_view_is_escaped(store: MemoryStore, example: Directory) -> None:
    story = Story("acme", 4, Verdict.RIGHT, change_requests=("<!channel> fix it & now",))
    await History(store, example).tell(story)
    acme = await view(store, example, "client acme")
    assert isinstance(acme, review.ClientView)
    assert acme.change_requests[0].text == "&lt;!channel&gt; fix it &amp; now"
    assert view_json(acme, example)["change_requests"][0]["text"] == "<!channel> fix it & now"


# --- one person -------------------------------------------------------------------------------


async def test_a_person_under_pressure_is_flagged_for_support(
    store: MemoryStore, example: Directory, firm: dict[str, Case]
) -> None:
    dana = await view(store, example, "person <person:dana>")
    assert isinstance(dana, review.PersonView)
    assert dana.title == "<person:dana> · last 90 days"
    # Named in A1, A4, G1, G2, G4, G6, I1, I4 (A0 is older than 90 days); newest first,
    # the later case first on the same day.
    assert dana.involved == {"named": 8, "manager": 0, "account_manager": 0}
    assert [line.case_id for line in dana.cases] == ids(
        firm, "G6", "A4", "G2", "I4", "G1", "I1", "G4", "A1"
    )
    assert dana.named.counts == {
        "right": 2,
        "partly_right": 0,
        "not_right": 3,
        "misunderstanding": 1,
    }
    assert (dana.named.judged, dana.named.unjudged) == (6, 2)
    # Only valid complaints count against her: A1 and I1.
    assert dana.valid == 2
    assert {line.case_id for line in dana.cases if line.counts_against} == set(
        ids(firm, "A1", "I1")
    )
    # Every not-right one was backed by maya, her manager, on the record.
    assert [(b.case_id, b.by, b.by_manager) for b in dana.backing] == [
        (firm["G1"].id, "maya", True),
        (firm["G2"].id, "maya", True),
        (firm["G6"].id, "maya", True),
    ]
    assert (
        dana.backing[0].text
        == f"{firm['G1'].id}: backed by <person:maya>, their manager, on the record."
    )
    # G1, G2, G6: three not-right complaints in the last 30 days; G1 was abusive.
    assert [(f.kind, f.case_ids) for f in dana.support] == [
        ("not_right", tuple(ids(firm, "G1", "G2", "G6"))),
        ("abuse", (firm["G1"].id,)),
    ]
    assert dana.support[0].text == (
        "Support needed: complaints about them judged not right in the last 30 days: 3."
    )
    assert "count against the client's fit" in dana.note


async def test_a_person_without_flags_and_a_manager_in_the_cases(
    store: MemoryStore, example: Directory, firm: dict[str, Case]
) -> None:
    eli = await view(store, example, "person eli")
    assert isinstance(eli, review.PersonView)
    # G3 (not right) was 40 days ago: outside the 30 days of the support flag.
    assert eli.support == ()
    assert [(b.case_id, b.by, b.by_manager) for b in eli.backing] == [(firm["G3"].id, "noa", True)]
    assert eli.valid == 2  # A2 partly right, I2 right
    maya = await view(store, example, "person Maya Cohen")
    assert isinstance(maya, review.PersonView)
    assert maya.involved == {"named": 0, "manager": 8, "account_manager": 0}
    assert maya.named.judged == 0 and maya.valid == 0 and maya.backing == ()
    assert {line.role_label for line in maya.cases} == {"manager"}
    avi = await view(store, example, "person avi")
    assert isinstance(avi, review.PersonView)
    assert avi.involved["account_manager"] == 9  # acme A1-A4, initech I1-I5


async def test_backing_by_someone_outside_the_chain_is_said_so(example: Directory) -> None:
    case = replace(_a_case(), verdict=Verdict.NOT_RIGHT, verdict_by="ron", affected=("eli",))
    person = review.person_review("eli", [case], example, NOW)
    [backing] = person.backing
    assert (backing.by, backing.by_manager) == ("ron", True)  # ron is above noa
    case = replace(case, verdict_by="tamar")
    [backing] = review.person_review("eli", [case], example, NOW).backing
    assert (backing.by, backing.by_manager) == ("tamar", False)
    assert backing.text == "C-0001: backed by <person:tamar> on the record."
    [backing] = review.person_review("eli", [replace(case, verdict_by=None)], example, NOW).backing
    assert backing.text == "C-0001: no backing on the record."


def _a_case() -> Case:
    contact = Actor("slack", "U0C", "Carol")
    return Case(
        id="C-0001",
        client_id="acme",
        source=MessageRef("slack", "C0ACME", "1.0"),
        reporter=contact,
        raised_by=contact,
        affected=(),
        managers=(),
        account_manager="avi",
        category="quality",
        severity=Severity.MEDIUM,
        summary="late",
        status=Status.RESOLVED,
        created_at=NOW - timedelta(days=3),
        updated_at=NOW,
        due_at=NOW,
    )


# --- change requests --------------------------------------------------------------------------


async def test_change_requests_by_theme_most_clients_first(
    store: MemoryStore, example: Directory, firm: dict[str, Case]
) -> None:
    changes = await view(store, example, "changes")
    assert isinstance(changes, review.ChangesView)
    # globex asked twice about billing, but two clients asked about scope.
    assert [(t.category, t.clients, t.requests) for t in changes.themes] == [
        ("scope", 2, 2),
        ("billing", 1, 2),
        ("quality", 1, 1),
        ("delay", 1, 1),
    ]
    scope = changes.themes[0]
    assert scope.client_names == ("Globex", "Acme Corp")
    assert [(i.client_id, i.text) for i in scope.items] == [
        ("globex", "weekend support"),
        ("acme", "a shared project calendar"),
    ]
    assert changes.total == 6 and "how many clients ask" in changes.note


# --- every view in Hebrew ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "words", ["", "client acme", "client globex", "person dana", "open", "changes"]
)
async def test_every_view_reads_in_hebrew(
    store: MemoryStore, example: Directory, firm: dict[str, Case], words: str
) -> None:
    hebrew = replace(example, language="he")
    shown = await view(store, hebrew, words)
    texts = [v for v in _markups(shown)]
    assert texts and all("{" not in t for t in texts)
    assert HEBREW.search(str(shown.title))
    assert [t for t in texts if t in HE.values()]  # catalog texts, in Hebrew


def _markups(value: object) -> list[Markup]:
    if isinstance(value, Markup):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [m for f in dataclasses.fields(value) for m in _markups(getattr(value, f.name))]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _markups(v)]
    if isinstance(value, tuple | list):
        return [m for v in value for m in _markups(v)]
    return []


# --- the parser -------------------------------------------------------------------------------


def lead(directory: Directory) -> Actor:
    return directory.actor("slack", "U0RON")


def test_review_words_after_the_command() -> None:
    assert review_words("/review client acme") == "client acme"
    assert review_words("  Review  ") == ""
    assert review_words("reviewing") is None and review_words("complaint x") is None


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("", ReviewRequest("portfolio")),
        ("open", ReviewRequest("open")),
        ("CHANGES", ReviewRequest("changes")),
        ("client acme", ReviewRequest("client", "acme")),
        ("client Acme Corp", ReviewRequest("client", "acme")),
        ('client "acme corp"', ReviewRequest("client", "acme")),
        ("client  GLOBEX ", ReviewRequest("client", "globex")),
        ("person <person:dana>", ReviewRequest("person", "dana")),
        ("person @dana", ReviewRequest("person", "dana")),
        ("person Dana Levi", ReviewRequest("person", "dana")),
        ("person tamar", ReviewRequest("person", "tamar")),
        ("person Tamar", ReviewRequest("person", "tamar")),
    ],
)
def test_a_lead_asks(example: Directory, words: str, expected: ReviewRequest) -> None:
    assert review_request(lead(example), words, example) == expected


@pytest.mark.parametrize("who", ["U0DANA", "U0AVI", "U0CLIENT"])
def test_anyone_but_a_lead_is_refused_without_data(example: Directory, who: str) -> None:
    actor = example.actor("slack", who, "Carol")
    for words in ("", "client acme", "client acmee", "person dana"):
        refused = review_request(actor, words, example)
        assert isinstance(refused, ReviewRefused)
        assert refused.reason == "refuse.review_leads_only" and refused.suggestions == ()
        assert refused.text == (
            "The review is for leads. If you need something from it, a lead of your firm can help."
        )


def test_an_unknown_client_gets_the_nearest_names_and_the_usage(example: Directory) -> None:
    refused = review_request(lead(example), "client acmee", example)
    assert isinstance(refused, ReviewRefused)
    assert refused.reason == "refuse.review_unknown_client" and refused.suggestions == ("acme",)
    assert refused.text.splitlines() == [
        "There is no client acmee in the directory.",
        "Did you mean: Acme Corp (acme)?",
        "Usage: review (the portfolio) · review client NAME · review person @someone · "
        "review open · review changes. On Slack: /review ...",
    ]
    globx = parse_review("client Globx Inc", example)
    assert isinstance(globx, ReviewRefused) and globx.suggestions == ("globex",)
    nothing = parse_review("client <b>zzz</b>", example)
    assert isinstance(nothing, ReviewRefused) and nothing.suggestions == ()
    assert (
        nothing.text.splitlines()[0]
        == "There is no client &lt;b&gt;zzz&lt;/b&gt; in the directory."
    )
    assert len(nothing.text.splitlines()) == 2  # no names to offer: the reason and the usage


def test_an_unknown_person_gets_the_nearest_people(example: Directory) -> None:
    refused = parse_review("person dnaa", example)
    assert isinstance(refused, ReviewRefused)
    assert refused.reason == "refuse.review_unknown_person"
    assert refused.suggestions[0] == "dana"
    assert "<person:dana>" in refused.text.splitlines()[1]
    marker = parse_review("person <person:zed>", example)
    assert isinstance(marker, ReviewRefused) and marker.reason == "refuse.review_unknown_person"


@pytest.mark.parametrize(
    ("words", "reason", "second_line"),
    [
        ("clint acme", "refuse.review_unknown_subcommand", "Did you mean: review client?"),
        ("chnages", "refuse.review_unknown_subcommand", "Did you mean: review changes?"),
        ("frobnicate", "refuse.review_unknown_subcommand", "Usage: review"),
        ("open now", "refuse.review_extra_words", "Usage: review"),
        ("client", "refuse.review_client_missing", "Usage: review"),
        ("person", "refuse.review_person_missing", "Usage: review"),
    ],
)
def test_bad_words_get_the_usage(
    example: Directory, words: str, reason: str, second_line: str
) -> None:
    refused = parse_review(words, example)
    assert isinstance(refused, ReviewRefused) and refused.reason == reason
    lines = refused.text.splitlines()
    assert lines[1].startswith(second_line)
    assert lines[-1].startswith("Usage: review")


def test_refusals_in_hebrew(example: Directory) -> None:
    hebrew = replace(example, language="he")
    refused = parse_review("client acmee", hebrew)
    assert isinstance(refused, ReviewRefused)
    assert [bool(HEBREW.search(line)) for line in refused.text.splitlines()] == [True] * 3
    not_lead = review_request(hebrew.actor("slack", "U0DANA"), "", hebrew)
    assert isinstance(not_lead, ReviewRefused) and HEBREW.search(not_lead.text)


# --- the collector while a view loads ---------------------------------------------------------


def test_views_pause_the_cyclic_collector_until_the_last_overlapping_one_is_loaded() -> None:
    """Views of two requests interleave at their awaits: the collector stays paused until
    the last of them is loaded, also when one fails; one paused by someone else is left
    paused."""
    first, second = cycles_paused(), cycles_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()
    with pytest.raises(LookupError), cycles_paused():
        raise LookupError
    assert gc.isenabled()
    gc.disable()
    try:
        with cycles_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_loading_a_view_leaves_the_collector_running(
    store: MemoryStore, example: Directory, firm: dict[str, Case]
) -> None:
    assert isinstance(await view(store, example, "client acme"), review.ClientView)
    assert gc.isenabled()
