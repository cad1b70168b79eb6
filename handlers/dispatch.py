"""The one entry point of the core: a command and the current case in, an outcome out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers import deadlines, delivery, feedback, reopen, resolution, statements, verdict
from handlers.commands import (
    AddReply,
    Alert,
    Assess,
    CaseCommand,
    DeliveryFailed,
    Digest,
    GiveFeedback,
    RecordAccount,
    Reopen,
    Resolve,
    WaiveAccount,
    Withdraw,
)
from handlers.model import Case
from handlers.outcome import Context, Outcome

FLOWS: dict[type[CaseCommand], Callable[[Any, Case, Context], Outcome]] = {
    AddReply: statements.add_reply,
    RecordAccount: statements.record_account,
    WaiveAccount: statements.waive_account,
    Assess: verdict.assess,
    Resolve: resolution.resolve,
    GiveFeedback: feedback.give_feedback,
    Reopen: reopen.reopen,
    Withdraw: reopen.withdraw,
    DeliveryFailed: delivery.delivery_failed,
    Alert: deadlines.alert,
    Digest: deadlines.digest,
}


def handle(command: CaseCommand, case: Case, ctx: Context) -> Outcome:
    """Apply a command to an existing case. Opening a case is `handlers.intake.open_case`."""
    return FLOWS[type(command)](command, case, ctx)
