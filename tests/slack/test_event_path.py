"""The event path, judged as Slack would see it: what is answered, what Slack's retries do,
and what reaches the Web API.

An event that can change a case is stored with its event id before the 200; a store that
cannot take the write makes the answer 503, and Slack's retry (same event id) does the work
once. Commands on one case queue instead of colliding. A flag waits in the inbox until its
message can be read. One case's rate limit holds up no other case.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from handlers.errors import StorageError
from handlers.model import Case
from tests.fakes.slack_api import Call, FakeSlackAPI, RateLimited
from tests.slack.harness import ACME, CLIENT, DANA, ELI, INTERNAL, MAYA, SlackBot
from tests.slack.test_triggers import COMPLAINT, mention_event, message_event, reaction_event
from tests.slackkit.signing import retry_headers

METADATA_TYPE = "complaintbot_effect"


def fail_once(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`method`, except that its first call raises StorageError: a store that cannot take one
    write (a full disk, a lost connection)."""
    failed: list[bool] = []

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not failed:
            failed.append(True)
            raise StorageError("injected: the store cannot take this write")
        return await method(*args, **kwargs)

    return wrapper


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages]


def mentioning(case: Case, messages: list[dict[str, Any]]) -> list[str]:
    return [t for t in texts(messages) if case.id in t]


def posts_to_dm_of(fake: FakeSlackAPI, user: str) -> Callable[[Call], bool]:
    """chat.postMessage into the DM with `user`, by its channel ID or by the user ID."""
    channels = {fake.dm_id(user), user}
    return lambda c: c.method == "chat.postMessage" and c.params.get("channel") in channels


async def open_case(bot: SlackBot, fake: FakeSlackAPI, text: str = COMPLAINT) -> Case:
    """A client mentions the bot in Acme's channel; the case is open and its effects sent."""
    ts = fake.add_message(ACME, f"<@UBOT> {text}", user=CLIENT)
    assert (await bot.event(mention_event(ts, f"<@UBOT> {text}"))).status == 200
    await bot.settle()
    return await bot.case_on(ts)


async def pending_effects(bot: SlackBot) -> int:
    assert bot.runtime
    return (await bot.runtime.store.effect_counts())["pending"]


async def statements_on_timeline(bot: SlackBot, case: Case) -> list[str]:
    assert bot.runtime
    events = await bot.runtime.store.timeline(case.id)
    return [e.detail["text"] for e in events if e.kind == "statement"]


# ---------------------------------------------------------------------- concurrency


async def test_thirty_concurrent_client_replies_are_each_recorded_once(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case = await open_case(bot, fake)
    source = case.source.message_id
    replies = [f"Detail {n}: page {n} of the report had the wrong figures." for n in range(30)]
    events = [
        message_event(
            fake.add_message(ACME, reply, user=CLIENT, thread_ts=source), reply, thread_ts=source
        )
        for reply in replies
    ]

    answers = await asyncio.gather(
        *(bot.deliver(event, f"EvReply{n:02d}") for n, event in enumerate(events))
    )

    # Each is answered 200 at once, or 503 and then done by Slack's retry.
    for n, statuses in enumerate(answers):
        assert statuses[-1] == 200, (n, statuses)
        assert set(statuses) <= {200, 503}, (n, statuses)
    await bot.settle()
    case = await bot.case_on(source)
    recorded = [s.text for s in case.client_statements]
    on_timeline = await statements_on_timeline(bot, case)
    for reply in replies:
        assert recorded.count(reply) == 1, (reply, recorded)
        assert on_timeline.count(reply) == 1, (reply, on_timeline)
    assert len(recorded) == 1 + len(replies)  # the complaint itself, then each reply


# ---------------------------------------------------------------------- failures and retries


async def test_a_mention_the_store_cannot_take_is_answered_503_and_done_by_the_retry(
    bot: SlackBot, fake: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.runtime
    monkeypatch.setattr(bot.runtime.store, "create_case", fail_once(bot.runtime.store.create_case))
    ts = fake.add_message(ACME, f"<@UBOT> {COMPLAINT}", user=CLIENT)
    event = mention_event(ts)

    assert (await bot.event(event, event_id="EvMention1")).status == 503
    await bot.settle()
    assert await bot.cases() == []
    assert await pending_effects(bot) == 0
    assert fake.successful_calls("chat.postMessage") == []

    retried = await bot.event(event, event_id="EvMention1", headers=retry_headers(1))
    assert retried.status == 200
    await bot.settle()
    case = await bot.only_case()
    acks = [t for t in texts(fake.posted(ACME, thread_ts=ts)) if "What happened?" in t]
    assert len(acks) == 1 and case.id in acks[0]
    posted_before = len(fake.successful_calls("chat.postMessage"))

    again = await bot.event(event, event_id="EvMention1", headers=retry_headers(2))
    assert again.status == 200
    await bot.settle()
    assert [c.id for c in await bot.cases()] == [case.id]
    assert len(fake.successful_calls("chat.postMessage")) == posted_before


async def test_a_reply_the_store_cannot_take_is_answered_503_and_done_by_the_retry(
    bot: SlackBot, fake: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = await open_case(bot, fake)
    assert bot.runtime
    posted_before = len(fake.successful_calls())
    monkeypatch.setattr(bot.runtime.store, "save_case", fail_once(bot.runtime.store.save_case))
    reply = "It was due Monday. We need it by Friday."
    source = case.source.message_id
    ts = fake.add_message(ACME, reply, user=CLIENT, thread_ts=source)
    event = message_event(ts, reply, thread_ts=source)

    assert (await bot.event(event, event_id="EvReply1")).status == 503
    await bot.settle()
    unchanged = await bot.case_on(source)
    assert [s.text for s in unchanged.client_statements] == [s.text for s in case.client_statements]
    assert unchanged.version == case.version
    assert reply not in await statements_on_timeline(bot, case)
    assert await pending_effects(bot) == 0
    assert len(fake.successful_calls()) == posted_before  # no card update, no note

    assert (await bot.event(event, event_id="EvReply1", headers=retry_headers(1))).status == 200
    await bot.settle()
    assert (await bot.event(event, event_id="EvReply1", headers=retry_headers(2))).status == 200
    await bot.settle()
    recorded = await bot.case_on(source)
    assert [s.text for s in recorded.client_statements].count(reply) == 1
    assert (await statements_on_timeline(bot, case)).count(reply) == 1


async def test_a_flag_the_store_cannot_take_is_answered_503_and_kept_by_the_retry(
    bot: SlackBot, fake: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.runtime
    monkeypatch.setattr(bot.runtime.store, "accept", fail_once(bot.runtime.store.accept))
    ts = fake.add_message(ACME, COMPLAINT, user=CLIENT)
    event = reaction_event(ts)

    assert (await bot.event(event, event_id="EvFlag1")).status == 503
    await bot.settle()
    assert await bot.cases() == []
    assert fake.calls_to("conversations.history") == []  # nothing was kept to read it for

    assert (await bot.event(event, event_id="EvFlag1", headers=retry_headers(1))).status == 200
    assert (await bot.event(event, event_id="EvFlag1", headers=retry_headers(2))).status == 200
    await bot.settle()
    case = await bot.only_case()
    assert case.source.message_id == ts and case.affected == ("dana",)
    assert len(fake.calls_to("conversations.history")) == 1  # the repeat was not read again


# ---------------------------------------------------------------------- Slack unavailable


@pytest.mark.slow
async def test_a_flag_while_slack_cannot_be_read_opens_its_case_once_it_can(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    ts = fake.add_message(ACME, COMPLAINT, user=CLIENT)
    fake.outage("conversations.history")

    assert (await bot.event(reaction_event(ts), event_id="EvFlagDuringOutage")).status == 200

    def failed_reads() -> int:
        return len([c for c in fake.calls_to("conversations.history") if c.failed])

    await fake.wait_until(lambda: failed_reads() >= 2, timeout=8)  # it tries, and tries again
    assert await bot.cases() == []  # nothing is opened on a message it could not read
    fake.end_outage()
    await bot.settle(timeout=20)

    case = await bot.case_on(ts)
    read = [c for c in fake.calls_to("conversations.history") if not c.failed]
    assert read and read[0].params["channel"] == ACME and read[0].params["latest"] == ts
    assert case.affected == ("dana",) and case.managers == ("maya",)
    assert case.summary.startswith("the report was late again")
    assert case.client_statements[0].text.startswith("the report was late again")
    assert case.raised_by.user_id == CLIENT and case.reporter.person_id == "avi"
    assert mentioning(case, fake.posted(INTERNAL)), "no card"
    assert mentioning(case, fake.posted(DANA)) and mentioning(case, fake.posted(MAYA))


async def test_a_rate_limited_dm_of_one_case_does_not_hold_up_another_case(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    to_dana = posts_to_dm_of(fake, DANA)
    fake.fail_when(to_dana, RateLimited(retry_after=30))
    first_text = f"<@UBOT> {COMPLAINT}"
    first_ts = fake.add_message(ACME, first_text, user=CLIENT)
    assert (await bot.event(mention_event(first_ts, first_text))).status == 200
    limited = await fake.wait_for(lambda c: to_dana(c) and c.failed, timeout=10)

    second_text = "<@UBOT> the invoice was wrong twice, <@U0ELI> did not fix it"
    second_ts = fake.add_message(ACME, second_text, user=CLIENT)
    assert (await bot.event(mention_event(second_ts, second_text))).status == 200
    second = await bot.case_on(second_ts, timeout=5)
    assert second.affected == ("eli",) and second.managers == ("maya",)

    def second_case_delivered() -> bool:
        return bool(
            mentioning(second, fake.posted(ACME, thread_ts=second_ts))
            and mentioning(second, fake.posted(INTERNAL))
            and mentioning(second, fake.posted(ELI))
            and mentioning(second, fake.posted(MAYA))
        )

    await fake.wait_until(second_case_delivered, timeout=10)

    # All of that while the first case's DM to Dana waits out its Retry-After.
    assert time.time() - limited.at < 30
    assert [c for c in fake.calls if to_dana(c)] == [limited], "the DM was tried again early"
    assert not any(c.failed for c in fake.calls if c is not limited)


def metadata_keys(fake: FakeSlackAPI) -> list[str]:
    """The outbox keys carried by the bot's successful posts."""
    keys = []
    for call in fake.successful_calls("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        assert metadata.get("event_type") == METADATA_TYPE, call.params
        keys.append(metadata["event_payload"]["key"])
    return keys


async def test_every_post_of_a_case_carries_its_own_outbox_key(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    case = await open_case(bot, fake)

    keys = metadata_keys(fake)
    assert keys and len(keys) == len(set(keys))
    assert all(key.startswith(f"{case.id}/") for key in keys)
