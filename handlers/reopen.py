"""Reopen and withdraw: the two ways a case leaves its normal path.

An account manager or lead may reopen a resolved case (the client may also,
through feedback); a case may be withdrawn by the firm or by the client who
raised it. Withdrawn is final.
"""

from __future__ import annotations

from handlers.commands import Reopen, Withdraw
from handlers.effects import ClientThreadPost
from handlers.model import Case, Status
from handlers.outcome import Change, Context, Outcome
from handlers.rules import check_reopen, check_withdraw


def reopen(cmd: Reopen, case: Case, ctx: Context) -> Outcome:
    check_reopen(ctx.directory, case, cmd.actor)
    change = Change.by(ctx, case.id, cmd.actor)
    change.event("reopened", reason=cmd.reason.strip())
    change.effect(ClientThreadPost(case.id, ctx.t("client.reopened", case_id=case.id)))
    return change.outcome(case.evolve(ctx.now, status=Status.REOPENED), "notice.reopened")


def withdraw(cmd: Withdraw, case: Case, ctx: Context) -> Outcome:
    check_withdraw(ctx.directory, case, cmd.actor)
    change = Change.by(ctx, case.id, cmd.actor)
    change.event("withdrawn", reason=cmd.reason.strip())
    change.effect(ClientThreadPost(case.id, ctx.t("client.withdrawn", case_id=case.id)))
    return change.outcome(case.evolve(ctx.now, status=Status.WITHDRAWN), "notice.withdrawn")
