"""Intake: a client's message becomes a case, and everyone it names is brought in.

Nobody is judged in their absence, so each named employee and their manager
are included from the first moment: DMed, invited to the client channel and
named in the client thread.
"""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

from handlers import abuse_flag, deadlines
from handlers.commands import OpenCase, Trigger
from handlers.directory import Client
from handlers.effects import ClientThreadPost, DirectMessage, Invite
from handlers.errors import NotAllowed, NotNow
from handlers.messages import clean, mention, mentions
from handlers.model import (
    CASE_SUMMARY_LIMIT,
    CATEGORIES,
    Case,
    Statement,
    Status,
    case_id,
)
from handlers.outcome import Change, Context, Outcome

TRIGGERS: tuple[str, ...] = get_args(Trigger)


def validate(cmd: OpenCase, ctx: Context) -> Client:
    """Refuse a bad request before a case number is spent on it."""
    directory = ctx.directory
    client = directory.client_for_channel(cmd.source.platform, cmd.source.channel)
    if client is None:
        raise NotNow("refuse.not_client_channel")
    if cmd.trigger == "reaction":
        if not cmd.actor.internal:
            raise NotAllowed("refuse.reaction_by_client")
        if cmd.source_author.internal:
            raise NotNow("refuse.flag_internal_message")
    for person_id in cmd.affected:
        if person_id not in directory.people:
            raise NotNow("refuse.unknown_person", person=person_id)
    if cmd.category not in CATEGORIES:
        raise NotNow("refuse.unknown_choice", value=cmd.category, choices=", ".join(CATEGORIES))
    if cmd.trigger not in TRIGGERS:
        raise NotNow("refuse.unknown_choice", value=cmd.trigger, choices=", ".join(TRIGGERS))
    if not (cmd.summary or cmd.source_text).strip():  # a case must say what it is about
        raise NotNow("refuse.nothing_said")
    return client


def open_case(cmd: OpenCase, number: int, ctx: Context) -> Outcome:
    client = validate(cmd, ctx)
    directory = ctx.directory

    affected = tuple(dict.fromkeys(cmd.affected))
    managers = tuple(
        dict.fromkeys(m for p in affected if (m := directory.manager_of(p)) and m not in affected)
    )
    statements: tuple[Statement, ...] = ()
    if not cmd.source_author.internal and cmd.source_text.strip():
        said = cmd.source_text.strip()
        statements = (Statement(cmd.source_author, said, ctx.now, cmd.source.message_id),)
    due = deadlines.plan(cmd.severity.value, affected, ctx.now, directory.schedule)
    case = Case(
        id=case_id(number),
        client_id=client.id,
        source=cmd.source,
        reporter=cmd.actor,
        raised_by=cmd.source_author,
        affected=affected,
        managers=managers,
        account_manager=client.account_manager,
        category=cmd.category,
        severity=cmd.severity,
        summary=clean(cmd.summary or cmd.source_text).strip()[:CASE_SUMMARY_LIMIT],
        status=Status.OPEN,
        created_at=ctx.now,
        updated_at=ctx.now,
        due_at=due[-1].due_at,  # the resolution's, in business hours
        client_statements=statements,
        deadlines=due,
    )

    change = Change.by(ctx, case.id, cmd.actor)
    change.event("opened", trigger=cmd.trigger)
    change.effect(ClientThreadPost(case.id, ctx.t("client.ack", case_id=case.id)))
    if case.affected:
        included = ctx.t("client.included", people=mentions(case.included))
    elif case.account_manager:
        included = ctx.t("client.included_none", people=mention(case.account_manager))
    else:
        included = ""
    if included:
        change.effect(ClientThreadPost(case.id, included))
    for person_id in case.included:
        change.effect(Invite(case.id, person_id))
    employees = ", ".join(directory.person(p).name for p in affected)
    for person_id in affected:
        text = ctx.t("dm.affected", client=client.name, case_id=case.id)
        change.effect(DirectMessage(case.id, person_id, text))
    for manager_id in managers:
        reports = [p for p in affected if directory.manager_of(p) == manager_id]
        names = ", ".join(directory.person(p).name for p in reports) or employees
        change.effect(
            DirectMessage(
                case.id,
                manager_id,
                ctx.t("dm.manager", employees=names, client=client.name, case_id=case.id),
            )
        )
    if case.account_manager and case.account_manager != cmd.actor.person_id:
        change.effect(
            DirectMessage(
                case.id,
                case.account_manager,
                ctx.t("dm.account_manager", client=client.name, case_id=case.id),
            )
        )
    if statements and abuse_flag.screen(case, statements[0].text, change, ctx):
        case = replace(case, abuse_flagged=True)
    return change.outcome(case, "notice.opened", client=client.name)
