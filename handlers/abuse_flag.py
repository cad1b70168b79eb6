"""Abusive treatment of staff, flagged: the record, the people who protect staff, and support.

Two ways lead here: a manager ticks "abusive" when assessing (`handlers.verdict`), or a
client's statement uses abusive language (`screen`, from intake and the client thread).
Either way the case is flagged once (`Case.abuse_flagged`, which the card shows and the fit
score counts) and, that first time, the people the abuse was aimed at get a supportive DM
and the others who must know are told. Every abusive statement also gets its own timeline
line with the words found, so the record shows each incident without telling anyone twice.
The client is never told: nothing here is a client-thread effect.
"""

from __future__ import annotations

from collections.abc import Iterable

from handlers import abuse
from handlers.directory import Directory
from handlers.effects import DirectMessage
from handlers.model import Case
from handlers.outcome import Change, Context


def aimed_at(case: Case) -> tuple[str, ...]:
    """Whom abuse in a case is aimed at: the people it names, else its account manager (who
    answers the client in its thread)."""
    if case.affected:
        return case.affected
    return (case.account_manager,) if case.account_manager else ()


def names(case: Case, directory: Directory) -> str:
    return ", ".join(directory.person(p).name for p in aimed_at(case)) or "-"


def tell(case: Case, change: Change, ctx: Context, alert: str, told: Iterable[str]) -> None:
    """`alert` to each of `told` who was not a target of the abuse; the supportive DM to each
    who was (a named lead is supported, not asked to act)."""
    targets = aimed_at(case)
    for person_id in dict.fromkeys(told):
        if person_id not in targets:
            change.effect(DirectMessage(case.id, person_id, alert))
    client = ctx.directory.clients[case.client_id].name
    support = ctx.t("dm.abuse_support", case_id=case.id, client=client)
    for person_id in targets:
        change.effect(DirectMessage(case.id, person_id, support))


def screen(case: Case, said: str, change: Change, ctx: Context) -> bool:
    """Whether `case` is flagged once the client's statement `said` is on it. An abusive
    statement goes on the timeline; the first one flags the case and tells the managers of
    the people it was aimed at and the leads."""
    found = abuse.find(said)
    if not found:
        return case.abuse_flagged
    terms = ", ".join(found)
    change.bot_event("abusive_language", terms=terms)
    if case.abuse_flagged:
        return True
    change.bot_event("abuse")
    directory = ctx.directory
    alert = ctx.t(
        "dm.abuse_detected",
        case_id=case.id,
        client=directory.clients[case.client_id].name,
        employees=names(case, directory),
        terms=terms,
    )
    managers = [m for p in aimed_at(case) if (m := directory.manager_of(p))]
    tell(case, change, ctx, alert, [*managers, *directory.leads()])
    return True
