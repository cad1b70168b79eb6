"""The one dispatch every adapter calls: run a core command against the store.

It loads the case, lets the core decide, and writes the new case, its
events and its effects in one store call. Concurrent changes to one case
are settled by the store's version check: the loser re-reads and retries,
so two replicas (or two quick clicks) never overwrite each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.metrics import Metrics
from handlers import intake
from handlers.commands import CaseCommand, OpenCase, Resolve
from handlers.directory import Directory
from handlers.dispatch import handle
from handlers.errors import Conflict, DuplicateSource, NotNow, Refusal
from handlers.messages import localized, text
from handlers.model import Case
from handlers.outcome import Context
from storage.base import Store

log = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 8


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Result:
    case: Case
    notice: str  # shown to the acting user alone; "" when the client thread answers them
    changed: bool  # False when the command was a repeat (e.g. a second trigger)


class CaseService:
    def __init__(
        self,
        store: Store,
        directory: Directory,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_effects: Callable[[], None] = lambda: None,
    ) -> None:
        self.store, self.directory = store, directory
        self.metrics = metrics or Metrics()
        self._clock = clock
        self._on_effects = on_effects  # wakes the outbox

    def context(self) -> Context:
        return Context(self.directory, self._clock())

    def refusal_text(self, refusal: Refusal) -> str:
        return localized(self.directory.language, refusal.key, refusal.params)

    async def open_case(self, cmd: OpenCase) -> Result:
        """Open a case for a message, or return the one it already has."""
        existing = await self.store.case_for_source(cmd.source.key)
        if existing is None:
            ctx = self.context()
            intake.validate(cmd, ctx)
            outcome = intake.open_case(cmd, await self.store.next_case_number(), ctx)
            try:
                await self.store.create_case(outcome.case, outcome.events, outcome.effects)
            except DuplicateSource as dup:
                existing = await self.store.get_case(dup.case_id)
            else:
                self.metrics.cases_opened += 1
                self._on_effects()
                log.info("opened %s for %s", outcome.case.id, outcome.case.client_id)
                # A client who complains hears back in the thread; a colleague is told here.
                notice = outcome.notice if cmd.actor.internal else ""
                return Result(outcome.case, notice, changed=True)
        assert existing is not None
        notice = text(self.directory.language, "notice.already_open", case_id=existing.id)
        return Result(existing, notice, changed=False)

    async def execute(self, cmd: CaseCommand) -> Result:
        """Apply a command to its case; a Refusal propagates with the user's reason."""
        for _ in range(MAX_CONFLICT_RETRIES):
            case = await self.get(cmd.case_id)
            outcome = handle(cmd, case, self.context())
            try:
                await self.store.save_case(
                    outcome.case, case.version, outcome.events, outcome.effects
                )
            except Conflict:
                continue
            if isinstance(cmd, Resolve):
                self.metrics.cases_resolved += 1
            self._on_effects()
            return Result(outcome.case, outcome.notice, changed=True)
        raise Conflict(f"{cmd.case_id} kept changing; gave up after {MAX_CONFLICT_RETRIES} tries")

    async def get(self, case_id: str) -> Case:
        case = await self.store.get_case(case_id)
        if case is None:
            raise NotNow("refuse.unknown_case", case_id=case_id)
        return case
