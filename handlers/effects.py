"""What a flow wants to happen in the outside world, as plain data.

Flows return effects; the shell stores them in the outbox in the same write
as the case, and an adapter carries them out later. So a crash or a platform
outage delays a notification but never loses it. Text is rendered by the
core (in the directory's language) when the effect is made; only the case
card is rendered by the adapter, from the case as it is when it is sent.

`audience` is what keeps internal matters out of client channels: only
"client" effects may ever be sent to a client thread.

`lane` is the order that matters: a case's effects in one lane leave one at a
time, in the order they were made (the client never reads "resolved" before
"we are looking into it"; the card exists before the lines in its thread),
while its lanes, and other cases, go on side by side, so one rate-limited DM
holds up nothing but the DMs to that person. `after` names one more lane of its
case to wait for: a DM links to the internal card, so it leaves once the card's earlier
items are done (sent, or given up: then it goes without the link).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal

Audience = Literal["client", "internal"]


@dataclass(frozen=True)
class Effect:
    case_id: str
    kind: ClassVar[str]
    audience: ClassVar[Audience]
    after: ClassVar[str | None] = None  # a lane of the case whose earlier items go first

    @property
    def lane(self) -> str:
        """What this effect must wait for: every earlier effect of its case in this lane."""
        return "client" if self.audience == "client" else "card"


@dataclass(frozen=True)
class ClientThreadPost(Effect):
    """A reply in the client thread, under the source message."""

    text: str
    kind: ClassVar[str] = "client_post"
    audience: ClassVar[Audience] = "client"


@dataclass(frozen=True)
class FeedbackRequest(Effect):
    """The "was this resolved?" question in the client thread, with two answers."""

    text: str
    kind: ClassVar[str] = "feedback_request"
    audience: ClassVar[Audience] = "client"


@dataclass(frozen=True)
class FeedbackAnswered(Effect):
    """The feedback question was answered: its buttons give way to the answer, so nobody
    presses a question that no longer stands."""

    text: str
    kind: ClassVar[str] = "feedback_answered"
    audience: ClassVar[Audience] = "client"


@dataclass(frozen=True)
class CardUpdate(Effect):
    """Post the internal case card, or update it in place if it exists."""

    kind: ClassVar[str] = "card_update"
    audience: ClassVar[Audience] = "internal"


@dataclass(frozen=True)
class CardNote(Effect):
    """A line in the internal card's thread: the visible timeline. `event` is the key of
    the event it tells (`Event.key`): what was posted is kept under it (`note_ref`), so a
    redaction can rewrite the line ("" for a note made before events had keys)."""

    text: str
    event: str = ""
    kind: ClassVar[str] = "card_note"
    audience: ClassVar[Audience] = "internal"


@dataclass(frozen=True)
class CardNoteUpdate(Effect):
    """Rewrite a line already in the card's thread (the note of event `event`) to `text`:
    a redaction took words out of the event it tells. The same whatever its tries."""

    event: str
    text: str
    kind: ClassVar[str] = "card_note_update"
    audience: ClassVar[Audience] = "internal"


def note_ref(event: str) -> str:
    """The name of the case ref that holds the platform's id of an event's card note."""
    return f"card_note:{event}"


@dataclass(frozen=True)
class DirectMessage(Effect):
    """A DM to a person of the firm, with links to both threads of the case."""

    person_id: str
    text: str
    kind: ClassVar[str] = "dm"
    audience: ClassVar[Audience] = "internal"
    after: ClassVar[str | None] = "card"  # it links to the card

    @property
    def lane(self) -> str:
        return f"dm:{self.person_id}"


@dataclass(frozen=True)
class Invite(Effect):
    """Bring a person into the client channel; if the platform refuses, tell the AM."""

    person_id: str
    kind: ClassVar[str] = "invite"
    audience: ClassVar[Audience] = "internal"

    @property
    def lane(self) -> str:
        return f"invite:{self.person_id}"


EFFECT_TYPES: dict[str, type[Effect]] = {
    cls.kind: cls
    for cls in (
        ClientThreadPost,
        FeedbackRequest,
        FeedbackAnswered,
        CardUpdate,
        CardNote,
        CardNoteUpdate,
        DirectMessage,
        Invite,
    )
}


def effect_to_dict(effect: Effect) -> dict[str, Any]:
    return {"kind": effect.kind, **asdict(effect)}


def effect_from_dict(d: dict[str, Any]) -> Effect:
    fields = dict(d)
    return EFFECT_TYPES[fields.pop("kind")](**fields)
