"""The leads' review as Adaptive Cards (bot/teams/review_cards.py), on the seeded firm of
tests/history.py: well formed, within Teams' limits, showing each view's facts, pinging
nobody, and showing client text as typed.

No Adaptive Card schema ships with the project, so `assert_valid_review_card` checks what
the 1.5 schema and Teams ask of the elements these cards use.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.review import load_view
from bot.teams import cards
from bot.teams.cards import People
from bot.teams.review_cards import chart_uri, review_card
from handlers import review
from handlers.directory import Actor, Directory
from handlers.directory_file import load_directory
from handlers.messages import HE
from handlers.model import MessageRef
from handlers.review_request import ReviewRequest, parse_review
from storage.memory import MemoryStore
from tests import card_samples
from tests.history import NOW, seed_firm
from tests.teams.harness import shown_markdown

JSON = dict[str, Any]
EXAMPLE = Path(__file__).resolve().parents[2] / "complaintbot.example.toml"
ELEMENTS = {"TextBlock", "ColumnSet", "Column", "Container", "FactSet", "Image"}
HOSTILE = "<at>Dana Levi</at> [a](http://evil) **x** {{DATE(2024-01-01T00:00:00Z)}} &amp;"
FORMS = ("", "client globex", "person dana", "open", "changes")


@pytest.fixture
def example() -> Directory:
    return load_directory(EXAMPLE)


@pytest.fixture
async def store(example: Directory) -> AsyncIterator[MemoryStore]:
    memory = MemoryStore()
    await memory.open()
    await seed_firm(memory, example)
    yield memory
    await memory.close()


async def card_for(store: MemoryStore, directory: Directory, words: str = "") -> JSON:
    request = parse_review(words, directory)
    assert isinstance(request, ReviewRequest), request
    view = await load_view(store, directory, request, NOW)
    return review_card(view, People(directory))


def walk(node: list[JSON]) -> list[JSON]:
    found = []
    for element in node:
        found.append(element)
        found += walk(element.get("columns") or element.get("items") or [])
    return found


def shown(content: JSON) -> list[str]:
    """Every text the card shows, as Teams shows it, facts as "title: value"."""
    out = []
    for element in walk(content["body"]):
        if element["type"] == "TextBlock":
            out.append(shown_markdown(element["text"]))
        elif element["type"] == "FactSet":
            out += [
                f"{shown_markdown(f['title'])}: {shown_markdown(f['value'])}"
                for f in element["facts"]
            ]
    return out


def assert_valid_review_card(content: JSON) -> None:
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.5"
    assert content["$schema"] == cards.SCHEMA
    assert cards.size(content) <= cards.CARD_BYTES
    assert isinstance(content["fallbackText"], str) and content["fallbackText"]
    assert "actions" not in content  # a review only shows
    for element in walk(content["body"]):
        assert element["type"] in ELEMENTS, element["type"]
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str) and element["text"]
            assert element["wrap"] is True
        elif element["type"] == "FactSet":
            assert element["facts"]
            assert all(set(f) == {"title", "value"} and f["title"] for f in element["facts"])
        elif element["type"] in ("Column", "Container"):
            assert element["items"]
        elif element["type"] == "Image":
            assert element["url"] and isinstance(element["altText"], str)
    # A review pings nobody: people by name, no mention entity, no <at> tag.
    assert "entities" not in content["msteams"]
    assert "<at>" not in str(content)


@pytest.mark.parametrize("words", FORMS)
async def test_every_review_form_is_a_valid_card_that_pings_nobody(
    store: MemoryStore, example: Directory, words: str
) -> None:
    content = await card_for(store, example, words)
    assert_valid_review_card(content)
    assert content["lang"] == "en" and content["rtl"] is False


async def test_the_portfolio_card_shows_each_client_poorest_fit_first(
    store: MemoryStore, example: Directory
) -> None:
    text = shown(await card_for(store, example))
    assert text[0] == "Portfolio review · last 90 days"
    heads = [t for t in text if t.startswith(("Globex ·", "Initech ·", "Acme Corp ·"))]
    assert heads == [
        "Globex · consider parting ways · 0.45",
        "Initech · watch · 0.80",
        "Acme Corp · keep · 0.92",
    ]
    assert "Not right: 4 (67%)" in text  # Globex: 4 of 6 judged
    assert any(t.startswith("Open cases (") for t in text)
    assert "investigating · Avi Katz · 10 days · 5 days overdue" in text  # A4, the only overdue


async def test_the_client_card_shows_the_fit_with_each_part_and_the_recommendation(
    store: MemoryStore, example: Directory
) -> None:
    content = await card_for(store, example, "client globex")
    text = shown(content)
    assert "Score: 0.45" in text and "Band: consider parting ways" in text
    assert "Consider parting ways: this client may be better served by another provider." in text
    rows = [
        [shown_markdown(c["items"][0]["text"]) for c in e["columns"]]
        for e in walk(content["body"])
        if e["type"] == "ColumnSet"
    ]
    assert rows[0] == ["Part", "Value", "Weight", "Contribution"]
    assert ["Not-right complaints", "0.33", "2", "0.08"] in rows
    assert ["Abusive incidents", "0.50", "2", "0.12"] in rows
    assert any("4 of 6 judged complaints were not right" in t for t in text)
    assert "weekend support" in "\n".join(text)  # a change request


async def test_the_person_card_protects_rather_than_blames(
    store: MemoryStore, example: Directory
) -> None:
    text = shown(await card_for(store, example, "person dana"))
    assert text[0] == "Dana Levi · last 90 days"  # by name: the card pings nobody
    assert "Support needed: abusive treatment by a client was flagged in C-0006." in text
    assert "• C-0006: backed by Maya Cohen, their manager, on the record." in "\n".join(text)
    assert "named · Right · counts against them" in text
    assert "named · Not right" in text  # a not-right complaint never counts against her


async def test_the_review_card_in_hebrew(store: MemoryStore, example: Directory) -> None:
    content = await card_for(store, replace(example, language="he"), "client globex")
    assert_valid_review_card(content)
    assert content["lang"] == "he" and content["rtl"] is True
    assert shown(content)[0] == HE["review.title.client"].format(client="Globex", days=90)


async def test_client_text_shows_as_typed_and_forms_nothing(example: Directory) -> None:
    """A client's name and a case's summary as the client typed them: no mention, link,
    bold or date function."""
    hostile = replace(
        example,
        clients={**example.clients, "acme": replace(example.clients["acme"], name=HOSTILE)},
    )
    case = card_samples.make_case(
        MessageRef("teams", "19:acme", "1"),
        Actor("teams", "29:1avi", "Avi", "avi"),
        Actor("teams", "29:carol", "Carol"),
        summary=HOSTILE,
        due_at=NOW - timedelta(days=1),
    )
    content = review_card(review.open_review([case], hostile, NOW), People(hostile))
    assert_valid_review_card(content)
    blocks = [e["text"] for e in walk(content["body"]) if e["type"] == "TextBlock"]
    for syntax in ("<at>", "](", "**x", "{{DATE(2024", "&amp;"):
        assert not any(syntax in re.sub(r"\\.", "", b) for b in blocks), syntax
    assert any(HOSTILE in shown_markdown(b) for b in blocks)


async def test_a_long_review_is_cut_to_fit_and_says_how_much_was_left_out(
    example: Directory,
) -> None:
    source = MessageRef("teams", "19:acme", "1")
    avi, carol = Actor("teams", "29:1avi", "Avi", "avi"), Actor("teams", "29:carol", "Carol")
    many = [
        card_samples.make_case(source, avi, carol, id=f"C-{n:04d}", summary="x" * 400)
        for n in range(300)
    ]
    content = review_card(review.open_review(many, example, NOW), People(example))
    assert_valid_review_card(content)
    assert any(re.fullmatch(r"… \+\d+", t) for t in shown(content))


def test_a_chart_too_big_for_the_card_is_left_out(example: Directory) -> None:
    view = review.open_review([], example, NOW)
    huge = "data:image/png;base64," + "A" * cards.CARD_BYTES
    content = review_card(view, People(example), chart=huge, chart_alt="t")
    assert_valid_review_card(content)
    assert all(e["type"] != "Image" for e in content["body"])


def test_chart_uri_is_a_small_palette_png_of_the_same_picture() -> None:
    drawn = Image.new("RGB", (800, 400), "white")
    drawn.paste((27, 158, 119), (100, 100, 300, 300))
    out = io.BytesIO()
    drawn.save(out, format="PNG")
    prefix, _, data = chart_uri(out.getvalue()).partition(",")
    assert prefix == "data:image/png;base64"
    with Image.open(io.BytesIO(base64.b64decode(data))) as small:
        assert small.format == "PNG" and small.mode == "P" and small.size == (800, 400)
        assert small.convert("RGB").getpixel((200, 200)) == (27, 158, 119)


def test_the_chart_is_shown_under_the_title(example: Directory) -> None:
    view = review.open_review([], example, NOW)
    content = review_card(view, People(example), chart="data:image/png;base64,AAAA", chart_alt="t")
    assert content["body"][1] == {
        "type": "Image", "url": "data:image/png;base64,AAAA", "altText": "t", "size": "Stretch"
    }  # fmt: skip
