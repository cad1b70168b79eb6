"""The async repository every backend implements (TinyDB now, PostgreSQL later).

The contract, which `tests/storage/contract.py` checks for every backend:

- `create_case` is atomic and refuses a second case for the same source
  message (`DuplicateSource`), even across processes or replicas;
- `save_case` writes only if the stored version is `expected_version`
  (`Conflict` otherwise), and stores the case, its new timeline events and its
  new outbox effects in one write: all or nothing;
- every method that returned has made its write durable;
- outbox items come back in the order they were added, and an item is
  handed out again until it is completed or failed for good.

For several replicas (PostgreSQL), the same promises hold across processes:
a unique source key and a version column settle races, a sequence numbers
cases, and `due_effects` must lease what it hands out (e.g. `FOR UPDATE SKIP
LOCKED` with an expiry) so that two outbox workers never send one effect
twice; the embedded store has one process and needs no lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from handlers.effects import Effect
from handlers.model import Case, Event


@dataclass(frozen=True)
class OutboxItem:
    id: int
    effect: Effect
    attempts: int
    next_attempt_at: datetime


class Store(Protocol):
    async def open(self) -> None:
        """Acquire the backend (file lock, connection pool); raise StoreLocked if held."""

    async def close(self) -> None: ...

    async def health(self) -> dict[str, Any]:
        """{"ok": bool, ...details}; cheap enough for every /healthz call."""

    # cases ------------------------------------------------------------------------------
    async def next_case_number(self) -> int:
        """A number never handed out before (gaps are allowed, repeats are not)."""

    async def case_for_source(self, source_key: str) -> Case | None: ...

    async def create_case(self, case: Case, events: list[Event], effects: list[Effect]) -> None:
        """Store a new case; DuplicateSource(existing id) if its source already has one."""

    async def save_case(
        self, case: Case, expected_version: int, events: list[Event], effects: list[Effect]
    ) -> None:
        """Replace the case if the stored version is `expected_version`, else Conflict."""

    async def get_case(self, case_id: str) -> Case | None: ...

    async def list_cases(self) -> list[Case]:
        """Every case, open or archived, ordered by case number."""

    async def timeline(self, case_id: str) -> list[Event]:
        """The case's events in the order they happened."""

    # outbox -----------------------------------------------------------------------------
    async def due_effects(self, now: datetime, limit: int = 50) -> list[OutboxItem]:
        """Pending items whose next attempt is due, oldest first. An item is not due while an
        earlier pending item of the same case waits for its retry: a case's effects leave in
        the order they were made."""

    async def complete_effect(self, item_id: int) -> None: ...

    async def retry_effect(self, item_id: int, error: str, next_attempt_at: datetime) -> None: ...

    async def fail_effect(self, item_id: int, error: str) -> None:
        """Give up on an item; it stays visible (counted as failed) for operators."""

    async def effect_counts(self) -> dict[str, int]:
        """{"pending": n, "failed": n}"""

    # platform bookkeeping ---------------------------------------------------------------
    async def first_delivery(self, delivery_id: str) -> bool:
        """Record a platform delivery id; True the first time, False for a repeat."""

    async def get_ref(self, case_id: str, name: str) -> str | None:
        """A platform reference kept for a case (e.g. the card's message id on Slack)."""

    async def set_ref(self, case_id: str, name: str, value: str) -> None: ...
