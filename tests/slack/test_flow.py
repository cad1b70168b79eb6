"""A whole case on Slack, from the client's complaint to their "Resolved"."""

from __future__ import annotations

from handlers.model import Status, Verdict
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.checks import (
    card_posts,
    card_thread,
    client_thread,
    dms_to,
    ephemerals_to,
    texts_of,
)
from tests.slack.harness import ACME, AVI, CLIENT, DANA, ELI, INTERNAL, MAYA, SlackBot, fill
from tests.slack.test_triggers import mention_event, message_event

ACCOUNT = "I sent the report on Tuesday as we agreed on the call; ACCOUNT-7781"
NOTE = "The Tuesday date was agreed in writing. NOTE-4412"
REQUEST = "Client wants a weekly status call. REQUEST-9051"
SUMMARY = "The report was due Tuesday, as agreed on 3 Nov; it arrived then. From now on we send a short status note every Friday."  # noqa: E501


async def test_a_complaint_runs_its_whole_course(bot: SlackBot, fake: FakeSlackAPI) -> None:
    source = "1763801000.000100"
    await bot.event(mention_event(source))
    await bot.settle()
    case = await bot.only_case()

    # The client answers the structured questions in the thread; Dana replies there too.
    await bot.event(
        message_event(
            "1763801001.000100", "It was due Monday. We need it by Friday.", thread_ts=source
        )
    )
    await bot.event(
        message_event("1763801002.000100", "Looking into it now.", user=DANA, thread_ts=source)
    )
    # Dana adds her account from the card; Maya assesses; Avi resolves.
    assert (await bot.press("account", case.id, DANA, INTERNAL)).status == 200
    await fill(bot, "account", {"account": ACCOUNT}, DANA)
    await bot.press("assess", case.id, MAYA, INTERNAL)
    await fill(bot, "assess", {"verdict": "not_right", "note": NOTE, "abusive": True}, MAYA)
    await bot.press("resolve", case.id, AVI, INTERNAL)
    await fill(bot, "resolve", {"resolution": SUMMARY, "change_requests": REQUEST}, AVI)
    await bot.settle()

    case = await bot.only_case()
    assert case.status is Status.RESOLVED and case.verdict is Verdict.NOT_RIGHT
    assert case.abuse_flagged  # the ticked checkbox
    assert [s.text for s in case.client_statements][
        -1
    ] == "It was due Monday. We need it by Friday."
    assert case.public_replies[0].author.person_id == "dana"
    assert case.change_requests == (REQUEST,)
    # Dana is told, by name, that her manager backs her.
    assert any("Maya Cohen backs you" in t for t in dms_to(fake, DANA))
    # The client sees the summary, then the feedback question with two buttons.
    thread = client_thread(fake, case)
    assert SUMMARY in thread[-2].params["text"]
    buttons = [
        e["action_id"]
        for b in thread[-1].params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert buttons == ["feedback_yes", "feedback_no"]

    # "Not resolved" reopens the case and tells the account manager.
    await bot.press("feedback_no", case.id, CLIENT, ACME)
    await fill(bot, "feedback_no", {"comment": "Still no weekly call."}, CLIENT)
    await bot.settle()
    case = await bot.only_case()
    assert case.status is Status.REOPENED
    assert any("not resolved" in t and "Still no weekly call." in t for t in dms_to(fake, AVI))
    # The answered question's buttons gave way to the answer.
    question_ts = thread[-1].answer["ts"]
    closed = fake.message(ACME, question_ts)
    assert closed and not closed.get("blocks") and "answered: not resolved" in closed["text"]

    # A second resolution, then "Resolved" closes it.
    await bot.press("resolve", case.id, AVI, INTERNAL)
    await fill(bot, "resolve", {"resolution": "Weekly call booked for Mondays at 10."}, AVI)
    await bot.settle()
    await bot.press("feedback_yes", case.id, CLIENT, ACME)
    await fill(bot, "feedback_yes", {}, CLIENT)
    await bot.settle()
    case = await bot.only_case()
    assert case.status is Status.CLOSED
    assert [f.resolved for f in case.feedback] == [False, True]

    # The card was posted once and updated in place; its thread is the timeline.
    card = card_posts(fake, case)
    assert card[0].method == "chat.postMessage"
    assert {c.method for c in card[1:]} == {"chat.update"}
    card_ts = await bot.runtime.store.get_ref(case.id, "slack_card_ts")  # type: ignore[union-attr]
    timeline = card_thread(fake, str(card_ts))
    assert len(timeline) == len(await bot.runtime.store.timeline(case.id))  # type: ignore[union-attr]
    assert any(ACCOUNT in line for line in timeline) and any(NOTE in line for line in timeline)
    assert "closed" in texts_of(card[-1]).lower()

    # Nothing internal ever reached the client channel, in any call.
    for call in fake.calls:
        if call.params.get("channel") == ACME:
            shown = texts_of(call)
            for secret in ("ACCOUNT-7781", "NOTE-4412", "REQUEST-9051", "not right", "backs you"):
                assert secret not in shown, (call.method, shown)


async def test_a_reply_in_the_thread_of_a_closed_case_is_answered_not_recorded(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    source = "1763801100.000100"
    await bot.event(mention_event(source))
    await bot.settle()
    case = await bot.only_case()
    await bot.press("withdraw", case.id, CLIENT, ACME)
    await fill(bot, "withdraw", {"reason": "Sorted it out ourselves."}, CLIENT)
    await bot.settle()
    await bot.event(message_event("1763801101.000100", "One more thing.", thread_ts=source))
    await bot.settle()
    case = await bot.only_case()
    assert case.status is Status.WITHDRAWN
    assert "One more thing." not in [s.text for s in case.client_statements]
    assert any("is withdrawn; it can no longer change" in t for t in ephemerals_to(fake, CLIENT))


async def test_a_manager_waives_a_missing_account_from_the_card(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    await bot.event(mention_event("1763801200.000100"))
    await bot.settle()
    case = await bot.only_case()
    await bot.press("waive", case.id, ELI, INTERNAL)
    assert any("can waive an account" in t for t in ephemerals_to(fake, ELI))
    await bot.press("waive", case.id, MAYA, INTERNAL)
    await fill(bot, "waive", {"person": "dana", "reason": "Dana is on leave."}, MAYA)
    await bot.press("assess", case.id, MAYA, INTERNAL)
    await fill(bot, "assess", {"verdict": "right"}, MAYA)
    await bot.press("resolve", case.id, AVI, INTERNAL)
    await fill(bot, "resolve", {"resolution": "Re-sent, with an apology."}, AVI)
    await bot.settle()
    case = await bot.only_case()
    assert case.status is Status.RESOLVED
    assert case.waivers["dana"].text == "Dana is on leave." and not case.accounts


async def test_a_press_on_an_answered_question_is_refused_at_once(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    source = "1763801500.000100"
    await bot.event(mention_event(source))
    await bot.settle()
    case = await bot.only_case()
    await bot.press("account", case.id, DANA, INTERNAL)
    await fill(bot, "account", {"account": ACCOUNT}, DANA)
    await bot.press("assess", case.id, MAYA, INTERNAL)
    await fill(bot, "assess", {"verdict": "right"}, MAYA)
    await bot.press("resolve", case.id, AVI, INTERNAL)
    await fill(bot, "resolve", {"resolution": SUMMARY}, AVI)
    await bot.settle()
    await bot.press("feedback_yes", case.id, CLIENT, ACME)
    await fill(bot, "feedback_yes", {}, CLIENT)
    await bot.settle()
    forms_before = len(fake.calls_to("views.open"))

    # Another contact presses the old question's button: told at once, no form to type into.
    assert (await bot.press("feedback_no", case.id, "U0BOB", ACME)).status == 200
    assert len(fake.calls_to("views.open")) == forms_before
    told = [c.params["text"] for c in fake.calls_to("chat.postEphemeral")]
    assert any(case.id in t and "closed" in t for t in told), told
