"""The embedded store's outbox scheduler: which lane heads may be due, without a scan.

A case's pending outbox items form lanes (`Effect.lane`), each handed out one item at
a time, oldest first. `Lanes` keeps each lane's queue, a heap of heads that may be
due (oldest first) and a heap of heads to look at again later (a retry's next
attempt, a lease's expiry). Claiming then costs what it hands out, not what is
pending: during a burst of complaints thousands of items wait, and every delivery
asks again.

Heap entries go stale (a head that was completed, a lane replaced by a newer write of
its case); they are recognised and dropped when they come up.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime

Key = tuple[str, str]  # (case id, lane)


class Lanes:
    def __init__(self) -> None:
        self._queues: dict[Key, list[int]] = {}
        self._of_case: dict[str, list[Key]] = {}
        self._ready: list[tuple[int, Key]] = []
        self._later: list[tuple[datetime, int, Key]] = []

    def set_case(self, case_id: str, pending: dict[int, str]) -> None:
        """The case's pending items (item id -> lane) are now exactly `pending`."""
        for key in self._of_case.pop(case_id, []):
            del self._queues[key]
        lanes: dict[str, list[int]] = {}
        for item_id in sorted(pending):
            lanes.setdefault(pending[item_id], []).append(item_id)
        keys = []
        for lane, queue in lanes.items():
            key = (case_id, lane)
            self._queues[key] = queue
            keys.append(key)
            heapq.heappush(self._ready, (queue[0], key))
        if keys:
            self._of_case[case_id] = keys

    def waits(self, item_id: int, key: Key, after: str | None) -> bool:
        """Whether the item waits for an older item of its case's `after` lane; it is
        offered again with the case's next change (`set_case`), which that item's end is."""
        queue = self._queues.get((key[0], after)) if after else None
        return bool(queue) and queue[0] < item_id  # type: ignore[index]

    def later(self, when: datetime, item_id: int, key: Key) -> None:
        """Look at this head again at `when` (its next attempt, or its lease's end)."""
        heapq.heappush(self._later, (when, item_id, key))

    def heads(self, now: datetime) -> Iterator[tuple[int, Key]]:
        """Current lane heads that may be due at `now`, oldest first. A head handed out
        here is offered again only through `later` or a new `set_case`."""
        while self._later and self._later[0][0] <= now:
            _, item_id, key = heapq.heappop(self._later)
            heapq.heappush(self._ready, (item_id, key))
        while self._ready:
            item_id, key = heapq.heappop(self._ready)
            queue = self._queues.get(key)
            if queue and queue[0] == item_id:
                yield item_id, key
