"""Who may do what, and when: the checks every flow starts with.

Each check raises a `Refusal` whose catalog key is the reason the user is
told. They live here, in the core, so Slack, Teams and the playground
cannot disagree about them. Adapters call `authorize` before they show a
form, so nobody fills one in only to be refused at the end.
"""

from __future__ import annotations

from handlers.directory import Actor, Directory
from handlers.errors import NotAllowed, NotNow
from handlers.messages import mentions
from handlers.model import Case, Status

SUMMARY_LIMIT = 500


def require_open(case: Case) -> None:
    """Closed and withdrawn cases are history: nothing changes them."""
    if case.status.final:
        raise NotNow("refuse.final", case_id=case.id, status=case.status.value)


def require_internal(actor: Actor) -> str:
    if actor.person_id is None:
        raise NotAllowed("refuse.not_internal")
    return actor.person_id


def require_text(text: str) -> str:
    if not text.strip():
        raise NotNow("refuse.text_empty")
    return text.strip()


def can_assess(directory: Directory, case: Case, person_id: str) -> bool:
    """A lead, an ombudsperson, or anyone above a named employee; never someone the case
    names.

    When nobody stands above the people named (a complaint about the only
    lead), the account manager assesses, so such a case can still be resolved.
    A case that names everyone who could (the AM and every lead too) waits for
    an ombudsperson: nobody judges their own case, not even to unblock it.
    """
    if person_id in case.affected:
        return False
    if directory.has_role(person_id, "lead") or directory.has_role(person_id, "ombudsperson"):
        return True
    subjects = case.affected or ((case.account_manager,) if case.account_manager else ())
    if any(directory.reports_to(p, person_id) for p in subjects):
        return True
    return person_id == case.account_manager and not _anyone_above(directory, case)


def _anyone_above(directory: Directory, case: Case) -> bool:
    if any(lead not in case.affected for lead in directory.leads()):
        return True
    return any(
        (manager := directory.manager_of(p)) and manager not in case.affected for p in case.affected
    )


def can_resolve(directory: Directory, case: Case, person_id: str) -> bool:
    return (
        person_id == case.account_manager
        or person_id in case.managers
        or directory.has_role(person_id, "lead")
        or directory.has_role(person_id, "ombudsperson")
    )


def can_waive(directory: Directory, person_id: str, subject: str) -> bool:
    """A manager above the employee, or a lead; nobody waives their own account."""
    if person_id == subject:
        return False
    return directory.has_role(person_id, "lead") or directory.reports_to(subject, person_id)


def can_withdraw(directory: Directory, case: Case, actor: Actor) -> bool:
    """The client who raised it, or whoever may resolve it unless the case names them:
    withdrawn is final, so it must not become a way to end a complaint about oneself."""
    if actor.person_id is None:
        return (actor.platform, actor.user_id) == (case.raised_by.platform, case.raised_by.user_id)
    if actor.person_id in case.affected:
        return False
    return can_resolve(directory, case, actor.person_id)


def can_reopen(directory: Directory, case: Case, person_id: str) -> bool:
    return person_id == case.account_manager or directory.has_role(person_id, "lead")


def check_summary(summary: str) -> str:
    summary = summary.strip()
    if not summary:
        raise NotNow("refuse.summary_empty")
    if len(summary) > SUMMARY_LIMIT:
        raise NotNow("refuse.summary_too_long", length=len(summary), limit=SUMMARY_LIMIT)
    return summary


def ready_to_resolve(case: Case) -> None:
    """No resolution without a verdict and every named employee's account (or a waiver)."""
    if case.verdict is None:
        raise NotNow("refuse.no_verdict", case_id=case.id)
    missing = case.missing_accounts()
    if missing:
        raise NotNow("refuse.missing_account", case_id=case.id, people=mentions(missing))


# --- one check per step: state first, then role ------------------------------------------


def check_account(directory: Directory, case: Case, actor: Actor) -> str:
    require_open(case)
    person_id = require_internal(actor)
    if person_id not in case.affected:
        raise NotAllowed("refuse.not_affected", case_id=case.id)
    return person_id


def check_waiver(directory: Directory, case: Case, actor: Actor, subject: str) -> str:
    require_open(case)
    manager_id = require_internal(actor)
    if subject not in case.affected:
        raise NotNow("refuse.not_named", person=subject, case_id=case.id)
    if not can_waive(directory, manager_id, subject):
        raise NotAllowed("refuse.not_waiver", person=directory.person(subject).name)
    return manager_id


def check_waive(directory: Directory, case: Case, actor: Actor) -> None:
    """Before the waiver form: is there an account to waive, and may this person waive one?"""
    require_open(case)
    person_id = require_internal(actor)
    missing = case.missing_accounts()
    if not missing:
        raise NotNow("refuse.nothing_to_waive", case_id=case.id)
    if not any(can_waive(directory, person_id, subject) for subject in missing):
        raise NotAllowed("refuse.not_waiver_any", case_id=case.id)


def check_assess(directory: Directory, case: Case, actor: Actor) -> str:
    require_open(case)
    assessor = require_internal(actor)
    if not can_assess(directory, case, assessor):
        if not any(can_assess(directory, case, p) for p in directory.people):
            raise NotAllowed("refuse.everyone_named", case_id=case.id)
        raise NotAllowed("refuse.not_assessor", case_id=case.id)
    return assessor


def check_resolve(directory: Directory, case: Case, actor: Actor) -> str:
    require_open(case)
    person_id = require_internal(actor)
    if not can_resolve(directory, case, person_id):
        raise NotAllowed("refuse.not_resolver", case_id=case.id)
    if case.status is Status.RESOLVED:
        raise NotNow("refuse.already_resolved", case_id=case.id)
    ready_to_resolve(case)
    return person_id


def check_feedback(directory: Directory, case: Case, actor: Actor) -> None:
    require_open(case)
    if actor.internal:
        raise NotAllowed("refuse.feedback_client_only")
    if case.status is not Status.RESOLVED:
        raise NotNow("refuse.not_resolved_yet", case_id=case.id)


def check_reopen(directory: Directory, case: Case, actor: Actor) -> str:
    require_open(case)
    person_id = require_internal(actor)
    if not can_reopen(directory, case, person_id):
        raise NotAllowed("refuse.not_reopener", case_id=case.id)
    if case.status is not Status.RESOLVED:
        raise NotNow("refuse.not_reopenable", case_id=case.id, status=case.status.value)
    return person_id


def check_withdraw(directory: Directory, case: Case, actor: Actor) -> None:
    require_open(case)
    if not can_withdraw(directory, case, actor):
        raise NotAllowed("refuse.not_withdrawer", case_id=case.id)


STEPS = {
    "account": check_account,
    "waive": check_waive,
    "assess": check_assess,
    "resolve": check_resolve,
    "feedback": check_feedback,
    "reopen": check_reopen,
    "withdraw": check_withdraw,
}


def authorize(step: str, directory: Directory, case: Case, actor: Actor) -> None:
    """Raise the Refusal the user would get for `step`, before any form is shown."""
    STEPS[step](directory, case, actor)
