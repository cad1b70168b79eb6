"""Redaction in the core: whose words go, what the review's figures keep, and the audit line."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from handlers import redaction
from handlers.commands import AddReply, Assess, GiveFeedback, RecordAccount, Resolve
from handlers.directory import Actor, Directory
from handlers.effects import CardNote, CardNoteUpdate, ClientThreadPost, DirectMessage
from handlers.messages import escape, text
from handlers.model import Case, Event, Status, Verdict, case_to_dict, event_to_dict
from handlers.outcome import Context, Outcome, describe
from handlers.redaction import Redact
from tests.handlers.conftest import ACCOUNT_TEXT, LATER, SOURCE_TEXT

OPERATOR = Actor("cli", "ops", "ops@firm")
SECOND = "And the figures in table 3 do not add up <really>."
COMMENT = "Still wrong & late"


@pytest.fixture
def story(
    open_case: Callable[..., Outcome],
    run: Callable[..., Outcome],
    dana: Actor,
    maya: Actor,
    avi: Actor,
    client: Actor,
) -> tuple[Case, list[Event]]:
    """A closed case whose every kind of text is in its fields and its timeline."""
    opening = open_case()
    case, events = opening.case, list(opening.events)
    for command in (
        RecordAccount(case.id, dana, ACCOUNT_TEXT),
        AddReply(case.id, client, SECOND),
        Assess(case.id, maya, Verdict.PARTLY_RIGHT, "a fair point on timing"),
        Resolve(case.id, avi, "Done.", ("a weekly call",)),
        GiveFeedback(case.id, client, True, COMMENT, "C0ACME"),
    ):
        outcome = run(command, case)
        case, events = outcome.case, [*events, *outcome.events]
    assert case.status is Status.CLOSED
    return case, events


def everything(case: Case, events: list[Event]) -> str:
    return json.dumps([case_to_dict(case), *map(event_to_dict, events)], ensure_ascii=False)


def figures(case: Case, events: list[Event]) -> tuple[object, ...]:
    """What the review counts from a case: never its words."""
    return (
        case.created_at,
        case.client_id,
        case.category,
        case.verdict,
        case.affected,
        case.abuse_flagged,
        case.resolution is not None,
        len(case.change_requests),
        [f.resolved for f in case.feedback],
        [(e.kind, e.at) for e in events],
    )


def test_retention_takes_every_text_and_keeps_the_figures(
    story: tuple[Case, list[Event]], directory: Directory
) -> None:
    case, events = story
    ctx = Context(replace(directory, retention_days=30), LATER + timedelta(days=31))
    done = redaction.redact(Redact(case.id, OPERATOR, "retention"), case, events, ctx)
    kept = done.timeline
    left = everything(done.outcome.case, kept)
    for words in (SOURCE_TEXT.strip(), ACCOUNT_TEXT, SECOND, COMMENT, "a weekly call", "Done."):
        assert words not in left and str(escape(words)) not in left
    assert figures(done.outcome.case, kept[:-1]) == figures(case, events)
    assert kept[-1].kind == "retention" and kept[-1].detail == {"days": 30, "count": 7}
    assert done.outcome.case.version == case.version + 1
    again = redaction.redact(Redact(case.id, OPERATOR, "retention"), done.outcome.case, kept, ctx)
    assert not again.changed and again.outcome.events == []


def test_erasing_a_person_takes_only_their_words(
    story: tuple[Case, list[Event]], ctx: Context
) -> None:
    case, events = story
    done = redaction.redact(Redact(case.id, OPERATOR, "person", "dana"), case, events, ctx)
    left = everything(done.outcome.case, done.timeline)
    assert ACCOUNT_TEXT not in left
    assert SECOND in left and "a fair point on timing" in left  # the client's, maya's
    assert done.outcome.case.accounts["dana"].text == text("en", "redacted.erased")
    audit = done.timeline[-1]
    assert (audit.kind, audit.actor, audit.at) == ("erased", "ops@firm", ctx.now)
    assert audit.detail == {"subject": "person dana", "count": 1}
    assert ACCOUNT_TEXT not in describe(audit, "en")


def test_erasing_a_client_takes_what_they_wrote(
    story: tuple[Case, list[Event]], ctx: Context
) -> None:
    case, events = story
    other = redaction.redact(Redact(case.id, OPERATOR, "client", "globex"), case, events, ctx)
    assert not other.changed
    done = redaction.redact(Redact(case.id, OPERATOR, "client", "acme"), case, events, ctx)
    left = everything(done.outcome.case, done.timeline)
    for words in (SOURCE_TEXT.strip(), SECOND, COMMENT):
        assert words not in left
    assert ACCOUNT_TEXT in left and "a weekly call" in left  # the firm's words stay


def test_a_deleted_statement_goes_and_the_others_stay(
    story: tuple[Case, list[Event]], client: Actor, ctx: Context
) -> None:
    case, events = story
    done = redaction.redact(Redact(case.id, client, "deleted", SECOND), case, events, ctx)
    left = everything(done.outcome.case, done.timeline)
    assert SECOND not in left and SOURCE_TEXT.strip() in left
    assert done.timeline[-1].kind == "message_deleted"
    assert [type(e).__name__ for e in done.outcome.effects] == [
        "CardUpdate",
        "CardNoteUpdate",
        "CardNote",
    ]
    # The one line of the card's thread that held the statement is rewritten, found by the
    # key of the event it told, with the card's placeholder in its place.
    (said,) = [e for e in events if e.detail.get("text") == SECOND]
    update = done.outcome.effects[1]
    assert isinstance(update, CardNoteUpdate) and update.event == said.key
    assert update.text == describe(replace(said, detail={"text": done.placeholder}), "en")
    assert str(escape(SECOND)) not in update.text


def test_every_note_that_held_the_words_is_rewritten_and_no_other(
    story: tuple[Case, list[Event]], directory: Directory
) -> None:
    case, events = story
    keys = [e.key for e in events]
    assert all(keys) and len(set(keys)) == len(keys)  # each event, and so its note, named
    notes = {e.key: describe(e, "en") for e in events}
    ctx = Context(replace(directory, retention_days=30), LATER + timedelta(days=31))
    done = redaction.redact(Redact(case.id, OPERATOR, "retention"), case, events, ctx)
    updates = {e.event: e.text for e in done.outcome.effects if isinstance(e, CardNoteUpdate)}
    held = {k for k, note in notes.items() if any(str(escape(w)) in note for w in done.removed)}
    assert held and set(updates) == held
    assert not [u for u in updates.values() for w in done.removed if str(escape(w)) in u]
    assert done.unfound == 0


def test_a_note_from_before_events_had_keys_is_counted_not_named(
    story: tuple[Case, list[Event]], ctx: Context
) -> None:
    case, events = story
    old = [replace(e, key="") for e in events]
    done = redaction.redact(Redact(case.id, OPERATOR, "person", "dana"), case, old, ctx)
    assert done.changed and done.unfound == 1  # her account's line
    assert not [e for e in done.outcome.effects if isinstance(e, CardNoteUpdate)]


def test_pending_effects_lose_the_words_as_they_were_rendered(ctx: Context) -> None:
    note = CardNote(
        "C-0042", describe(Event("C-0042", ctx.now, "Carol", "statement", {"text": SECOND}), "en")
    )
    assert str(escape(SECOND)) in note.text
    scrubbed = redaction.scrub(note, (SECOND,), "(gone)")
    assert isinstance(scrubbed, CardNote)
    assert "table 3" not in scrubbed.text and "(gone)" in scrubbed.text
    dm = DirectMessage("C-0042", "avi", f"Comment: {COMMENT}")
    assert COMMENT not in redaction.scrub(dm, (COMMENT,), "(gone)").text
    post = ClientThreadPost("C-0042", "Thank you.")
    assert redaction.scrub(post, (COMMENT,), "(gone)") is post


def test_scrub_leaves_the_ids_of_an_effect_alone(ctx: Context) -> None:
    """A removed "avi" or "3" takes nothing out of whom a DM is for, or which note it is."""
    dm = redaction.scrub(DirectMessage("C-0042", "avi", "Ask avi."), ("avi",), "(gone)")
    assert dm == DirectMessage("C-0042", "avi", "Ask (gone).")
    update = redaction.scrub(CardNoteUpdate("C-0042", "3.0", "Said 3"), ("3",), "(gone)")
    assert update == CardNoteUpdate("C-0042", "3.0", "Said (gone)")


def test_the_placeholder_is_in_the_directorys_language(
    story: tuple[Case, list[Event]], directory: Directory
) -> None:
    case, events = story
    hebrew = Context(replace(directory, language="he"), LATER)
    done = redaction.redact(Redact(case.id, OPERATOR, "person", "dana"), case, events, hebrew)
    assert done.outcome.case.accounts["dana"].text == text("he", "redacted.erased")
    assert done.placeholder != text("en", "redacted.erased")


def test_only_final_cases_older_than_the_retention_expire(opened: Case) -> None:
    closed = replace(opened, status=Status.CLOSED)
    month = opened.updated_at + timedelta(days=31)
    assert redaction.expired(closed, month, 30)
    assert not redaction.expired(closed, month, 60)
    assert not redaction.expired(closed, month, None)
    assert not redaction.expired(opened, month, 30)
    assert redaction.expired(replace(opened, status=Status.WITHDRAWN), month, 30)


def test_an_account_recorded_after_a_redaction_is_kept(
    story: tuple[Case, list[Event]], run: Callable[..., Outcome], dana: Actor, ctx: Context
) -> None:
    """A redaction takes the words it found, not words given later by the same person."""
    case, events = story
    done = redaction.redact(Redact(case.id, OPERATOR, "person", "dana"), case, events, ctx)
    reopened = replace(done.outcome.case, status=Status.INVESTIGATING)
    again = run(RecordAccount(case.id, dana, "My new account."), reopened)
    assert again.case.accounts["dana"].text == "My new account."


def test_retention_counts_from_the_close_not_from_a_later_write(
    story: tuple[Case, list[Event]], directory: Directory
) -> None:
    """An erasure 20 days after the close writes the case; it is still due 30 days after
    the close, not 30 days after the erasure."""
    case, events = story
    assert case.final_at == LATER  # closed by the client's "yes"
    erased_at = Context(directory, LATER + timedelta(days=20))
    erased = redaction.redact(Redact(case.id, OPERATOR, "person", "dana"), case, events, erased_at)
    written = erased.outcome.case
    assert written.updated_at == LATER + timedelta(days=20) and written.final_at == LATER
    assert not redaction.expired(written, LATER + timedelta(days=29), 30)
    assert redaction.expired(written, LATER + timedelta(days=31), 30)
    assert not redaction.expired(written, LATER + timedelta(days=31), None)


def test_a_case_closed_before_it_kept_final_at_counts_from_its_closing_event(
    story: tuple[Case, list[Event]], directory: Directory
) -> None:
    case, events = story
    old = replace(case, final_at=None, updated_at=LATER + timedelta(days=20))
    day_31 = LATER + timedelta(days=31)
    assert not redaction.expired(old, day_31, 30)  # no timeline: its last write, as before
    assert redaction.expired(old, day_31, 30, events)  # its "closed" event
    # Once a redaction writes it, it keeps when it was closed.
    later = Context(directory, LATER + timedelta(days=25))
    done = redaction.redact(Redact(case.id, OPERATOR, "person", "dana"), old, events, later)
    assert done.outcome.case.final_at == LATER


def test_a_case_keeps_when_it_became_final_until_it_is_reopened(
    story: tuple[Case, list[Event]],
) -> None:
    case, _ = story
    later = LATER + timedelta(days=1)
    assert case.evolve(later).final_at == LATER  # written again, still final
    assert case.evolve(later, status=Status.WITHDRAWN).final_at == LATER
    reopened = case.evolve(later, status=Status.REOPENED)
    assert reopened.final_at is None
    assert reopened.evolve(later, status=Status.WITHDRAWN).final_at == later
