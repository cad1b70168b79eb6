"""What every platform's sink shares: one method per kind of effect, and the dispatch.

The outbox hands a sink each stored effect. Dispatching here, once, means a new
kind of effect cannot be forgotten by one platform, and the client thread is
reached only through `post_to_client_thread` and `ask_for_feedback`, which only
the two client-audience effects lead to: internal matters cannot take that road.

Each call gets the `Attempt`: the outbox item's key, which a posted message carries
so it can be found again, and whether an earlier attempt may already have reached
the platform (a crash or a timeout mid-call). A sink that can look first does, so a
retry never posts twice. A method returns the refs its post created (the receipt),
which the store keeps in the same write that completes the effect. A card note's is the
id of the line it posted, kept under its event's key (`note_ref`), so a `CardNoteUpdate`
finds the line again; one no ref names was never posted (given up, or no internal
channel), which is logged. (A note from before events had keys names no event at all:
the core counts those, `handlers.redaction`.)
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.effects import (
    CardNote,
    CardNoteUpdate,
    CardUpdate,
    ClientThreadPost,
    DirectMessage,
    Effect,
    FeedbackAnswered,
    FeedbackRequest,
    Invite,
    note_ref,
)
from handlers.errors import DeliveryError
from handlers.model import Case

log = logging.getLogger(__name__)

Refs = dict[str, str]


@dataclass(frozen=True)
class Attempt:
    key: str  # unique per effect; what a posted message carries to be found again
    maybe_sent: bool = False  # an earlier attempt's outcome is unknown: look before posting
    # The case's refs (its card's id, ...) as the claim read them: an effect's lane, and
    # its `after` lane, were done by then, so what they posted is here.
    refs: Mapping[str, str] = field(default_factory=dict)


class PlatformSink(ABC):
    async def deliver(self, effect: Effect, case: Case, attempt: Attempt) -> Refs:
        if isinstance(effect, ClientThreadPost):
            return await self.post_to_client_thread(case, effect.text, attempt)
        elif isinstance(effect, FeedbackRequest):
            return await self.ask_for_feedback(case, effect.text, attempt)
        elif isinstance(effect, FeedbackAnswered):
            await self.close_question(case, effect.text, attempt)
        elif isinstance(effect, CardUpdate):
            return await self.update_card(case, attempt)
        elif isinstance(effect, CardNote):
            posted = await self.add_card_note(case, effect.text, attempt)
            return {note_ref(effect.event): posted} if effect.event and posted else {}
        elif isinstance(effect, CardNoteUpdate):
            note = attempt.refs.get(note_ref(effect.event))
            if note:
                await self.update_card_note(case, note, effect.text, attempt)
            else:
                log.warning(
                    "the card note of event %s of %s was never posted: nothing to rewrite",
                    effect.event,
                    case.id,
                )
        elif isinstance(effect, DirectMessage):
            await self.direct_message(case, effect.person_id, effect.text, attempt)
        elif isinstance(effect, Invite):
            await self.invite(case, effect.person_id, attempt)
        else:  # a new kind of effect needs a method here, and on every platform
            raise DeliveryError(f"no platform can deliver {effect.kind} yet")
        return {}

    @abstractmethod
    async def post_to_client_thread(self, case: Case, text: str, attempt: Attempt) -> Refs:
        """A reply in the client thread; the refs a platform keeps of it (Teams keeps each
        post's id, to tell an earlier attempt from the lane's older posts)."""

    @abstractmethod
    async def ask_for_feedback(self, case: Case, text: str, attempt: Attempt) -> Refs:
        """The feedback question in the client thread, with one button per answer; the
        refs to find it again."""

    @abstractmethod
    async def close_question(self, case: Case, text: str, attempt: Attempt) -> None:
        """Replace the open feedback question's buttons with `text`, the answer."""

    @abstractmethod
    async def update_card(self, case: Case, attempt: Attempt) -> Refs:
        """Post the internal card, or update it in place; the refs of a new card."""

    @abstractmethod
    async def add_card_note(self, case: Case, text: str, attempt: Attempt) -> str:
        """A line in the card's thread: the visible timeline; its message id ("" when
        there is no card to note on)."""

    @abstractmethod
    async def update_card_note(self, case: Case, note: str, text: str, attempt: Attempt) -> None:
        """Rewrite the line `note` (an id `add_card_note` returned) in the card's thread."""

    @abstractmethod
    async def direct_message(self, case: Case, person_id: str, text: str, attempt: Attempt) -> None:
        """A DM to a person of the firm, with links to both threads of the case."""

    @abstractmethod
    async def invite(self, case: Case, person_id: str, attempt: Attempt) -> None:
        """Bring a person into the client channel; a refusal is reported, not raised."""
