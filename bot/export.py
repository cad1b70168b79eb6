"""`complaintbot export`: every case, for leads' spreadsheets and for backups."""

from __future__ import annotations

import csv
import io
import json

from handlers.model import Case, case_to_dict, event_to_dict
from storage.base import Store

CSV_COLUMNS = (
    "id",
    "client_id",
    "status",
    "severity",
    "category",
    "created_at",
    "updated_at",
    "due_at",
    "affected",
    "managers",
    "account_manager",
    "verdict",
    "verdict_note",
    "abuse_flagged",
    "summary",
    "resolution",
    "change_requests",
    "feedback",
)


def _row(case: Case) -> dict[str, str]:
    feedback = "; ".join(
        ("resolved" if f.resolved else "not resolved") + (f": {f.comment}" if f.comment else "")
        for f in case.feedback
    )
    return {
        "id": case.id,
        "client_id": case.client_id,
        "status": case.status.value,
        "severity": case.severity.value,
        "category": case.category,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "due_at": case.due_at.isoformat(),
        "affected": " ".join(case.affected),
        "managers": " ".join(case.managers),
        "account_manager": case.account_manager or "",
        "verdict": case.verdict.value if case.verdict else "",
        "verdict_note": case.verdict_note,
        "abuse_flagged": "yes" if case.abuse_flagged else "no",
        "summary": case.summary,
        "resolution": case.resolution or "",
        "change_requests": "; ".join(case.change_requests),
        "feedback": feedback,
    }


async def export_cases(store: Store, fmt: str) -> str:
    cases = await store.list_cases()
    if fmt == "json":
        full = []
        for case in cases:
            record = case_to_dict(case)
            record["timeline"] = [event_to_dict(e) for e in await store.timeline(case.id)]
            full.append(record)
        return json.dumps({"cases": full}, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(_row(case) for case in cases)
    return out.getvalue()
