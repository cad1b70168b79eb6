"""The leads' review laid out once, for every surface that draws it.

A view (`handlers.review`) says what is shown; this says in which blocks and with which
words for its numbers (a share as "2 (33%)", hours as "26 h", the catalog's), so the
Teams card (`bot.teams.review_cards`) and the playground's HTML
(`bot.playground.review_html`) only draw blocks and cannot disagree on what a review
holds. Texts stay in the core's markup (people as `<person:ID>`, outside text escaped):
each surface decides how a person is shown and escapes for its own syntax. Long lists
are cut at `rows` entries and say how many were left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from handlers import review
from handlers.messages import Markup, text

T = TypeVar("T")
Cell = Markup | datetime  # a time: each surface shows it its own way
ROWS = 25  # entries of a list shown, unless a surface asks for fewer
DASH = Markup("—")  # nothing to show: no judged case, no resolution


@dataclass(frozen=True)
class Heading:
    text: Markup
    title: bool = False  # the view's title, not a section's


@dataclass(frozen=True)
class Facts:
    rows: tuple[tuple[Markup, Markup], ...]


@dataclass(frozen=True)
class Table:
    header: tuple[Markup, ...]
    rows: tuple[tuple[Cell, ...], ...]
    more: int = 0


@dataclass(frozen=True)
class Entry:
    head: tuple[Cell, ...]  # the first is the entry's name, shown strong
    text: Markup = Markup("")
    detail: Markup = Markup("")
    facts: tuple[tuple[Markup, Markup], ...] = ()
    alert: bool = False  # overdue, or abuse flagged


@dataclass(frozen=True)
class Entries:
    items: tuple[Entry, ...]
    more: int = 0


@dataclass(frozen=True)
class Bullets:
    items: tuple[Markup, ...]
    more: int = 0


@dataclass(frozen=True)
class Note:
    text: Markup
    tone: str = "subtle"  # "subtle", "strong" or "attention"


Block = Heading | Facts | Table | Entries | Bullets | Note


@dataclass(frozen=True)
class Layout:
    kind: str  # "portfolio", "client", "person", "open" or "changes"
    title: Markup
    blocks: tuple[Block, ...]


# --- numbers in words -----------------------------------------------------------------------


class Words:
    """The catalog's words for the review's numbers, in one language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **params: object) -> Markup:
        return text(self.language, key, **params)

    @staticmethod
    def number(value: float) -> Markup:
        return Markup(f"{value:.2f}")

    @staticmethod
    def percent(share: float) -> str:
        return f"{round(share * 100)}"

    def share(self, count: int, share: float | None) -> Markup:
        if share is None:
            return Markup(str(count))
        return Markup(f"{count} ({self.percent(share)}%)")  # digits read alike in every language

    def hours(self, hours: float | None) -> Markup:
        """Under two days in hours, else in days."""
        if hours is None:
            return DASH
        if hours < 48:
            return self("review.hours", hours=f"{hours:.0f}" if hours >= 10 else f"{hours:.1f}")
        return self("review.days", count=f"{hours / 24:.0f}")

    def feedback(self, tally: review.FeedbackTally) -> Markup:
        return self(
            "review.feedback_tally", resolved=tally.resolved, not_resolved=tally.not_resolved
        )

    def score(self, score: float | None) -> Markup:
        return DASH if score is None else self.number(score)


def joined(*parts: Markup | str) -> Markup:
    """Markup parts (or numbers) as one line, the empty ones left out."""
    return Markup(" · ".join(p for p in parts if p))


def _cut(items: Sequence[T], rows: int) -> tuple[tuple[T, ...], int]:
    return tuple(items[:rows]), max(0, len(items) - rows)


def _mix(mix: review.VerdictMix, labels: dict[str, Markup], words: Words) -> Facts:
    return Facts(
        tuple(
            (labels[f"verdict.{v}"], words.share(mix.counts[v], mix.shares[v]))
            for v in review.VERDICTS
        )
        + ((labels["unjudged"], Markup(str(mix.unjudged))),)
    )


def _listed(items: Sequence[Markup], rows: int, words: Words) -> Block:
    if not items:
        return Note(words("review.none"))
    shown, more = _cut(items, rows)
    return Bullets(shown, more)


# --- the views --------------------------------------------------------------------------------


def _open(view: review.OpenView, words: Words, rows: int) -> list[Block]:
    labels = dict(view.labels)
    if not view.cases:
        return [Note(words("review.none"))]
    owners, more_owners = _cut(view.owners, rows)
    cases, more_cases = _cut(view.cases, rows)
    return [
        Heading(words("review.label.owners")),
        Table(
            (labels["owner"], labels["open"], labels["overdue"], labels["age"]),
            tuple(
                (
                    load.label,
                    Markup(str(load.open)),
                    Markup(str(load.overdue)),
                    words("review.days", count=load.oldest_days),
                )
                for load in owners
            ),
            more_owners,
        ),
        Heading(labels["open"]),
        Entries(
            tuple(
                Entry(
                    head=(Markup(line.case_id), line.client, line.severity_label),
                    text=line.summary,
                    detail=joined(
                        line.status_label,
                        line.owner_label,
                        words("review.days", count=line.age_days),
                        words("review.overdue_by", days=line.overdue_days) if line.overdue else "",
                    ),
                    alert=line.overdue,
                )
                for line in cases
            ),
            more_cases,
        ),
    ]


def _open_view(view: review.OpenView, words: Words, rows: int) -> list[Block]:
    labels = view.labels
    totals = Facts(
        ((labels["open"], Markup(str(view.total))), (labels["overdue"], Markup(str(view.overdue))))
    )
    return [Heading(view.title, title=True), totals, *_open(view, words, rows)]


def _portfolio(view: review.PortfolioView, words: Words, rows: int) -> list[Block]:
    labels = dict(view.labels)
    clients, more = _cut(view.clients, rows)
    entries = Entries(
        tuple(
            Entry(
                head=(line.name, line.band_label, words.score(line.score)),
                facts=(
                    (labels["cases"], Markup(str(line.cases))),
                    *_mix(line.mix, labels, words).rows,
                    (labels["median_resolve"], words.hours(line.median_hours_to_resolve)),
                    (labels["feedback"], words.feedback(line.feedback)),
                ),
                alert=line.band == "part_ways",
            )
            for line in clients
        ),
        more,
    )
    return [
        Heading(view.title, title=True),
        Heading(labels["clients"]),
        entries,
        Heading(view.open.title),
        *_open(view.open, words, rows),
    ]


def _fit(fit: review.FitView, labels: dict[str, Markup], words: Words) -> list[Block]:
    table = Table(
        (labels["part"], labels["value"], labels["weight"], labels["contribution"]),
        tuple(
            (
                part.label,
                DASH if part.value is None else words.number(part.value),
                Markup(f"{part.weight:g}"),
                words.number(part.contribution) if part.counted else DASH,
            )
            for part in fit.parts
        ),
    )
    details = Bullets(tuple(Markup(f"{part.label}: {part.detail}") for part in fit.parts))
    return [Heading(labels["fit"]), table, details]


def _client(view: review.ClientView, words: Words, rows: int) -> list[Block]:
    labels = {**view.labels, "part": words("review.label.part")}
    fit = view.fit
    history, more = _cut(view.history, rows)
    return [
        Heading(view.title, title=True),
        Facts(
            (
                (labels["cases"], Markup(str(view.cases))),
                (labels["judged"], Markup(str(view.mix.judged))),
                (labels["median_resolve"], words.hours(view.median_hours_to_resolve)),
                (labels["feedback"], words.feedback(view.feedback)),
                (labels["score"], words.score(fit.score)),
                (labels["band"], fit.band_label),
            )
        ),
        Heading(labels["recommendation"]),
        Note(fit.recommendation.headline, "attention" if fit.band == "part_ways" else "strong"),
        Bullets(fit.recommendation.reasons),
        *_fit(fit, labels, words),
        Heading(labels["verdict"]),
        _mix(view.mix, labels, words),
        Heading(labels["themes"]),
        Facts(tuple((t.label, Markup(str(t.cases))) for t in view.themes))
        if view.themes
        else Note(words("review.none")),
        Heading(labels["change_requests"]),
        _listed([c.text for c in view.change_requests], rows, words),
        Heading(words("review.label.comments")),
        _listed(view.feedback.comments, rows, words),
        Heading(labels["history"]),
        Entries(
            tuple(
                Entry(
                    head=(Markup(line.case_id), line.opened_at, line.category_label),
                    text=line.summary,
                    detail=joined(
                        line.status_label,
                        line.verdict_label,
                        words("review.flag.reopened", count=line.reopens) if line.reopens else "",
                        words("review.flag.abuse") if line.abuse else "",
                    ),
                    alert=line.abuse,
                )
                for line in history
            ),
            more,
        )
        if view.history
        else Note(words("review.none")),
    ]


def _person(view: review.PersonView, words: Words, rows: int) -> list[Block]:
    labels = dict(view.labels)
    cases, more = _cut(view.cases, rows)
    involved = tuple(
        (words(f"review.role.{role}"), Markup(str(n))) for role, n in view.involved.items()
    )
    return [
        Heading(view.title, title=True),
        Note(view.note),
        *[Note(flag.text, "attention") for flag in view.support],
        Heading(words("review.label.involved")),
        Facts((*involved, (labels["valid"], Markup(str(view.valid))))),
        Heading(labels["verdict"]),
        _mix(view.named, labels, words),
        Heading(labels["backing"]),
        _listed([b.text for b in view.backing], rows, words),
        Heading(labels["cases"]),
        Entries(
            tuple(
                Entry(
                    head=(Markup(line.case_id), line.client, line.opened_at),
                    detail=joined(
                        line.role_label,
                        line.verdict_label,
                        words("review.flag.counts_against") if line.counts_against else "",
                        words("review.flag.abuse") if line.abuse else "",
                    ),
                    alert=line.abuse,
                )
                for line in cases
            ),
            more,
        )
        if view.cases
        else Note(words("review.none")),
    ]


def _changes(view: review.ChangesView, words: Words, rows: int) -> list[Block]:
    labels = view.labels
    blocks: list[Block] = [Heading(view.title, title=True), Note(view.note)]
    if not view.themes:
        blocks.append(Note(words("review.none")))
    for theme in view.themes:
        counts = joined(
            Markup(f"{labels['clients']}: {theme.clients}"),
            Markup(f"{labels['requests']}: {theme.requests}"),
        )
        blocks.append(Heading(joined(theme.label, counts)))
        blocks.append(_listed([joined(i.text, i.client) for i in theme.items], rows, words))
    return blocks


LAYOUTS: dict[type, tuple[str, Callable[..., list[Block]]]] = {
    review.PortfolioView: ("portfolio", _portfolio),
    review.ClientView: ("client", _client),
    review.PersonView: ("person", _person),
    review.OpenView: ("open", _open_view),
    review.ChangesView: ("changes", _changes),
}


def layout(view: review.View, language: str, rows: int = ROWS) -> Layout:
    """`view` as blocks, its numbers in `language` (the view's own), lists cut at `rows`."""
    kind, build = LAYOUTS[type(view)]
    return Layout(kind, view.title, tuple(build(view, Words(language), rows)))
