"""The one dispatch every adapter calls: run a core command against the store.

It loads the case, lets the core decide, and writes the new case, its events, its
effects and the platform delivery id that caused them in one unit of work.

Commands on one case run one after another (a lock per case, per source message for
openings), so a burst of replies on one case queues instead of colliding. The store's
version check stays as the safety net for several replicas: the loser re-reads and
tries again. If it still cannot write, the error reaches the adapter, which answers
503: the delivery id was not recorded, so the platform's retry does the work. Nothing
is ever dropped after a number of tries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.metrics import Metrics
from handlers import delivery, intake, redaction
from handlers.commands import CaseCommand, OpenCase, Resolve
from handlers.directory import Directory
from handlers.dispatch import handle
from handlers.effects import Effect
from handlers.errors import Conflict, DuplicateDelivery, DuplicateSource, NotNow, Refusal
from handlers.messages import localized, text
from handlers.model import Case
from handlers.outcome import Context
from handlers.redaction import Redact, Redacted
from storage.base import Store

log = logging.getLogger(__name__)

# Conflicts only come from another replica writing the same case; this many in a row
# means something is wrong, and the platform's retry is the better next step.
MAX_CONFLICT_RETRIES = 50


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Result:
    case: Case
    notice: str  # shown to the acting user alone; "" when the client thread answers them
    changed: bool  # False when the command was a repeat (e.g. a second trigger)


class KeyedLock:
    """One asyncio lock per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


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
        self._locks = KeyedLock()

    def context(self) -> Context:
        return Context(self.directory, self._clock())

    def refusal_text(self, refusal: Refusal) -> str:
        return localized(self.directory.language, refusal.key, refusal.params)

    def check_opening(self, cmd: OpenCase) -> None:
        """Refuse an opening now (a Refusal), before any of its work is done."""
        intake.validate(cmd, self.context())

    async def open_case(self, cmd: OpenCase, delivery_id: str | None = None) -> Result:
        """Open a case for a message, or return the one it already has."""
        async with self._locks.hold(cmd.source.key):
            existing = await self.store.case_for_source(cmd.source.key)
            if existing is None:
                ctx = self.context()
                intake.validate(cmd, ctx)
                outcome = intake.open_case(cmd, await self.store.next_case_number(), ctx)
                try:
                    await self.store.create_case(
                        outcome.case, outcome.events, outcome.effects, delivery_id
                    )
                except (DuplicateSource, DuplicateDelivery):
                    existing = await self.store.case_for_source(cmd.source.key)
                else:
                    self.metrics.cases_opened.inc()
                    self._on_effects()
                    log.info("opened %s for %s", outcome.case.id, outcome.case.client_id)
                    # A client who complains hears back in the thread; a colleague is told here.
                    notice = outcome.notice if cmd.actor.internal else ""
                    return Result(outcome.case, notice, changed=True)
        if existing is None:  # only a replayed delivery whose case has since gone
            raise NotNow("refuse.unknown_case", case_id=cmd.source.key)
        notice = text(self.directory.language, "notice.already_open", case_id=existing.id)
        return Result(existing, notice, changed=False)

    async def execute(self, cmd: CaseCommand, delivery_id: str | None = None) -> Result:
        """Apply a command to its case; a Refusal propagates with the user's reason."""
        async with self._locks.hold(cmd.case_id):
            for _ in range(MAX_CONFLICT_RETRIES):
                case = await self.get(cmd.case_id)
                if delivery_id and await self.store.seen(delivery_id):
                    return Result(case, "", changed=False)
                outcome = handle(cmd, case, self.context())
                try:
                    await self.store.save_case(
                        outcome.case, case.version, outcome.events, outcome.effects, delivery_id
                    )
                except Conflict:
                    continue
                except DuplicateDelivery:
                    return Result(case, "", changed=False)
                if isinstance(cmd, Resolve):
                    self.metrics.cases_resolved.inc()
                self._on_effects()
                return Result(outcome.case, outcome.notice, changed=True)
        raise Conflict(f"{cmd.case_id} kept changing under another writer; try again")

    async def redact(
        self, cmd: Redact, delivery_id: str | None = None, dry_run: bool = False
    ) -> Redacted:
        """Take words out of a case (`handlers.redaction`) in one rewrite of the case, its
        timeline and its pending effects; nothing is written when there were none, or on a
        `dry_run` (which says what would go)."""
        async with self._locks.hold(cmd.case_id):
            for _ in range(MAX_CONFLICT_RETRIES):
                case = await self.get(cmd.case_id)
                done = redaction.redact(
                    cmd, case, await self.store.timeline(case.id), self.context()
                )
                if dry_run or not done.changed:
                    return done
                if delivery_id and await self.store.seen(delivery_id):
                    return replace(done, removed=())
                out = done.outcome
                try:
                    await self.store.rewrite_case(
                        out.case, case.version, done.timeline, delivery_id, done.scrub, out.effects
                    )
                except Conflict:
                    continue
                except DuplicateDelivery:
                    return replace(done, removed=())
                if done.unfound:
                    log.warning(
                        "%s: %d card notes posted before notes were kept still show the "
                        "redacted words; they cannot be found to rewrite",
                        case.id,
                        done.unfound,
                    )
                self._on_effects()
                return done
        raise Conflict(f"{cmd.case_id} kept changing under another writer; try again")

    async def report_failure(self, effect: Effect, error: str, key: str) -> None:
        """An effect the platform refused for good: the core decides who is told
        (`handlers.delivery`). Keyed by the outbox item, so it is reported once."""
        if not delivery.reported(effect):
            return
        try:
            await self.execute(delivery.failure(effect, error), delivery_id=f"failed:{key}")
        except Refusal as refusal:  # the case is gone or final: nobody to bring in
            log.warning("not reporting %s on %s: %s", effect.kind, effect.case_id, refusal.key)

    async def get(self, case_id: str) -> Case:
        case = await self.store.get_case(case_id)
        if case is None:
            raise NotNow("refuse.unknown_case", case_id=case_id)
        return case
