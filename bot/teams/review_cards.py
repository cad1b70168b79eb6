"""The leads' review as an Adaptive Card (schema 1.5, like `bot.teams.cards`).

Draws the review's blocks (`bot.review_layout`): headings and notes as TextBlocks, facts
as FactSets, tables and entries as ColumnSets and Containers, every TextBlock wrapping.
A review is read by one lead in their 1:1 chat with the bot, so nobody in it is pinged:
people are shown by name, never as mention entities. Every text, the catalog's and what
clients typed alike, is escaped as TextBlock Markdown (`cards.escape_markdown`). The
card keeps under `cards.CARD_BYTES`: lists are cut shorter, and long texts cut, until it
fits. The trend chart, when there is one, is an image under the title: a data URI of
the PNG (`chart_uri`), made small enough to go inside the card with it.
"""

from __future__ import annotations

import base64
import io
import logging
from typing import Any

from PIL import Image

from bot import review_layout as rl
from bot.teams.cards import (
    CARD_BYTES,
    ELLIPSIS,
    JSON,
    People,
    adaptive_card,
    date,
    escape_markdown,
    size,
)
from handlers import review
from handlers.messages import Markup

log = logging.getLogger(__name__)

CHART_COLOURS = 64  # a chart is flat colours and anti-aliased text: a palette PNG keeps it
# (entries of a list, characters of one text): tried in order until the card fits.
BUDGETS = ((25, 500), (10, 250), (5, 120), (3, 80))
TONES: dict[str, JSON] = {
    "subtle": {"isSubtle": True},
    "strong": {"weight": "Bolder"},
    "attention": {"color": "Attention"},
}


class _Draw:
    def __init__(self, people: People, limit: int) -> None:
        self.people, self.limit = people, limit

    def text(self, markup: Markup | str) -> str:
        shown = self.people.plain(markup)
        if len(shown) > self.limit:
            shown = shown[: self.limit].rstrip() + ELLIPSIS
        return escape_markdown(shown)

    def cell(self, cell: rl.Cell) -> str:
        return self.text(cell) if isinstance(cell, str) else date(cell)

    def blocks(self, block: rl.Block) -> list[JSON]:
        if isinstance(block, rl.Heading):
            if block.title:
                return [_text(self.text(block.text), size="Large", weight="Bolder")]
            return [_text(self.text(block.text), weight="Bolder", separator=True, spacing="Medium")]
        if isinstance(block, rl.Note):
            return [_text(self.text(block.text), **TONES[block.tone])]
        if isinstance(block, rl.Facts):
            return [self.facts(block.rows)]
        if isinstance(block, rl.Bullets):
            lines = "\n\n".join(f"• {self.text(item)}" for item in block.items)
            return [_text(lines), *_more(block.more)]
        if isinstance(block, rl.Table):
            return [
                self.row(block.header, bold=True),
                *map(self.row, block.rows),
                *_more(block.more),
            ]
        return [*map(self.entry, block.items), *_more(block.more)]

    def facts(self, rows: tuple[tuple[Markup, Markup], ...]) -> JSON:
        facts = [{"title": self.text(title), "value": self.text(value)} for title, value in rows]
        return {"type": "FactSet", "facts": facts}

    def row(self, cells: tuple[rl.Cell, ...], bold: bool = False) -> JSON:
        weight = {"weight": "Bolder"} if bold else {}
        columns = [
            {
                "type": "Column",
                "width": 3 if i == 0 else 2,
                "items": [_text(self.cell(c), **weight)],
            }
            for i, c in enumerate(cells)
        ]
        return {"type": "ColumnSet", "spacing": "Small", "columns": columns}

    def entry(self, entry: rl.Entry) -> JSON:
        name, *rest = entry.head
        head = " · ".join([f"**{self.cell(name)}**", *map(self.cell, rest)])
        items = [_text(head)]
        if entry.text:
            items.append(_text(self.text(entry.text), spacing="None"))
        if entry.detail:
            tone = {"color": "Attention"} if entry.alert else {"isSubtle": True}
            items.append(_text(self.text(entry.detail), spacing="None", **tone))
        if entry.facts:
            items.append(self.facts(entry.facts))
        return {"type": "Container", "separator": True, "items": items}


def _text(text: str, **style: Any) -> JSON:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _more(count: int) -> list[JSON]:
    return [_text(f"{ELLIPSIS} +{count}", isSubtle=True)] if count else []


def chart_uri(png: bytes) -> str:
    """A chart's PNG as a data URI small enough for a Teams card: as a palette PNG (a
    few kilobytes, where matplotlib's true-colour one would not fit a message)."""
    with Image.open(io.BytesIO(png)) as drawn:
        palette = drawn.convert("RGB").quantize(CHART_COLOURS)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def review_card(
    view: review.View, people: People, chart: str | None = None, chart_alt: str = ""
) -> JSON:
    """`view` as an Adaptive Card in the directory's language, within CARD_BYTES; with
    `chart` (an image URL or data URI) the trend chart under the title, left out (and
    logged) if even the shortest card would not fit with it."""
    content = _card(view, people, chart, chart_alt)
    if chart and size(content) > CARD_BYTES:
        log.warning("the review's chart does not fit a Teams card: sent without it")
        return _card(view, people, None, "")
    return content


def _card(view: review.View, people: People, chart: str | None, chart_alt: str) -> JSON:
    language = people.language
    for rows, limit in BUDGETS:
        draw = _Draw(people, limit)
        body = [
            element
            for block in rl.layout(view, language, rows).blocks
            for element in draw.blocks(block)
        ]
        if chart:
            image = {"type": "Image", "url": chart, "altText": chart_alt, "size": "Stretch"}
            body.insert(1, image)
        content = adaptive_card(body, [], language, fallbackText=people.plain(view.title))
        if size(content) <= CARD_BYTES:
            break
    return content
