"""A person's own record: every case that names them, as they would want to check it.

"Nobody is judged in their absence" holds for the record too: the person complained about
can see what it says about them (the status, the client, the verdict and whether their
manager backed them on the record, their own account, and what the client said), and only
they can: a lead reads someone else's through the review (`/review person`). Pure: the
cases in, the text for the asker alone out, in the core's markup.
"""

from __future__ import annotations

from collections.abc import Iterable

from handlers.directory import Directory
from handlers.messages import Markup, mention, text
from handlers.model import CASE_SUMMARY_LIMIT, Case, Verdict


def my_record(person_id: str, cases: Iterable[Case], directory: Directory) -> Markup:
    """The cases that name `person_id`, newest first."""
    named = sorted((c for c in cases if person_id in c.affected), key=lambda c: c.created_at)
    lang = directory.language
    if not named:
        return text(lang, "record.none")
    blocks = [text(lang, "record.title", count=len(named))]
    for case in reversed(named):
        blocks.append(Markup("\n".join(_case_lines(person_id, case, directory))))
    return Markup("\n\n".join(blocks))


def _case_lines(person_id: str, case: Case, directory: Directory) -> list[Markup]:
    lang = directory.language
    lines = [
        text(
            lang,
            "record.case",
            case_id=case.id,
            client=directory.client_name(case.client_id),
            status=text(lang, f"status.{case.status.value}"),
            opened=case.created_at.date().isoformat(),
        )
    ]
    if case.verdict is None:
        lines.append(text(lang, "record.no_verdict"))
    else:
        lines.append(text(lang, "record.verdict", verdict=text(lang, f"verdict.{case.verdict}")))
    if case.verdict is Verdict.NOT_RIGHT and case.verdict_by:
        backed = person_id in directory.people and directory.reports_to(person_id, case.verdict_by)
        key = "record.backed" if backed else "record.not_backed"
        lines.append(text(lang, key, by=mention(case.verdict_by)))
    if person_id in case.accounts:
        lines.append(text(lang, "record.account", text=_cut(case.accounts[person_id].text)))
    elif person_id in case.waivers:
        waiver = case.waivers[person_id]
        by = mention(waiver.author.person_id) if waiver.author.person_id else waiver.author.display
        lines.append(text(lang, "record.waived", by=by, text=_cut(waiver.text)))
    else:
        lines.append(text(lang, "record.account_missing"))
    for said in case.client_statements:
        lines.append(text(lang, "record.client_said", text=_cut(said.text)))
    return lines


def _cut(words: str) -> str:
    """A long text cut to the card's summary length: the record is a message, not an export
    (`complaintbot export` has every word)."""
    if len(words) <= CASE_SUMMARY_LIMIT:
        return words
    return words[: CASE_SUMMARY_LIMIT - 1].rstrip() + "…"
