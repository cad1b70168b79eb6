"""The fit score on histories played through the real core (tests/history.py).

Every expected number is worked out by hand in the test, from the stories, with the
default weights (valid 1, not_right 2, misunderstanding 1, abuse 2, reopens 1,
feedback 1: 8 in all) and bands (keep from 0.85, watch from 0.65, a frank
conversation from 0.5): never by running the formula again.
"""

from __future__ import annotations

import tomllib

import pytest

from handlers.directory import Directory
from handlers.directory_file import parse_directory
from handlers.fit import ClientTotals, FitScore, fit_score, totals
from handlers.review import window
from handlers.review_config import ReviewSettings
from storage.memory import MemoryStore
from tests.handlers.conftest import EXAMPLE
from tests.history import FIRM, MU, NOW, NR, PR, History, R, Story, seed_firm


def example_with(**review: dict[str, float]) -> Directory:
    """The example directory file with some of its [review] tables' keys changed."""
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for table, values in review.items():
        data["review"][table].update(values)
    return parse_directory(data)


async def fit_of(store: MemoryStore, client_id: str, directory: Directory) -> FitScore:
    """The client's fit over the 90 days before NOW, as the review reads it."""
    span = window(directory, NOW)
    history = await store.case_history(span.since, span.until, client_id)
    return fit_score(totals(history), directory.review)


def parts(fit: FitScore) -> dict[str, tuple[int, int | None, float | None]]:
    return {p.name: (p.count, p.total, p.value) for p in fit.parts}


def assert_parts(fit: FitScore, expected: dict[str, tuple[int, int | None, float | None]]) -> None:
    got = parts(fit)
    assert {k: v[:2] for k, v in got.items()} == {k: v[:2] for k, v in expected.items()}
    for name, (_, _, value) in expected.items():
        assert got[name][2] == (None if value is None else pytest.approx(value)), name


# --- the seeded firm: three clients, three bands ---------------------------------------------


async def test_acme_answers_fair_complaints_well_and_is_kept(
    store: MemoryStore, example: Directory
) -> None:
    """A1 right, A2 partly right, A3 a misunderstanding, A4 still open (not judged); A0
    (not right) opened 200 days ago, outside the window. All three resolved, none
    reopened, three answers "resolved"."""
    await seed_firm(store, example)
    fit = await fit_of(store, "acme", example)
    assert (fit.cases, fit.judged, fit.invalid, fit.incidents) == (4, 3, 1, 0)
    assert_parts(
        fit,
        {
            "valid": (2, 3, 2 / 3),
            "not_right": (0, 3, 1.0),
            "misunderstanding": (1, 3, 1 - 1 / 3),
            "abuse": (0, None, 1.0),
            "reopens": (0, 3, 1.0),
            "feedback": (3, 3, 1.0),
        },
    )
    # (1*2/3 + 2*1 + 1*2/3 + 2*1 + 1*1 + 1*1) / 8 = 7.3333 / 8
    assert fit.score == pytest.approx(0.916667, abs=1e-6)
    assert (fit.band, fit.score_band, fit.rule) == ("keep", "keep", None)
    assert fit.part("misunderstanding").contribution == pytest.approx((2 / 3) / 8)


async def test_globex_is_mostly_not_right_and_abusive_so_consider_parting_ways(
    store: MemoryStore, example: Directory
) -> None:
    """G1, G2, G3, G6 not right (G1 abusive), G4 a misunderstanding, G5 right. Reopened:
    G1, G2, G3 by the client's "not resolved", G6 by the firm: 4 of 6 resolved. Answers:
    G1 no, yes; G2 no, yes; G3 no; G4 yes; G5 yes: 4 of 7 said resolved."""
    await seed_firm(store, example)
    fit = await fit_of(store, "globex", example)
    assert (fit.cases, fit.judged, fit.invalid, fit.incidents) == (6, 6, 5, 1)
    assert_parts(
        fit,
        {
            "valid": (1, 6, 1 / 6),
            "not_right": (4, 6, 1 / 3),
            "misunderstanding": (1, 6, 5 / 6),
            "abuse": (1, None, 0.5),
            "reopens": (4, 6, 1 / 3),
            "feedback": (4, 7, 4 / 7),
        },
    )
    # (1/6 + 2*1/3 + 5/6 + 2*0.5 + 1/3 + 4/7) / 8 = (3 + 4/7) / 8 = 25/56
    assert fit.score == pytest.approx(25 / 56)
    assert round(fit.score, 4) == 0.4464
    contributions = {p.name: p.contribution for p in fit.parts}
    assert contributions == pytest.approx(
        {
            "valid": 1 / 48,
            "not_right": 1 / 12,
            "misunderstanding": 5 / 48,
            "abuse": 1 / 8,
            "reopens": 1 / 24,
            "feedback": 1 / 14,
        }
    )
    assert (fit.band, fit.rule) == ("part_ways", None)


async def test_initech_has_only_valid_complaints_and_the_firm_has_work_to_do(
    store: MemoryStore, example: Directory
) -> None:
    """I1, I2 right, I3 partly right; I4 withdrawn, I5 open (neither judged). All three
    resolved cases reopened (I1, I2 by the client, I3 by the firm); answers I1 no, yes;
    I2 no, no; I3 yes: 2 of 5."""
    await seed_firm(store, example)
    fit = await fit_of(store, "initech", example)
    assert (fit.cases, fit.judged, fit.invalid, fit.incidents) == (5, 3, 0, 0)
    assert_parts(
        fit,
        {
            "valid": (3, 3, 1.0),
            "not_right": (0, 3, 1.0),
            "misunderstanding": (0, 3, 1.0),
            "abuse": (0, None, 1.0),
            "reopens": (3, 3, 0.0),
            "feedback": (2, 5, 0.4),
        },
    )
    # (1 + 2 + 1 + 2 + 0 + 0.4) / 8 = 0.8: watch (from 0.65), not keep (from 0.85)
    assert fit.score == pytest.approx(0.8)
    assert (fit.band, fit.rule) == ("watch", None)


# --- the other bands and the rules, each on a history of its own ------------------------------


async def test_a_frank_conversation(store: MemoryStore, example: Directory) -> None:
    stories = [
        Story("acme", 40, NR, ("dana",), abusive=True, feedback=(True,)),
        Story("acme", 30, NR, ("eli",), feedback=(False, True)),
        Story("acme", 20, MU, feedback=(True,)),
        Story("acme", 10, R, feedback=(False,)),
    ]
    await History(store, example).tell_all(stories)
    fit = await fit_of(store, "acme", example)
    assert_parts(
        fit,
        {
            "valid": (1, 4, 0.25),
            "not_right": (2, 4, 0.5),
            "misunderstanding": (1, 4, 0.75),
            "abuse": (1, None, 0.5),
            "reopens": (2, 4, 0.5),
            "feedback": (3, 5, 0.6),
        },
    )
    # (0.25 + 2*0.5 + 0.75 + 2*0.5 + 0.5 + 0.6) / 8 = 4.1 / 8
    assert fit.score == pytest.approx(0.5125)
    assert (fit.band, fit.rule) == ("frank_conversation", None)


async def test_too_little_history_is_no_worse_than_watch(
    store: MemoryStore, example: Directory
) -> None:
    """One not-right complaint, reopened by a "not resolved": the score alone says part
    ways, but one judged case (fewer than min_cases = 3) is too little to judge by."""
    await History(store, example).tell(Story("globex", 5, NR, ("dana",), feedback=(False,)))
    fit = await fit_of(store, "globex", example)
    assert_parts(
        fit,
        {
            "valid": (0, 1, 0.0),
            "not_right": (1, 1, 0.0),
            "misunderstanding": (0, 1, 1.0),
            "abuse": (0, None, 1.0),
            "reopens": (1, 1, 0.0),
            "feedback": (0, 1, 0.0),
        },
    )
    assert fit.score == pytest.approx((1 + 2) / 8)  # 0.375
    assert (fit.score_band, fit.band, fit.rule) == ("part_ways", "watch", "little_history")


async def test_an_abusive_incident_keeps_a_client_off_keep(
    store: MemoryStore, example: Directory
) -> None:
    stories = [
        Story("initech", 30, R, ("dana",), abusive=True, feedback=(True,)),
        Story("initech", 20, R, ("eli",), feedback=(True,)),
        Story("initech", 10, R, feedback=(True,)),
    ]
    await History(store, example).tell_all(stories)
    fit = await fit_of(store, "initech", example)
    assert fit.part("abuse").value == 0.5
    assert fit.score == pytest.approx((1 + 2 + 1 + 1 + 1 + 1) / 8)  # 0.875
    assert (fit.score_band, fit.band, fit.rule) == ("keep", "watch", "abuse_cap")


async def test_valid_complaints_alone_never_make_a_client_a_poor_fit(
    store: MemoryStore, example: Directory
) -> None:
    """With the defaults a client of valid complaints scores at least 6/8 (the verdict
    parts and abuse are perfect); with weights that make reopens and feedback count for
    more, the score may fall below the bands, and the rule keeps it at watch."""
    weighted = example_with(fit_weights={"reopens": 6, "feedback": 6})
    await History(store, weighted).tell_all({k: FIRM[k] for k in ("I1", "I2", "I3")})
    fit = await fit_of(store, "initech", weighted)
    assert {p.name: p.weight for p in fit.parts} == {
        "valid": 1,
        "not_right": 2,
        "misunderstanding": 1,
        "abuse": 2,
        "reopens": 6,
        "feedback": 6,
    }
    # (1 + 2 + 1 + 2 + 6*0 + 6*0.4) / 18 = 8.4 / 18
    assert fit.score == pytest.approx(0.466667, abs=1e-6)
    assert fit.part("feedback").contribution == pytest.approx(2.4 / 18)
    assert (fit.score_band, fit.band, fit.rule) == ("part_ways", "watch", "valid_only")


async def test_a_part_with_nothing_to_measure_is_left_out(
    store: MemoryStore, example: Directory
) -> None:
    """One case, judged right, not resolved yet: no reopens or feedback to measure, so
    their weights do not count: (1*1 + 2*1 + 1*1 + 2*1) / 6."""
    await History(store, example).tell(Story("acme", 3, PR, ("dana",), resolve=False))
    fit = await fit_of(store, "acme", example)
    assert fit.part("reopens").value is None and not fit.part("reopens").counted
    assert fit.part("feedback").value is None and fit.part("feedback").contribution == 0
    assert fit.part("valid").contribution == pytest.approx(1 / 6)
    assert fit.score == pytest.approx(1.0)
    assert fit.band == "keep"


def test_no_case_no_score() -> None:
    fit = fit_score(ClientTotals(), ReviewSettings())
    assert fit.score is None and fit.band == "keep" and fit.rule is None
    assert all(p.value is None and p.contribution == 0 for p in fit.parts)


async def test_weights_and_bands_come_from_the_directory_file(
    store: MemoryStore, example: Directory
) -> None:
    """Globex again, with abuse weighed 6 and the frank-conversation band from 0.4:
    (1/6 + 2/3 + 5/6 + 6*0.5 + 1/3 + 4/7) / 12 = (5 + 4/7) / 12 = 0.4643."""
    directory = example_with(fit_weights={"abuse": 6}, fit_bands={"frank_conversation": 0.4})
    await seed_firm(store, directory)
    fit = await fit_of(store, "globex", directory)
    assert fit.score == pytest.approx((5 + 4 / 7) / 12)
    assert fit.part("abuse").contribution == pytest.approx(3 / 12)
    assert fit.band == "frank_conversation"


async def test_partly_right_counts_as_valid(store: MemoryStore, example: Directory) -> None:
    await History(store, example).tell_all([Story("acme", 9, PR), Story("acme", 8, R)])
    fit = await fit_of(store, "acme", example)
    assert parts(fit)["valid"] == (2, 2, 1.0)
