"""Block Kit for the leads' review: each neutral view (`handlers.review`) as blocks.

A view is drawn as a header and a fixed, small number of sections (one per part of the
view: the open cases, the clients, the fit's parts, ...), so a message stays far under
Slack's 50 blocks (and a Home tab under its 100) whatever the history holds; a part's
lines that would pass a section's 3000 characters are cut at a whole line with "…and N
more". Every word comes from the view's catalog labels. People are shown by name, never
as Slack mentions: a review is read about them, not sent to them, so it pings nobody.
Names and what clients wrote are data, escaped on their way in (the views do it; names
here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.blocks import HEADER_LIMIT, SECTION_LIMIT, plain_text, slack_user, truncate
from handlers import review
from handlers.messages import escape, render_people

Say = Callable[..., str]  # the catalog in the directory's language
Name = Callable[[str], str]  # directory person id -> their name

MAX_BLOCKS = 50  # a message's limit (a Home tab's is 100)
LINE_LIMIT = 1000  # one line of a section, so that one long line leaves room for others
MORE_RESERVE = 60  # room kept for "…and N more"


class ReviewBlocks:
    """Draws views with the catalog `say` and the directory's names `name`."""

    def __init__(self, say: Say, name: Name) -> None:
        self.say, self.name = say, name

    def draw(self, view: review.View) -> list[dict[str, Any]]:
        drawn: list[Block] = [self._header(view.title)]
        if isinstance(view, review.PortfolioView):
            drawn += self._portfolio(view)
        elif isinstance(view, review.ClientView):
            drawn += self._client(view)
        elif isinstance(view, review.PersonView):
            drawn += self._person(view)
        elif isinstance(view, review.OpenView):
            drawn += self._open(view)
        else:
            drawn += self._changes(view)
        assert len(drawn) <= MAX_BLOCKS, "a view has a fixed number of parts"
        return [block.to_dict() for block in drawn]

    def message(self, markup: str) -> list[dict[str, Any]]:
        """A text alone, as blocks (the Home tab's line for someone who is not a lead, and
        a person's own record): a text of several lines is its first line as the heading
        and the rest within a section's limit (`section`)."""
        first, _, rest = markup.partition("\n")
        if not rest:
            return [SectionBlock(text=MarkdownTextObject(text=self.mrkdwn(markup))).to_dict()]
        return [self.section(first, rest.split("\n")).to_dict()]

    def fallback(self, view: review.View) -> str:
        """The notification text beside the blocks: the view's title."""
        return self.mrkdwn(view.title)

    # --- text -----------------------------------------------------------------------------

    def mrkdwn(self, markup: str) -> str:
        """Core markup as mrkdwn, people by their (escaped) names."""
        return render_people(markup, lambda p: escape(self.name(p)), slack_user)

    def section(self, heading: str, lines: Sequence[str]) -> SectionBlock:
        """A heading and its lines within a section's limit: the lines that do not fit are
        counted in "…and N more", never cut in the middle (a line longer than `LINE_LIMIT`
        is shortened on its own)."""
        head = f"*{self.mrkdwn(heading)}*"
        shown = [truncate(self.mrkdwn(line), LINE_LIMIT) for line in lines]
        shown = shown or [self.mrkdwn(self.say("review.none"))]
        if len(head) + sum(len(line) + 1 for line in shown) > SECTION_LIMIT:
            budget, kept = SECTION_LIMIT - len(head) - MORE_RESERVE, []
            for line in shown:
                budget -= len(line) + 1
                if budget < 0:
                    break
                kept.append(line)
            more = self.say("review.more", count=len(shown) - len(kept))
            shown = [*kept, self.mrkdwn(more)]
        return SectionBlock(text=MarkdownTextObject(text="\n".join([head, *shown])))

    def _header(self, title: str) -> HeaderBlock:
        return HeaderBlock(text=truncate(plain_text(title, self.name), HEADER_LIMIT))

    def _note(self, markup: str) -> ContextBlock:
        return ContextBlock(elements=[MarkdownTextObject(text=self.mrkdwn(markup))])

    def _days(self, count: int) -> str:
        return self.say("review.days", count=count)

    def _hours(self, hours: float | None) -> str:
        return self.say("review.hours", hours=round(hours)) if hours is not None else "—"

    def _feedback(self, tally: review.FeedbackTally) -> str:
        return self.say(
            "review.feedback_tally", resolved=tally.resolved, not_resolved=tally.not_resolved
        )

    @staticmethod
    def _date(at: datetime) -> str:
        return f"{at:%Y-%m-%d}"

    @staticmethod
    def _mix(mix: review.VerdictMix, labels: Mapping[str, str]) -> str:
        """The verdicts as counts and shares of the judged, then how many wait for one."""
        parts = []
        for verdict, count in mix.counts.items():
            share = mix.shares[verdict]
            percent = f" ({share:.0%})" if share is not None else ""
            parts.append(f"{labels[f'verdict.{verdict}']} {count}{percent}")
        parts.append(f"{labels['unjudged']} {mix.unjudged}")
        return " · ".join(parts)

    @staticmethod
    def _score(score: float | None) -> str:
        return f"{score:.2f}" if score is not None else "—"

    def _fit(self, band: str, score: float | None, labels: Mapping[str, str]) -> str:
        return f"{labels['fit']}: {band} ({labels['score']} {self._score(score)})"

    # --- the views ------------------------------------------------------------------------

    def _open(self, view: review.OpenView) -> list[Block]:
        labels = view.labels
        summary = f"{labels['open']}: {view.total} · {labels['overdue']}: {view.overdue}"
        owners = [
            f"{o.label}: {labels['open']} {o.open} · {labels['overdue']} {o.overdue}"
            f" · {labels['age']} {self._days(o.oldest_days)}"
            for o in view.owners
        ]
        return [
            self._note(summary),
            self.section(labels["owner"], owners),
            self.section(labels["cases"], [self._open_line(line, labels) for line in view.cases]),
        ]

    def _open_line(self, line: review.OpenLine, labels: Mapping[str, str]) -> str:
        late = f" · *{labels['overdue']} {self._days(line.overdue_days)}*" if line.overdue else ""
        return (
            f"*{line.case_id}* {line.client} · {line.summary}\n"
            f"{line.severity_label} · {line.status_label} · {line.owner_label}"
            f" · {labels['age']} {self._days(line.age_days)}"
            f" · {labels['due']} {self._date(line.due_at)}{late}"
        )

    def _portfolio(self, view: review.PortfolioView) -> list[Block]:
        labels = view.labels
        clients = [
            f"*{c.name}* · {self._fit(c.band_label, c.score, labels)}\n"
            f"{labels['cases']} {c.cases} · {self._mix(c.mix, labels)}\n"
            f"{labels['median_resolve']}: {self._hours(c.median_hours_to_resolve)}"
            f" · {labels['feedback']}: {self._feedback(c.feedback)}"
            for c in view.clients
        ]
        return [
            self.section(labels["clients"], clients),
            DividerBlock(),
            self._header(view.open.title),
            *self._open(view.open),
        ]

    def _client(self, view: review.ClientView) -> list[Block]:
        labels, fit = view.labels, view.fit
        summary = (
            f"{labels['cases']} {view.cases} · {self._mix(view.mix, labels)}\n"
            f"{labels['median_resolve']}: {self._hours(view.median_hours_to_resolve)}"
            f" · {labels['feedback']}: {self._feedback(view.feedback)}"
        )
        parts = [
            f"*{p.label}*: {p.detail} · {labels['weight']} {p.weight:.2f}"
            f" · {labels['value']} {self._score(p.value)}"
            f" · {labels['contribution']} {p.contribution:.2f}"
            for p in fit.parts
        ]
        advice = fit.recommendation
        history = [
            f"*{h.case_id}* {self._date(h.opened_at)} · {h.summary}\n"
            f"{h.category_label} · {h.status_label} · {h.verdict_label}{self._flags(h)}"
            for h in view.history
        ]
        return [
            SectionBlock(text=MarkdownTextObject(text=self.mrkdwn(summary))),
            self.section(
                self._fit(fit.band_label, fit.score, labels),
                parts,
            ),
            self.section(
                f"{labels['recommendation']}: {advice.headline}",
                [f"• {reason}" for reason in advice.reasons],
            ),
            self.section(labels["themes"], [f"{t.label}: {t.cases}" for t in view.themes]),
            self.section(
                labels["change_requests"],
                [f"*{c.case_id}* {c.text}" for c in view.change_requests],
            ),
            self.section(labels["feedback"], [f"“{c}”" for c in view.feedback.comments]),
            self.section(labels["history"], history),
        ]

    def _flags(self, line: review.HistoryLine) -> str:
        flags = []
        if line.reopens:
            flags.append(self.say("review.flag.reopened", count=line.reopens))
        if line.abuse:
            flags.append(self.say("review.flag.abuse"))
        return "".join(f" · {flag}" for flag in flags)

    def _person(self, view: review.PersonView) -> list[Block]:
        labels = view.labels
        roles = " · ".join(
            f"{self.say(f'review.role.{role}')} {count}" for role, count in view.involved.items()
        )
        summary = (
            f"{labels['role']}: {roles}\n"
            f"{self._mix(view.named, labels)} · {labels['valid']}: {view.valid}"
        )
        cases = [
            f"*{line.case_id}* {self._date(line.opened_at)} · {line.client} · {line.role_label}"
            f" · {line.verdict_label}{self._person_flags(line)}"
            for line in view.cases
        ]
        return [
            SectionBlock(text=MarkdownTextObject(text=self.mrkdwn(summary))),
            self.section(labels["support"], [flag.text for flag in view.support]),
            self.section(labels["backing"], [b.text for b in view.backing]),
            self._note(view.note),
            self.section(labels["cases"], cases),
        ]

    def _person_flags(self, line: review.PersonCaseLine) -> str:
        flags = [self.say("review.flag.counts_against")] if line.counts_against else []
        if line.abuse:
            flags.append(self.say("review.flag.abuse"))
        return "".join(f" · {flag}" for flag in flags)

    def _changes(self, view: review.ChangesView) -> list[Block]:
        labels = view.labels
        themes = [
            self.section(
                f"{t.label} · {labels['clients']} {t.clients} · {labels['requests']} {t.requests}",
                [f"• {c.client}: {c.text} ({c.case_id})" for c in t.items],
            )
            for t in view.themes
        ]
        return [self._note(view.note), *themes]
