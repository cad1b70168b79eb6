"""The leads' review, as neutral views: the portfolio, one client, one person, the open
cases and the change requests.

Pure functions: cases (with their timelines' facts, `handlers.fit.facts`, where a view
needs how often a case was reopened or when it was resolved; for the portfolio, only
each client's totals, `handlers.fit.totals`), the directory and `now` in; a view out.
Like the case card (`handlers.card`), a view says what is shown and in what order, every
word from the catalog in the directory's language and in the core's markup (people as
`<person:ID>` markers, outside text escaped), and every number as a number; each adapter
only draws it (Block Kit, an Adaptive Card, the playground), and
`complaintbot review --json` writes it for dashboards. What is a fair reading lives here
once: invalid complaints count against the client's fit (`handlers.fit`), only valid ones
against a person, and a person who keeps getting not-right complaints or abuse is flagged
for support, not blame.

Each view reads the review window: the cases opened in the last `window_days`
(`[review]` in the directory file, default 90), the open cases whenever they opened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import TypeVar

from handlers.directory import Directory
from handlers.fit import CaseFacts, ClientTotals, FitScore, ReviewCase, fit_score, totals
from handlers.messages import Markup, escape, mention, text
from handlers.model import CATEGORIES, Case, Severity, Status, Verdict
from handlers.review_config import BANDS

Say = Callable[..., Markup]
Opened = TypeVar("Opened", bound="Case | ReviewCase | PersonCase")  # a case as some view reads it
VERDICTS = tuple(v.value for v in Verdict)
# A case waiting on the firm: past its due time it is overdue (a resolved one waits on the
# client's answer, and has met its deadline).
WAITING_ON_FIRM = (Status.OPEN, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.REOPENED)
FEEDBACK_COMMENTS = 5  # the client's latest comments a client review shows


# --- the parts every view shares ---------------------------------------------------------


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    days: int


@dataclass(frozen=True)
class VerdictMix:
    """How cases were judged: counts by verdict value, and their shares of the judged."""

    judged: int
    unjudged: int
    counts: Mapping[str, int]  # verdict value -> cases
    shares: Mapping[str, float | None]  # verdict value -> share of the judged (None: none)


@dataclass(frozen=True)
class FeedbackTally:
    resolved: int  # answers that said resolved
    not_resolved: int
    comments: tuple[Markup, ...] = ()  # the latest comments, newest first


@dataclass(frozen=True)
class FitPartView:
    name: str
    label: Markup
    detail: Markup  # what was counted, in words ("2 of 6 judged complaints were not right")
    weight: float
    value: float | None  # 0..1, None: nothing to measure (left out)
    contribution: float
    counted: bool


@dataclass(frozen=True)
class Recommendation:
    band: str
    label: Markup  # the band's name
    headline: Markup  # what to do, in a sentence
    reasons: tuple[Markup, ...]


@dataclass(frozen=True)
class FitView:
    score: float | None
    band: str
    band_label: Markup
    rule: str | None
    parts: tuple[FitPartView, ...]
    recommendation: Recommendation


# --- the views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenLine:
    case_id: str
    client_id: str
    client: Markup
    summary: Markup
    status: str
    status_label: Markup
    severity: str
    severity_label: Markup
    owner: str | None  # the account manager, who steers the case
    owner_label: Markup
    opened_at: datetime
    due_at: datetime
    age_days: int
    overdue: bool
    overdue_days: int  # whole days past due (0 when not overdue)


@dataclass(frozen=True)
class OwnerLoad:
    owner: str | None
    label: Markup
    open: int
    overdue: int
    oldest_days: int


@dataclass(frozen=True)
class OpenView:
    title: Markup
    labels: Mapping[str, Markup]
    now: datetime
    total: int
    overdue: int
    cases: tuple[OpenLine, ...]  # overdue first (the most overdue first), then the oldest
    owners: tuple[OwnerLoad, ...]  # the most overdue, then the most open first


@dataclass(frozen=True)
class ClientLine:
    client_id: str
    name: Markup
    cases: int
    mix: VerdictMix
    median_hours_to_resolve: float | None
    feedback: FeedbackTally
    score: float | None
    band: str
    band_label: Markup


@dataclass(frozen=True)
class PortfolioView:
    title: Markup
    labels: Mapping[str, Markup]
    window: Window
    open: OpenView
    clients: tuple[ClientLine, ...]  # the poorest fit first


@dataclass(frozen=True)
class Theme:
    category: str
    label: Markup
    cases: int


@dataclass(frozen=True)
class ChangeLine:
    case_id: str
    client_id: str
    client: Markup
    category: str
    text: Markup
    at: datetime  # when its case was opened


@dataclass(frozen=True)
class HistoryLine:
    case_id: str
    opened_at: datetime
    summary: Markup
    category_label: Markup
    status: str
    status_label: Markup
    verdict: str | None
    verdict_label: Markup
    reopens: int
    abuse: bool


@dataclass(frozen=True)
class ClientView:
    client_id: str
    title: Markup
    labels: Mapping[str, Markup]
    window: Window
    cases: int
    mix: VerdictMix
    themes: tuple[Theme, ...]  # categories, the most cases first
    change_requests: tuple[ChangeLine, ...]
    feedback: FeedbackTally
    median_hours_to_resolve: float | None
    fit: FitView
    history: tuple[HistoryLine, ...]  # newest first


@dataclass(frozen=True)
class Backing:
    """A not-right complaint about the person, and who backed them on the record."""

    case_id: str
    by: str | None  # who assessed "not right" (and so backed them), a person id
    by_manager: bool  # ... someone above them in the management chain
    text: Markup


@dataclass(frozen=True)
class SupportFlag:
    kind: str  # "not_right" or "abuse"
    text: Markup
    case_ids: tuple[str, ...]


@dataclass(frozen=True)
class PersonCaseLine:
    case_id: str
    client: Markup
    opened_at: datetime
    role: str  # "named", "manager" or "account_manager"
    role_label: Markup
    verdict: str | None
    verdict_label: Markup
    counts_against: bool  # a valid complaint naming them: the only kind that does
    abuse: bool


@dataclass(frozen=True)
class PersonView:
    person_id: str
    title: Markup
    labels: Mapping[str, Markup]
    window: Window
    involved: Mapping[str, int]  # role -> cases
    named: VerdictMix  # the cases that name them
    valid: int  # valid complaints about them: the only ones that count against them
    backing: tuple[Backing, ...]
    support: tuple[SupportFlag, ...]
    note: Markup
    cases: tuple[PersonCaseLine, ...]  # newest first


@dataclass(frozen=True)
class ChangeTheme:
    category: str
    label: Markup
    clients: int  # how many clients ask for changes under this theme
    requests: int
    client_names: tuple[Markup, ...]
    items: tuple[ChangeLine, ...]


@dataclass(frozen=True)
class ChangesView:
    title: Markup
    labels: Mapping[str, Markup]
    window: Window
    total: int
    note: Markup
    themes: tuple[ChangeTheme, ...]  # the most clients first, then the most requests


View = PortfolioView | ClientView | PersonView | OpenView | ChangesView

LABELS = (
    "cases", "judged", "unjudged", "median_resolve", "feedback", "fit", "score", "band",
    "owner", "age", "due", "overdue", "status", "severity", "client", "category", "themes",
    "change_requests", "history", "weight", "value", "contribution", "recommendation",
    "backing", "support", "valid", "role", "requests", "clients", "open", "verdict",
)  # fmt: skip


# --- building -----------------------------------------------------------------------------


def window(directory: Directory, now: datetime) -> Window:
    days = directory.review.window_days
    return Window(now - timedelta(days=days), now, days)


def _say(directory: Directory, language: str | None) -> Say:
    def say(key: str, **params: object) -> Markup:
        return text(language or directory.language, key, **params)

    return say


def _labels(say: Say) -> dict[str, Markup]:
    labels = {key: say(f"review.label.{key}") for key in LABELS}
    labels.update({f"verdict.{v}": say(f"review.verdict.{v}") for v in VERDICTS})
    return labels


def _worded_once(say: Say) -> Say:
    """`say`, wording each key without parameters once: the thousands of lines of a long
    history repeat a handful of labels."""
    worded: dict[str, Markup] = {}

    def say_once(key: str, **params: object) -> Markup:
        if params:
            return say(key, **params)
        if key not in worded:
            worded[key] = say(key)
        return worded[key]

    return say_once


def _client_name(directory: Directory, client_id: str) -> Markup:
    return escape(directory.client_name(client_id))


def verdict_mix(cases: Iterable[Case | ReviewCase | PersonCase]) -> VerdictMix:
    cases = list(cases)
    return _mix(Counter(c.verdict.value for c in cases if c.verdict is not None), len(cases))


def _mix(counts: Mapping[str, int], cases: int) -> VerdictMix:
    """The mix of `cases` cases, `counts` of them judged each verdict (value -> cases)."""
    judged = sum(counts.values())
    return VerdictMix(
        judged=judged,
        unjudged=cases - judged,
        counts={v: counts.get(v, 0) for v in VERDICTS},
        shares={v: counts.get(v, 0) / judged if judged else None for v in VERDICTS},
    )


def latest_comments(cases: Iterable[Case | ReviewCase], count: int) -> tuple[Markup, ...]:
    """The client's latest `count` feedback comments, newest first."""
    answers = (a for c in cases for a in c.feedback if a.comment)
    said = sorted(answers, key=lambda a: a.at, reverse=True)
    return tuple(escape(a.comment) for a in said[:count])


def in_window(cases: Iterable[Opened], span: Window) -> list[Opened]:
    return [c for c in cases if span.since <= c.created_at < span.until]


# --- the fit, in words ----------------------------------------------------------------------

DETAILS = {
    "valid": "fit.detail.valid",
    "not_right": "fit.detail.not_right",
    "misunderstanding": "fit.detail.misunderstanding",
    "abuse": "fit.detail.abuse",
    "reopens": "fit.detail.reopens",
    "feedback": "fit.detail.feedback",
}


def fit_view(fit: FitScore, directory: Directory, say: Say) -> FitView:
    parts = tuple(
        FitPartView(
            name=p.name,
            label=say(f"fit.part.{p.name}"),
            detail=(
                say(DETAILS[p.name], count=p.count, total=p.total)
                if p.value is not None
                else say("fit.detail.none")
            ),
            weight=p.weight,
            value=p.value,
            contribution=p.contribution,
            counted=p.counted,
        )
        for p in fit.parts
    )
    return FitView(
        score=fit.score,
        band=fit.band,
        band_label=say(f"fit.band.{fit.band}"),
        rule=fit.rule,
        parts=parts,
        recommendation=recommendation(fit, directory, say),
    )


def _number(value: float) -> str:
    return f"{value:.2f}"


def recommendation(fit: FitScore, directory: Directory, say: Say) -> Recommendation:
    """The band in words, with the reasons a lead would give for it."""
    settings = directory.review
    bands = settings.fit_bands
    reasons: list[Markup] = []
    if fit.score is None:
        reasons.append(say("fit.reason.no_history", days=settings.window_days))
    else:
        reasons.append(
            say(
                "fit.reason.score",
                score=_number(fit.score),
                band=say(f"fit.band.{fit.score_band}"),
                keep=_number(bands["keep"]),
                watch=_number(bands["watch"]),
                frank=_number(bands["frank_conversation"]),
            )
        )
    valid, invalid = fit.part("valid"), fit.invalid
    if invalid:
        reasons.append(say("fit.reason.invalid", count=invalid, total=fit.judged))
    if valid.count:
        reasons.append(say("fit.reason.valid", count=valid.count, total=fit.judged))
    if fit.incidents:
        reasons.append(say("fit.reason.abuse", count=fit.incidents))
    reopens = fit.part("reopens")
    if reopens.count:
        reasons.append(say("fit.reason.reopens", count=reopens.count, total=reopens.total))
    feedback = fit.part("feedback")
    if feedback.total and feedback.count < feedback.total:
        negative = feedback.total - feedback.count
        reasons.append(say("fit.reason.feedback", count=negative, total=feedback.total))
    if fit.rule == "little_history":
        reasons.append(say("fit.reason.little_history", count=settings.min_cases))
    elif fit.rule:
        reasons.append(say(f"fit.reason.{fit.rule}"))
    return Recommendation(
        band=fit.band,
        label=say(f"fit.band.{fit.band}"),
        headline=say(f"fit.recommend.{fit.band}"),
        reasons=tuple(reasons),
    )


# --- open cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCase:
    """What the open cases' view reads of a case, and no more: a store answers with these
    (`Store.open_for_review`) without decoding whole cases (their statements, people and
    deadlines are most of their size)."""

    id: str
    client_id: str
    summary: str
    status: Status
    severity: Severity
    account_manager: str | None
    created_at: datetime
    due_at: datetime

    @classmethod
    def of(cls, case: Case) -> OpenCase:
        return cls(**{f.name: getattr(case, f.name) for f in fields(cls)})


def _open_line(case: Case | OpenCase, directory: Directory, now: datetime, say: Say) -> OpenLine:
    overdue = case.status in WAITING_ON_FIRM and case.due_at <= now
    owner = case.account_manager
    return OpenLine(
        case_id=case.id,
        client_id=case.client_id,
        client=_client_name(directory, case.client_id),
        summary=escape(case.summary),
        status=case.status.value,
        status_label=say(f"status.{case.status.value}"),
        severity=case.severity.value,
        severity_label=say(f"severity.{case.severity.value}"),
        owner=owner,
        owner_label=mention(owner) if owner else say("review.no_owner"),
        opened_at=case.created_at,
        due_at=case.due_at,
        age_days=(now - case.created_at).days,
        overdue=overdue,
        overdue_days=(now - case.due_at).days if overdue else 0,
    )


def open_review(
    cases: Sequence[Case | OpenCase],
    directory: Directory,
    now: datetime,
    language: str | None = None,
) -> OpenView:
    """The cases that are not closed or withdrawn, overdue ones first, and who holds them."""
    say = _say(directory, language)
    lines = [_open_line(c, directory, now, say) for c in cases if not c.status.final]
    lines.sort(key=lambda line: (not line.overdue, line.due_at if line.overdue else line.opened_at))
    by_owner: dict[str | None, list[OpenLine]] = {}
    for line in lines:
        by_owner.setdefault(line.owner, []).append(line)
    owners = [
        OwnerLoad(
            owner=owner,
            label=held[0].owner_label,
            open=len(held),
            overdue=sum(1 for line in held if line.overdue),
            oldest_days=max(line.age_days for line in held),
        )
        for owner, held in by_owner.items()
    ]
    owners.sort(key=lambda load: (-load.overdue, -load.open, load.owner or "~"))
    return OpenView(
        title=say("review.title.open", count=len(lines)),
        labels=_labels(say),
        now=now,
        total=len(lines),
        overdue=sum(1 for line in lines if line.overdue),
        cases=tuple(lines),
        owners=tuple(owners),
    )


# --- the portfolio --------------------------------------------------------------------------


def portfolio(
    by_client: Mapping[str, ClientTotals],
    open_cases: Sequence[Case | OpenCase],
    directory: Directory,
    now: datetime,
    language: str | None = None,
) -> PortfolioView:
    """`by_client`: the totals (`handlers.fit.totals`) of each client's cases opened in the
    window (`window`; a client without one may be left out); `open_cases`: every case not
    closed or withdrawn, whenever it opened."""
    say = _say(directory, language)
    span = window(directory, now)
    clients = {client_id: ClientTotals() for client_id in directory.clients} | dict(by_client)
    lines = []
    for client_id, counts in clients.items():
        fit = fit_score(counts, directory.review)
        lines.append(
            ClientLine(
                client_id=client_id,
                name=_client_name(directory, client_id),
                cases=counts.cases,
                mix=_mix(counts.verdicts, counts.cases),
                median_hours_to_resolve=counts.median_hours_to_resolve,
                feedback=FeedbackTally(counts.said_resolved, counts.said_not_resolved),
                score=fit.score,
                band=fit.band,
                band_label=say(f"fit.band.{fit.band}"),
            )
        )
    lines.sort(
        key=lambda line: (
            -BANDS.index(line.band),
            line.score if line.score is not None else 2.0,
            str(line.name).casefold(),
        )
    )
    return PortfolioView(
        title=say("review.title.portfolio", days=span.days),
        labels=_labels(say),
        window=span,
        open=open_review(open_cases, directory, now, language),
        clients=tuple(lines),
    )


# --- one client -----------------------------------------------------------------------------


def client_review(
    client_id: str,
    history: Sequence[CaseFacts],
    directory: Directory,
    now: datetime,
    language: str | None = None,
) -> ClientView:
    """One client over the window: `history` holds the facts of its cases (others, and
    cases outside the window, are left out)."""
    say = _say(directory, language)
    span = window(directory, now)
    mine = [
        f
        for f in history
        if f.case.client_id == client_id and span.since <= f.case.created_at < span.until
    ]
    cases = [f.case for f in mine]
    themes = Counter(c.category for c in cases)
    order = {category: i for i, category in enumerate(CATEGORIES)}
    counts = totals(mine)
    fit = fit_score(counts, directory.review)
    newest = sorted(mine, key=lambda f: (f.case.created_at, f.case.number), reverse=True)
    labels = _worded_once(say)
    return ClientView(
        client_id=client_id,
        title=say("review.title.client", client=_client_name(directory, client_id), days=span.days),
        labels=_labels(say),
        window=span,
        cases=len(cases),
        mix=_mix(counts.verdicts, counts.cases),
        themes=tuple(
            Theme(category, say(f"category.{category}"), count)
            for category, count in sorted(
                themes.items(), key=lambda item: (-item[1], order.get(item[0], len(order)))
            )
        ),
        change_requests=tuple(_changes(cases, directory)),
        feedback=FeedbackTally(
            counts.said_resolved,
            counts.said_not_resolved,
            latest_comments(cases, FEEDBACK_COMMENTS),
        ),
        median_hours_to_resolve=counts.median_hours_to_resolve,
        fit=fit_view(fit, directory, say),
        history=tuple(_history_line(f, labels) for f in newest),
    )


def _verdict_label(case: Case | ReviewCase | PersonCase, say: Say) -> Markup:
    return say(f"review.verdict.{case.verdict.value}") if case.verdict else say("review.unjudged")


def _history_line(f: CaseFacts, say: Say) -> HistoryLine:
    case = f.case
    return HistoryLine(
        case_id=case.id,
        opened_at=case.created_at,
        summary=escape(case.summary),
        category_label=say(f"category.{case.category}"),
        status=case.status.value,
        status_label=say(f"status.{case.status.value}"),
        verdict=case.verdict.value if case.verdict else None,
        verdict_label=_verdict_label(case, say),
        reopens=f.reopens,
        abuse=case.abuse_flagged,
    )


def _changes(cases: Iterable[Case | ReviewCase], directory: Directory) -> list[ChangeLine]:
    return [
        ChangeLine(
            case_id=case.id,
            client_id=case.client_id,
            client=_client_name(directory, case.client_id),
            category=case.category,
            text=escape(request),
            at=case.created_at,
        )
        for case in sorted(
            (c for c in cases if c.change_requests), key=lambda c: (c.created_at, c.number)
        )
        for request in case.change_requests
    ]


# --- one person -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonCase:
    """What the person view reads of a case, and no more: a store answers with these
    (`Store.person_history`, the window's cases only) without decoding whole cases (their
    statements, accounts and deadlines are most of their size)."""

    id: str
    client_id: str
    created_at: datetime
    affected: tuple[str, ...]
    managers: tuple[str, ...]
    account_manager: str | None
    verdict: Verdict | None
    verdict_by: str | None
    abuse_flagged: bool

    @property
    def number(self) -> int:
        return int(self.id.split("-", 1)[1])

    @classmethod
    def of(cls, case: Case) -> PersonCase:
        return cls(**{f.name: getattr(case, f.name) for f in fields(cls)})


def _includes(case: Case | PersonCase, person_id: str) -> bool:
    """`Case.included`, of the fields a `PersonCase` has."""
    return (
        person_id in case.affected
        or person_id in case.managers
        or person_id == case.account_manager
    )


def _role(case: Case | PersonCase, person_id: str) -> str:
    if person_id in case.affected:
        return "named"
    if person_id in case.managers:
        return "manager"
    return "account_manager"


def person_review(
    person_id: str,
    cases: Sequence[Case | PersonCase],
    directory: Directory,
    now: datetime,
    language: str | None = None,
) -> PersonView:
    """The cases in the window that include `person_id` (as `Store.person_history` gives
    them), read to protect them: only valid complaints count against them."""
    say = _say(directory, language)
    settings = directory.review
    span = window(directory, now)
    mine = [c for c in in_window(cases, span) if _includes(c, person_id)]
    named = [c for c in mine if person_id in c.affected]
    backing = tuple(
        _backing(c, person_id, directory, say) for c in named if c.verdict is Verdict.NOT_RIGHT
    )
    support: list[SupportFlag] = []
    recent_since = now - timedelta(days=settings.support_window_days)
    not_right = [
        c.id for c in named if c.verdict is Verdict.NOT_RIGHT and c.created_at >= recent_since
    ]
    if len(not_right) >= settings.support_not_right:
        support.append(
            SupportFlag(
                "not_right",
                say(
                    "review.support.not_right",
                    count=len(not_right),
                    days=settings.support_window_days,
                ),
                tuple(not_right),
            )
        )
    abused = [c.id for c in named if c.abuse_flagged]
    if abused:
        support.append(
            SupportFlag(
                "abuse", say("review.support.abuse", cases=", ".join(abused)), tuple(abused)
            )
        )
    roles = Counter(_role(c, person_id) for c in mine)
    newest = sorted(mine, key=lambda c: (c.created_at, c.number), reverse=True)
    return PersonView(
        person_id=person_id,
        title=say("review.title.person", person=mention(person_id), days=span.days),
        labels=_labels(say),
        window=span,
        involved={role: roles.get(role, 0) for role in ("named", "manager", "account_manager")},
        named=verdict_mix(named),
        valid=sum(1 for c in named if c.verdict in (Verdict.RIGHT, Verdict.PARTLY_RIGHT)),
        backing=backing,
        support=tuple(support),
        note=say("review.person_note"),
        cases=tuple(_person_line(c, person_id, directory, say) for c in newest),
    )


def _backing(case: Case | PersonCase, person_id: str, directory: Directory, say: Say) -> Backing:
    by = case.verdict_by
    if by is None or by not in directory.people:
        return Backing(case.id, by, False, say("review.backing.missing", case_id=case.id))
    by_manager = person_id in directory.people and directory.reports_to(person_id, by)
    key = "review.backing.manager" if by_manager else "review.backing.other"
    return Backing(case.id, by, by_manager, say(key, case_id=case.id, by=mention(by)))


def _person_line(
    case: Case | PersonCase, person_id: str, directory: Directory, say: Say
) -> PersonCaseLine:
    role = _role(case, person_id)
    valid = case.verdict in (Verdict.RIGHT, Verdict.PARTLY_RIGHT)
    return PersonCaseLine(
        case_id=case.id,
        client=_client_name(directory, case.client_id),
        opened_at=case.created_at,
        role=role,
        role_label=say(f"review.role.{role}"),
        verdict=case.verdict.value if case.verdict else None,
        verdict_label=_verdict_label(case, say),
        counts_against=role == "named" and valid,
        abuse=case.abuse_flagged,
    )


# --- change requests ------------------------------------------------------------------------


def changes_review(
    cases: Sequence[Case | ReviewCase],
    directory: Directory,
    now: datetime,
    language: str | None = None,
) -> ChangesView:
    """Change requests of the window grouped by theme (the case's category) across
    clients, the themes that most clients ask for first: one loud client does not set
    the roadmap."""
    say = _say(directory, language)
    span = window(directory, now)
    lines = _changes(in_window(cases, span), directory)
    by_theme: dict[str, list[ChangeLine]] = {}
    for line in lines:
        by_theme.setdefault(line.category, []).append(line)
    order = {category: i for i, category in enumerate(CATEGORIES)}
    themes = []
    for category, items in by_theme.items():
        clients = list(dict.fromkeys(line.client_id for line in items))
        themes.append(
            ChangeTheme(
                category=category,
                label=say(f"category.{category}"),
                clients=len(clients),
                requests=len(items),
                client_names=tuple(_client_name(directory, c) for c in clients),
                items=tuple(items),
            )
        )
    themes.sort(key=lambda t: (-t.clients, -t.requests, order.get(t.category, len(order))))
    return ChangesView(
        title=say("review.title.changes", days=span.days),
        labels=_labels(say),
        window=span,
        total=len(lines),
        note=say("review.changes_note"),
        themes=tuple(themes),
    )
