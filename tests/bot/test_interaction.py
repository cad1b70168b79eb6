"""The interaction layer every adapter shares: what an event means, decided once.

Driven with the example directory's Slack addresses, through the real CaseService on the
in-memory store, so each decision is checked by what it did to the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.interaction import (
    KEEP_MESSAGES,
    Commanded,
    Flagged,
    FormErrors,
    Interactions,
    Notice,
    Posted,
    Pressed,
    Reacted,
    ReadFirst,
    ShowForm,
    Submitted,
    command_words,
)
from bot.service import CaseService
from handlers import forms
from handlers.directory import Directory
from handlers.errors import Refusal
from handlers.messages import CATALOG
from handlers.model import MessageRef
from storage.memory import MemoryStore

ACME, INTERNAL = "C0ACME", "C0INTERNAL"
EN = CATALOG["en"]


@pytest.fixture
async def store() -> AsyncIterator[MemoryStore]:
    memory = MemoryStore()
    await memory.open()
    yield memory
    await memory.close()


@pytest.fixture
def layer(store: MemoryStore, directory: Directory) -> Interactions:
    return Interactions(CaseService(store, directory), "slack")


def client(directory: Directory) -> Posted:
    """Carol of Acme complains, mentioning the bot and Dana."""
    carol = directory.actor("slack", "U0CAROL", "Carol")
    return Posted(
        carol,
        ACME,
        "1700000000.000100",
        "Dana sent the report two weeks late",
        mentions_bot=True,
        mentioned=("U0DANA",),
    )


async def test_a_mention_opens_a_case_naming_the_mentioned_people(
    layer: Interactions, store: MemoryStore, directory: Directory
) -> None:
    answer = await layer.posted(client(directory), "slack:Ev1")
    [case] = await store.list_cases()
    assert isinstance(answer, Notice) and answer.case_id == case.id
    assert answer.text == ""  # a client hears back in the thread, not in a notice
    assert case.affected == ("dana",) and case.source == MessageRef(
        "slack", ACME, "1700000000.000100"
    )
    assert await store.seen("slack:Ev1")


async def test_a_reply_in_a_case_thread_is_a_statement_and_says_nothing(
    layer: Interactions, store: MemoryStore, directory: Directory
) -> None:
    opening = client(directory)
    await layer.posted(opening)
    reply = Posted(
        opening.actor, ACME, "1700000000.000200", "And it was wrong", thread_id=opening.message_id
    )
    answer = await layer.posted(reply)
    [case] = await store.list_cases()
    assert [s.text for s in case.client_statements][-1] == "And it was wrong"
    assert answer == Notice("", case_id=case.id)


async def test_talk_that_is_no_case_business_changes_nothing(
    layer: Interactions, store: MemoryStore, directory: Directory
) -> None:
    carol = client(directory).actor
    top = Posted(carol, ACME, "1700000000.000300", "good morning")
    stray = Posted(carol, ACME, "1700000000.000400", "hi", thread_id="1700000000.000399")
    assert await layer.posted(top) is None
    assert await layer.posted(stray) is None
    assert await store.list_cases() == []


async def test_a_bare_mention_under_a_message_means_that_message(
    layer: Interactions, directory: Directory, store: MemoryStore
) -> None:
    avi = directory.actor("slack", "U0AVI")
    bare = Posted(
        avi, ACME, "1700000000.000600", "", thread_id="1700000000.000500", mentions_bot=True
    )
    assert await layer.posted(bare) == ReadFirst(ACME, "1700000000.000500", "mention")
    carol = directory.actor("slack", "U0CAROL", "Carol")
    read = Flagged(carol, ACME, "1700000000.000500", "Late again, Dana", mentioned=("U0DANA",))
    answer = await layer.flagged(avi, read, "mention")
    [case] = await store.list_cases()
    assert answer.case_id == case.id and case.raised_by == carol and case.reporter == avi


def test_only_the_trigger_emoji_in_a_client_channel_flags(
    layer: Interactions, directory: Directory
) -> None:
    avi = directory.actor("slack", "U0AVI")
    emoji = directory.trigger_emoji
    assert layer.reacted(Reacted(avi, ACME, "1.2", emoji)) == ReadFirst(ACME, "1.2", "reaction")
    assert layer.reacted(Reacted(avi, ACME, "1.2", "thumbsup")) is None
    assert layer.reacted(Reacted(avi, INTERNAL, "1.2", emoji)) is None


def test_the_command_words() -> None:
    assert command_words("/complaint @dana late") == "@dana late"
    assert command_words("complaint") == ""
    assert command_words("Complaint  the report") == "the report"
    assert command_words("/complain") is None
    assert command_words("/review") is None


def test_the_command_opens_the_form_prefilled_and_tells_back_strangers(
    layer: Interactions, directory: Directory
) -> None:
    avi = directory.actor("slack", "U0AVI")
    answer = layer.commanded(Commanded(avi, ACME, "the report was late", ("U0DANA", "U0NOBODY")))
    assert isinstance(answer, ShowForm) and answer.form is forms.OPEN
    assert answer.initial == {"affected": ["U0DANA"], "summary": "the report was late"}
    assert answer.notice and "U0NOBODY" in answer.notice
    on_message = layer.commanded(Commanded(avi, INTERNAL, "x", message_id="1.2"))
    assert isinstance(on_message, Notice) and on_message.refused
    assert EN["usage.complaint"] not in on_message.text


def test_outside_a_client_channel_the_firm_gets_the_log_form_with_the_client_channels(
    store: MemoryStore, directory: Directory
) -> None:
    """A complaint by phone: the open form, prefilled, asking first which client channel
    it is for, each labelled as literal text; a client contact there gets the usage."""
    clients = dict(directory.clients)
    clients["acme"] = replace(clients["acme"], name="Acme <@U0RON> & Co")
    layer = Interactions(
        CaseService(store, replace(directory, clients=clients)),
        "slack",
        channel_names={"C0GLOBEXOPS": "globex-ops"},
    )
    avi = directory.actor("slack", "U0AVI")
    answer = layer.commanded(Commanded(avi, "D0AVI", "billed twice", ("U0DANA",)))
    assert isinstance(answer, ShowForm) and answer.form.name == forms.LOG.name
    assert answer.initial == {"affected": ["U0DANA"], "summary": "billed twice"}
    channel, *rest = answer.form.fields
    assert channel.name == "channel" and channel.required and channel.kind == "choice"
    assert rest == list(forms.OPEN.fields)
    assert dict(zip(channel.options, channel.labels, strict=True)) == {
        "C0ACME": "Acme <@U0RON> & Co",  # its only channel, its name not said
        "C0GLOBEX": "Globex · channel C0GLOBEX",  # one of two: by id, as no name is known
        "C0GLOBEXOPS": "Globex · channel globex-ops",
        "C0INITECH": "Initech",
    }
    carol = directory.actor("slack", "U0CAROL", "Carol")
    refused = layer.commanded(Commanded(carol, "D0CAROL", "billed twice"))
    assert isinstance(refused, Notice) and refused.refused
    assert EN["usage.complaint"] in refused.text and "Globex" not in refused.text


def test_with_no_client_channel_on_the_platform_there_is_nothing_to_log_in(
    store: MemoryStore, directory: Directory
) -> None:
    clients = {k: replace(c, channels_on={}) for k, c in directory.clients.items()}
    layer = Interactions(CaseService(store, replace(directory, clients=clients)), "slack")
    avi = directory.actor("slack", "U0AVI")
    answer = layer.commanded(Commanded(avi, "D0AVI", "billed twice"))
    assert isinstance(answer, Notice) and answer.refused
    assert EN["usage.complaint"] in answer.text


def test_a_log_form_opens_in_the_chosen_channel_and_refuses_any_other_on_that_field(
    layer: Interactions, directory: Directory
) -> None:
    avi = directory.actor("slack", "U0AVI")
    values = {
        "channel": "C0GLOBEXOPS",
        "affected": ["U0DANA"],
        "category": "billing",
        "severity": "high",
        "summary": "Billed twice, said on the phone",
    }
    opening = layer.opening(avi, values, "D0AVI", "", avi, "command")
    assert opening.source == MessageRef("slack", "C0GLOBEXOPS", "")
    assert opening.affected == ("dana",) and opening.summary == values["summary"]
    for forged in ("C0INTERNAL", "D0AVI", None):
        with pytest.raises(Refusal) as refused:
            layer.opening(avi, {**values, "channel": forged}, "D0AVI", "", avi, "command")
        errors = layer.form_errors(forms.LOG, refused.value)
        assert list(errors.errors) == ["channel"]
        assert errors.errors["channel"] == EN["refuse.not_client_channel"]


async def test_a_button_shows_its_form_only_to_whom_the_rules_allow(
    layer: Interactions, directory: Directory, store: MemoryStore
) -> None:
    await layer.posted(client(directory))
    [case] = await store.list_cases()
    maya, dana = directory.actor("slack", "U0MAYA"), directory.actor("slack", "U0DANA")
    allowed = await layer.pressed(Pressed(maya, "assess", case.id))
    assert isinstance(allowed, ShowForm) and allowed.form is forms.ASSESS
    assert allowed.case_id == case.id
    refused = await layer.pressed(Pressed(dana, "assess", case.id))
    assert isinstance(refused, Notice) and refused.refused
    missing = await layer.pressed(Pressed(maya, "assess", "C-9999"))
    assert isinstance(missing, Notice) and missing.refused


async def test_a_refused_form_comes_back_with_the_reason_on_its_first_field(
    layer: Interactions, directory: Directory, store: MemoryStore
) -> None:
    await layer.posted(client(directory))
    [case] = await store.list_cases()
    eli = directory.actor("slack", "U0ELI")  # not named in the case
    answer = await layer.submitted(Submitted(eli, forms.ACCOUNT, {"account": "not me"}, case.id))
    assert isinstance(answer, FormErrors) and list(answer.errors) == ["account"]
    dana = directory.actor("slack", "U0DANA")
    given = await layer.submitted(Submitted(dana, forms.ACCOUNT, {"account": "I was ill"}, case.id))
    assert isinstance(given, Notice) and not given.refused and given.text
    assert (await store.get_case(case.id)).accounts["dana"].text == "I was ill"  # type: ignore[union-attr]


async def test_a_bare_mention_in_a_cases_own_thread_says_it_is_open(
    layer: Interactions, store: MemoryStore, directory: Directory
) -> None:
    opening = client(directory)
    await layer.posted(opening)
    [case] = await store.list_cases()
    bare = Posted(
        opening.actor,
        ACME,
        "1700000000.000900",
        "",
        thread_id=opening.message_id,
        mentions_bot=True,
    )
    answer = await layer.posted(bare)
    assert isinstance(answer, Notice) and not answer.refused and case.id in answer.text
    assert (await store.get_case(case.id)) == case  # nothing recorded


# --- messages kept for a later flag (a platform that cannot read them again) ------------------


async def test_a_kept_message_is_read_back_for_the_keep_time_only(
    store: MemoryStore, directory: Directory
) -> None:
    now = [datetime(2026, 12, 1, 9, tzinfo=UTC)]
    layer = Interactions(CaseService(store, directory, clock=lambda: now[0]), "slack")
    chatter = replace(client(directory), mentions_bot=False, mentioned=("U0DANA", "U0NOBODY"))
    kept = layer.to_keep(chatter, "Carol")
    assert kept is not None
    assert (kept.author, kept.author_name, kept.words) == ("U0CAROL", "Carol", chatter.words)
    assert kept.mentioned == ("U0DANA",)  # the directory's people only
    await store.keep_message(kept)
    flag = ReadFirst(ACME, chatter.message_id, "mention")

    now[0] += KEEP_MESSAGES - timedelta(seconds=1)
    assert await layer.kept(flag) == kept
    now[0] += timedelta(seconds=1)
    assert await layer.kept(flag) is None  # past its time, though the sweep has not run
    assert await store.kept_message("slack", ACME, chatter.message_id) == kept

    await layer.forget(ACME, chatter.message_id)
    assert await store.kept_message("slack", ACME, chatter.message_id) is None


def test_only_top_level_chatter_of_client_channels_is_kept(
    layer: Interactions, directory: Directory
) -> None:
    chatter = replace(client(directory), mentions_bot=False)
    assert layer.to_keep(chatter, "Carol") is not None
    assert layer.to_keep(client(directory), "Carol") is None  # the complaint itself
    assert layer.to_keep(replace(chatter, thread_id="1700000000.000001"), "Carol") is None
    assert layer.to_keep(replace(chatter, channel=INTERNAL), "Carol") is None
    assert layer.to_keep(replace(chatter, words=""), "Carol") is None
