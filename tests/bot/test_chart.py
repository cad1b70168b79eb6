"""The review's trend chart: a real PNG of the seeded firm's cases per client per month,
by verdict, drawn from the series it shows; and in Hebrew with a font that has every
letter."""

from __future__ import annotations

import io
import warnings
from dataclasses import replace

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image

from bot.chart import DPI, FONT, WIDTH, draw, render
from bot.review import load_trend
from handlers.directory import Directory
from handlers.messages import escape, plain
from handlers.review_request import ReviewRequest
from handlers.trend import KEYS, Trend
from storage.tinydb_store import TinyDBStore
from tests.history import NOW, monthly, seed_firm


def told(client_id: str, months: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """What the stories say of a client: per verdict, its cases in each month."""
    counted = monthly(client_id)
    return {key: tuple(counted[key, month] for month in months) for key in KEYS}


@pytest.fixture
async def portfolio(store: TinyDBStore, directory: Directory) -> Trend:
    await seed_firm(store, directory)
    trend = await load_trend(store, directory, ReviewRequest("portfolio"), NOW)
    assert trend is not None
    return trend


async def test_the_chart_is_a_png_of_what_the_stories_say(portfolio: Trend) -> None:
    chart = await render(portfolio)
    image = Image.open(io.BytesIO(chart.png))
    image.verify()  # a whole, readable PNG
    assert image.format == "PNG" and image.size[0] == WIDTH * DPI
    assert image.size[1] > image.size[0] / 2  # three panels, one a client
    assert set(chart.drawn) == {"acme", "globex", "initech"}
    for client_id, series in chart.drawn.items():
        assert series == told(client_id, portfolio.months), client_id
    assert sum(sum(s) for series in chart.drawn.values() for s in series.values()) == 15


async def test_one_client_is_one_panel(store: TinyDBStore, directory: Directory) -> None:
    await seed_firm(store, directory)
    trend = await load_trend(store, directory, ReviewRequest("client", "globex"), NOW)
    assert trend is not None
    assert draw(trend).drawn == {"globex": told("globex", trend.months)}


async def test_hebrew_labels_are_drawn_with_a_font_that_has_them(
    store: TinyDBStore, directory: Directory
) -> None:
    await seed_firm(store, directory)
    trend = await load_trend(store, directory, ReviewRequest("portfolio"), NOW, "he")
    assert trend is not None
    words = plain(trend.title, str) + "".join(trend.labels.values())
    hebrew = {c for c in words if "\u0590" <= c <= "\u05ff"}
    assert len(hebrew) > 10, "the labels are Hebrew"
    font = FT2Font(font_manager.findfont(FONT, fallback_to_default=False))
    assert all(font.get_char_index(ord(c)) for c in hebrew)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of every glyph a font lacks
        chart = draw(trend)
    assert Image.open(io.BytesIO(chart.png)).format == "PNG"


def test_a_client_name_is_shown_as_typed_never_read_as_mathtext(portfolio: Trend) -> None:
    odd = replace(portfolio.clients[0], name=escape(r"$\frac$ Ltd"))  # bad mathtext
    chart = draw(replace(portfolio, clients=(odd,)))
    assert Image.open(io.BytesIO(chart.png)).format == "PNG"
