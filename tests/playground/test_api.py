"""The playground's HTTP API against the real server: pages, personas, every way to act,
refusals by role, what client channels may show, live updates and a restart."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.playground import catalog
from bot.playground.sink import card_id
from bot.playground.workspace import BOT
from handlers.commands import OpenCase
from handlers.messages import text
from handlers.model import MessageRef, Status

from .conftest import WAIT_SECONDS, Playground, hebrew_directory

CONTACT = "contact:acme"
COMPLAINT = "@complaintbot The March report was two weeks late and wrong. @Dana Levi never replied."


async def open_case(playground: Playground) -> str:
    """The Acme contact complains, naming Dana; returns the case id once it is delivered."""
    answer = await playground.say(CONTACT, "client-acme", COMPLAINT)
    assert answer["ok"] and answer["case"], answer
    await playground.settle()
    return str(answer["case"])


def root_of(playground: Playground, case_id: str) -> str:
    """The id of the case's source message, the root of its client thread."""
    card = playground.adapter.workspace.message(f"card-{case_id}")
    assert card and card.card
    return str(card.card["source"]["message"])


# --- the page -------------------------------------------------------------------------------


async def test_the_page_and_its_files_are_served_in_the_directory_language(
    playground: Playground,
) -> None:
    async with playground.http.get(playground.url + "/") as response:
        page = await response.text()
        assert response.status == 200 and response.content_type == "text/html"
    assert '<html lang="en" dir="ltr">' in page
    assert f"<title>{catalog.EN['title']}</title>" in page
    for name, kind in (("app.js", "javascript"), ("style.css", "text/css")):
        async with playground.http.get(f"{playground.url}/playground/static/{name}") as response:
            assert response.status == 200 and kind in response.content_type


async def test_a_hebrew_directory_gets_a_right_to_left_page(tmp_path: Path) -> None:
    playground = await Playground(tmp_path, hebrew_directory(tmp_path)).start()
    try:
        async with playground.http.get(playground.url + "/") as response:
            page = await response.text()
        state = await playground.state("avi")
    finally:
        await playground.stop()
    assert '<html lang="he" dir="rtl">' in page
    assert catalog.say("he", "title") in page
    assert state["dir"] == "rtl" and state["text"]["persona"] == catalog.say("he", "persona")


async def test_personas_and_the_channels_each_one_sees(playground: Playground) -> None:
    state = await playground.state("avi")
    personas = {p["id"]: p for p in state["personas"]}
    assert {"contact:acme", "contact:globex", "contact:initech"} <= set(personas)
    assert personas["contact:acme"]["name"] == "Client contact (Acme Corp)"
    roles = {pid: personas[pid]["role"] for pid in ("avi", "dana", "maya", "ron")}
    assert roles == {
        "avi": "account manager",
        "dana": "employee",
        "maya": "manager",
        "ron": "lead",
    }
    seen = [c["id"] for c in state["channels"]]
    assert seen == ["client-acme", "client-globex", "client-initech", "internal", "dm-avi"]
    contact = await playground.state(CONTACT)
    assert [c["id"] for c in contact["channels"]] == ["client-acme"]


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("messages", {"persona": "zed", "channel": "client-acme", "text": "hi"}, 400, "persona"),
        ("messages", {"persona": ["avi"], "channel": "client-acme", "text": "hi"}, 400, "persona"),
        ("messages", {"persona": "avi", "channel": "nowhere", "text": "hi"}, 400, "channel"),
        ("messages", {"persona": "avi", "channel": "client-acme", "text": " "}, 400, "text"),
        ("messages", {"persona": CONTACT, "channel": "internal", "text": "hi"}, 403, "cannot see"),
        ("messages", {"persona": "avi", "channel": "dm-avi", "text": "hi"}, 400, "direct"),
        ("messages", [1, 2], 400, "JSON object"),
        (
            "reactions",
            {"persona": "avi", "channel": "client-acme", "message": "x"},
            400,
            "no message",
        ),
        ("buttons", {"persona": "avi", "channel": "internal", "action": "explode"}, 400, "action"),
        ("buttons", {"persona": "avi", "channel": "internal", "action": ["x"]}, 400, "action"),
        ("buttons", {"persona": "avi", "channel": "internal", "action": "assess"}, 400, "case_id"),
        ("forms/unknown", {"persona": "avi", "values": {}}, 400, "form"),
    ],
)
async def test_bad_input_gets_a_clear_json_error(
    playground: Playground, path: str, body: Any, status: int, says: str
) -> None:
    answer_status, answer = await playground.post(path, body)
    assert answer_status == status
    assert says in answer["error"]


async def test_malformed_json_and_an_unknown_persona_in_the_query_get_400(
    playground: Playground,
) -> None:
    async with playground.http.post(
        f"{playground.url}/playground/api/messages", data=b"{not json"
    ) as response:
        assert response.status == 400 and "JSON" in (await response.json())["error"]
    for path in ("/playground/api/state", "/playground/events"):
        async with playground.http.get(playground.url + path, params={"persona": "zed"}) as got:
            assert got.status == 400 and "unknown persona" in (await got.json())["error"]


# --- opening cases --------------------------------------------------------------------------


async def test_a_mention_opens_a_case_and_brings_in_the_employee_and_manager(
    playground: Playground,
) -> None:
    case_id = await open_case(playground)
    case = await playground.runtime.service.get(case_id)
    assert case.affected == ("dana",) and case.managers == ("maya",)
    assert case.raised_by.user_id == CONTACT and case.summary.startswith("The March report")
    thread = playground.adapter.workspace.replies(root_of(playground, case_id))
    assert thread[0].text.startswith(f"Thank you for raising this. We have opened case {case_id}")
    assert "@Dana Levi, @Maya Cohen, @Avi Katz" in thread[1].text
    assert "names you" in playground.texts("dm-dana")[0]
    assert "is named in a complaint" in playground.texts("dm-maya")[0]
    assert playground.adapter.workspace.channels["client-acme"].members == ["avi", "dana", "maya"]
    card = (await playground.state("maya"))["channels"][3]["messages"][0]["card"]
    assert card["title"] == f"Case {case_id} · Acme Corp" and card["status"] == "open"
    assert [b["action"] for b in card["buttons"]] == [
        "account",
        "waive",
        "assess",
        "resolve",
        "withdraw",
    ]


async def test_the_same_message_flagged_again_opens_nothing_new(playground: Playground) -> None:
    posted = await playground.say(CONTACT, "client-acme", "Nobody answers our emails.")
    flag = {"persona": "avi", "channel": "client-acme", "message": posted["message"]}
    first = await playground.ok("reactions", {**flag, "emoji": "triangular_flag_on_post"})
    again = await playground.ok("reactions", {**flag, "emoji": "triangular_flag_on_post"})
    assert first["case"] == again["case"]
    assert again["notice"] == text("en", "notice.already_open", case_id=first["case"])
    assert len(await playground.runtime.store.list_cases()) == 1


async def test_a_client_flagging_a_message_is_refused_to_them_alone(playground: Playground) -> None:
    posted = await playground.say(CONTACT, "client-acme", "The build is broken again.")
    answer = await playground.ok(
        "reactions",
        {
            "persona": CONTACT,
            "channel": "client-acme",
            "message": posted["message"],
            "emoji": "triangular_flag_on_post",
        },
    )
    refusal = text("en", "refuse.reaction_by_client")
    assert answer == {"ok": False, "notice": refusal}
    assert playground.notices(CONTACT) == [refusal]
    assert playground.notices("avi") == []
    assert (await playground.state("avi"))["notices"] == []
    assert await playground.runtime.store.list_cases() == []


async def test_another_emoji_is_only_a_reaction(playground: Playground) -> None:
    posted = await playground.say(CONTACT, "client-acme", "Thanks for the quick fix!")
    body = {"persona": "avi", "channel": "client-acme", "message": posted["message"]}
    assert await playground.ok("reactions", {**body, "emoji": "tada"}) == {"ok": True}
    state = await playground.state(CONTACT)
    reactions = state["channels"][0]["messages"][0]["reactions"]
    assert reactions == [{"emoji": "tada", "glyph": ":tada:", "people": ["Avi Katz"]}]
    assert await playground.runtime.store.list_cases() == []


async def test_the_complaint_command_opens_a_form_then_a_case(playground: Playground) -> None:
    answer = await playground.say("avi", "client-acme", "/complaint @eli missed the cutover call")
    form = answer["form"]
    fields = {f["name"]: f for f in form["fields"]}
    assert form["title"] == "Log as complaint"
    assert fields["affected"]["value"] == ["eli"]
    assert fields["summary"]["value"] == "missed the cutover call"
    assert playground.texts("client-acme") == []  # a slash command itself is not a message
    done = await playground.fill(
        "avi", form, affected=["eli"], category="delay", severity="high", summary="Missed the call"
    )
    assert done["ok"] and done["notice"] == f"Case {done['case']} is open for Acme Corp."
    case = await playground.runtime.service.get(done["case"])
    assert (case.category, case.severity.value, case.affected) == ("delay", "high", ("eli",))
    assert playground.texts("client-acme")[0] == (
        "Avi Katz logged a complaint here for follow-up. We will answer in this thread."
    )


async def test_the_complaint_command_in_a_dm_logs_it_in_the_client_channel_chosen(
    playground: Playground,
) -> None:
    """A complaint by phone, logged from the DM with the bot: the form asks which client
    channel (a drop-down of them all), and the bot's note there anchors the case."""
    answer = await playground.say("avi", "dm-avi", "/complaint @dana billed us twice")
    form = answer["form"]
    fields = {f["name"]: f for f in form["fields"]}
    assert form["title"] == "Log a complaint" and list(fields)[0] == "channel"
    assert fields["channel"]["kind"] == "select" and fields["channel"]["required"]
    assert [(o["value"], o["label"]) for o in fields["channel"]["options"]] == [
        ("client-acme", "Acme Corp"),
        ("client-globex", "Globex"),
        ("client-initech", "Initech"),
    ]
    assert fields["affected"]["value"] == ["dana"]
    values = {"affected": ["dana"], "category": "billing", "severity": "high", "summary": "Twice"}
    forged = await playground.post(
        f"forms/{form['id']}", {"persona": "avi", "values": {**values, "channel": "internal"}}
    )
    assert forged == (200, {"ok": False, "error": text("en", "refuse.not_client_channel")})
    assert await playground.runtime.store.list_cases() == []
    assert playground.texts("internal") == []
    done = await playground.fill("avi", form, channel="client-globex", **values)
    assert done["ok"] and done["notice"] == f"Case {done['case']} is open for Globex."
    case = await playground.runtime.service.get(done["case"])
    assert (case.client_id, case.source.channel, case.affected) == (
        "globex",
        "client-globex",
        ("dana",),
    )
    root = playground.adapter.workspace.channels["client-globex"].messages[0]
    assert root.id == case.source.message_id and root.author == "complaintbot"
    assert root.text == text("en", "client.logged", actor="Avi Katz")
    assert all("billed us twice" not in t for t in playground.texts("dm-avi"))  # no message


async def test_notices_keep_only_a_personas_newest_newest_first(playground: Playground) -> None:
    await playground.say("avi", "client-acme", "/help")
    await playground.say("avi", "internal", "/help")
    for case_id in ("C-0098", "C-0099"):
        await playground.press("avi", "assess", case_id)
    notices = (await playground.state("avi"))["notices"]
    assert [n["text"] for n in notices] == [
        text("en", "refuse.unknown_case", case_id="C-0099"),
        text("en", "refuse.unknown_case", case_id="C-0098"),
        text("en", "usage.complaint"),
    ]
    assert [n["channel"] for n in notices] == ["internal"] * 3
    seqs = [n["seq"] for n in notices]
    assert seqs == sorted(seqs, reverse=True) and seqs[0] <= (await playground.state("avi"))["seq"]


# --- refusals by role -----------------------------------------------------------------------


async def test_a_client_contact_pressing_assess_gets_a_notice_and_nothing_changes(
    playground: Playground,
) -> None:
    case_id = await open_case(playground)
    before = await playground.runtime.service.get(case_id)
    timeline = await playground.runtime.store.timeline(case_id)
    answer = await playground.press(CONTACT, "assess", case_id, "client-acme")
    refusal = text("en", "refuse.not_internal")
    assert answer == {"ok": False, "notice": refusal}
    assert playground.notices(CONTACT) == [refusal]
    assert playground.notices("maya") == []
    assert await playground.runtime.service.get(case_id) == before
    assert await playground.runtime.store.timeline(case_id) == timeline


async def test_each_button_asks_the_core_before_a_form_opens(playground: Playground) -> None:
    case_id = await open_case(playground)
    cases = [
        ("eli", "account", "refuse.not_affected"),  # not named in the case
        ("dana", "assess", "refuse.not_assessor"),  # nobody assesses a case that names them
        ("avi", "resolve", "refuse.no_verdict"),  # no resolution before a verdict
        ("avi", "reopen", "refuse.not_reopenable"),  # only a resolved case
        ("maya", "feedback_yes", "refuse.feedback_client_only"),
    ]
    for persona, action, key in cases:
        answer = await playground.press(persona, action, case_id)
        assert not answer["ok"] and "form" not in answer, (persona, action)
        assert answer["notice"] == text("en", key, case_id=case_id, status="open")
    unknown = await playground.press("avi", "assess", "C-9999")
    assert unknown["notice"] == text("en", "refuse.unknown_case", case_id="C-9999")


async def test_a_refusal_names_people_instead_of_showing_markers(playground: Playground) -> None:
    case_id = await open_case(playground)
    await playground.step("maya", "assess", case_id, verdict="right", note="")
    answer = await playground.press("avi", "resolve", case_id)
    assert not answer["ok"]
    assert "@Dana Levi" in answer["notice"] and "<person:" not in answer["notice"]


async def test_a_refused_form_stays_open_and_says_why(playground: Playground) -> None:
    case_id = await open_case(playground)
    await playground.step("dana", "account", case_id, account="I replied on the 3rd.")
    await playground.step("maya", "assess", case_id, verdict="right", note="")
    form = (await playground.press("avi", "resolve", case_id))["form"]
    too_long = await playground.fill("avi", form, resolution="x" * 501)
    assert too_long == {
        "ok": False,
        "error": text("en", "refuse.summary_too_long", length=501, limit=500),
    }
    status, wrong = await playground.post(
        f"forms/{form['id']}", {"persona": "maya", "values": {"resolution": "ok"}}
    )
    assert status == 400 and "belongs to avi" in wrong["error"]
    status, typed = await playground.post(
        f"forms/{form['id']}", {"persona": "avi", "values": {"resolution": 5}}
    )
    assert status == 400 and "resolution" in typed["error"]
    done = await playground.fill("avi", form, resolution="The report is corrected and re-sent.")
    assert done["ok"] and (await playground.runtime.service.get(case_id)).status is Status.RESOLVED
    status, _ = await playground.post(f"forms/{form['id']}", {"persona": "avi", "values": {}})
    assert status == 400  # a form is used once


async def test_an_unknown_verdict_is_refused_in_the_form(playground: Playground) -> None:
    case_id = await open_case(playground)
    form = (await playground.press("maya", "assess", case_id))["form"]
    answer = await playground.fill("maya", form, verdict="guilty")
    assert not answer["ok"] and answer["error"].startswith("guilty is not one of: right,")


# --- the whole flow, and what the client may see --------------------------------------------


async def test_client_channels_never_show_internal_text(playground: Playground) -> None:
    account = "ACCOUNT-SECRET: the client changed the brief twice"
    note = "VERDICT-SECRET: scope creep on their side"
    request = "CHANGE-SECRET: rebuild the whole portal"
    case_id = await open_case(playground)
    await playground.say("avi", "client-acme", "We are on it.", thread=root_of(playground, case_id))
    await playground.step("dana", "account", case_id, account=account)
    await playground.step("maya", "assess", case_id, verdict="not_right", note=note, abusive=True)
    await playground.step(
        "avi",
        "resolve",
        case_id,
        resolution="What was agreed is in the SOW.",
        change_requests=request,
    )
    await playground.step(CONTACT, "feedback_no", case_id, comment="Still unhappy.")
    await playground.step("avi", "withdraw", case_id, reason="WITHDRAW-SECRET")

    client_text = "\n".join(
        t
        for channel in playground.adapter.workspace.channels.values()
        if channel.kind == "client"
        for t in playground.texts(channel.id)
    )
    internal_text = "\n".join(playground.texts("internal"))
    for secret in ("ACCOUNT-SECRET", "VERDICT-SECRET", "CHANGE-SECRET", "WITHDRAW-SECRET"):
        assert secret not in client_text
        assert secret in internal_text  # it was said, on the internal side
    assert "What was agreed is in the SOW." in client_text
    assert text("en", "client.withdrawn", case_id=case_id) in client_text
    contact = await playground.state(CONTACT)
    assert "SECRET" not in json.dumps(contact)
    assert all(m["card"] is None for c in contact["channels"] for m in c["messages"])
    backed, supported = playground.texts("dm-dana")[-2:]
    assert "backs you" in backed and "flagged as abusive" in supported
    assert any("abusive" in t for t in playground.texts("dm-ron"))


async def test_a_reply_in_a_closed_case_thread_is_refused_to_its_author(
    playground: Playground,
) -> None:
    case_id = await open_case(playground)
    await playground.step(CONTACT, "withdraw", case_id, reason="Sorted it out by phone.")
    answer = await playground.say(CONTACT, "client-acme", "Thanks!", root_of(playground, case_id))
    assert answer["notice"] == text("en", "refuse.final", case_id=case_id, status="withdrawn")


# --- live updates ---------------------------------------------------------------------------


async def read_change(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """The next `change` event on an SSE stream."""
    while True:
        line = (await response.content.readline()).decode()
        assert line, "the stream ended"
        if line.startswith("data: "):
            return dict(json.loads(line.removeprefix("data: ")))


async def test_server_sent_events_tell_each_page_what_it_can_see(playground: Playground) -> None:
    events = f"{playground.url}/playground/events"
    async with (
        playground.http.get(events, params={"persona": "avi"}) as staff,
        playground.http.get(events, params={"persona": "contact:globex"}) as other_client,
    ):
        assert staff.headers["Content-Type"] == "text/event-stream"
        hello = await asyncio.wait_for(read_change(staff), WAIT_SECONDS)
        await asyncio.wait_for(read_change(other_client), WAIT_SECONDS)
        await playground.say(CONTACT, "client-acme", "Is anyone there?")
        change = await asyncio.wait_for(read_change(staff), WAIT_SECONDS)
        assert change["channel"] == "client-acme" and change["seq"] > hello["seq"]
        with pytest.raises(TimeoutError):  # another client's contact hears nothing of it
            await asyncio.wait_for(read_change(other_client), 0.5)


async def test_a_restart_rebuilds_cards_and_client_threads(tmp_path: Path) -> None:
    first = await Playground(tmp_path).start()
    try:
        case_id = await open_case(first)
        root = root_of(first, case_id)
        await first.step("dana", "account", case_id, account="I replied on the 3rd.")
        await first.say(CONTACT, "client-acme", "We need it by Friday.", thread=root)
        await first.settle()
        notes_before = first.texts("internal")
    finally:
        await first.stop()

    second = await Playground(tmp_path).start()
    try:
        workspace = second.adapter.workspace
        source = workspace.message(root)
        assert source and source.author == CONTACT and source.text.startswith("The March report")
        assert [m.text for m in workspace.replies(root)] == ["We need it by Friday."]
        assert second.texts("internal") == notes_before
        card = workspace.message(f"card-{case_id}")
        assert card and card.card and card.card["status"] == "investigating"
        assert len(card.card["timeline"]["items"]) == len(
            await second.runtime.store.timeline(case_id)
        )
        assert workspace.channels["client-acme"].members == ["avi", "dana", "maya"]
        answer = await second.say(CONTACT, "client-acme", "Any news?", thread=root)
        assert answer["case"] == case_id  # the rebuilt thread still goes on the record
        case = await second.runtime.service.get(case_id)
        assert case.client_statements[-1].text == "Any news?"
    finally:
        await second.stop()


async def test_a_restart_keeps_who_wrote_each_message_and_when(tmp_path: Path) -> None:
    """Rebuilt messages keep their author and time: the bot's `/complaint` note, the
    client's and the firm's words, and the resolution with its feedback question."""
    first = await Playground(tmp_path).start()
    try:
        form = (await first.say("avi", "client-acme", "/complaint @dana missed the call"))["form"]
        details = {"category": "delay", "severity": "high", "summary": "Missed the call"}
        opened = await first.fill("avi", form, affected=["dana"], **details)
        case_id = opened["case"]
        await first.settle()
        root = root_of(first, case_id)
        note = first.adapter.workspace.message(root)
        assert note and note.author == BOT
        await first.say(CONTACT, "client-acme", "We waited an hour.", thread=root)
        await first.say("avi", "client-acme", "Sorry, we are on it.", thread=root)
        await first.step("dana", "account", case_id, account="I was ill that day.")
        await first.step("maya", "assess", case_id, verdict="right", note="")
        await first.step("avi", "resolve", case_id, resolution="We moved the call.")
        before = [(m.author, m.display, m.text) for m in first.adapter.workspace.replies(root)]
    finally:
        await first.stop()

    restarted = datetime.now(UTC)
    second = await Playground(tmp_path).start()
    try:
        workspace = second.adapter.workspace
        case = await second.runtime.service.get(case_id)
        resolved = [e for e in await second.runtime.store.timeline(case_id) if e.kind == "resolved"]
        source = workspace.message(root)
        assert source and (source.author, source.display, source.at) == (BOT, BOT, case.created_at)
        assert source.text == note.text
        replies = workspace.replies(root)
        rebuilt = [(m.author, m.display, m.text) for m in replies]
        assert rebuilt == [m for m in before if m in rebuilt]  # a subset, in the same order
        assert [(m.author, m.text) for m in replies] == [
            (CONTACT, "We waited an hour."),
            ("avi", "Sorry, we are on it."),
            (BOT, text("en", "client.resolution", case_id=case_id, summary="We moved the call.")),
            (BOT, text("en", "client.feedback_request")),
        ]
        said = {s.text: s.at for s in (*case.client_statements, *case.public_replies)}
        assert [m.at for m in replies[:2]] == [said[m.text] for m in replies[:2]]
        assert [m.at for m in replies[2:]] == [resolved[-1].at] * 2
        assert all(m.at < restarted for m in (source, *replies))
    finally:
        await second.stop()


async def test_a_manager_waives_a_missing_account_so_the_case_can_be_resolved(
    playground: Playground,
) -> None:
    case_id = await open_case(playground)
    refused = await playground.press("eli", "waive", case_id)
    assert not refused["ok"] and "can waive an account" in refused["notice"]
    form = (await playground.press("maya", "waive", case_id))["form"]
    person = form["fields"][0]
    assert [(o["value"], o["label"]) for o in person["options"]] == [("dana", "Dana Levi")]
    done = await playground.fill("maya", form, person="dana", reason="Dana is on leave.")
    assert done["ok"], done
    await playground.step("maya", "assess", case_id, verdict="right", note="")
    await playground.step("avi", "resolve", case_id, resolution="Re-sent, with an apology.")
    case = await playground.runtime.service.get(case_id)
    assert case.status is Status.RESOLVED and "dana" in case.waivers and not case.accounts


async def test_a_store_that_also_holds_slack_cases_starts_and_shows_only_its_own(
    tmp_path: Path,
) -> None:
    first = await Playground(tmp_path).start()
    try:
        service = first.runtime.service
        contact = first.runtime.directory.actor("slack", "U0SOMEONE", "Someone")
        channel = next(
            c.channels("slack")[0]
            for c in first.runtime.directory.clients.values()
            if c.channels("slack")
        )
        source = MessageRef("slack", channel, "1700000000.000100")
        await service.open_case(OpenCase(contact, source, contact, "late again", "mention"))
    finally:
        await first.stop()
    second = await Playground(tmp_path).start()
    try:
        workspace = second.adapter.workspace
        assert workspace.message(card_id("C-0001")) is None, "no card for a Slack case here"
    finally:
        await second.stop()
