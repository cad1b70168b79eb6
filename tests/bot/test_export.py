"""`complaintbot export`'s content: what a lead reads in the CSV, and the whole case in JSON."""

from __future__ import annotations

import csv
import io
import json

from bot.export import BOM, CSV_COLUMNS, export_cases, safe_cell
from bot.service import CaseService
from handlers.commands import AddReply, Assess, GiveFeedback, OpenCase, RecordAccount, Resolve
from handlers.directory import Directory
from handlers.model import MessageRef, Verdict, case_to_dict
from storage.tinydb_store import TinyDBStore


async def a_case_that_went_round_twice(store: TinyDBStore, directory: Directory) -> str:
    """Opened with a formula for text, answered in Hebrew, assessed, resolved, reopened by
    the client, resolved again and closed."""
    service = CaseService(store, directory)
    carol = directory.actor("slack", "U0CLIENT", "Carol")
    dana = directory.actor("slack", "U0DANA")
    maya = directory.actor("slack", "U0MAYA")
    avi = directory.actor("slack", "U0AVI")
    source = MessageRef("slack", "C0ACME", "1.0")
    text = '=HYPERLINK("http://evil.example","the report")'
    opened = await service.open_case(OpenCase(carol, source, carol, text, "mention", ("dana",)))
    case_id = opened.case.id
    await service.execute(AddReply(case_id, carol, "הדוח איחר שוב"))
    await service.execute(RecordAccount(case_id, dana, "I sent it Tuesday, as agreed."))
    await service.execute(Assess(case_id, maya, Verdict.PARTLY_RIGHT, "-dates were unclear"))
    await service.execute(Resolve(case_id, avi, "We resend it every Monday.", ("weekly call",)))
    await service.execute(GiveFeedback(case_id, carol, False, "@still late", channel="C0ACME"))
    await service.execute(Resolve(case_id, avi, "Monday 9:00, with a reminder."))
    await service.execute(GiveFeedback(case_id, carol, True, "thanks", channel="C0ACME"))
    return case_id


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_csv_carries_what_a_lead_needs(store: TinyDBStore, directory: Directory) -> None:
    await a_case_that_went_round_twice(store, directory)
    [row] = rows(await export_cases(store, "csv"))
    assert list(row) == list(CSV_COLUMNS)
    assert row["status"] == "closed" and row["raised_by"] == "Carol"
    assert row["summary"] == """'=HYPERLINK("http://evil.example","the report")"""  # not run
    assert 'Carol: =HYPERLINK("http://evil.example","the report")' in row["client_statements"]
    assert "Carol: הדוח איחר שוב" in row["client_statements"]
    assert row["accounts"].startswith("dana: ") and "I sent it Tuesday" in row["accounts"]
    assert row["verdict"] == "partly_right"
    assert row["verdict_note"] == "'-dates were unclear" and row["verdict_by"] == "maya"
    rounds = [line.split(" ", 3)[3] for line in row["resolution_rounds"].splitlines()]
    assert rounds == [
        "resolved by Avi Katz: We resend it every Monday.",
        "answered not resolved by Carol: @still late",
        "reopened by complaintbot",
        "resolved by Avi Katz: Monday 9:00, with a reminder.",
        "answered resolved by Carol: thanks",
        "closed by complaintbot",
    ]
    assert row["resolution"] == "Monday 9:00, with a reminder."
    assert row["change_requests"] == "weekly call"
    feedback = row["feedback"].splitlines()
    assert feedback[0].endswith("Carol: not resolved: @still late")
    assert feedback[1].endswith("Carol: resolved: thanks")


def test_cells_that_would_start_a_formula_get_a_quote() -> None:
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    for fine in ("", "Dana", "2026-11-02", "a=b", "'quoted"):
        assert safe_cell(fine) == fine


async def test_bom_only_when_asked(store: TinyDBStore, directory: Directory) -> None:
    await a_case_that_went_round_twice(store, directory)
    assert not (await export_cases(store, "csv")).startswith(BOM)
    with_bom = await export_cases(store, "csv", bom=True)
    assert with_bom.startswith(BOM) and rows(with_bom[1:])[0]["id"] == "C-0001"


async def test_the_json_holds_every_field_and_the_timeline(
    store: TinyDBStore, directory: Directory
) -> None:
    case_id = await a_case_that_went_round_twice(store, directory)
    [exported] = json.loads(await export_cases(store, "json"))["cases"]
    case = await store.get_case(case_id)
    assert case is not None
    assert {k: v for k, v in exported.items() if k != "timeline"} == case_to_dict(case)
    assert exported["client_statements"][0]["text"].startswith("=HYPERLINK")  # unchanged
    kinds = [e["kind"] for e in exported["timeline"]]
    assert kinds[0] == "opened" and kinds.count("resolved") == 2 and kinds[-1] == "closed"
    assert len(exported["timeline"]) == len(await store.timeline(case_id))
