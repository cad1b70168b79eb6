"""`complaintbot export`: every case, as CSV for a lead's spreadsheet, or as JSON, whole.

The CSV has one row per case and what a lead reads to weigh it: the client's words,
each employee's account (or why it was waived), the verdict and its note, every
resolution round with the reopenings between them, and the client's feedback. A cell
that a spreadsheet would run as a formula (one that begins with = + - @, a tab or a
carriage return) is prefixed with a single quote. The JSON holds every field of every
case, with its timeline. `client_id` and `since` narrow the export to one client's cases,
or to the cases opened since a time (through the store's read side). `--audit` writes
the timelines alone, one event a line (JSON Lines), for the firm's records.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from handlers.model import Case, Event, Statement, case_to_dict, event_to_dict
from storage.base import Store

BOM = "\ufeff"
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)

CSV_COLUMNS = (
    "id",
    "client_id",
    "status",
    "severity",
    "category",
    "created_at",
    "updated_at",
    "due_at",
    "raised_by",
    "affected",
    "managers",
    "account_manager",
    "summary",
    "client_statements",
    "firm_replies",
    "accounts",
    "waivers",
    "verdict",
    "verdict_note",
    "verdict_by",
    "abuse_flagged",
    "resolution",
    "resolution_rounds",
    "change_requests",
    "feedback",
)

# The timeline events of the resolution rounds: kind -> (what the CSV calls it, its detail).
ROUNDS = {
    "resolved": ("resolved", "summary"),
    "feedback_no": ("answered not resolved", "comment"),
    "feedback_yes": ("answered resolved", "comment"),
    "reopened": ("reopened", "reason"),
    "withdrawn": ("withdrawn", "reason"),
    "closed": ("closed", ""),
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M %Z").strip()


def _said(statement: Statement) -> str:
    return f"{_when(statement.at)} {statement.author.display}: {statement.text}"


def _round(event: Event) -> str:
    label, key = ROUNDS[event.kind]
    detail = event.detail.get(key) if key else None
    line = f"{_when(event.at)} {label} by {event.actor}"
    return f"{line}: {detail}" if detail else line


def _row(case: Case, timeline: list[Event]) -> dict[str, str]:
    feedback = [
        f"{_when(f.at)} {f.by.display}: "
        + ("resolved" if f.resolved else "not resolved")
        + (f": {f.comment}" if f.comment else "")
        for f in case.feedback
    ]
    accounts = [f"{person}: {_said(s)}" for person, s in case.accounts.items()]
    waivers = [f"{person}: waived, {_said(s)}" for person, s in case.waivers.items()]
    return {
        "id": case.id,
        "client_id": case.client_id,
        "status": case.status.value,
        "severity": case.severity.value,
        "category": case.category,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "due_at": case.due_at.isoformat(),
        "raised_by": case.raised_by.display,
        "affected": " ".join(case.affected),
        "managers": " ".join(case.managers),
        "account_manager": case.account_manager or "",
        "summary": case.summary,
        "client_statements": "\n".join(_said(s) for s in case.client_statements),
        "firm_replies": "\n".join(_said(s) for s in case.public_replies),
        "accounts": "\n".join(accounts),
        "waivers": "\n".join(waivers),
        "verdict": case.verdict.value if case.verdict else "",
        "verdict_note": case.verdict_note,
        "verdict_by": case.verdict_by or "",
        "abuse_flagged": "yes" if case.abuse_flagged else "no",
        "resolution": case.resolution or "",
        "resolution_rounds": "\n".join(_round(e) for e in timeline if e.kind in ROUNDS),
        "change_requests": "\n".join(case.change_requests),
        "feedback": "\n".join(feedback),
    }


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


async def export_audit(
    store: Store, client_id: str | None = None, since: datetime | None = None
) -> str:
    """Every timeline event of the cases (`selected_cases`) as JSON Lines, case by case in
    the order recorded: which case, when, who, what (the event's kind and its details, as
    stored)."""
    lines = []
    for case in await selected_cases(store, client_id, since):
        for event in await store.timeline(case.id):
            lines.append(json.dumps(event_to_dict(event), ensure_ascii=False) + "\n")
    return "".join(lines)


async def selected_cases(
    store: Store, client_id: str | None = None, since: datetime | None = None
) -> list[Case]:
    """Every case, or those of `client_id` opened at or after `since`, by case number."""
    if client_id is None and since is None:
        return await store.list_cases()
    cases = await store.cases_opened(since or EARLIEST, LATEST, client_id)
    return sorted(cases, key=lambda case: case.number)


async def export_cases(
    store: Store,
    fmt: str,
    bom: bool = False,
    client_id: str | None = None,
    since: datetime | None = None,
) -> str:
    """The cases (`selected_cases`) as `fmt` ("csv" or "json"); `bom` starts the CSV with a
    UTF-8 byte order mark, so Excel reads Hebrew (and any non-Latin text) right."""
    selected = await selected_cases(store, client_id, since)
    cases = [(case, await store.timeline(case.id)) for case in selected]
    if fmt == "json":
        full = []
        for case, timeline in cases:
            full.append(case_to_dict(case) | {"timeline": [event_to_dict(e) for e in timeline]})
        return json.dumps({"cases": full}, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for case, timeline in cases:
        writer.writerow({k: safe_cell(v) for k, v in _row(case, timeline).items()})
    return (BOM if bom else "") + out.getvalue()
