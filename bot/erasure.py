"""`complaintbot erase`: a person's or a client's words taken out of every case that holds them.

Each case is one unit of work through `CaseService.redact` (the core decides what goes,
`handlers.redaction`): the case, its timeline and its pending effects are rewritten
together, the card is updated through the outbox, and the timeline gets the audit line
(who erased whose text, and when, never the text). The delivery id names the subject, the
case and the version it was read at, so a retry after a crash redoes nothing, and an
erasure asked for again later takes what was written since. `dry_run` writes nothing.

Messages kept for a later flag (`bot.interaction.KEEP_MESSAGES`) go too: a person's that
they wrote, a client's in its channels (`forget_kept`).

A trigger still waiting in the inbox (a flag whose message is not read yet, a form whose
case is not open yet, while its platform cannot be reached) is no case yet, and its
payload is the platform's: what it carries reaches a case only once the bot opens it.
Erase does not guess at it; it says how many wait (`waiting`), so the erasure is run
again once they are cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.export import EARLIEST, LATEST
from bot.service import CaseService
from handlers.directory import Actor, Directory
from handlers.redaction import Reason, Redact
from storage.base import Forget, InboxItem, Store, job_delivery_id


@dataclass(frozen=True)
class Erased:
    case_id: str
    texts: int  # how many different texts went (or would go)


async def erase(
    service: CaseService, reason: Reason, subject: str, by: Actor, dry_run: bool = False
) -> list[Erased]:
    """Erase `subject`'s words (a person id, or a client id) from every case; what changed."""
    store = service.store
    if reason == "client":
        cases = await store.cases_opened(EARLIEST, LATEST, subject)
    else:  # a person may have written on a case that does not include them (a lead)
        cases = await store.list_cases()
    erased = []
    for case in cases:
        delivery_id = job_delivery_id("erase", f"{reason}:{subject}", f"{case.id}@{case.version}")
        done = await service.redact(Redact(case.id, by, reason, subject), delivery_id, dry_run)
        if done.changed:
            erased.append(Erased(case.id, len(done.removed)))
    return erased


async def forget_kept(
    store: Store, directory: Directory, reason: Reason, subject: str, dry_run: bool = False
) -> int:
    """Forget the kept messages a person wrote on any platform, or that were posted in a
    client's channels; how many went (or would go)."""
    if reason == "client":
        client = directory.clients.get(subject)
        on = client.channels_on if client else {}
        which = Forget(channels=frozenset((p, c) for p, ids in on.items() for c in ids))
    else:
        person = directory.people.get(subject)
        where = person.addresses if person else {}
        which = Forget(authors=frozenset(where.items()))
    return await store.forget_messages(which, dry_run)


async def waiting(store: Store) -> list[InboxItem]:
    """The triggers the inbox still holds, due or put off, oldest first (as `due_inbox`
    gives them)."""
    return await store.due_inbox(LATEST, limit=10_000)
