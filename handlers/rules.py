"""Who may do what, and when: the checks every flow starts with.

Each check raises a `Refusal` whose catalog key is the reason the user is
told. They live here, in the core, so Slack, Teams and the playground
cannot disagree about them.
"""

from __future__ import annotations

from handlers.directory import Actor, Directory
from handlers.errors import NotAllowed, NotNow
from handlers.messages import mentions
from handlers.model import Case

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
    """A lead, or anyone above a named employee; never someone the case names."""
    if person_id in case.affected:
        return False
    if directory.has_role(person_id, "lead"):
        return True
    subjects = case.affected or ((case.account_manager,) if case.account_manager else ())
    return any(directory.reports_to(p, person_id) for p in subjects)


def can_resolve(directory: Directory, case: Case, person_id: str) -> bool:
    return (
        person_id == case.account_manager
        or person_id in case.managers
        or directory.has_role(person_id, "lead")
    )


def can_waive(directory: Directory, person_id: str, subject: str) -> bool:
    return directory.has_role(person_id, "lead") or directory.reports_to(subject, person_id)


def can_withdraw(directory: Directory, case: Case, actor: Actor) -> bool:
    if actor.person_id is None:
        # The client contact who raised it may take it back.
        return (actor.platform, actor.user_id) == (case.raised_by.platform, case.raised_by.user_id)
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
