"""`mine` in the Teams personal chat: the asker's own cases, and nobody else's."""

from __future__ import annotations

from handlers.messages import text
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.harness import DANA, MAYA, TeamsBot
from tests.teams.test_adapter import open_case, texts


def chat(bot: TeamsBot, user: str, words: str) -> dict[str, object]:
    conversation = {"id": bot.fake.chat_id(user), "conversationType": "personal"}
    return bot.activity(user, conversation, type="message", id=bot.next_id(), text=words)


async def test_mine_in_the_personal_chat_shows_only_the_askers_cases(
    bot: TeamsBot, fake: FakeBotConnector
) -> None:
    await open_case(bot)
    case_id = (await bot.cases())[0].id
    for user, words in ((DANA, "mine"), (MAYA, "complaint mine")):
        status, _ = await bot.send(chat(bot, user, words))
        assert status == 200
    await bot.settle()
    danas = texts(fake.posted(fake.chat_id(DANA)))
    mayas = texts(fake.posted(fake.chat_id(MAYA)))
    assert danas[-1].startswith(text("en", "record.title", count=1))
    assert case_id in danas[-1] and "Acme Corp" in danas[-1]
    assert mayas[-1] == text("en", "record.none")  # she manages Dana; she is not named
