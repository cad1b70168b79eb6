"""An append-only journal with group commit, for the embedded store.

Each write is one line: a JSON list of `[key, value]` pairs (value `null` deletes the
key). One thread owns the file: it takes every line queued since its last fsync,
writes them together and fsyncs once, so writes that arrive together share one
durable write and a burst costs a handful of fsyncs, not one per event. A line is
durable when its future resolves.

The journal is split into numbered segments so the store can fold an old segment into
its per-unit files while new lines go to the next one (`rotate`). On load, a torn last
line (a crash mid-append) is cut off (a read-only reader skips it); damage anywhere else
is refused.

A failed write or fsync breaks the journal for good: after a failed fsync the kernel
may have dropped the data, so retrying would claim durability it does not have. Every
later write fails too, and the store reloads from disk on the next start.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Pair = tuple[str, Any]

_ROTATE = object()


class JournalBroken(OSError):
    """A write or fsync failed; nothing after it is durable."""


class Journal:
    def __init__(self, folder: Path, number: int) -> None:
        self.folder = folder
        self.number = number  # the segment new lines go to
        self.bytes = 0  # written to the current segment
        self._queue: queue.SimpleQueue[tuple[Any, asyncio.Future[Any]] | None] = queue.SimpleQueue()
        self._fd = self._open_segment(number)
        self._thread_number = number  # the segment the thread writes to
        self._broken: BaseException | None = None
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="store-journal", daemon=True)
        self._thread.start()

    @staticmethod
    def segment_path(folder: Path, number: int) -> Path:
        return folder / f"journal-{number:06d}.log"

    @classmethod
    def segments(cls, folder: Path) -> list[Path]:
        return sorted(folder.glob("journal-*.log"))

    @classmethod
    def replay(cls, path: Path, last: bool, repair: bool = True) -> Iterator[list[Pair]]:
        """The lines of one segment. In the `last` segment (the one being written when the
        process stopped, or now), whatever follows the first unreadable line was never
        acknowledged: it is cut off the file, or only skipped when not `repair` (a reader
        beside a running writer). In an older segment it is damage."""
        with path.open("rb") as f:
            data = f.read()
        good = 0
        while good < len(data):
            end = data.find(b"\n", good)
            try:
                if end < 0:
                    raise ValueError("the last line is incomplete")
                pairs = json.loads(data[good:end])
            except ValueError as err:
                if not last:
                    raise ValueError(f"{path} is damaged at byte {good}: {err}") from err
                if repair:
                    with path.open("r+b") as f:
                        f.truncate(good)
                        os.fsync(f.fileno())
                return
            good = end + 1
            yield [(str(k), v) for k, v in pairs]

    def _open_segment(self, number: int) -> int:
        fd = os.open(self.segment_path(self.folder, number), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        fsync_folder(self.folder)
        return fd

    # --- the event loop's side ---------------------------------------------------------

    def append(self, pairs: list[Pair]) -> asyncio.Future[None]:
        line = json.dumps(pairs, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self.bytes += len(line)
        return self._submit(line)

    def rotate(self) -> asyncio.Future[int]:
        """Start a new segment after every line queued so far; resolves to the old number,
        whose lines are all durable by then."""
        self.number += 1
        self.bytes = 0
        return self._submit(_ROTATE)

    def _submit(self, item: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = self._loop.create_future()
        if self._broken is not None:
            future.set_exception(JournalBroken(f"the journal is broken: {self._broken}"))
        else:
            self._queue.put((item, future))
        return future

    def close(self) -> None:
        """Stop the thread once every queued line is written (blocks)."""
        self._queue.put(None)
        self._thread.join()
        os.close(self._fd)

    @property
    def broken(self) -> BaseException | None:
        return self._broken

    # --- the writer thread ---------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            lines: list[tuple[bytes, asyncio.Future[Any]]] = []
            for entry in batch:
                if entry is None:
                    stopping = True
                    continue
                item, future = entry
                if item is _ROTATE:
                    self._flush(lines)
                    lines = []
                    self._settle(future, self._rotate())
                else:
                    lines.append((item, future))
            self._flush(lines)

    def _flush(self, lines: list[tuple[bytes, asyncio.Future[Any]]]) -> None:
        if not lines:
            return
        if self._broken is None:
            try:
                os.write(self._fd, b"".join(line for line, _ in lines))
                os.fdatasync(self._fd)
            except OSError as err:
                self._broken = err
        for _, future in lines:
            self._settle(future, None)

    def _rotate(self) -> int:
        old, number = self._fd, self._thread_number
        try:
            self._fd = self._open_segment(number + 1)
        except OSError as err:
            self._broken = err
            return number
        os.close(old)
        self._thread_number = number + 1
        return number

    def _settle(self, future: asyncio.Future[Any], value: Any) -> None:
        broken = self._broken
        if broken is not None:
            error = JournalBroken(f"cannot write the store's journal: {broken}")
            self._loop.call_soon_threadsafe(_set_exception, future, error)
        else:
            self._loop.call_soon_threadsafe(_set_result, future, value)


def _set_result(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _set_exception(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
