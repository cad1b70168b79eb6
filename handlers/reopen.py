"""Reopen and withdraw: the two ways a case leaves its normal path.

An account manager or lead may reopen a resolved case (the client may also,
through feedback); a case may be withdrawn by the firm or by the client who
raised it. Withdrawn is final.
"""

from __future__ import annotations

from handlers.commands import Reopen, Withdraw
from handlers.effects import ClientThreadPost
from handlers.errors import NotAllowed, NotNow
from handlers.model import Case, Status
from handlers.outcome import Change, Context, Outcome
from handlers.rules import can_reopen, can_withdraw, require_internal, require_open


def reopen(cmd: Reopen, case: Case, ctx: Context) -> Outcome:
    require_open(case)
    person_id = require_internal(cmd.actor)
    if not can_reopen(ctx.directory, case, person_id):
        raise NotAllowed("refuse.not_reopener", case_id=case.id)
    if case.status is not Status.RESOLVED:
        raise NotNow("refuse.not_reopenable", case_id=case.id, status=case.status.value)
    change = Change.by(ctx, case.id, cmd.actor)
    change.event("reopened", reason=cmd.reason.strip())
    change.effect(ClientThreadPost(case.id, ctx.t("client.reopened", case_id=case.id)))
    return change.outcome(case.evolve(ctx.now, status=Status.REOPENED), "notice.reopened")


def withdraw(cmd: Withdraw, case: Case, ctx: Context) -> Outcome:
    require_open(case)
    if not can_withdraw(ctx.directory, case, cmd.actor):
        raise NotAllowed("refuse.not_withdrawer", case_id=case.id)
    change = Change.by(ctx, case.id, cmd.actor)
    change.event("withdrawn", reason=cmd.reason.strip())
    change.effect(ClientThreadPost(case.id, ctx.t("client.withdrawn", case_id=case.id)))
    return change.outcome(case.evolve(ctx.now, status=Status.WITHDRAWN), "notice.withdrawn")
