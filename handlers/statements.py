"""Statements: what the client says, what colleagues answer, and each employee's account.

The employee's account is what makes a fair verdict possible, so it can be
given (and corrected) until the case is closed, also after a resolution, for
the record; a manager may waive it, on the record, when the employee cannot
give one.
"""

from __future__ import annotations

from handlers import abuse_flag
from handlers.commands import AddReply, RecordAccount, WaiveAccount
from handlers.effects import ClientThreadPost
from handlers.model import Case, Statement, Status
from handlers.outcome import Change, Context, Outcome
from handlers.rules import check_account, check_waiver, require_open, require_text


def add_reply(cmd: AddReply, case: Case, ctx: Context) -> Outcome:
    """A message in the client thread goes on the record; the first internal one acknowledges.

    Its words are a statement (or a public reply); each file shared with it is a line of
    the timeline, with its link, and files alone are a message too: nobody is asked to
    write something first. A client's statement is recorded whatever it says, and one
    abusive toward staff also flags the case, internally (`handlers.abuse_flag`)."""
    require_open(case)
    body = cmd.text.strip() if cmd.files else require_text(cmd.text)
    change = Change.by(ctx, case.id, cmd.actor)
    statement = Statement(cmd.actor, body, ctx.now, cmd.message_id)
    if body:
        change.event("reply" if cmd.actor.internal else "statement", text=body)
    for shared in cmd.files:
        change.event("file", name=shared.name, link=shared.link)
    if not cmd.actor.internal:
        said = (*case.client_statements, statement) if body else case.client_statements
        flagged = abuse_flag.screen(case, body, change, ctx)
        case = case.evolve(ctx.now, client_statements=said, abuse_flagged=flagged)
        return change.outcome(case, "notice.reply")
    replies = (*case.public_replies, statement) if body else case.public_replies
    status = case.status
    if status is Status.OPEN:
        status = Status.ACKNOWLEDGED
        change.event("acknowledged")
    case = case.evolve(ctx.now, public_replies=replies, status=status)
    return change.outcome(case, "notice.reply")


def investigating(case: Case, change: Change, ctx: Context) -> Status:
    """The first account, waiver or verdict moves a fresh case to investigating, and says so."""
    if case.status in (Status.OPEN, Status.ACKNOWLEDGED):
        change.bot_event("investigating")
        change.effect(ClientThreadPost(case.id, ctx.t("client.investigating", case_id=case.id)))
        return Status.INVESTIGATING
    return case.status


def record_account(cmd: RecordAccount, case: Case, ctx: Context) -> Outcome:
    person_id = check_account(ctx.directory, case, cmd.actor)
    body = require_text(cmd.text)
    change = Change.by(ctx, case.id, cmd.actor)
    change.event("account", text=body)
    status = investigating(case, change, ctx)
    accounts = {**case.accounts, person_id: Statement(cmd.actor, body, ctx.now)}
    return change.outcome(case.evolve(ctx.now, accounts=accounts, status=status), "notice.account")


def waive_account(cmd: WaiveAccount, case: Case, ctx: Context) -> Outcome:
    check_waiver(ctx.directory, case, cmd.actor, cmd.person_id)
    reason = require_text(cmd.reason)
    change = Change.by(ctx, case.id, cmd.actor)
    change.event("waiver", person=ctx.directory.person(cmd.person_id).name, text=reason)
    status = investigating(case, change, ctx)
    waivers = {**case.waivers, cmd.person_id: Statement(cmd.actor, reason, ctx.now)}
    return change.outcome(case.evolve(ctx.now, waivers=waivers, status=status), "notice.waiver")
