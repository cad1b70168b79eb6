"""`/review` in the playground, through its HTTP API on the real server: the seeded firm
(tests/history.py) is in the store and the bot's clock stands at its "now", so a lead
sees each view as HTML for them alone, and nothing is posted in any channel; anyone
else, and bad words, get a notice to them alone."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from handlers.directory_file import load_directory
from handlers.messages import text
from storage.tinydb_store import TinyDBStore
from tests.history import NOW, seed_firm

from .conftest import EXAMPLE, Playground

HOSTILE = '<script>alert(1)</script> & <b>"Globex"</b>'


class Shown(HTMLParser):
    """An HTML fragment's texts, and its tags (to show nothing a client typed is one)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data.strip())

    @property
    def text(self) -> str:
        return " ".join(self.texts)


async def seeded(tmp_path: Path, directory: Path = EXAMPLE) -> Playground:
    playground = Playground(tmp_path, directory)
    store = TinyDBStore(playground.settings.database_url)
    await store.open()
    await seed_firm(store, load_directory(directory))
    await store.close()
    playground.settings = replace(playground.settings, clock_start=NOW)
    return await playground.start()


@pytest.fixture
async def firm(tmp_path: Path) -> AsyncIterator[Playground]:
    running = await seeded(tmp_path)
    try:
        yield running
    finally:
        await running.stop()


def messages(playground: Playground) -> int:
    workspace = playground.adapter.workspace
    return sum(len(c.messages) for c in workspace.channels.values())


@pytest.mark.parametrize(
    ("words", "title"),
    [
        ("/review", "Portfolio review · last 90 days"),
        ("/review client Globex", "Globex · last 90 days"),
        ("/review person @Dana Levi", "Dana Levi · last 90 days"),
        ("/review open", "Open cases (5)"),
        ("/review changes", "Change requests by theme · last 90 days"),
    ],
)
async def test_a_lead_sees_each_review_for_them_alone(
    firm: Playground, words: str, title: str
) -> None:
    before = messages(firm)
    answer = await firm.say("ron", "client-acme", words)
    assert answer["ok"] is True
    shown = Shown(answer["review"])
    assert shown.texts[0] == title
    assert "script" not in shown.tags
    assert messages(firm) == before  # nothing posted, in the client channel or anywhere
    assert firm.notices("ron") == []
    charts = re.findall(
        r'<img class="chart" src="data:image/png;base64,([^"]+)" alt="([^"]*)">', answer["review"]
    )
    if words in ("/review", "/review client Globex"):  # where the trend chart helps
        ((data, alt),) = charts
        assert alt.startswith("Cases per client per month, by verdict")
        with Image.open(io.BytesIO(base64.b64decode(data))) as png:
            assert png.format == "PNG"
    else:
        assert charts == []


async def test_the_client_review_shows_the_fit_parts_and_the_recommendation(
    firm: Playground,
) -> None:
    answer = await firm.say("ron", "internal", "/review client globex")
    shown = Shown(answer["review"])
    assert "Consider parting ways: this client may be better served by another provider." in (
        shown.texts
    )
    # The fit table: each part with its value, weight and contribution.
    cells = re.findall(r"<tr>(.*?)</tr>", answer["review"])
    rows = [Shown(row).texts for row in cells]
    assert ["Not-right complaints", "0.33", "2", "0.08"] in rows
    assert ["Abusive incidents", "0.50", "2", "0.12"] in rows
    assert '<time datetime="2025-05-22T09:00:00+00:00">2025-05-22</time>' in answer["review"]


async def test_a_non_lead_is_refused_politely_and_sees_no_data(firm: Playground) -> None:
    before = messages(firm)
    answer = await firm.say("avi", "client-acme", "/review client globex")
    assert answer == {"ok": False, "notice": text("en", "refuse.review_leads_only")}
    assert "review" not in answer
    assert firm.notices("avi") == [text("en", "refuse.review_leads_only")]
    assert firm.notices("ron") == [] and messages(firm) == before


async def test_bad_words_get_the_usage_and_the_nearest_names(firm: Playground) -> None:
    answer = await firm.say("ron", "internal", "/review client Globx")
    assert answer["ok"] is False and "review" not in answer
    lines = answer["notice"].split("\n")
    assert lines[0] == "There is no client Globx in the directory."
    assert lines[1] == "Did you mean: Globex (globex)?"
    assert lines[2] == text("en", "usage.review")
    person = await firm.say("ron", "internal", "/review person @Dana")  # her first name
    assert Shown(person["review"]).texts[0] == "Dana Levi · last 90 days"


async def test_a_client_name_is_shown_as_typed(tmp_path: Path) -> None:
    toml = EXAMPLE.read_text(encoding="utf-8").replace('name = "Globex"', f"name = '{HOSTILE}'")
    assert HOSTILE in toml
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(toml, encoding="utf-8")
    playground = await seeded(tmp_path, hostile)
    try:
        answer = await playground.say("ron", "internal", "/review")
    finally:
        await playground.stop()
    shown = Shown(answer["review"])
    assert "script" not in shown.tags and "b" not in shown.tags
    assert any(t.startswith(HOSTILE) for t in shown.texts)
