"""Deadlines: when each step of a case is due, who holds it, and the reminders and
escalations that chase it, each sent once.

At opening a case gets a deadline for the client acknowledgement, one for each named
employee's account, and one for the resolution, in the firm's business hours
(`handlers.calendar`; the hours per severity come from the directory file). They are
kept on the case, so a later change of the file does not move a promise already made.

When a step is done:
- the **acknowledgement** when the client has heard from a person of the firm: the first
  internal reply in the client thread moves the case to ACKNOWLEDGED (`statements`), and
  a first account, waiver or verdict moves it on to INVESTIGATING and tells the client
  so. The bot's own automatic receipt at opening does not count: it promises that
  someone will answer, it is not the answer. So: done once the status is not OPEN.
- an **account** when the employee gave it, or their manager waived it;
- the **resolution** when the case is resolved, closed or withdrawn (a reopened case is
  due again by the same deadline; what was sent for it before is not sent again).

Who holds a step is reminded when three quarters of its time are gone (`REMIND_AT`):
the account manager for the acknowledgement and the resolution, the employee for their
account, and the case's managers for a resolution still waiting for their verdict. When
the deadline passes, the leads are told (the escalation). Both go out only in working
hours: the time allowed is counted in working time, so nobody is paged at night for a
clock that stood still, and a deadline that passes at closing time escalates at the next
opening. Each is recorded on the case (`Case.alerts`) with its timeline line, and the
shell writes it under a delivery id made of the case, the deadline and the kind
(`alert_delivery_id`), so it goes out once, whichever run, replica or restart finds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import get_args

from handlers.calendar import Calendar, Schedule
from handlers.commands import Alert, AlertKind, Digest
from handlers.delivery import BOT_ACTOR
from handlers.directory import Directory
from handlers.effects import DirectMessage
from handlers.errors import NotNow
from handlers.messages import Markup, mentions
from handlers.model import Case, Deadline, Status
from handlers.outcome import Change, Context, Outcome
from handlers.rules import require_open

KINDS: tuple[AlertKind, ...] = get_args(AlertKind)
REMIND_AT = 0.75  # the share of a step's time after which its holder is reminded
RESOLVED = (Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN)


def plan(
    severity: str, affected: Iterable[str], opened: datetime, schedule: Schedule
) -> tuple[Deadline, ...]:
    """The deadlines of a case opened at `opened`: acknowledgement, accounts, resolution."""
    hours = schedule.allowances[severity]

    def deadline(step: str, person_id: str | None = None) -> Deadline:
        allowed = hours.hours(step)
        calendar = schedule.calendar
        due = calendar.add_business_hours(opened, allowed)
        remind = calendar.add_business_hours(opened, allowed * REMIND_AT)
        return Deadline(step, due, remind, person_id)

    return (
        deadline("acknowledge"),
        *(deadline("account", p) for p in affected),
        deadline("resolve"),
    )


def done(case: Case, deadline: Deadline) -> bool:
    if deadline.step == "acknowledge":
        return case.status is not Status.OPEN
    if deadline.step == "account":
        return deadline.person_id not in case.missing_accounts()
    return case.status in RESOLVED


def overdue(case: Case, now: datetime) -> list[Deadline]:
    """The deadlines of an open case that have passed with their step not done."""
    if case.status.final:
        return []
    return [d for d in case.deadlines if now >= d.due_at and not done(case, d)]


def alert_key(deadline: Deadline, kind: AlertKind) -> str:
    return f"{deadline.key}/{kind}"


def alert_delivery_id(case_id: str, deadline: Deadline, kind: AlertKind) -> str:
    """The same for every run that finds this alert due, and for nothing else."""
    return f"deadline:{case_id}:{alert_key(deadline, kind)}"


def is_due(
    case: Case, deadline: Deadline, kind: AlertKind, now: datetime, calendar: Calendar
) -> bool:
    if case.status.final or done(case, deadline) or alert_key(deadline, kind) in case.alerts:
        return False
    when = deadline.remind_at if kind == "reminder" else deadline.due_at
    return now >= when and calendar.is_working_time(now)


def due_alerts(case: Case, now: datetime, calendar: Calendar) -> list[tuple[Deadline, AlertKind]]:
    """The reminders and escalations of `case` to send now, not sent before."""
    return [
        (deadline, kind)
        for deadline in case.deadlines
        for kind in KINDS
        if is_due(case, deadline, kind, now, calendar)
    ]


def holders(case: Case, deadline: Deadline, directory: Directory) -> tuple[str, ...]:
    """Who holds the step: whom its reminder goes to (the leads when nobody else does)."""
    if deadline.person_id:
        return (deadline.person_id,)
    account_manager = (case.account_manager,) if case.account_manager else ()
    if _awaits_verdict(case, deadline):
        return case.managers
    return account_manager or case.managers or tuple(directory.leads())


REMINDERS = {
    "acknowledge": "dm.remind_acknowledge",
    "account": "dm.remind_account",
    "resolve": "dm.remind_resolve",
}


def _awaits_verdict(case: Case, deadline: Deadline) -> bool:
    """The resolution waits for the managers' verdict: they hold it, not the AM."""
    return deadline.step == "resolve" and case.verdict is None and bool(case.managers)


def reminder_key(case: Case, deadline: Deadline) -> str:
    if _awaits_verdict(case, deadline):
        return "dm.remind_verdict"
    return REMINDERS[deadline.step]


def shown(at: datetime, calendar: Calendar) -> str:
    """A time as the firm reads it: its own zone, named."""
    return f"{calendar.local(at):%Y-%m-%d %H:%M} ({calendar.time_zone})"


def _find(case: Case, key: str) -> Deadline:
    for deadline in case.deadlines:
        if deadline.key == key:
            return deadline
    raise NotNow("refuse.nothing_due", case_id=case.id)


def alert(cmd: Alert, case: Case, ctx: Context) -> Outcome:
    """Send one reminder or escalation, if it is still due, and record it on the case."""
    require_open(case)
    deadline = _find(case, cmd.deadline)
    calendar = ctx.directory.schedule.calendar
    if not is_due(case, deadline, cmd.kind, ctx.now, calendar):
        raise NotNow("refuse.nothing_due", case_id=case.id)
    directory = ctx.directory
    due = shown(deadline.due_at, calendar)
    held_by = holders(case, deadline, directory)
    names = ", ".join(directory.person(p).name for p in held_by)  # events keep names, as text
    change = Change.by(ctx, case.id, None)
    if cmd.kind == "reminder":
        told = held_by
        text = ctx.t(reminder_key(case, deadline), case_id=case.id, due=due)
        change.bot_event("reminded", step=deadline.step, due=due, people=names)
    else:
        told = tuple(directory.leads()) or held_by
        text = ctx.t(
            "dm.escalated",
            case_id=case.id,
            client=directory.client_name(case.client_id),
            step=ctx.t(f"step.{deadline.step}"),
            due=due,
            people=mentions(held_by),
        )
        leads = ", ".join(directory.person(p).name for p in told)
        change.bot_event("escalated", step=deadline.step, due=due, holders=names, people=leads)
    for person_id in told:
        change.effect(DirectMessage(case.id, person_id, text))
    alerts = (*case.alerts, alert_key(deadline, cmd.kind))
    return change.outcome(case.evolve(ctx.now, alerts=alerts), "notice.reply")


# --- the daily digest -----------------------------------------------------------------


def digest_order(cases: Iterable[Case], now: datetime) -> list[Case]:
    """Open cases, overdue first (the longest overdue first), then by resolution due."""
    open_cases = [c for c in cases if not c.status.final]

    def rank(case: Case) -> tuple[bool, datetime, int]:
        late = overdue(case, now)
        first_due = min((d.due_at for d in late), default=case.due_at)
        return (not late, first_due, case.number)

    return sorted(open_cases, key=rank)


def digest_for(lead: str, cases: Iterable[Case], now: datetime) -> Digest | None:
    """The digest command for `lead`, carried by the case it lists first; None when no
    case is open (a digest of nothing is noise)."""
    listed = tuple(digest_order(cases, now))
    if not listed:
        return None
    return Digest(listed[0].id, BOT_ACTOR, lead, listed)


def digest(cmd: Digest, case: Case, ctx: Context) -> Outcome:
    """One DM to one lead listing the open cases, overdue first.

    The outbox delivers effects per case, so the digest travels with the case it lists
    first (the most overdue), whose timeline records that the leads were shown it; its
    DM links to that case's threads."""
    require_open(case)
    directory = ctx.directory
    calendar = directory.schedule.calendar
    lines = [_digest_line(c, ctx, calendar) for c in cmd.cases]
    late = sum(1 for c in cmd.cases if overdue(c, ctx.now))
    text = ctx.t("dm.digest", count=len(cmd.cases), overdue=late, lines=Markup("\n".join(lines)))
    change = Change.by(ctx, case.id, None)
    change.bot_event("digest", lead=directory.person(cmd.lead).name, count=len(cmd.cases))
    change.effect(DirectMessage(case.id, cmd.lead, text))
    return change.outcome(case.evolve(ctx.now), "notice.reply")


def _digest_line(case: Case, ctx: Context, calendar: Calendar) -> str:
    late = overdue(case, ctx.now)
    params = {
        "case_id": case.id,
        "client": ctx.directory.client_name(case.client_id),
        "status": ctx.t(f"status.{case.status.value}"),
    }
    if late:
        steps = Markup(", ".join(ctx.t(f"step.{d.step}") for d in late))
        return ctx.t("digest.overdue", steps=steps, due=shown(late[0].due_at, calendar), **params)
    return ctx.t("digest.line", due=shown(case.due_at, calendar), **params)
