"""Client text is data: whatever a client types reaches the card, its notes and DMs as the
text it is: no ping, no broadcast, no disguised link, no reordering trick, and cut to fit
Slack without losing it."""

from __future__ import annotations

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.checks import dms_to
from tests.slack.harness import ACME, CLIENT, INTERNAL, RON, SlackBot
from tests.slack.test_triggers import mention_event, message_event

HOSTILE = (
    "<!channel> <@U0RON> is to blame, see <https://evil.example/login|your invoice> "
    "&lt;person:ron&gt; inv\u202eoice"
)


def internal_texts(fake: FakeSlackAPI) -> list[str]:
    """Everything the bot wrote where the firm reads it: the card, its thread and DMs."""
    calls = fake.successful_calls(
        lambda c: (
            c.method in ("chat.postMessage", "chat.update") and c.params.get("channel") != ACME
        )
    )
    texts = [c.params.get("text", "") for c in calls]
    for call in calls:
        for block in call.params.get("blocks") or []:
            texts.append(str(block))
    return texts


async def opened_with(bot: SlackBot, text: str, ts: str = "1763900000.000100") -> None:
    assert (await bot.event(mention_event(ts, f"<@UBOT> {text}"))).status == 200
    await bot.settle()


async def test_a_hostile_reply_reaches_the_card_as_plain_text(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    await opened_with(bot, "the report was late again, <@U0DANA> never answered")
    reply = message_event("1763900001.000100", HOSTILE, thread_ts="1763900000.000100")
    assert (await bot.event(reply)).status == 200
    await bot.settle()

    written = "\n".join(internal_texts(fake))
    assert "<!channel>" not in written
    assert "<@U0RON>" not in written, "a client's mention must not ping anyone inside"
    assert "<https://evil.example/login|" not in written, "no disguised link"
    assert "<person:ron>" not in written and "\u202e" not in written
    assert "https://evil.example/login" in written, "the real address is shown"
    assert not [t for t in dms_to(fake, RON) if "blame" in t]
    case = await bot.only_case()
    assert case.affected == ("dana",), "text in a reply adds nobody to the case"


async def test_a_huge_reply_is_cut_on_the_card_and_kept_whole(
    bot: SlackBot, fake: FakeSlackAPI
) -> None:
    await opened_with(bot, "the report was late again")
    huge = "Our totals are wrong. " * 2000  # 44,000 characters
    reply = message_event("1763900002.000100", huge, thread_ts="1763900000.000100")
    assert (await bot.event(reply)).status == 200
    await bot.settle()

    assert (await bot.runtime.store.effect_counts())["failed"] == 0  # type: ignore[union-attr]
    notes = [
        c.params["text"]
        for c in fake.successful_calls("chat.postMessage")
        if c.params.get("channel") == INTERNAL and "Our totals" in c.params.get("text", "")
    ]
    assert notes and all(len(n) <= 3000 for n in notes)
    assert "…" in notes[0], "the cut says so, and links to the whole text"
    case = await bot.only_case()
    assert any(s.text == huge.strip() or s.text == huge for s in case.client_statements)
    assert CLIENT in {s.author.user_id for s in case.client_statements}

