"""What every platform's sink shares: one method per kind of effect, and the dispatch.

The outbox hands a sink each stored effect. Dispatching here, once, means a new
kind of effect cannot be forgotten by one platform, and the client thread is
reached only through `post_to_client_thread` and `ask_for_feedback`, which only
the two client-audience effects lead to: internal matters cannot take that road.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from handlers.effects import (
    CardNote,
    CardUpdate,
    ClientThreadPost,
    DirectMessage,
    Effect,
    FeedbackRequest,
    Invite,
)
from handlers.errors import DeliveryError
from handlers.model import Case


class PlatformSink(ABC):
    async def deliver(self, effect: Effect, case: Case) -> None:
        if isinstance(effect, ClientThreadPost):
            await self.post_to_client_thread(case, effect.text)
        elif isinstance(effect, FeedbackRequest):
            await self.ask_for_feedback(case, effect.text)
        elif isinstance(effect, CardUpdate):
            await self.update_card(case)
        elif isinstance(effect, CardNote):
            await self.add_card_note(case, effect.text)
        elif isinstance(effect, DirectMessage):
            await self.direct_message(case, effect.person_id, effect.text)
        elif isinstance(effect, Invite):
            await self.invite(case, effect.person_id)
        else:  # a new kind of effect needs a method here, and on every platform
            raise DeliveryError(f"no platform can deliver {effect.kind} yet")

    @abstractmethod
    async def post_to_client_thread(self, case: Case, text: str) -> None: ...

    @abstractmethod
    async def ask_for_feedback(self, case: Case, text: str) -> None:
        """The feedback question in the client thread, with one button per answer."""

    @abstractmethod
    async def update_card(self, case: Case) -> None:
        """Post the internal card, or update it in place."""

    @abstractmethod
    async def add_card_note(self, case: Case, text: str) -> None:
        """A line in the card's thread: the visible timeline."""

    @abstractmethod
    async def direct_message(self, case: Case, person_id: str, text: str) -> None:
        """A DM to a person of the firm, with links to both threads of the case."""

    @abstractmethod
    async def invite(self, case: Case, person_id: str) -> None:
        """Bring a person into the client channel; a refusal is reported, not raised."""
