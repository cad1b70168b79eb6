"""The embedded store's files: the per-case TinyDB layout, atomic JSON writes, the lock,
and start-up errors that name the problem and the fix. (`storage.tinydb_store` keeps
the state and the journal; this is what it reads and writes on disk.)"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from handlers.errors import StorageError, StoreLocked

Record = dict[str, Any]

URL = "COMPLAINTBOT_DATABASE_URL"  # the setting each fix points at


def not_a_store(path: Path, why: str) -> StorageError:
    return StorageError(
        f"{path} is not a complaintbot store ({why}). Fix: point {URL} at the store's "
        "file, or move this file away to start a new store there"
    )


def cannot_use(path: Path, err: OSError) -> StorageError:
    """One line for an OSError met opening the store: what is wrong, where, and the fix."""
    where = Path(err.filename) if err.filename else path
    if err.errno == errno.ENOTDIR:
        file = next((p for p in (where, *where.parents) if p.is_file()), where)
        return StorageError(
            f"cannot use {path}: {file} is a file, not a folder. "
            f"Fix: point {URL} at a path inside a folder"
        )
    if err.errno == errno.EISDIR:
        return StorageError(
            f"{path} is a folder, not a store file. "
            f"Fix: point {URL} at a file in it, e.g. {path / 'complaintbot.json'}"
        )
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(
            f"no access to {where} ({err.strerror}). Fix: give this user read and write "
            f"access there, or point {URL} at a folder it can write"
        )
    if err.errno == errno.ENOSPC:
        return StorageError(f"no space left for {where}. Fix: free some disk space")
    return StorageError(
        f"cannot use {path}: {where}: {err.strerror or err}. "
        f"Fix: check that path, or point {URL} at another file"
    )


# A case file is TinyDB's layout (`{table: {doc_id: row}}`), so `TinyDB(path)` can read it.


def unit_to_file(record: Record) -> Record:
    return {
        "case": {"1": record["case"]},
        "timeline": {str(n): e for n, e in enumerate(record["timeline"], start=1)},
        "outbox": {
            item_id: row | {"id": int(item_id)} for item_id, row in record["outbox"].items()
        },
        "refs": {
            str(n): {"name": k, "value": v} for n, (k, v) in enumerate(record["refs"].items(), 1)
        },
        "deliveries": {
            str(n): {"id": d, "at": at} for n, (d, at) in enumerate(record["deliveries"].items(), 1)
        },
    }


def unit_from_file(doc: Record) -> Record:
    try:
        return {
            "case": doc["case"]["1"],
            "timeline": list(doc["timeline"].values()),
            "outbox": {
                str(r["id"]): {k: v for k, v in r.items() if k != "id"}
                for r in doc["outbox"].values()
            },
            "refs": {r["name"]: r["value"] for r in doc["refs"].values()},
            "deliveries": {r["id"]: r["at"] for r in doc["deliveries"].values()},
        }
    except (KeyError, TypeError, AttributeError) as e:
        raise StorageError(f"a case file is not in complaintbot's layout ({e!r})") from e


def read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise StorageError(f"cannot read {path}: {e}") from e


def write_json(path: Path, doc: Any) -> None:
    """Temp file, fsync, atomic rename: a reader sees the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def lock(path: Path) -> int:
    """An exclusive flock on `<path>.lock`, so a second process cannot open the store."""
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreLocked(
            f"{path} is in use by another complaintbot process; stop that process, "
            "or point COMPLAINTBOT_DATABASE_URL at another file"
        ) from None
    return fd
