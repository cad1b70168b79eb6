"""Intake: a client's message becomes a case, and everyone it names is brought in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from handlers.directory import Actor
from handlers.effects import CardNote, CardUpdate, ClientThreadPost, DirectMessage, Invite
from handlers.errors import NotAllowed, NotNow
from handlers.messages import render_people, text
from handlers.model import CATEGORIES, Severity, Statement, Status
from tests.handlers.conftest import NOW, SOURCE_TEXT


def client_posts(outcome):
    return [e.text for e in outcome.effects if isinstance(e, ClientThreadPost)]


def dms(outcome):
    return {e.person_id: e.text for e in outcome.effects if isinstance(e, DirectMessage)}


def invites(outcome):
    return [e.person_id for e in outcome.effects if isinstance(e, Invite)]


# --- the case ---------------------------------------------------------------------------


def test_case_is_numbered_and_open(open_case, avi, client):
    outcome = open_case()
    case = outcome.case
    assert case.id == "C-0042"
    assert case.number == 42
    assert case.status is Status.OPEN
    assert case.client_id == "acme"
    assert case.account_manager == "avi"
    assert (case.reporter, case.raised_by) == (avi, client)
    assert (case.created_at, case.updated_at, case.version) == (NOW, NOW, 0)
    assert outcome.notice == "Case C-0042 is open for Acme Corp."


def test_opening_is_the_first_event_on_the_timeline(open_case):
    outcome = open_case(trigger="reaction")
    [event] = outcome.events
    assert (event.kind, event.actor, event.detail) == (
        "opened",
        "Avi Katz",
        {"trigger": "reaction"},
    )
    notes = [e.text for e in outcome.effects if isinstance(e, CardNote)]
    assert notes == ["Avi Katz opened case C-0042 (reaction)."]


def test_source_text_is_the_clients_first_statement(open_case, client):
    case = open_case().case
    source = case.source.message_id  # so that deleting the message finds the statement
    assert case.client_statements == (Statement(client, SOURCE_TEXT.strip(), NOW, source),)
    assert case.summary == SOURCE_TEXT.strip()


def test_a_given_summary_wins_and_a_long_source_is_cut_to_300(open_case):
    assert open_case(summary=" Late report ").case.summary == "Late report"
    assert len(open_case(source_text="x" * 1000).case.summary) == 300


def test_a_colleagues_message_is_not_a_client_statement(open_case, eli):
    case = open_case(source_author=eli, trigger="mention").case
    assert case.client_statements == ()
    assert case.raised_by == eli


def test_an_empty_source_is_no_statement(open_case):
    case = open_case(source_text="   ", summary="The report was late").case
    assert case.client_statements == ()
    assert case.summary == "The report was late"


def test_a_case_that_says_nothing_is_refused(open_case, refused):
    refusal = refused(NotNow, open_case, source_text="  ", summary="")
    assert refusal.key == "refuse.nothing_said"


def test_an_unknown_trigger_is_refused(open_case, refused):
    refusal = refused(NotNow, open_case, trigger="forged")
    assert refusal.key == "refuse.unknown_choice"


@pytest.mark.parametrize(
    ("severity", "due"),
    [
        (Severity.HIGH, datetime(2024, 3, 6, 17, 0, tzinfo=UTC)),  # 24 h: Mon-Wed, 09-17
        (Severity.MEDIUM, datetime(2024, 3, 8, 17, 0, tzinfo=UTC)),  # 40 h: the week
        (Severity.LOW, datetime(2024, 3, 15, 17, 0, tzinfo=UTC)),  # 80 h: two weeks
    ],
)
def test_due_date_follows_severity_in_business_hours(open_case, severity, due):
    """The default calendar (UTC, Monday to Friday, 09:00-17:00); NOW is a Monday 09:00."""
    case = open_case(severity=severity).case
    assert case.severity is severity
    assert case.due_at == due
    assert [d.key for d in case.deadlines] == ["acknowledge", "account:dana", "resolve"]
    assert case.deadlines[-1].due_at == due


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_known_category_is_accepted(open_case, category):
    assert open_case(category=category).case.category == category


@pytest.mark.parametrize(
    ("platform", "channel"),
    [("slack", "C0ACME"), ("teams", "19:acme@thread.tacv2"), ("web", "room-acme")],
)
def test_a_client_channel_on_any_platform_opens_a_case_for_its_client(
    open_case, ctx, platform, channel
):
    """Any platform the directory has addresses for, also one that adds its own (web)."""
    web = ctx.directory.addressed("web", {}, {"acme": ("room-acme",)})
    carol = Actor(platform, "carol-1", "Carol (Acme)")
    case = open_case(
        platform=platform,
        channel=channel,
        actor=carol,
        source_author=carol,
        trigger="mention",
        context=replace(ctx, directory=web),
    ).case
    assert case.client_id == "acme"
    assert case.source.key == f"{platform}:{channel}:1700000000.000100"


# --- nobody is judged in their absence --------------------------------------------------


def test_the_named_employee_and_their_manager_are_included(open_case):
    case = open_case(("dana",)).case
    assert case.affected == ("dana",)
    assert case.managers == ("maya",)
    assert case.included == ("dana", "maya", "avi")


def test_everyone_included_is_invited_to_the_client_channel(open_case):
    assert invites(open_case(("dana",))) == ["dana", "maya", "avi"]


def test_the_employee_the_manager_and_the_account_manager_are_dmed(open_case, ctx, maya):
    messages = dms(open_case(("dana",), actor=maya))
    assert messages == {
        "dana": ctx.t("dm.affected", client="Acme Corp", case_id="C-0042"),
        "maya": ctx.t("dm.manager", employees="Dana Levi", client="Acme Corp", case_id="C-0042"),
        "avi": ctx.t("dm.account_manager", client="Acme Corp", case_id="C-0042"),
    }
    assert "Dana Levi is named in a complaint from Acme Corp" in messages["maya"]


def test_the_client_thread_acknowledges_and_names_who_is_included(open_case, ctx, directory):
    ack, included = client_posts(open_case(("dana",)))
    assert ack == ctx.t("client.ack", case_id="C-0042")
    assert included == "Included in this case: <person:dana>, <person:maya>, <person:avi>."
    rendered = render_people(included, lambda pid: "@" + directory.person(pid).name)
    assert rendered == "Included in this case: @Dana Levi, @Maya Cohen, @Avi Katz."


def test_the_account_manager_who_opens_the_case_is_not_dmed_about_it(open_case, maya):
    by_avi = open_case(("dana",))
    assert "avi" not in dms(by_avi)
    assert "avi" in invites(by_avi)
    assert "avi" in dms(open_case(("dana",), actor=maya))


def test_two_reports_of_one_manager_give_the_manager_one_dm_naming_both(open_case):
    outcome = open_case(("dana", "eli"))
    assert outcome.case.managers == ("maya",)
    manager_dms = [
        e for e in outcome.effects if isinstance(e, DirectMessage) and e.person_id == "maya"
    ]
    assert len(manager_dms) == 1
    assert manager_dms[0].text.startswith("Dana Levi, Eli Shani is named")


def test_a_named_manager_is_not_also_listed_as_a_manager(open_case):
    case = open_case(("dana", "maya")).case
    assert case.affected == ("dana", "maya")
    assert case.managers == ("ron",)
    assert case.included == ("dana", "maya", "ron", "avi")


def test_a_person_named_twice_is_included_once(open_case):
    outcome = open_case(("dana", "dana"))
    assert outcome.case.affected == ("dana",)
    assert invites(outcome) == ["dana", "maya", "avi"]


def test_without_anyone_named_the_client_is_told_who_follows_the_case(open_case):
    outcome = open_case(())
    assert outcome.case.affected == outcome.case.managers == ()
    assert client_posts(outcome)[1] == "Your account manager <person:avi> is following this case."
    assert invites(outcome) == ["avi"]


def test_without_anyone_named_or_an_account_manager_the_client_gets_the_ack_only(
    open_case, ctx, ron
):
    outcome = open_case((), channel="C0GLOBEX", actor=ron)
    assert outcome.case.account_manager is None
    assert client_posts(outcome) == [ctx.t("client.ack", case_id="C-0042")]
    assert invites(outcome) == [] and dms(outcome) == {}


def test_effects_leave_client_thread_first_then_card_then_the_rest_then_timeline(open_case, maya):
    effects = open_case(("dana",), actor=maya).effects
    kinds = [type(e) for e in effects]
    assert kinds == [
        ClientThreadPost,
        ClientThreadPost,
        CardUpdate,
        Invite,
        Invite,
        Invite,
        DirectMessage,
        DirectMessage,
        DirectMessage,
        CardNote,  # after the DMs, which wait for the card's lane up to themselves
    ]


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "channel"),
    [("slack", "C0INTERNAL"), ("slack", "C0RANDOM"), ("teams", "C0ACME"), ("slack", "client-acme")],
)
def test_only_a_client_channel_opens_a_case(open_case, refused, platform, channel):
    refusal = refused(NotNow, open_case, ("dana",), platform=platform, channel=channel)
    assert refusal.key == "refuse.not_client_channel"
    assert text("en", refusal.key).startswith("Complaints are opened in a client channel.")


def test_a_client_contact_cannot_open_a_case_with_a_reaction(open_case, refused, client):
    refusal = refused(NotAllowed, lambda: open_case(actor=client, trigger="reaction"))
    assert refusal.key == "refuse.reaction_by_client"
    assert text("en", refusal.key) == "Only people of the firm can open a case with a reaction."


def test_a_client_contact_may_open_a_case_by_mentioning_the_bot(open_case, client):
    case = open_case(actor=client, trigger="mention").case
    assert case.reporter == case.raised_by == client


def test_a_reaction_on_a_colleagues_message_does_not_open_a_case(open_case, refused, eli):
    refusal = refused(NotNow, lambda: open_case(source_author=eli, trigger="reaction"))
    assert refusal.key == "refuse.flag_internal_message"


def test_an_unknown_person_is_refused_by_name(open_case, refused):
    refusal = refused(NotNow, open_case, ("dana", "zed"))
    assert (refusal.key, refusal.params) == ("refuse.unknown_person", {"person": "zed"})
    assert text("en", refusal.key, **refusal.params) == "zed is not in the directory."


def test_an_unknown_category_is_refused_with_the_choices(open_case, refused):
    refusal = refused(NotNow, lambda: open_case(category="rudeness"))
    assert refusal.key == "refuse.unknown_choice"
    assert refusal.params == {"value": "rudeness", "choices": ", ".join(CATEGORIES)}
    assert text("en", refusal.key, **refusal.params).startswith("rudeness is not one of: quality,")
