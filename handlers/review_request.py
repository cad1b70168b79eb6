"""What a lead asks the review for: one parser for every platform.

    review                      the portfolio
    review client NAME          one client, by name or directory id
    review person SOMEONE       one person: a `<person:ID>` marker (an adapter turns its
                                platform's mention into one), a directory id, a full
                                name, or a first name nobody else has
    review open                 the open cases
    review changes              the change requests, by theme

Leads only: anyone else gets a polite answer that shows no data (not even which
clients exist). A word the parser does not know gets the usage and the nearest names
(difflib, `handlers.names`), to the person who asked alone; adapters show a
`ReviewRefused` as they show any refusal. The command line (`complaintbot review
--json`) parses the same words with `parse_review`, without the lead check: whoever
runs it already holds the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.directory import Actor, Directory
from handlers.messages import Markup, escape, mention, text
from handlers.names import nearest

COMMAND = "review"
SUBCOMMANDS = ("client", "person", "open", "changes")
KINDS = ("portfolio", *SUBCOMMANDS)
_MARKER = re.compile(r"<person:([A-Za-z0-9_.:-]+)>")


@dataclass(frozen=True)
class ReviewRequest:
    kind: str  # one of KINDS
    subject: str | None = None  # the client's or the person's directory id


@dataclass(frozen=True)
class ReviewRefused:
    """Why the review was not shown, in the directory's language, for the asker alone."""

    reason: str  # the catalog key of the first line
    text: Markup
    suggestions: tuple[str, ...] = ()  # the nearest client or person ids, closest first


def review_words(typed: str) -> str | None:
    """The words after a typed review command ("review ..." or "/review ..."), or None."""
    name, _, rest = typed.strip().partition(" ")
    return rest.strip() if name.lstrip("/").lower() == COMMAND else None


def review_request(actor: Actor, words: str, directory: Directory) -> ReviewRequest | ReviewRefused:
    """The request of `actor`, a lead, or the polite refusal anyone else gets."""
    if not directory.has_role(actor.person_id, "lead"):
        key = "refuse.review_leads_only"
        return ReviewRefused(key, _say(directory, key))
    return parse_review(words, directory)


def parse_review(words: str, directory: Directory) -> ReviewRequest | ReviewRefused:
    """`words` (after the command) as a request, or the usage with the nearest names."""
    first, _, rest = words.strip().partition(" ")
    sub, rest = first.lower(), _unquote(rest.strip())
    if not sub:
        return ReviewRequest("portfolio")
    if sub in ("open", "changes"):
        if rest:
            return _refused(directory, "refuse.review_extra_words", command=f"review {sub}")
        return ReviewRequest(sub)
    if sub == "client":
        return _client(rest, directory)
    if sub == "person":
        return _person(rest, directory)
    close = nearest(sub, SUBCOMMANDS, n=1)
    return _refused(
        directory,
        "refuse.review_unknown_subcommand",
        suggestion=_did_you_mean(directory, [Markup(f"review {c}") for c in close]),
        word=first,
    )


def _client(name: str, directory: Directory) -> ReviewRequest | ReviewRefused:
    if not name:
        return _refused(directory, "refuse.review_client_missing")
    folded = name.casefold()
    for client in directory.clients.values():
        if folded in (client.id.casefold(), client.name.casefold()):
            return ReviewRequest("client", client.id)
    names = {client.id: client.id for client in directory.clients.values()}
    names.update({client.name: client.id for client in directory.clients.values()})
    ids = list(dict.fromkeys(names[n] for n in nearest(name, names)))
    shown = [Markup(f"{escape(directory.clients[c].name)} ({escape(c)})") for c in ids]
    return _refused(
        directory,
        "refuse.review_unknown_client",
        suggestions=tuple(ids),
        suggestion=_did_you_mean(directory, shown),
        name=name,
    )


def _person(name: str, directory: Directory) -> ReviewRequest | ReviewRefused:
    if not name:
        return _refused(directory, "refuse.review_person_missing")
    marker = _MARKER.fullmatch(name)
    wanted = marker.group(1) if marker else name.lstrip("@")
    folded = wanted.casefold()
    people = directory.people.values()
    for person in people:
        if folded in (person.id.casefold(), person.name.casefold()):
            return ReviewRequest("person", person.id)
    first_names = [p for p in people if p.name.split()[0].casefold() == folded]
    if len(first_names) == 1:
        return ReviewRequest("person", first_names[0].id)
    names: dict[str, str] = {}
    for person in people:
        names.setdefault(person.id, person.id)
        names.setdefault(person.name, person.id)
        names.setdefault(person.name.split()[0], person.id)
    ids = list(dict.fromkeys(names[n] for n in nearest(wanted, names)))[:3]
    return _refused(
        directory,
        "refuse.review_unknown_person",
        suggestions=tuple(ids),
        suggestion=_did_you_mean(directory, [mention(p) for p in ids]),
        name=wanted,
    )


def _unquote(words: str) -> str:
    for quote in ('"', "'", "\u201c\u201d", "\u2018\u2019"):
        opening, closing = quote[0], quote[-1]
        if len(words) >= 2 and words[0] == opening and words[-1] == closing:
            return words[1:-1].strip()
    return words


def _say(directory: Directory, key: str, **params: object) -> Markup:
    return text(directory.language, key, **params)


def _did_you_mean(directory: Directory, shown: list[Markup]) -> Markup:
    if not shown:
        return Markup("")
    return _say(directory, "review.did_you_mean", names=Markup(", ".join(shown)))


def _refused(
    directory: Directory,
    key: str,
    suggestions: tuple[str, ...] = (),
    suggestion: str = "",
    **params: object,
) -> ReviewRefused:
    """The reason, the nearest names if any, and the usage: one line each."""
    lines = [_say(directory, key, **params), suggestion, _say(directory, "usage.review")]
    return ReviewRefused(key, Markup("\n".join(line for line in lines if line)), suggestions)
