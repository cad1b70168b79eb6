"""Valid cases, events and effects for storage tests, with every field filled in.

Nested values (statements, accounts, feedback) are set so a round trip through
a store exercises the whole JSON shape, not just the flat fields.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.directory import Actor
from handlers.effects import CardUpdate, ClientThreadPost, Effect, Invite
from handlers.model import (
    Case,
    Event,
    Feedback,
    MessageRef,
    Severity,
    Statement,
    Status,
    Verdict,
    case_id,
)
from storage.base import InboxItem

T0 = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)

CLIENT = Actor("slack", "U-CLIENT", "Dana from Acme")
LEAD = Actor("slack", "U-LEAD", "Lee Lead", person_id="lee")
DEV = Actor("slack", "U-DEV", "Devi Dev", person_id="devi")


def make_case(
    number: int,
    source_message_id: str = "",
    status: Status = Status.OPEN,
    version: int = 0,
    *,
    client_id: str = "acme",
    affected: tuple[str, ...] = ("devi",),
    managers: tuple[str, ...] = ("lee",),
    account_manager: str | None = "ana",
    created_at: datetime = T0,
) -> Case:
    """A case for source message `source_message_id` (default: unique per number), updated
    `number` minutes after it was created."""
    return Case(
        id=case_id(number),
        client_id=client_id,
        source=MessageRef("slack", "C-ACME", source_message_id or f"1700000000.{number:06d}"),
        reporter=LEAD,
        raised_by=CLIENT,
        affected=affected,
        managers=managers,
        account_manager=account_manager,
        category="delay",
        severity=Severity.HIGH,
        summary=f"Delivery {number} was late",
        status=status,
        created_at=created_at,
        updated_at=created_at + timedelta(minutes=number),
        due_at=created_at + timedelta(days=2),
        client_statements=(Statement(CLIENT, "It came a week late.", T0),),
        public_replies=(Statement(LEAD, "We are looking into it.", T0 + timedelta(hours=1)),),
        accounts={"devi": Statement(DEV, "The supplier slipped.", T0 + timedelta(hours=2))},
        verdict=Verdict.PARTLY_RIGHT,
        verdict_note="Should have warned the client.",
        verdict_by="lee",
        change_requests=("warn clients about supplier delays",),
        feedback=(Feedback(True, "Thanks", CLIENT, T0 + timedelta(days=1)),),
        version=version,
    )


def make_event(case: Case, kind: str = "opened", minutes: int = 0) -> Event:
    return Event(case.id, T0 + timedelta(minutes=minutes), LEAD.display, kind, {"n": minutes})


def make_effects(case: Case, text: str = "hello") -> list[Effect]:
    """One effect in each of three lanes (card, client, invite:devi): all three leave together."""
    return [
        CardUpdate(case.id),
        ClientThreadPost(case.id, text),
        Invite(case.id, "devi"),
    ]


def make_inbox_item(delivery_id: str, minutes: int = 0) -> InboxItem:
    """A flag of a client message received `minutes` after T0, with a nested payload."""
    payload = {"channel": "C-ACME", "ts": f"1700000000.{minutes:06d}", "user": {"id": "U-LEAD"}}
    return InboxItem(delivery_id, "slack.flag", payload, T0 + timedelta(minutes=minutes))
