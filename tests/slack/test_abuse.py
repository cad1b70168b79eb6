"""On Slack, a client's abusive reply in a case thread: the firm is told, the client is not."""

from __future__ import annotations

from handlers.messages import text
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.checks import card_posts, card_thread, dms_to, texts_of
from tests.slack.harness import ACME, AVI, DANA, ELI, MAYA, RON, SlackBot
from tests.slack.test_triggers import mention_event, message_event

ABUSIVE = "Dana is a useless 1d10t and you are all morons."


async def test_an_abusive_reply_is_flagged_to_the_firm_and_never_echoed_to_the_client(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    source = "1763802000.000100"
    await bot.event(mention_event(source))
    await bot.settle()
    case = await bot.only_case()
    to_client_before = [c for c in fake.calls if c.params.get("channel") == ACME]
    dms_before = {user: len(dms_to(fake, user)) for user in (DANA, MAYA, RON, AVI, ELI)}

    reply = message_event("1763802001.000100", ABUSIVE, thread_ts=source)
    assert (await bot.event(reply)).status == 200
    await bot.settle()

    case = await bot.only_case()
    assert case.abuse_flagged
    assert case.client_statements[-1].text == ABUSIVE  # the client is still heard

    # Maya (Dana's manager) and Ron (the lead) are told; Dana is supported; nobody else.
    new = {user: dms_to(fake, user)[count:] for user, count in dms_before.items()}
    alert = text(
        "en",
        "dm.abuse_detected",
        case_id=case.id,
        client="Acme Corp",
        employees="Dana Levi",
        terms="idiot, morons",
    )
    support = text("en", "dm.abuse_support", case_id=case.id, client="Acme Corp")
    assert [alert in t for t in new[MAYA]] == [True]
    assert [alert in t for t in new[RON]] == [True]
    assert [support in t for t in new[DANA]] == [True]
    assert new[AVI] == [] and new[ELI] == []

    # The card now shows the flag, and its thread the words found.
    card = card_posts(fake, case)
    assert card[-1].method == "chat.update"
    assert text("en", "card.abuse") in texts_of(card[-1])
    assert text("en", "card.abuse") not in texts_of(card[0])
    card_ts = await bot.runtime.store.get_ref(case.id, "slack_card_ts")  # type: ignore[union-attr]
    assert any("abusive toward staff: idiot, morons" in line for line in card_thread(fake, card_ts))

    # Nothing reached the client channel after the reply, and the bot never posted the words
    # there, nor anything about abuse, in any call.
    to_client = [c for c in fake.calls if c.params.get("channel") == ACME]
    assert to_client == to_client_before
    assert to_client_before, "the case's own posts went to the client channel: the check sees it"
    for call in to_client:
        shown = texts_of(call).lower()
        for word in ("1d10t", "idiot", "moron", "abus", "flagged"):
            assert word not in shown, (call.method, shown)
