"""Resolution: a short, client-facing summary of what was agreed and what happens next.

Big requests are not acted on in the heat of the moment: they are recorded
as change requests for the leads to weigh across clients.
"""

from __future__ import annotations

from handlers.commands import Resolve
from handlers.effects import ClientThreadPost, FeedbackRequest
from handlers.model import Case, Status
from handlers.outcome import Change, Context, Outcome
from handlers.rules import check_resolve, check_summary


def resolve(cmd: Resolve, case: Case, ctx: Context) -> Outcome:
    check_resolve(ctx.directory, case, cmd.actor)
    summary = check_summary(cmd.summary)
    requests = tuple(r.strip() for r in cmd.change_requests if r.strip())

    change = Change.by(ctx, case.id, cmd.actor)
    change.event("resolved", summary=summary)
    for request in requests:
        change.event("change_request", text=request)
    change.effect(
        ClientThreadPost(case.id, ctx.t("client.resolution", case_id=case.id, summary=summary))
    )
    change.effect(FeedbackRequest(case.id, ctx.t("client.feedback_request")))
    case = case.evolve(
        ctx.now,
        status=Status.RESOLVED,
        resolution=summary,
        change_requests=(*case.change_requests, *requests),
    )
    return change.outcome(case, "notice.resolved")
