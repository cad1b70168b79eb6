"""The leads' review on every adapter: a lead sees the same review, to them alone, and
nobody else sees any of it; anyone else, and a typo, get the same answer everywhere.

The example directory: Ron is the only lead; Avi is Acme's account manager. Each
platform lays a review out its own way (Block Kit lines, a card's blocks, the page's
HTML), so what is compared is what each shows: the title, and the facts that must be
there, as the catalog words them.
"""

from __future__ import annotations

import pytest

from tests.scenarios.drivers import Driver, Reviewed
from tests.scenarios.test_flow import COMPLAINT, open_case, say

SUMMARY = COMPLAINT.format(dana="@Dana Levi")


def lines(shown: Reviewed) -> list[str]:
    """The review's lines without Slack's bold marks (Teams and the page show bold too)."""
    return [line.replace("*", "") for line in shown.texts]


def having(found: list[str], *words: str) -> bool:
    return any(all(w in line for w in words) for line in found)


@pytest.mark.parametrize(
    ("words", "title", "facts"),
    [
        ("open", say("review.title.open", count="1"), [("C-0001", "Acme Corp"), (SUMMARY,)]),
        (
            "client acme",
            say("review.title.client", client="Acme Corp", days="90"),
            [(say("fit.recommend.keep"),), ("C-0001",), (SUMMARY,)],
        ),
        (
            "person @{dana}",
            say("review.title.person", person="Dana Levi", days="90"),
            [("C-0001", "Acme Corp"), (say("review.person_note"),)],
        ),
        (
            "",
            say("review.title.portfolio", days="90"),
            [("Acme Corp", "keep"), ("Globex",), ("Initech",), ("C-0001", "Acme Corp")],
        ),
        ("changes", say("review.title.changes", days="90"), [(say("review.changes_note"),)]),
    ],
)
async def test_a_lead_sees_the_same_review_on_every_platform(
    driver: Driver, words: str, title: str, facts: list[tuple[str, ...]]
) -> None:
    case_id = await open_case(driver)
    thread = await driver.client_thread(case_id)
    shown = await driver.review("ron", words)
    assert shown.refusal is None and shown.told_to == {"ron"}
    found = lines(shown)
    assert found[0] == title
    for fact in facts:
        assert having(found, *fact), (fact, found)
    await driver.settle()
    assert await driver.client_thread(case_id) == thread  # nothing of it reaches the client


async def test_anyone_but_a_lead_is_refused_alone_and_sees_no_data(driver: Driver) -> None:
    case_id = await open_case(driver)
    thread = await driver.client_thread(case_id)
    shown = await driver.review("avi", "client acme")
    assert shown == Reviewed(refusal=say("refuse.review_leads_only"), told_to=frozenset({"avi"}))
    await driver.settle()
    assert await driver.client_thread(case_id) == thread


async def test_a_typo_gets_the_usage_and_the_nearest_names(driver: Driver) -> None:
    shown = await driver.review("ron", "client acmee")
    assert shown.texts == () and shown.told_to == {"ron"}
    assert shown.refusal == "\n".join(
        [
            say("refuse.review_unknown_client", name="acmee"),
            say("review.did_you_mean", names="Acme Corp (acme)"),
            say("usage.review"),
        ]
    )
