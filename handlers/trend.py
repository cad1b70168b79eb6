"""Cases per client per month, by verdict: the series the review's trend chart draws.

Pure, like the views (`handlers.review`): the totals of each client's cases by month
(`monthly_totals`, which a store may count itself: `Store.monthly_totals`) and the review
window in, numbers and catalog labels out. An adapter draws it (`bot.chart` as a PNG) or
shows it as a table; the months are ISO `YYYY-MM`, which read the same in every language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from handlers.directory import Directory
from handlers.fit import CaseFacts, ClientTotals, totals
from handlers.messages import Markup, escape, text
from handlers.review import VERDICTS, Window

UNJUDGED = "unjudged"
KEYS = (*VERDICTS, UNJUDGED)  # the series of each client, in the order they stack
MAX_CLIENTS = 8  # the portfolio's chart shows the clients with the most cases


@dataclass(frozen=True)
class ClientTrend:
    client_id: str
    name: Markup
    counts: Mapping[str, tuple[int, ...]]  # verdict value or UNJUDGED -> cases per month


@dataclass(frozen=True)
class Trend:
    title: Markup
    months: tuple[str, ...]  # YYYY-MM, oldest first, every month of the window
    labels: Mapping[str, Markup]  # KEYS -> legend label
    clients: tuple[ClientTrend, ...]  # the most cases first


def month(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def months(span: Window) -> tuple[str, ...]:
    found, year, number = [], span.since.year, span.since.month
    while (year, number) <= (span.until.year, span.until.month):
        found.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return tuple(found)


Monthly = Mapping[tuple[str, str], ClientTotals]  # (client id, YYYY-MM) -> its totals


def monthly_totals(history: Iterable[CaseFacts]) -> dict[tuple[str, str], ClientTotals]:
    """`handlers.fit.totals` of each client's cases by the month they opened in."""
    grouped: dict[tuple[str, str], list[CaseFacts]] = {}
    for f in history:
        grouped.setdefault((f.case.client_id, month(f.case.created_at)), []).append(f)
    return {key: totals(facts_of) for key, facts_of in grouped.items()}


def trend(
    monthly: Monthly, directory: Directory, span: Window, language: str | None = None
) -> Trend:
    """The cases opened in `span` (their `monthly_totals`), counted by client, month and
    verdict (or unjudged)."""
    lang = language or directory.language
    shown = months(span)
    counted: dict[str, Counter[tuple[str, str]]] = {}
    for (client_id, at), counts in monthly.items():
        if at in shown:
            counter = counted.setdefault(client_id, Counter())
            counter.update({(verdict, at): n for verdict, n in counts.verdicts.items()})
            counter[UNJUDGED, at] += counts.cases - counts.judged
    ranked = sorted(counted, key=lambda c: (-sum(counted[c].values()), c))[:MAX_CLIENTS]

    def name(client_id: str) -> Markup:
        return escape(directory.client_name(client_id))

    labels = {v: text(lang, f"review.verdict.{v}") for v in VERDICTS}
    labels[UNJUDGED] = text(lang, "review.label.unjudged")
    return Trend(
        title=text(lang, "review.chart.title", days=span.days),
        months=shown,
        labels=labels,
        clients=tuple(
            ClientTrend(c, name(c), {k: tuple(counted[c][k, m] for m in shown) for k in KEYS})
            for c in ranked
        ),
    )
