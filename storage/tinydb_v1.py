"""Upgrading a store of the single-file layout (schema version 1, complaintbot 0.1).

Version 1 kept every live case, the outbox, the refs and the delivery ids in one file,
and closed cases in `<stem>.archive.json`. Upgrading writes one file per case, keeps
both old files beside the store as `*.v1.json`, and only then writes the new meta
file: that write is the point of no return, so a crash before it upgrades again from
the start. Delivery ids are not carried over (Slack's retries come within minutes).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

Record = dict[str, Any]


def upgrade(
    main: Path, doc: Record, read: Callable[[Path], Any], write_case: Callable[[Record], None]
) -> Record:
    """Write every case of a version-1 store as a record; the version-2 meta to commit."""
    archive = main.with_name(f"{main.stem}.archive.json")
    archived = read(archive) if archive.exists() else {"cases": {}}
    records: dict[str, Record] = {}
    for file in (archived, doc):  # the main file goes last: its copy of a case wins
        for row in file.get("cases", {}).values():
            records[row["case"]["id"]] = {
                "case": row["case"],
                "timeline": row["timeline"],
                "outbox": {},
                "refs": {},
                "deliveries": {},
            }
    for item_id, row in doc.get("outbox", {}).items():
        record = records.get(row["effect"]["case_id"])
        if record is not None:
            record["outbox"][item_id] = row | {"maybe_sent": False}
    for ref in doc.get("refs", {}).values():
        if ref["case_id"] in records:
            records[ref["case_id"]]["refs"][ref["name"]] = ref["value"]
    for record in records.values():
        write_case(record)
    for old in (main, archive):
        if old.exists():
            shutil.copy2(old, old.with_name(f"{old.stem}.v1.json"))
    meta = doc["meta"]["1"]
    return {
        "schema_version": 2,
        "last_case_number": meta.get("last_case_number", 0),
        "last_outbox_id": meta.get("last_outbox_id", 0),
        "clean": True,
    }


def remove_archive(main: Path) -> None:
    """After the upgrade committed: the archive's cases live in their own files now."""
    main.with_name(f"{main.stem}.archive.json").unlink(missing_ok=True)
