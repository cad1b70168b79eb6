"""The verdict: is the client right *in this case*?

Asked by a manager or lead after hearing both sides. When the answer is
"not right", the employee is told, by name, that their manager backs them;
abusive treatment of staff goes straight to the leads, and the employee is supported
(`handlers.abuse_flag`).
"""

from __future__ import annotations

from handlers import abuse_flag
from handlers.commands import Assess
from handlers.effects import DirectMessage
from handlers.model import Case, Verdict
from handlers.outcome import Change, Context, Outcome
from handlers.rules import check_assess
from handlers.statements import investigating


def assess(cmd: Assess, case: Case, ctx: Context) -> Outcome:
    assessor = check_assess(ctx.directory, case, cmd.actor)
    directory = ctx.directory
    change = Change.by(ctx, case.id, cmd.actor)
    change.event("verdict", verdict=cmd.verdict.value, note=cmd.note.strip())
    status = investigating(case, change, ctx)
    if cmd.verdict is Verdict.NOT_RIGHT and case.verdict is not Verdict.NOT_RIGHT:
        backed = ctx.t("dm.backed", case_id=case.id, manager=cmd.actor.display)
        for person_id in case.affected:
            change.effect(DirectMessage(case.id, person_id, backed))
    if cmd.abusive and not case.abuse_flagged:
        change.event("abuse")
        alert = ctx.t(
            "dm.abuse",
            case_id=case.id,
            manager=cmd.actor.display,
            employees=abuse_flag.names(case, directory),
            client=directory.clients[case.client_id].name,
        )
        abuse_flag.tell(case, change, ctx, alert, directory.leads())
    case = case.evolve(
        ctx.now,
        verdict=cmd.verdict,
        verdict_note=cmd.note.strip(),
        verdict_by=assessor,
        abuse_flagged=case.abuse_flagged or cmd.abusive,
        status=status,
    )
    return change.outcome(case, "notice.verdict")
