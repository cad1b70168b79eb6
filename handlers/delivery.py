"""When a platform refuses an effect for good: one policy for every platform.

The case is kept whatever the platform says. What failed goes on the card's timeline,
and whoever can fix it is told by DM: the account manager, or without one the case's
managers (never the person an invite was for: they are not in the channel yet). A
client who cannot be answered in their thread, or an employee who cannot be brought
into the client channel, is a person waiting on the firm: silence is not an option.

A DM the platform cannot deliver (on Teams: the app is not installed for that person) is
told to the account manager alone, who can fix it; not to the managers instead, since the
report is a DM too, and two people who cannot be reached must not report each other
forever. A failed DM to the account manager is on the timeline only.

Only the client thread's posts, invites and DMs of cases still open are reported. A card
that fails has no one better placed to hear of it (operators see a failed effect).
"""

from __future__ import annotations

from handlers.commands import DeliveryFailed
from handlers.directory import Actor
from handlers.effects import ClientThreadPost, DirectMessage, Effect, FeedbackRequest, Invite
from handlers.model import Case
from handlers.outcome import BOT, Change, Context, Outcome
from handlers.rules import require_open

REPORTED = frozenset({ClientThreadPost.kind, FeedbackRequest.kind, Invite.kind, DirectMessage.kind})
BOT_ACTOR = Actor("", BOT, BOT)


def reported(effect: Effect) -> bool:
    return effect.kind in REPORTED


def failure(effect: Effect, error: str) -> DeliveryFailed:
    """The command that reports `effect`'s failure."""
    person = effect.person_id if isinstance(effect, Invite | DirectMessage) else None
    return DeliveryFailed(effect.case_id, BOT_ACTOR, effect.kind, error, person)


def delivery_failed(cmd: DeliveryFailed, case: Case, ctx: Context) -> Outcome:
    require_open(case)  # a closed or withdrawn case is history, whatever failed after it
    if cmd.effect == DirectMessage.kind:
        fixers = [case.account_manager] if case.account_manager else []
    else:
        fixers = [case.account_manager] if case.account_manager else list(case.managers)
    fixers = [p for p in fixers if p != cmd.person_id]
    change = Change.by(ctx, case.id, None)
    names = [ctx.directory.people[p].name for p in fixers]  # events keep names, as text
    told = ", ".join(names) or ctx.t("card.none")
    if cmd.effect == DirectMessage.kind and cmd.person_id:
        name = ctx.directory.people[cmd.person_id].name
        change.bot_event("dm_failed", person=name, error=cmd.error, told=told)
        dm = ctx.t("dm.dm_unreachable", person=name, case_id=case.id, error=cmd.error)
    elif cmd.effect == Invite.kind and cmd.person_id:
        name = ctx.directory.people[cmd.person_id].name
        change.bot_event("invite_failed", person=name, error=cmd.error, told=told)
        dm = ctx.t("dm.invite_refused", person=name, case_id=case.id, error=cmd.error)
    else:
        change.bot_event("client_post_failed", error=cmd.error, told=told)
        dm = ctx.t("dm.client_post_failed", case_id=case.id, error=cmd.error)
    for person in fixers:
        change.effect(DirectMessage(case.id, person, dm))
    return change.outcome(case.evolve(ctx.now), "notice.delivery_failed")
