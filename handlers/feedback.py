"""Feedback: the client says whether it was resolved, and the answer is kept.

"Resolved" closes the case; "Not resolved" reopens it and tells the account
manager, so a case never ends on the firm's word alone.
"""

from __future__ import annotations

from handlers.commands import GiveFeedback
from handlers.effects import ClientThreadPost, DirectMessage, FeedbackAnswered
from handlers.errors import NotAllowed
from handlers.messages import actor_markup
from handlers.model import Case, Feedback, Status
from handlers.outcome import Change, Context, Outcome
from handlers.rules import check_feedback


def give_feedback(cmd: GiveFeedback, case: Case, ctx: Context) -> Outcome:
    check_feedback(ctx.directory, case, cmd.actor)
    if cmd.channel != case.source.channel:  # a contact of another client, or a forgery
        raise NotAllowed("refuse.feedback_other_channel", case_id=case.id)
    comment = cmd.comment.strip()
    change = Change.by(ctx, case.id, cmd.actor)
    feedback = (*case.feedback, Feedback(cmd.resolved, comment, cmd.actor, ctx.now))
    answer = ctx.t("card.feedback_yes" if cmd.resolved else "card.feedback_no")
    answered = ctx.t(
        "client.feedback_answered", answer=answer, actor=actor_markup(cmd.actor.display)
    )
    change.effect(FeedbackAnswered(case.id, answered))
    if cmd.resolved:
        change.event("feedback_yes", comment=comment)
        change.bot_event("closed")
        change.effect(ClientThreadPost(case.id, ctx.t("client.closed", case_id=case.id)))
        status = Status.CLOSED
    else:
        change.event("feedback_no", comment=comment)
        change.bot_event("reopened", reason="")
        change.effect(ClientThreadPost(case.id, ctx.t("client.reopened", case_id=case.id)))
        if case.account_manager:
            client = ctx.directory.clients[case.client_id].name
            text = ctx.t("dm.reopened", client=client, case_id=case.id, comment=comment or "-")
            change.effect(DirectMessage(case.id, case.account_manager, text))
        status = Status.REOPENED
    return change.outcome(case.evolve(ctx.now, status=status, feedback=feedback), "notice.feedback")
