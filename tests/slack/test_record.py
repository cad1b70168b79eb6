"""The people's record on Slack: `/complaint mine`, retention on a fake clock, and a
client's deleted statement, through signed requests and the fake Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.review import load_view, view_json
from handlers.messages import text
from handlers.review_request import ReviewRequest
from tests.bot.test_cli import run
from tests.fakes.slack_api import FakeSlackAPI, ServerError
from tests.history import Clock
from tests.slack.checks import blocks_text, card_posts
from tests.slack.harness import (
    ACME,
    AVI,
    CLIENT,
    DANA,
    DIRECTORY,
    ELI,
    INTERNAL,
    MAYA,
    SECRET,
    SlackBot,
    fill,
)
from tests.slack.test_triggers import mention_event, message_event
from tests.slackkit.signing import FORM, JSON_CONTENT, command_body, event_body, post_signed

SAID = "The export dropped every second row. SAID-3318"
ACCOUNT = "The export was run on the old template by request. ACCOUNT-5521"
NOTE = "The template was the client's choice. NOTE-7702"
SUMMARY = "We re-ran the export on the new template. SUMMARY-2290"
REQUEST = "Template check before each export. REQUEST-6614"
THANKS = "Works now, thanks. THANKS-4471"
SECRETS = (SAID, ACCOUNT, NOTE, SUMMARY, REQUEST, THANKS)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def ask(bot: SlackBot, words: str, user: str, channel: str = INTERNAL) -> str:
    """`/complaint <words>` as `user`; what the bot answered them alone (the command's ack)."""
    body = command_body(text=words, user_id=user, channel_id=channel)
    async with await post_signed(bot.session, bot.url, body, SECRET, FORM) as response:
        assert response.status == 200
        return await response.text()


async def open_case(bot: SlackBot, ts: str, named: str, words: str) -> str:
    await bot.event(mention_event(ts, f"<@UBOT> {words} <@{named}>"))
    return (await bot.case_on(ts)).id


async def account(bot: SlackBot, case_id: str, user: str, words: str) -> None:
    await bot.press("account", case_id, user, INTERNAL)
    await fill(bot, "account", {"account": words}, user)


# --- my record ------------------------------------------------------------------------------


async def test_mine_shows_the_askers_cases_and_no_one_elses(bot: SlackBot) -> None:
    danas = await open_case(bot, "1763900001.000100", DANA, "the export was wrong")
    elis = await open_case(bot, "1763900002.000100", ELI, "nobody called back")
    await bot.event(message_event("1763900003.000100", SAID, thread_ts="1763900001.000100"))
    await account(bot, danas, DANA, ACCOUNT)
    await account(bot, elis, ELI, "I called twice. ELI-0001")
    await bot.settle()

    mine = await ask(bot, "mine", DANA)
    assert danas in mine and "Acme Corp" in mine and ACCOUNT in mine and SAID in mine
    assert elis not in mine and "ELI-0001" not in mine and "nobody called back" not in mine
    theirs = await ask(bot, "mine", ELI, channel=ACME)
    assert elis in theirs and "ELI-0001" in theirs and danas not in theirs


async def test_mine_refuses_anyone_elses_record_and_outsiders(bot: SlackBot) -> None:
    danas = await open_case(bot, "1763900001.000100", DANA, "the export was wrong")
    await account(bot, danas, DANA, ACCOUNT)
    await bot.settle()
    own_only = text("en", "refuse.mine_own_only")
    # Eli's request forged to carry Dana's ids: only Eli's own record is ever looked up.
    for forged in ("mine dana", f"mine <@{DANA}|dana>", f"mine {DANA}"):
        answer = await ask(bot, forged, ELI)
        assert answer == own_only and danas not in answer and ACCOUNT not in answer
    assert await ask(bot, "mine", CLIENT, channel=ACME) == text("en", "refuse.mine_staff_only")
    assert danas not in await ask(bot, "mine", ELI)


# --- deleted messages -------------------------------------------------------------------------


def deleted_event(ts: str, words: str, thread_ts: str) -> dict[str, Any]:
    """Slack's `message_deleted`: the message as it was is in `previous_message`."""
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": ACME,
        "ts": "1763900099.000100",
        "deleted_ts": ts,
        "event_ts": "1763900099.000100",
        "previous_message": {
            "type": "message",
            "user": CLIENT,
            "text": words,
            "ts": ts,
            "thread_ts": thread_ts,
            "team": "T0FIRM",
        },
    }


def card_now(fake: FakeSlackAPI, card_ts: str) -> str:
    message = fake.message(INTERNAL, card_ts)
    assert message
    return f"{message['text']}\n{blocks_text(message.get('blocks'))}"


async def test_a_deleted_statement_leaves_the_case_and_the_card(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    source = "1763900001.000100"
    case_id = await open_case(bot, source, DANA, "the export was wrong")
    await bot.event(message_event("1763900003.000100", SAID, thread_ts=source))
    await bot.event(message_event("1763900004.000100", "It is urgent. KEEP-1", thread_ts=source))
    await bot.settle()
    case = await bot.only_case()
    card_ts = card_posts(fake, case)[0].answer["ts"]
    assert SAID in card_now(fake, card_ts)

    notes = card_notes(fake, card_ts)
    (said,) = [ts for ts, words in notes.items() if SAID in words]

    await bot.post(event_body(deleted_event("1763900003.000100", SAID, source)), JSON_CONTENT)
    await bot.settle()
    case = await bot.only_case()
    gone = text("en", "redacted.deleted")
    assert [s.text for s in case.client_statements][1:] == [gone, "It is urgent. KEEP-1"]
    shown = card_now(fake, card_ts)
    assert SAID not in shown and "KEEP-1" in shown and gone in shown
    # Its line in the card's thread is rewritten in place, and no other line.
    assert rewritten(fake, card_ts) == [said]
    assert SAID not in note_now(fake, said) and gone in note_now(fake, said)
    others = {ts: words for ts, words in notes.items() if ts != said}
    assert {ts: note_now(fake, ts) for ts in others} == others
    assert (await kinds(bot, case_id))[-1] == "message_deleted"

    # The message that opened the case, deleted too: its words were the case's summary.
    opening = "<@UBOT> the export was wrong <@U0DANA>"
    await bot.post(event_body(deleted_event(source, opening, source)), JSON_CONTENT)
    await bot.settle()
    case = await bot.only_case()
    assert case.summary == gone and case.client_statements[0].text == gone
    assert "the export was wrong" not in card_now(fake, card_ts)


def card_notes(fake: FakeSlackAPI, card_ts: str) -> dict[str, str]:
    """The lines posted in the card's thread: ts -> text as posted."""
    return {
        str(c.answer["ts"]): c.params["text"]
        for c in fake.posts_in(INTERNAL)
        if c.method == "chat.postMessage" and c.params.get("thread_ts") == card_ts and c.ok
    }


def note_now(fake: FakeSlackAPI, ts: str) -> str:
    """A line of the card's thread as Slack holds it now."""
    message = fake.message(INTERNAL, ts)
    assert message
    return str(message["text"])


def rewritten(fake: FakeSlackAPI, card_ts: str) -> list[str]:
    """The ts of every chat.update of a message in the internal channel but the card."""
    return [
        c.params["ts"]
        for c in fake.posts_in(INTERNAL)
        if c.method == "chat.update" and c.params["ts"] != card_ts
    ]


async def kinds(bot: SlackBot, case_id: str) -> list[str]:
    """The kinds of the case's timeline events, in order."""
    assert bot.runtime
    return [e.kind for e in await bot.runtime.store.timeline(case_id)]


# --- retention ----------------------------------------------------------------------------------


@asynccontextmanager
async def running(root: Path, fake: FakeSlackAPI, clock: Clock) -> AsyncIterator[SlackBot]:
    """The bot on the test's clock, keeping closed cases' words for 30 days."""
    harness = SlackBot(root, fake, clock=clock, directory="retention_days = 30\n" + DIRECTORY)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def figures(view: Any) -> Any:
    """A review view's numbers, flags and ids: what it counts, without any words."""
    if isinstance(view, dict):
        return {
            k: figures(v)
            for k, v in view.items()
            if not isinstance(v, str) or k == "id" or k.endswith("_id")
        }
    if isinstance(view, list):
        return [figures(v) for v in view if not isinstance(v, str)]
    return view


async def review(bot: SlackBot, now: datetime) -> list[Any]:
    assert bot.runtime
    store, directory = bot.runtime.store, bot.runtime.directory
    requests = [
        ReviewRequest("portfolio"),
        ReviewRequest("client", "acme"),
        ReviewRequest("person", "dana"),
        ReviewRequest("changes"),
    ]
    return [
        figures(view_json(await load_view(store, directory, r, now), directory)) for r in requests
    ]


SOURCE = "1763900001.000100"


async def closed_case(bot: SlackBot) -> str:
    """A case with every kind of text (`SECRETS`), taken to its close; its id."""
    case_id = await open_case(bot, SOURCE, DANA, "the export was wrong")
    await bot.event(message_event("1763900003.000100", SAID, thread_ts=SOURCE))
    await account(bot, case_id, DANA, ACCOUNT)
    await bot.press("assess", case_id, MAYA, INTERNAL)
    await fill(bot, "assess", {"verdict": "not_right", "note": NOTE}, MAYA)
    await bot.press("resolve", case_id, AVI, INTERNAL)
    await fill(bot, "resolve", {"resolution": SUMMARY, "change_requests": REQUEST}, AVI)
    await bot.press("feedback_yes", case_id, CLIENT, ACME)
    await fill(bot, "feedback_yes", {"comment": THANKS}, CLIENT)
    await bot.settle()
    assert (await bot.only_case()).status.final
    return case_id


def stored_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((root / "data").rglob("*")) if p.is_file())


async def test_retention_redacts_closed_cases_once_and_keeps_the_figures(
    tmp_path: Path, fake: FakeSlackAPI
) -> None:
    clock = Clock(START)
    async with running(tmp_path, fake, clock) as bot:
        case_id = await closed_case(bot)
        case = await bot.only_case()
        card_ts = card_posts(fake, case)[0].answer["ts"]
        assert all(s.encode() in stored_bytes(tmp_path) for s in SECRETS)

        clock.now = START + timedelta(days=20)  # not yet past 30 days
        assert ("retention", "2026-03-22T00:00:00+00:00") in await bot.tick()
        assert all(s.encode() in stored_bytes(tmp_path) for s in SECRETS)

        clock.now = START + timedelta(days=31)
        before = await review(bot, clock.now)
        notes = card_notes(fake, card_ts)
        quoting = {ts for ts, line in notes.items() if any(s in line for s in SECRETS)}
        assert ("retention", "2026-04-02T00:00:00+00:00") in await bot.tick()
        raw = stored_bytes(tmp_path)
        assert [s for s in SECRETS if s.encode() in raw] == []
        assert text("en", "redacted.retention").encode() in raw
        shown = card_now(fake, card_ts)
        assert [s for s in SECRETS if s in shown] == []
        thread = [note_now(fake, ts) for ts in card_notes(fake, card_ts)]
        assert [s for s in SECRETS for line in thread if s in line] == []
        assert len(quoting) == len(SECRETS) and sorted(rewritten(fake, card_ts)) == sorted(quoting)
        assert await review(bot, clock.now) == before

    # Restarted on the same day, the bot does not run the day's retention again.
    async with running(tmp_path, fake, clock) as bot:
        assert "retention" not in [job for job, _ in await bot.tick()]
        clock.now += timedelta(days=1)  # the next day's run finds nothing more to take
        assert "retention" in [job for job, _ in await bot.tick()]
        assert (await kinds(bot, case_id)).count("retention") == 1


async def test_retention_counts_from_the_close_not_from_a_later_write(
    tmp_path: Path, fake: FakeSlackAPI
) -> None:
    """The client deletes a statement 20 days after the close (a write of the case): the
    rest still goes 30 days after the close, not 30 days after the deletion."""
    clock = Clock(START)
    async with running(tmp_path, fake, clock) as bot:
        case_id = await closed_case(bot)
        clock.now = START + timedelta(days=20)
        deletion = deleted_event("1763900003.000100", SAID, SOURCE)
        await bot.post(event_body(deletion), JSON_CONTENT)
        await bot.settle()
        case = await bot.only_case()
        assert case.updated_at == clock.now and case.final_at == START

        clock.now = START + timedelta(days=31)
        await bot.tick()
        assert (await kinds(bot, case_id))[-1] == "retention"
        raw = stored_bytes(tmp_path)
        assert [s for s in SECRETS if s.encode() in raw] == []


# --- erasure ------------------------------------------------------------------------------------


async def test_erase_rewrites_each_card_line_that_quoted_the_person_and_no_other(
    tmp_path: Path, fake: FakeSlackAPI
) -> None:
    """`complaintbot erase` runs while the bot is stopped (TinyDB is one process's); the
    rewrites wait in the outbox and go out when it is back."""
    source = "1763900001.000100"
    bot = SlackBot(tmp_path, fake)
    await bot.start()
    try:
        case_id = await open_case(bot, source, DANA, "the export was wrong")
        await bot.event(message_event("1763900003.000100", SAID, thread_ts=source))
        await account(bot, case_id, DANA, ACCOUNT)
        await bot.settle()
        card_ts = card_posts(fake, await bot.only_case())[0].answer["ts"]
    finally:
        await bot.stop()
    notes = card_notes(fake, card_ts)
    (quoted,) = [ts for ts, words in notes.items() if ACCOUNT in words]
    assert [ts for ts, words in notes.items() if SAID in words]  # a line that stays

    directory = str(tmp_path / "complaintbot.toml")
    done = run(tmp_path, "erase", "--person", "dana", COMPLAINTBOT_DIRECTORY=directory)
    assert done.returncode == 0, done.stderr
    assert rewritten(fake, card_ts) == []  # not yet: the outbox carries it out

    bot = SlackBot(tmp_path, fake)
    await bot.start()
    try:
        await bot.settle()
    finally:
        await bot.stop()
    assert rewritten(fake, card_ts) == [quoted]
    erased = text("en", "redacted.erased")
    assert ACCOUNT not in note_now(fake, quoted) and erased in note_now(fake, quoted)
    assert ACCOUNT not in card_now(fake, card_ts)
    others = {ts: words for ts, words in notes.items() if ts != quoted}
    assert {ts: note_now(fake, ts) for ts in others} == others


async def test_a_rewrite_slack_fails_is_tried_again_until_the_line_is_redacted(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    """Slack answers the note's chat.update with a 500 (it may have done it, or not): the
    outbox tries again, and the same update again is harmless."""
    source = "1763900001.000100"
    await open_case(bot, source, DANA, "the export was wrong")
    await bot.event(message_event("1763900003.000100", SAID, thread_ts=source))
    await bot.settle()
    card_ts = card_posts(fake, await bot.only_case())[0].answer["ts"]
    (said,) = [ts for ts, words in card_notes(fake, card_ts).items() if SAID in words]

    fake.fail_when(lambda c: c.method == "chat.update" and c.params["ts"] == said, ServerError())
    await bot.post(event_body(deleted_event("1763900003.000100", SAID, source)), JSON_CONTENT)
    await bot.settle()
    assert rewritten(fake, card_ts) == [said, said]  # refused once, then done
    assert SAID not in note_now(fake, said) and text("en", "redacted.deleted") in note_now(
        fake, said
    )
