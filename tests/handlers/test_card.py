"""The case card's content, built once in the core for every platform (handlers.card)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from handlers.card import CardView, Item, case_card
from handlers.commands import RecordAccount
from handlers.directory import Actor, Directory
from handlers.messages import CATALOG, mention, plain
from handlers.model import Case, Event, Statement, Status
from handlers.outcome import Outcome, describe

from .conftest import ACCOUNT_TEXT, NOW


def words(view: CardView) -> list[str]:
    """Every text of the card, people by id."""
    items = [i for s in view.sections for i in s.items]
    texts = [view.title, *(f.label for f in view.fields), *(f.value for f in view.fields)]
    texts += [s.heading for s in view.sections] + [i.title for i in items] + [i.text for i in items]
    return [plain(t, lambda p: f"@{p}") for t in texts]


def section(view: CardView, name: str) -> tuple[Item, ...]:
    [found] = [s for s in view.sections if s.name == name]
    return found.items


def test_a_new_case_shows_its_facts_in_order(opened: Case, directory: Directory) -> None:
    view = case_card(opened, directory)
    en = CATALOG["en"]
    assert [f.label for f in view.fields] == [
        en[k]
        for k in (
            "card.status",
            "card.severity",
            "card.category",
            "card.due",
            "card.raised_by",
            "card.reporter",
            "card.affected",
            "card.managers",
            "card.account_manager",
        )
    ]
    due = next(f for f in view.fields if f.label == en["card.due"])
    assert due.at == opened.due_at and due.value == ""
    affected = next(f for f in view.fields if f.label == en["card.affected"])
    assert affected.value == mention("dana")  # a marker each platform renders its own way
    assert [s.name for s in view.sections] == [
        "summary",
        "client_statements",
        "accounts",
        "verdict",
    ]
    [missing] = section(view, "accounts")
    assert (missing.title, missing.muted) == (mention("dana"), True)
    assert section(view, "verdict") == (Item(CATALOG["en"]["card.none"], muted=True),)
    assert view.abuse is None
    assert [a.form for a in view.actions] == ["account", "waive", "assess", "resolve", "withdraw"]
    assert [a.form for a in view.actions if a.confirm] == ["withdraw"]


def test_a_resolved_case_shows_every_side(resolved: Case, directory: Directory) -> None:
    view = case_card(resolved, directory)
    [account] = section(view, "accounts")
    assert (account.title, account.text, account.muted) == (mention("dana"), ACCOUNT_TEXT, False)
    [verdict] = section(view, "verdict")
    assert mention("maya") in verdict.title and verdict.text == "a fair point on timing"
    assert [s.name for s in view.sections][-1] == "resolution"
    assert [a.form for a in view.actions] == ["reopen", "withdraw"]
    assert view.fallback == f"{view.title}: {CATALOG['en']['status.resolved']}"


def test_a_final_case_offers_no_action(resolved: Case, directory: Directory) -> None:
    closed = resolved.evolve(NOW, status=Status.CLOSED)
    assert case_card(closed, directory).actions == ()


def test_client_text_stays_text(opened: Case, directory: Directory, client: Actor) -> None:
    """A statement that looks like a mention or a link is escaped: no platform pings or
    links from it, and the statement is marked as the client's own words."""
    raw = "<@U0RON> <!channel> <https://evil.example|your invoice> & more"
    case = replace(opened, client_statements=(Statement(client, raw, NOW),))
    [statement] = section(case_card(case, directory), "client_statements")
    assert statement.quoted and statement.at == NOW
    assert "<" not in statement.text and ">" not in statement.text
    assert plain(statement.text, str) == raw


def test_the_card_speaks_the_directorys_language(opened: Case) -> None:
    from .conftest import make_directory

    he = CATALOG["he"]
    view = case_card(opened, make_directory("he"))
    assert view.status_label == he["status.open"]
    assert view.fields[0].label == he["card.status"]
    assert not any("Status" in w for w in words(view))
    assert case_card(opened, make_directory("he"), language="en").fields[0].label == "Status"


def test_the_timeline_is_every_event_oldest_first(
    opened: Case, directory: Directory, run: Callable[..., Outcome], dana: Actor
) -> None:
    first = Event(opened.id, NOW, "Avi", "opened", {"trigger": "mention"})
    heard = run(RecordAccount(opened.id, dana, ACCOUNT_TEXT), opened)
    view = case_card(heard.case, directory, [first, *heard.events])
    assert [i.at for i in view.timeline] == [first.at, *(e.at for e in heard.events)]
    assert [i.text for i in view.timeline] == [
        describe(e, "en") for e in [first, *heard.events]
    ]
