"""Teams end to end: activities posted over loopback to the real server, answered through the
fake Bot Connector; the bot runs unauthenticated (TEAMS_LOCAL=1), as for a local emulator,
and a bot with an app id refuses what carries no valid token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.teams.adapter import said
from bot.teams.cards import CONTENT_TYPE
from handlers.errors import StorageError
from tests.fakes.bot_connector import (
    TENANT_ID,
    Call,
    ConnectorError,
    FakeBotConnector,
    RateLimited,
)
from tests.teams.harness import (
    ACME,
    AVI,
    CLIENT,
    DANA,
    INTERNAL,
    MAYA,
    NAMES,
    TEAMS,
    TeamsBot,
    populate,
)

COMPLAINT = "the report was late again, @Dana Levi never answered"


def texts(activities: list[dict[str, Any]]) -> list[str]:
    return [a.get("text", "") for a in activities]


def cards_in(activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        attachment["content"]
        for a in activities
        for attachment in a.get("attachments") or ()
        if attachment["contentType"] == CONTENT_TYPE
    ]


async def open_case(bot: TeamsBot) -> str:
    """Carol mentions the bot in Acme's channel, naming Dana; the root message's id."""
    message = bot.channel_message("29:carol", COMPLAINT, [(DANA, NAMES[DANA])])
    status, _ = await bot.send(message)
    assert status == 200
    await bot.settle()
    return str(message["id"])


async def test_a_mention_opens_a_case_and_every_message_goes_out(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    root = await open_case(bot)

    (case,) = await bot.cases()
    assert case.source.platform == "teams"
    assert (case.source.channel, case.source.message_id) == (ACME, root)
    assert case.affected == ("dana",)
    assert [s.text for s in case.client_statements] == [COMPLAINT]
    thanks, included = fake.posted(ACME, reply_to=root)
    assert case.id in thanks["text"]
    mentioned = {e["mentioned"]["id"] for e in included.get("entities") or ()}
    assert {DANA, MAYA} <= mentioned and "<at>Dana Levi</at>" in included["text"]
    (card,) = cards_in(fake.posted(INTERNAL))
    assert case.id in str(card["body"][0]["text"])
    assert {a["verb"] for a in card["actions"]} >= {"assess", "resolve"}
    assert fake.posted(DANA) and fake.posted(MAYA)
    assert all(not call.headers.get("authorization") for call in fake.calls)


async def test_the_same_activity_twice_opens_one_case(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    message = bot.channel_message("29:carol", COMPLAINT, [(DANA, NAMES[DANA])])
    for _ in range(2):
        status, _ = await bot.send(message)
        assert status == 200
    await bot.settle()
    assert len(await bot.cases()) == 1
    assert len(fake.posted(ACME, reply_to=str(message["id"]))) == 2  # thanks, who is in


async def test_a_reply_in_the_thread_is_a_client_statement(bot: TeamsBot) -> None:
    root = await open_case(bot)
    reply = bot.channel_message(
        "29:carol", "And nobody called us &amp; <b>nobody</b> wrote.", thread=root, bot=False
    )
    status, _ = await bot.send(reply)
    assert status == 200
    (case,) = await bot.cases()
    assert [s.text for s in case.client_statements][-1] == "And nobody called us & nobody wrote."


async def test_maya_gets_the_assess_form_and_dana_is_refused_alone(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    await open_case(bot)
    (case,) = await bot.cases()
    fake.clear()

    status, answer = await bot.send(bot.invoke(MAYA, "assess", {"case_id": case.id}))
    assert status == 200
    assert answer["type"] == CONTENT_TYPE
    verbs = [a["verb"] for a in answer["value"]["actions"]]
    assert verbs == ["submit:assess", "cancel"]

    status, answer = await bot.send(bot.invoke(DANA, "assess", {"case_id": case.id}))
    assert status == 200
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert answer["value"]
    await bot.settle()
    assert fake.calls == []  # the refusal is the invoke's answer: nobody else sees it


async def test_a_refresh_shows_each_viewer_their_own_actions(bot: TeamsBot) -> None:
    await open_case(bot)
    (case,) = await bot.cases()
    _, for_maya = await bot.send(bot.invoke(MAYA, "refresh", {"case_id": case.id}))
    _, for_dana = await bot.send(bot.invoke(DANA, "refresh", {"case_id": case.id}))
    maya = {a["verb"] for a in for_maya["value"].get("actions", ())}
    dana = {a["verb"] for a in for_dana["value"].get("actions", ())}
    assert "assess" in maya and "assess" not in dana
    assert "account" in dana


async def test_a_submitted_form_changes_the_case_once(bot: TeamsBot) -> None:
    await open_case(bot)
    (case,) = await bot.cases()
    submit = bot.invoke(DANA, "submit:account", {"case_id": case.id, "account": "I was ill."})
    for _ in range(2):
        status, answer = await bot.send(submit)
        assert status == 200
        assert answer["type"] == CONTENT_TYPE  # the case card again, for Dana
    (case,) = await bot.cases()
    assert [a.text for a in case.accounts.values()] == ["I was ill."]


# --- with an app id: every request needs a Bot Framework token ---------------------------


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[tuple[TeamsBot, FakeBotConnector]]:
    async with FakeBotConnector() as connector:
        populate(connector)
        harness = TeamsBot(tmp_path, connector, app_id=True)
        await harness.start()
        try:
            yield harness, connector
        finally:
            await harness.stop()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Bearer !!"},
        {"Authorization": "x"},
    ],
)
async def test_without_a_valid_token_nothing_happens(
    guarded: tuple[TeamsBot, FakeBotConnector], headers: dict[str, str]
) -> None:
    bot, fake = guarded
    message = bot.channel_message("29:carol", COMPLAINT, [(DANA, NAMES[DANA])])
    status, _ = await bot.send(message, headers)
    assert status == 401
    assert await bot.cases() == []
    assert bot.runtime and not await bot.runtime.store.seen(f"teams:{message['id']}")
    assert fake.calls == []


async def test_a_store_that_cannot_write_answers_503_and_the_retry_does_the_work(
    bot: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.runtime
    store = bot.runtime.store
    create = store.create_case

    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise StorageError("disk full")

    message = bot.channel_message("29:carol", COMPLAINT, [(DANA, NAMES[DANA])])
    monkeypatch.setattr(store, "create_case", refuse)
    status, _ = await bot.send(message)
    assert status == 503
    monkeypatch.setattr(store, "create_case", create)
    status, _ = await bot.send(message)
    assert status == 200
    assert len(await bot.cases()) == 1


async def test_a_rate_limited_post_waits_and_a_refused_dm_holds_nothing_up(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    fake.fail_when(
        lambda call: call.route == "send" and (call.conversation_id or "").startswith(ACME),
        RateLimited(1),
    )
    fake.fail_when("create_conversation", ConnectorError(403, "Forbidden"))
    root = await open_case(bot)
    assert len(fake.posted(ACME, reply_to=root)) == 2  # sent after the Retry-After
    failed = [c for c in fake.calls if c.failed]
    assert [c.route for c in failed] == ["send", "create_conversation"]


@pytest.mark.parametrize("body", [[1], {"text": "no type"}, {"type": "message", "entities": 5}])
async def test_a_body_teams_would_never_send_is_a_400(bot: TeamsBot, body: Any) -> None:
    status, _ = await bot.send(body)
    assert status == 400
    assert await bot.cases() == []


# --- "Log as complaint" on a message ------------------------------------------------------


def dialog_card(answer: Any) -> dict[str, Any]:
    assert answer["task"]["type"] == "continue"
    attachment = answer["task"]["value"]["card"]
    assert attachment["contentType"] == CONTENT_TYPE
    assert answer["task"]["value"]["title"]
    card: dict[str, Any] = attachment["content"]
    return card


def inputs(card: dict[str, Any]) -> dict[str, Any]:
    return {e["id"]: e.get("value") for e in card["body"] if e["type"].startswith("Input.")}


async def test_log_as_complaint_shows_the_open_form_prefilled_from_the_message(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    message = bot.channel_message("29:carol", COMPLAINT, [(DANA, NAMES[DANA])], bot=False)
    status, answer = await bot.send(bot.message_action(AVI, message))
    assert status == 200
    card = dialog_card(answer)
    assert inputs(card)["summary"] == COMPLAINT
    assert inputs(card)["affected"] == DANA
    (submit,) = card["actions"]
    assert submit["type"] == "Action.Submit"
    await bot.settle()
    assert fake.calls == [] and await bot.cases() == []


async def test_the_submitted_form_opens_one_case_on_that_message(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    message = bot.channel_message("29:carol", COMPLAINT, [(DANA, NAMES[DANA])], bot=False)
    data = {
        "case_id": "",
        "form": "open",
        "affected": DANA,
        "category": "other",
        "severity": "high",
        "summary": "Late report",
    }
    submit = bot.message_action(AVI, message, "composeExtension/submitAction", data)
    for _ in range(2):  # Teams sends it again: nothing more
        status, answer = await bot.send(submit)
        assert status == 200
        assert answer is None or answer["task"]["type"] == "message"
    await bot.settle()

    (case,) = await bot.cases()
    assert (case.source.channel, case.source.message_id) == (ACME, message["id"])
    assert case.raised_by.user_id == CLIENT and not case.raised_by.internal
    assert case.reporter.person_id == "avi"
    assert case.affected == ("dana",)
    assert case.summary == "Late report" and case.severity.value == "high"
    assert [s.text for s in case.client_statements] == [COMPLAINT]
    thanks, _ = fake.posted(ACME, reply_to=str(message["id"]))
    assert case.id in thanks["text"]
    (card,) = cards_in(fake.posted(INTERNAL))
    assert case.id in str(card["body"][0]["text"])
    assert fake.posted(DANA) and fake.posted(MAYA)


async def test_log_as_complaint_on_a_reply_means_its_thread(bot: TeamsBot) -> None:
    root = bot.channel_message("29:carol", COMPLAINT, bot=False)
    reply = bot.channel_message("29:carol", "still nothing", thread=str(root["id"]), bot=False)
    data = {"affected": "", "category": "other", "severity": "medium", "summary": ""}
    submit = bot.message_action(AVI, reply, "composeExtension/submitAction", data)
    status, _ = await bot.send(submit)
    assert status == 200
    (case,) = await bot.cases()
    assert case.source.message_id == root["id"]
    assert case.summary == "still nothing"


async def test_an_unknown_person_comes_back_as_the_form_with_why(bot: TeamsBot) -> None:
    message = bot.channel_message("29:carol", COMPLAINT, bot=False)
    data = {
        "affected": "29:stranger",
        "category": "other",
        "severity": "medium",
        "summary": "Late report",
    }
    submit = bot.message_action(AVI, message, "composeExtension/submitAction", data)
    status, answer = await bot.send(submit)
    assert status == 200
    card = dialog_card(answer)
    assert inputs(card)["summary"] == "Late report"
    assert any(e.get("color") == "Attention" for e in card["body"])
    assert await bot.cases() == []


async def test_log_as_complaint_outside_a_client_channel_is_refused(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    message = bot.channel_message(MAYA, "a note", channel=INTERNAL, bot=False)
    status, answer = await bot.send(bot.message_action(MAYA, message))
    assert status == 200
    assert answer["task"]["type"] == "message" and answer["task"]["value"]
    await bot.settle()
    assert fake.calls == [] and await bot.cases() == []


# --- `complaint` in the 1:1 chat: a complaint that came by phone or mail --------------------


def started_thread(call: Call) -> bool:
    """`POST /v3/conversations` for a new thread in a channel (not a 1:1 chat)."""
    return call.route == "create_conversation" and "channel" in call.body.get("channelData", {})


async def test_complaint_in_the_chat_logs_it_as_a_new_thread_in_the_channel_chosen(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    """Avi types `complaint @Dana ...` in his chat with the bot: the log form comes back
    there; its submission is kept before the answer, then the bot's note starts a new
    thread in the chosen channel (`POST /v3/conversations`) and the case opens on it."""
    typed = bot.chat_message(AVI, "complaint @Dana Levi billed us twice", [(DANA, NAMES[DANA])])
    status, _ = await bot.send(typed)
    assert status == 200
    (form,) = cards_in(fake.posted(AVI))
    inputs = {i["id"]: i for i in form["body"] if str(i.get("type", "")).startswith("Input.")}
    assert list(inputs)[0] == "channel"
    channel = inputs["channel"]
    assert channel["type"] == "Input.ChoiceSet" and channel["isRequired"]
    assert channel["style"] == "compact" and "value" not in channel
    # Teams has not said the channel's name, and Acme has no other: its client's name.
    assert channel["choices"] == [{"title": "Acme Corp", "value": ACME}]
    assert inputs["affected"]["value"] == DANA
    (save,) = [a for a in form["actions"] if a["verb"] == "submit:log"]

    answers = {"channel": ACME, "affected": DANA, "category": "billing", "severity": "high"}
    submit = bot.invoke(AVI, "submit:log", {**save["data"], **answers, "summary": "Twice"},
                        personal=True)  # fmt: skip
    status, answer = await bot.send(submit)
    assert status == 200 and answer["type"] == CONTENT_TYPE
    assert "Acme Corp" in str(answer["value"]["body"])  # the form gives way to what is next
    status, _ = await bot.send(submit)  # Teams sends the same invoke again
    assert status == 200
    await bot.settle()

    (case,) = await bot.cases()
    (started,) = fake.successful_calls(started_thread)
    assert started.body["isGroup"] is True
    assert started.body["channelData"]["channel"] == {"id": ACME}
    assert started.answer["id"] == f"{ACME};messageid={started.answer['activityId']}"
    assert (case.source.channel, case.source.message_id) == (ACME, started.answer["activityId"])
    (note,) = fake.posted(ACME)
    assert note["id"] == case.source.message_id
    assert note["text"].startswith("Avi Katz logged a complaint here")
    assert (case.affected, case.category, case.summary) == (("dana",), "billing", "Twice")
    assert case.client_statements == ()  # Avi's words are no client's
    thanks, _ = fake.posted(ACME, reply_to=case.source.message_id)
    assert case.id in thanks["text"]
    assert fake.posted(DANA) and fake.posted(MAYA)
    assert any(f"Case {case.id} is open" in a.get("text", "") for a in fake.posted(AVI))


async def test_the_log_form_names_a_channel_as_teams_last_named_it(bot: TeamsBot) -> None:
    renamed = bot.activity(
        AVI,
        {"id": ACME, "conversationType": "channel"},
        type="conversationUpdate",
        id=bot.next_id(),
        channelData={
            "eventType": "channelRenamed",
            "channel": {"id": ACME, "name": "Acme <b>project</b>"},
            "team": {"id": "19:team@thread.tacv2"},
            "tenant": {"id": TENANT_ID},
        },
    )
    assert (await bot.send(renamed))[0] == 200
    status, _ = await bot.send(bot.chat_message(AVI, "complaint late"))
    assert status == 200
    (form,) = cards_in(bot.fake.posted(AVI))
    (channel,) = [i for i in form["body"] if i.get("id") == "channel"]
    assert channel["choices"] == [
        {"title": "Acme Corp · channel Acme <b>project</b>", "value": ACME}
    ]


async def test_a_forged_channel_in_the_log_form_comes_back_as_the_form_and_posts_nothing(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    status, _ = await bot.send(bot.chat_message(AVI, "complaint late"))
    assert status == 200
    values = {"channel": INTERNAL, "category": "delay", "severity": "low", "summary": "Late"}
    status, answer = await bot.send(bot.invoke(AVI, "submit:log", values, personal=True))
    assert status == 200 and answer["type"] == CONTENT_TYPE
    assert any(a["verb"] == "submit:log" for a in answer["value"]["actions"])
    assert "Complaints are opened in a client channel." in str(answer["value"]["body"])
    await bot.settle()
    assert await bot.cases() == []
    assert fake.successful_calls(started_thread) == [] and fake.posted(INTERNAL) == []


async def test_a_client_contact_typing_complaint_in_a_chat_gets_the_usage(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    status, _ = await bot.send(bot.chat_message(CLIENT, "complaint late"))
    assert status == 200
    (told,) = fake.posted(CLIENT)
    assert "Usage: /complaint" in told["text"] and not cards_in([told])


async def test_a_logged_complaint_outlives_a_connector_outage_and_a_restart(
    tmp_path: Path, fake: FakeBotConnector
) -> None:
    """The filled form is kept before the answer: Teams down when the note is due, and the
    bot stopped then, the case still opens, on the note, once the bot is back."""
    first = TeamsBot(tmp_path, fake)
    await first.start()
    fake.outage(started_thread)
    try:
        await first.send(first.chat_message(AVI, "complaint late"))
        values = {"channel": ACME, "category": "delay", "severity": "low", "summary": "Late"}
        status, answer = await first.send(first.invoke(AVI, "submit:log", values, personal=True))
        assert status == 200 and answer["type"] == CONTENT_TYPE
        await fake.wait_for(started_thread)  # tried after the answer, while Teams was down
        assert await first.cases() == [] and fake.posted(ACME) == []
    finally:
        await first.stop()
    fake.end_outage()
    again = TeamsBot(tmp_path, fake)
    await again.start()
    try:
        await again.settle()
        (case,) = await again.cases()
        (note,) = fake.posted(ACME)
        assert (case.source.channel, case.source.message_id) == (ACME, note["id"])
    finally:
        await again.stop()


@pytest.mark.parametrize("consent", [True, False], ids=["graph", "no consent"])
async def test_the_log_form_names_a_channel_as_its_team_does_through_graph(
    tmp_path: Path, fake: FakeBotConnector, consent: bool
) -> None:
    """Teams says a channel's name only when it is created or renamed: the team's channel
    list in Graph names it, asked once a team (a refusal too); without Graph's answer the
    client's name alone stands for its only channel."""
    members = [(CLIENT, "Carol Client"), (AVI, NAMES[AVI])]
    fake.add_conversation(ACME, members, team=TEAMS[ACME], name="Acme <b>project</b>")
    fake.graph_consent = consent
    bot = TeamsBot(tmp_path, fake, env={"MICROSOFT_GRAPH_URL": fake.graph_url})
    await bot.start()
    try:
        said = bot.channel_message(CLIENT, "The export is late again.", bot=False)
        assert (await bot.send(said))[0] == 200  # the bot learns the channel's team
        for _ in range(2):
            assert (await bot.send(bot.chat_message(AVI, "complaint late")))[0] == 200
    finally:
        await bot.stop()
    forms = cards_in(fake.posted(AVI))
    assert len(forms) == 2
    for form in forms:
        (channel,) = [i for i in form["body"] if i.get("id") == "channel"]
        title = "Acme Corp · channel Acme <b>project</b>" if consent else "Acme Corp"
        assert channel["choices"] == [{"title": title, "value": ACME}]
    asked = [c for c in fake.calls if c.route == "graph_channels"]
    assert [c.args["team"] for c in asked] == [TEAMS[ACME]]


def test_each_mention_becomes_its_own_marker_where_it_stands() -> None:
    """A name inside another ("Dan" in "Dana") is no mention of it: each `<at>` tag is
    replaced in its own place, the rest of the HTML read as plain text."""
    mentions = [
        ("29:dan", "<at>Dan</at>"),
        ("29:dana", "<at>Dana</at>"),
        ("28:bot", "<at>Bot</at>"),
    ]
    raw = "<at>Bot</at> review person <at>Dana</at> &amp; <at>Dan</at><br>and @Dana"
    markers = {"29:dan": "<person:dan>", "29:dana": "<person:dana>"}
    assert said(raw, mentions, {"28:bot"}, markers) == (
        "review person <person:dana> & <person:dan>\nand @Dana"
    )
    assert said(raw, mentions, {"28:bot"}) == "review person @Dana & @Dan\nand @Dana"
