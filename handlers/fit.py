"""The fit score: a transparent reading of one client's case history.

Not every client is a fit for the firm, and leads decide that, not the bot: the score
only puts the history in numbers, each part shown with its weight, so a lead can see
why a client lands where it does. The stance it encodes: invalid complaints (judged
not right, or a misunderstanding of what was agreed) count against the client's fit,
never against a person; valid ones (right, partly right) are the firm's to fix and never
make a client "not a fit" on their own; abusive treatment of staff always counts.

The parts, each a number from 0 to 1 where 1 is the best fit, over the client's cases
(the review reads the last `window_days`, see `handlers.review_config`):

- `valid`: the share of judged cases (those with a verdict) judged right or partly right;
- `not_right`: 1 minus the share of judged cases judged not right;
- `misunderstanding`: 1 minus the share judged a misunderstanding of what was agreed;
- `abuse`: 1 / (1 + the number of cases where abusive treatment of staff was flagged):
  1 with none, 0.5 after one, 0.33 after two; one incident is one too many, whatever
  the client's volume;
- `reopens`: 1 minus the share of resolved cases (resolved at least once) that were
  reopened at least once, by the client's "not resolved" or by the firm;
- `feedback`: the share of the client's feedback answers that said "resolved".

A part with nothing to measure (no judged case, no resolution, no answer) is left out
rather than guessed: its weight does not count. The score is the weighted mean of the
parts that count: sum(weight * value) / sum(weight), 0..1; each part's `contribution`
is its share of that sum, so the contributions add up to the score. With no case at
all there is no score (None), and the band is "keep".

Bands by score (defaults): keep from 0.85, watch from 0.65, a frank conversation from
0.5, below that consider parting ways. Two rules go over the score, and say so
(`FitScore.rule`):

- `abuse_cap`: a client with an abusive incident is at best "watch": we back our people;
- `little_history` / `valid_only`: without an abusive incident, a client is at worst
  "watch" while it has fewer than `min_cases` judged cases, or while none of its
  complaints was judged not right or a misunderstanding: valid complaints alone never
  make a client a poor fit, whatever the weights.

Effort (hours spent on a client's cases) is not a part: the case model records no
effort. It can join as one more part once cases record it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from handlers.model import Case, Event, Feedback, Status, Verdict
from handlers.review_config import BANDS, FIT_PARTS, ReviewSettings

VALID = frozenset({Verdict.RIGHT, Verdict.PARTLY_RIGHT})
INVALID = frozenset({Verdict.NOT_RIGHT, Verdict.MISUNDERSTANDING})


@dataclass(frozen=True)
class ReviewCase:
    """What the review reads of a case in its history, and no more: a store answers a
    portfolio of 100k cases with these (`Store.case_history`) without decoding whole cases
    (their statements, accounts, people and deadlines are most of their size)."""

    id: str
    client_id: str
    category: str
    summary: str
    status: Status
    created_at: datetime
    verdict: Verdict | None
    abuse_flagged: bool
    resolution: str | None
    change_requests: tuple[str, ...]
    feedback: tuple[Feedback, ...]

    @property
    def number(self) -> int:
        return int(self.id.split("-", 1)[1])

    @classmethod
    def of(cls, case: Case) -> ReviewCase:
        return cls(**{f.name: getattr(case, f.name) for f in fields(cls)})


STANDS_RESOLVED = (Status.RESOLVED, Status.CLOSED)  # a resolution time counts for these


@dataclass(frozen=True)
class CaseFacts:
    """A case with what only its timeline tells: how often it was reopened, and when it
    was last resolved. A case never resolved has nothing there (`needs_timeline`)."""

    case: ReviewCase
    reopens: int = 0  # `reopened` events: the client's "not resolved", or the firm's reopen
    resolved_at: datetime | None = None  # the last `resolved` event

    @property
    def hours_to_resolve(self) -> float | None:
        """From opening to the last resolution, for a case that stands resolved now."""
        if self.resolved_at is None or self.case.status not in STANDS_RESOLVED:
            return None
        return (self.resolved_at - self.case.created_at).total_seconds() / 3600


def needs_timeline(case: Case | ReviewCase) -> bool:
    """Only a case that was resolved can have been reopened or have a resolution time."""
    return case.resolution is not None


# The timeline events the facts are read from; a store may keep only these (`marks`).
REOPENED, RESOLVED = "reopened", "resolved"


def marks(timeline: Iterable[tuple[str, datetime]]) -> tuple[int, datetime | None]:
    """(reopens, the last resolution) of a timeline given as (kind, at) in recorded order:
    what a store keeps per case so the review needs no timeline (`Store.case_history`)."""
    reopens, resolved_at = 0, None
    for kind, at in timeline:
        if kind == REOPENED:
            reopens += 1
        elif kind == RESOLVED:
            resolved_at = at
    return reopens, resolved_at


def facts(
    case: Case | ReviewCase, reopens: int = 0, resolved_at: datetime | None = None
) -> CaseFacts:
    """A case with its timeline's `marks`, kept only where they mean something."""
    seen = case if isinstance(case, ReviewCase) else ReviewCase.of(case)
    return CaseFacts(seen, reopens, resolved_at) if needs_timeline(case) else CaseFacts(seen)


def timeline_facts(case: Case, timeline: Sequence[Event]) -> CaseFacts:
    """The facts of a whole case, as the review reads them, from its whole timeline."""
    return facts(case, *marks((e.kind, e.at) for e in timeline))


@dataclass(frozen=True)
class FitPart:
    name: str  # one of FIT_PARTS; its label is the catalog's `fit.part.<name>`
    weight: float
    count: int  # what was counted: valid complaints, not-right ones, incidents, ...
    total: int | None  # out of how many (None for abuse: incidents are counted, not shared)
    value: float | None  # 0..1, 1 the best fit; None: nothing to measure, so left out
    contribution: float = 0.0  # weight * value / the weights that count; 0 when left out

    @property
    def counted(self) -> bool:
        return self.value is not None and self.weight > 0


@dataclass(frozen=True)
class FitScore:
    parts: tuple[FitPart, ...]
    score: float | None  # 0..1; None with no case at all
    band: str  # one of BANDS, after the rules
    score_band: str  # the band by the score alone
    rule: str | None  # "abuse_cap", "little_history" or "valid_only" when a rule moved it
    cases: int
    judged: int
    invalid: int  # judged not right or a misunderstanding
    incidents: int  # cases with abusive treatment of staff flagged

    def part(self, name: str) -> FitPart:
        return next(p for p in self.parts if p.name == name)


@dataclass(frozen=True)
class ClientTotals:
    """What the fit score and a portfolio line count of one client's history, and no more:
    a store can answer a portfolio with these (`Store.client_totals`) instead of a row per
    case. `totals` is the one formula; a store that counts them itself gives its numbers."""

    cases: int = 0
    verdicts: Mapping[str, int] = field(default_factory=dict)  # verdict value -> cases, >0
    incidents: int = 0  # cases with abusive treatment of staff flagged
    resolved: int = 0  # cases resolved at least once (they have a resolution)
    reopened: int = 0  # of those, the ones reopened at least once
    said_resolved: int = 0  # the client's feedback answers that said "resolved"
    said_not_resolved: int = 0
    median_hours_to_resolve: float | None = None  # over the cases that stand resolved now

    @property
    def judged(self) -> int:
        return sum(self.verdicts.values())

    def verdict(self, verdict: Verdict) -> int:
        return self.verdicts.get(verdict.value, 0)


def totals(history: Iterable[CaseFacts]) -> ClientTotals:
    """The totals of `history` (one client's cases' facts): what every backend counts."""
    history = list(history)
    cases = [f.case for f in history]
    verdicts = Counter(c.verdict.value for c in cases if c.verdict is not None)
    answers = [a.resolved for c in cases for a in c.feedback]
    hours = [h for f in history if (h := f.hours_to_resolve) is not None]
    resolved = [f for f in history if f.case.resolution is not None]
    return ClientTotals(
        cases=len(cases),
        verdicts={v.value: verdicts[v.value] for v in Verdict if verdicts[v.value]},
        incidents=sum(1 for c in cases if c.abuse_flagged),
        resolved=len(resolved),
        reopened=sum(1 for f in resolved if f.reopens),
        said_resolved=answers.count(True),
        said_not_resolved=answers.count(False),
        median_hours_to_resolve=statistics.median(hours) if hours else None,
    )


def totals_by_client(history: Iterable[CaseFacts]) -> dict[str, ClientTotals]:
    """`totals` of each client with a case in `history`."""
    by_client: dict[str, list[CaseFacts]] = {}
    for f in history:
        by_client.setdefault(f.case.client_id, []).append(f)
    return {client_id: totals(facts_of) for client_id, facts_of in by_client.items()}


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def fit_score(counts: ClientTotals, settings: ReviewSettings) -> FitScore:
    """The fit score of one client's history, from its `totals`, by `settings`."""
    judged = counts.judged
    valid = sum(counts.verdict(v) for v in VALID)
    not_right = counts.verdict(Verdict.NOT_RIGHT)
    misunderstanding = counts.verdict(Verdict.MISUNDERSTANDING)
    incidents = counts.incidents
    resolved, reopened = counts.resolved, counts.reopened
    answers = counts.said_resolved + counts.said_not_resolved
    said_resolved = counts.said_resolved

    def inverse(share: float | None) -> float | None:
        return None if share is None else 1 - share

    measured: dict[str, tuple[int, int | None, float | None]] = {
        "valid": (valid, judged, _share(valid, judged)),
        "not_right": (not_right, judged, inverse(_share(not_right, judged))),
        "misunderstanding": (misunderstanding, judged, inverse(_share(misunderstanding, judged))),
        "abuse": (incidents, None, 1 / (1 + incidents) if counts.cases else None),
        "reopens": (reopened, resolved, inverse(_share(reopened, resolved))),
        "feedback": (said_resolved, answers, _share(said_resolved, answers)),
    }
    weights = settings.fit_weights
    total_weight = sum(weights[n] for n, (_, _, v) in measured.items() if v is not None)
    parts = []
    for name in FIT_PARTS:
        count, total, value = measured[name]
        share = weights[name] * value / total_weight if value is not None and total_weight else 0.0
        parts.append(FitPart(name, weights[name], count, total, value, share))
    score = sum(p.contribution for p in parts) if total_weight else None
    score_band = _band(score, settings)
    band, rule = score_band, None
    worst_allowed = BANDS.index("watch")
    if incidents and band == "keep":
        band, rule = "watch", "abuse_cap"
    elif not incidents and BANDS.index(band) > worst_allowed:
        if judged < settings.min_cases:
            band, rule = "watch", "little_history"
        elif not_right + misunderstanding == 0:
            band, rule = "watch", "valid_only"
    return FitScore(
        parts=tuple(parts),
        score=score,
        band=band,
        score_band=score_band,
        rule=rule,
        cases=counts.cases,
        judged=judged,
        invalid=not_right + misunderstanding,
        incidents=incidents,
    )


def _band(score: float | None, settings: ReviewSettings) -> str:
    if score is None:
        return "keep"
    for band in BANDS[:-1]:
        # A hair of tolerance: 0.1 + 0.7 is 0.7999999999999999, and a lead reads 0.8.
        if score >= settings.fit_bands[band] - 1e-9:
            return band
    return BANDS[-1]
