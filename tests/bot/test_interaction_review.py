"""`review ...` in the interaction layer: a lead's words become the view they ask for
(and the trend chart's series), anyone else's a refusal with no data; on the seeded firm
(tests/history.py) through the real core, so each view is what the store holds."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.interaction import Interactions, Notice, Reviewed, ShowReview
from bot.service import CaseService
from handlers import review
from handlers.directory import Actor, Directory
from handlers.messages import CATALOG, mention
from storage.tinydb_store import TinyDBStore
from tests.history import NOW, monthly, seed_firm

EN = CATALOG["en"]


@pytest.fixture
async def layer(store: TinyDBStore, directory: Directory) -> Interactions:
    await seed_firm(store, directory)
    return Interactions(CaseService(store, directory, clock=lambda: NOW), "slack")


async def ask(layer: Interactions, person_id: str, words: str) -> ShowReview | Notice:
    person = layer.directory.people[person_id]
    return await layer.reviewed(Reviewed(Actor("slack", "U1", person.name, person_id), words))


async def test_a_lead_gets_the_portfolio_and_its_chart_series(layer: Interactions) -> None:
    answer = await ask(layer, "ron", "")
    assert isinstance(answer, ShowReview) and isinstance(answer.view, review.PortfolioView)
    assert [c.band for c in answer.view.clients] == ["part_ways", "watch", "keep"]
    trend = answer.trend
    assert trend is not None and trend.months == ("2025-03", "2025-04", "2025-05", "2025-06")
    assert {c.client_id for c in trend.clients} == {"acme", "globex", "initech"}
    for line in trend.clients:
        drawn = Counter(
            {
                (verdict, month): n
                for verdict, counts in line.counts.items()
                for month, n in zip(trend.months, counts, strict=True)
                if n
            }
        )
        assert drawn == monthly(line.client_id), line.client_id


async def test_a_lead_gets_one_client_with_its_own_series(layer: Interactions) -> None:
    answer = await ask(layer, "ron", "client globex")
    assert isinstance(answer, ShowReview) and isinstance(answer.view, review.ClientView)
    assert answer.view.client_id == "globex"
    assert answer.trend and [c.client_id for c in answer.trend.clients] == ["globex"]


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        (f"person {mention('dana')}", review.PersonView),
        ("open", review.OpenView),
        ("changes", review.ChangesView),
    ],
)
async def test_the_other_views_come_without_a_chart(
    layer: Interactions, words: str, kind: type
) -> None:
    answer = await ask(layer, "ron", words)
    assert isinstance(answer, ShowReview) and isinstance(answer.view, kind)
    assert answer.trend is None


async def test_a_person_marker_names_the_person_reviewed(layer: Interactions) -> None:
    answer = await ask(layer, "ron", f"person {mention('eli')}")
    assert isinstance(answer, ShowReview) and isinstance(answer.view, review.PersonView)
    assert answer.view.person_id == "eli"


async def test_anyone_but_a_lead_is_refused_without_any_data(layer: Interactions) -> None:
    for words in ("", "client globex", "open"):
        answer = await ask(layer, "maya", words)
        assert answer == Notice(EN["refuse.review_leads_only"], refused=True)


async def test_a_typo_gets_the_usage_and_the_nearest_names(layer: Interactions) -> None:
    answer = await ask(layer, "ron", "client globx")
    assert isinstance(answer, Notice) and answer.refused
    assert "There is no client globx" in answer.text and "Globex" in answer.text
    assert EN["usage.review"] in answer.text
