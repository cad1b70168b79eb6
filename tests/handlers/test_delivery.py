"""A platform refusing an effect for good: the core's one policy of who is told."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from handlers import delivery
from handlers.effects import (
    CardUpdate,
    ClientThreadPost,
    DirectMessage,
    FeedbackRequest,
    Invite,
)
from handlers.messages import CATALOG, text
from handlers.model import Case
from handlers.outcome import Outcome, describe


def dms(outcome: Outcome) -> list[tuple[str, str]]:
    return [(e.person_id, e.text) for e in outcome.effects if isinstance(e, DirectMessage)]


def test_client_posts_invites_and_dms_are_reported_not_the_card(opened: Case) -> None:
    assert delivery.reported(ClientThreadPost(opened.id, "x"))
    assert delivery.reported(FeedbackRequest(opened.id, "x"))
    assert delivery.reported(Invite(opened.id, "dana"))
    assert delivery.reported(DirectMessage(opened.id, "dana", "x"))
    assert not delivery.reported(CardUpdate(opened.id))


def test_a_client_post_that_failed_is_told_to_the_account_manager(
    opened: Case, run: Callable[..., Outcome]
) -> None:
    failed = delivery.failure(ClientThreadPost(opened.id, "Thank you"), "not_in_channel")
    outcome = run(failed, opened)
    expected = text("en", "dm.client_post_failed", case_id=opened.id, error="not_in_channel")
    assert dms(outcome) == [("avi", expected)]
    assert [e.kind for e in outcome.events] == ["client_post_failed"]
    line = describe(outcome.events[0], "en")
    assert "not_in_channel" in line and "Avi" in line  # on the card: what failed, who knows
    assert all(e.audience == "internal" for e in outcome.effects)  # never the client thread
    assert outcome.case.status is opened.status


def test_without_an_account_manager_the_managers_are_told(
    opened: Case, run: Callable[..., Outcome]
) -> None:
    orphan = replace(opened, account_manager=None)
    outcome = run(delivery.failure(FeedbackRequest(opened.id, "x"), "channel_not_found"), orphan)
    assert [person for person, _ in dms(outcome)] == list(opened.managers) == ["maya"]


def test_a_refused_invite_names_the_person_and_never_tells_them(
    opened: Case, run: Callable[..., Outcome]
) -> None:
    outcome = run(delivery.failure(Invite(opened.id, "dana"), "cant_invite"), opened)
    [(person, dm)] = dms(outcome)
    assert person == "avi" and "Dana" in dm and "cant_invite" in dm
    self_invite = run(delivery.failure(Invite(opened.id, "avi"), "cant_invite"), opened)
    assert dms(self_invite) == []  # the account manager is the one not in the channel
    assert [e.kind for e in self_invite.events] == ["invite_failed"]


def test_the_report_speaks_the_directorys_language(
    opened: Case, run: Callable[..., Outcome]
) -> None:
    outcome = run(delivery.failure(Invite(opened.id, "dana"), "cant_invite"), opened)
    line = describe(outcome.events[0], "he")
    assert line.startswith(CATALOG["he"]["event.invite_failed"].split("{")[0])


def test_a_person_who_cannot_be_written_to_is_told_to_the_account_manager_with_the_fix(
    opened: Case, run: Callable[..., Outcome]
) -> None:
    failed = delivery.failure(DirectMessage(opened.id, "dana", "x"), "the app is not installed")
    outcome = run(failed, opened)
    expected = text(
        "en",
        "dm.dm_unreachable",
        person="Dana Levi",
        case_id=opened.id,
        error="the app is not installed",
    )
    assert dms(outcome) == [("avi", expected)]
    assert "install the app for Dana Levi" in expected
    assert [e.kind for e in outcome.events] == ["dm_failed"]
    line = describe(outcome.events[0], "en")
    assert "Dana Levi" in line and "Avi" in line


def test_a_dm_nobody_can_fix_by_dm_is_on_the_timeline_only(
    opened: Case, run: Callable[..., Outcome]
) -> None:
    """The report is a DM too: without an account manager (or when it is theirs that
    failed) nobody is written to, so two unreachable people never report each other."""
    to_the_am = run(delivery.failure(DirectMessage(opened.id, "avi", "x"), "no chat"), opened)
    orphan = replace(opened, account_manager=None)
    no_am = run(delivery.failure(DirectMessage(opened.id, "dana", "x"), "no chat"), orphan)
    for outcome in (to_the_am, no_am):
        assert dms(outcome) == []
        assert [e.kind for e in outcome.events] == ["dm_failed"]
