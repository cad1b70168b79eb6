"""A crash-safe JSON file storage for TinyDB.

TinyDB's own `JSONStorage` truncates and rewrites the file in place, so a
crash mid-write leaves a half-written (unreadable) file, and
`CachingMiddleware` loses whatever it has not flushed yet. Here every write
goes to a temp file in the same folder, is fsynced, replaces the target with
`os.replace` (atomic on POSIX), and then the folder is fsynced so the rename
itself survives a power cut. A reader therefore sees either the old file or
the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tinydb.storages import Storage


class AtomicJSONStorage(Storage):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The whole document, or None (TinyDB's "empty") if the file does not exist."""
        try:
            with self.path.open(encoding="utf-8") as f:
                data: dict[str, dict[str, Any]] = json.load(f)
        except FileNotFoundError:
            return None
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self._temp_prefix, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def discard_temp_files(self) -> None:
        """Delete temp files a killed writer left behind; only while no one else writes."""
        for leftover in self.path.parent.glob(f"{glob.escape(self._temp_prefix)}*.tmp"):
            leftover.unlink(missing_ok=True)

    @property
    def _temp_prefix(self) -> str:
        return f".{self.path.name}."
