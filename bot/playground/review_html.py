"""The leads' review as the playground's HTML: the review's blocks (`bot.review_layout`)
as headings, definition lists, tables and lists, drawn by the server so the page only
shows them.

Everything in it is escaped here (`html.escape`), the catalog's words and what clients
typed alike, so the page can insert it as it is; people are shown by name; a time is a
`<time>` with its ISO value, which the page puts in the reader's locale. The trend chart,
when there is one, is an `<img>` under the title (`chart`: a URL or a data URI).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bot import review_layout as rl
from handlers import review
from handlers.directory import Directory
from handlers.messages import Markup, plain

ROWS = 50  # the page scrolls: it shows more than a Teams card


class _Draw:
    def __init__(self, name: Callable[[str], str]) -> None:
        self.name = name

    def text(self, markup: Markup | str) -> str:
        return escape(plain(markup, self.name))

    def cell(self, cell: rl.Cell) -> str:
        if isinstance(cell, str):
            return self.text(cell)
        iso = cell.isoformat()
        return f'<time datetime="{escape(iso)}">{escape(cell.date().isoformat())}</time>'

    def block(self, block: rl.Block) -> str:
        if isinstance(block, rl.Heading) and block.title:
            return f'<h2 id="review-title">{self.text(block.text)}</h2>'
        if isinstance(block, rl.Heading):
            return f"<h3>{self.text(block.text)}</h3>"
        if isinstance(block, rl.Note):
            role = ' role="note"' if block.tone == "attention" else ""
            return f'<p class="note {block.tone}"{role} dir="auto">{self.text(block.text)}</p>'
        if isinstance(block, rl.Facts):
            return self.facts(block.rows)
        if isinstance(block, rl.Bullets):
            items = "".join(f'<li dir="auto">{self.text(item)}</li>' for item in block.items)
            return f"<ul>{items}</ul>{_more(block.more)}"
        if isinstance(block, rl.Table):
            head = "".join(f'<th scope="col">{self.cell(c)}</th>' for c in block.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{self.cell(c)}</td>" for c in row) + "</tr>"
                for row in block.rows
            )
            return (
                f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
                f"{_more(block.more)}"
            )
        entries = "".join(self.entry(entry) for entry in block.items)
        return f'<ul class="entries">{entries}</ul>{_more(block.more)}'

    def facts(self, rows: tuple[tuple[Markup, Markup], ...]) -> str:
        pairs = "".join(
            f"<div><dt>{self.text(title)}</dt><dd>{self.text(value)}</dd></div>"
            for title, value in rows
        )
        return f'<dl class="facts">{pairs}</dl>'

    def entry(self, entry: rl.Entry) -> str:
        name, *rest = entry.head
        head = " · ".join([f"<strong>{self.cell(name)}</strong>", *map(self.cell, rest)])
        parts = [f'<p class="entry-head" dir="auto">{head}</p>']
        if entry.text:
            parts.append(f'<p dir="auto">{self.text(entry.text)}</p>')
        if entry.detail:
            parts.append(f'<p class="detail" dir="auto">{self.text(entry.detail)}</p>')
        if entry.facts:
            parts.append(self.facts(entry.facts))
        alert = ' class="alert"' if entry.alert else ""
        return f"<li{alert}>{''.join(parts)}</li>"


def _more(count: int) -> str:
    return f'<p class="more">… +{count}</p>' if count else ""


def review_html(
    view: review.View, directory: Directory, chart: str | None = None, chart_alt: str = ""
) -> str:
    """`view` as one `<section>` of HTML, every text escaped, in the directory's language."""

    name = directory.person_name

    draw = _Draw(name)
    shown = rl.layout(view, directory.language, ROWS)
    body = [draw.block(block) for block in shown.blocks]  # the title first
    if chart:
        alt = escape(plain(chart_alt, name))
        body.insert(1, f'<img class="chart" src="{escape(chart)}" alt="{alt}">')
    return (
        f'<section class="review review-{shown.kind}" aria-labelledby="review-title">'
        f"{''.join(body)}</section>"
    )
