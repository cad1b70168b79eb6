"""The real bot, serving HTTP on loopback, wired to the fake Bot Connector.

Tests talk to it only as Teams would: activities posted to /api/messages with
`serviceUrl` = the fake's. What the bot says back is whatever reached the fake, or the
invoke's own answer.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.server import Runtime, build_app, start_runtime, stop_runtime
from bot.settings import load_settings
from bot.teams.adapter import TeamsAdapter
from bot.teams.cards import CONTENT_TYPE
from bot.teams.connector import is_team_channel
from handlers.directory_file import load_directory
from handlers.model import Case
from tests.fakes.bot_connector import BOT_ID, BOT_NAME, TENANT_ID, FakeBotConnector

ACME = "19:acme@thread.tacv2"
INTERNAL = "19:internal@thread.tacv2"
# Each channel's team, as its aadGroupId (Graph names channels under it): the firm's, where
# Acme's channel is shared with Acme
FIRM_TEAM = "7d3e9a10-8f2b-4c5d-9e6f-0000000000f1"
TEAMS = {ACME: FIRM_TEAM, INTERNAL: FIRM_TEAM}
CLIENT = "29:carol"  # Acme's contact, not in the directory
DANA, MAYA, RON, AVI = "29:dana", "29:maya", "29:ron", "29:avi"

DIRECTORY = f"""
internal_channel = {{ teams = "{INTERNAL}" }}

[people.dana]
name = "Dana Levi"
teams = "{DANA}"
manager = "maya"

[people.maya]
name = "Maya Cohen"
teams = "{MAYA}"
manager = "ron"

[people.ron]
name = "Ron Bar"
teams = "{RON}"
roles = ["lead"]

[people.avi]
name = "Avi Katz"
teams = "{AVI}"
manager = "ron"
roles = ["account_manager"]

[clients.acme]
name = "Acme Corp"
teams_channels = ["{ACME}"]
account_manager = "avi"
"""

JSON = dict[str, Any]
NAMES = {DANA: "Dana Levi", MAYA: "Maya Cohen", RON: "Ron Bar", AVI: "Avi Katz"}


def populate(fake: FakeBotConnector) -> None:
    fake.add_conversation(ACME, [(CLIENT, "Carol Client"), (AVI, NAMES[AVI])], team=TEAMS[ACME])
    fake.add_conversation(INTERNAL, list(NAMES.items()), team=TEAMS[INTERNAL])


def mention(user_id: str, name: str) -> tuple[str, dict[str, Any]]:
    tag = f"<at>{name}</at>"
    return tag, {"type": "mention", "text": tag, "mentioned": {"id": user_id, "name": name}}


# --- what Teams shows -----------------------------------------------------------------------

_AT = re.compile(r"<at>(.*?)</at>", re.DOTALL)
_LINE = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
# TextBlock Markdown: an escaped character, a mention, bold, a link.
_MARKDOWN = re.compile(r"\\(.)|<at>(.*?)</at>|\*\*|\[((?:\\.|[^\]\\])*)\]\([^)]*\)", re.DOTALL)


def shown_html(text: str) -> str:
    """A message's HTML as Teams shows it: mentions as `@Name`, links as their labels,
    line breaks kept, tags dropped, entities undone."""
    text = _AT.sub(lambda m: f"@{m.group(1)}", text)
    return html.unescape(_TAGS.sub("", _LINE.sub("\n", text))).strip()


def shown_markdown(text: str) -> str:
    """A TextBlock's Markdown as Teams shows it: escapes undone, mentions as `@Name`, bold
    dropped, links as their labels; a paragraph break as one line break."""

    def one(found: re.Match[str]) -> str:
        escaped, mentioned, label = found.group(1), found.group(2), found.group(3)
        if escaped is not None:
            return escaped
        if mentioned is not None:
            return f"@{mentioned}"
        return shown_markdown(label) if label is not None else ""

    return _MARKDOWN.sub(one, text.replace("\n\n", "\n"))


def card_elements(node: Sequence[JSON]) -> Iterator[JSON]:
    """Every element of a card's body, nested ones too."""
    for element in node:
        yield element
        for inside in ("columns", "items"):
            if isinstance(element.get(inside), list):
                yield from card_elements(element[inside])


def card_texts(content: JSON) -> list[str]:
    """Every text a card shows, in order: its TextBlocks, its facts ("title: value"), its
    inputs' labels and choices, then its buttons' titles."""
    found: list[str] = []
    for element in card_elements(content.get("body") or ()):
        if element["type"] == "TextBlock":
            found.append(shown_markdown(str(element["text"])))
        elif element["type"] == "FactSet":
            found += [
                f"{shown_markdown(str(f['title']))}: {shown_markdown(str(f['value']))}"
                for f in element["facts"]
            ]
        elif element["type"].startswith("Input."):
            found += [str(element[k]) for k in ("label", "title", "value") if element.get(k)]
            found += [str(choice["title"]) for choice in element.get("choices") or ()]
    found += [str(action["title"]) for action in content.get("actions") or ()]
    return [text for text in found if text]


def activity_text(activity: JSON) -> str:
    """A message as Teams shows it: its text, then its cards' texts."""
    parts = [shown_html(str(activity.get("text") or ""))]
    for attachment in activity.get("attachments") or ():
        if attachment.get("contentType") == CONTENT_TYPE:
            parts += card_texts(attachment["content"])
    return "\n".join(part for part in parts if part)


class TeamsBot:
    def __init__(
        self,
        root: Path,
        fake: FakeBotConnector,
        app_id: bool = False,
        directory: str | None = None,
        names: Mapping[str, str] = NAMES,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """`directory` is the TOML the bot runs on (the harness's own by default); `names`
        what Teams calls each sender; `env` more settings (COMPLAINTBOT_CLOCK_START)."""
        self.root, self.fake, self.app_id = root, fake, app_id
        self.directory, self.names = directory or DIRECTORY, names
        self.env = dict(env or {})
        self.runtime: Runtime | None = None
        self.url = ""

    async def start(self) -> None:
        directory_file = self.root / "complaintbot.toml"
        directory_file.write_text(self.directory, encoding="utf-8")
        env = {
            "COMPLAINTBOT_DATABASE_URL": str(self.root / "data" / "complaintbot.json"),
            "COMPLAINTBOT_DIRECTORY": str(directory_file),
        }
        if self.app_id:
            env |= {
                "MICROSOFT_APP_ID": self.fake.app_id,
                "MICROSOFT_APP_PASSWORD": self.fake.app_password,
                "MICROSOFT_APP_TENANT_ID": self.fake.tenant_id,
            }
        else:
            env["TEAMS_LOCAL"] = "1"
        settings = load_settings(env | self.env)
        self.runtime = await start_runtime(settings, load_directory(directory_file), [TeamsAdapter])
        self.runtime.outbox.idle_seconds = 0.2
        self._runner = web.AppRunner(build_app(self.runtime))
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/api/messages"
        self._stop = asyncio.Event()
        self._worker = asyncio.create_task(self.runtime.run_workers(self._stop))
        self.session = aiohttp.ClientSession()

    async def stop(self) -> None:
        await self.session.close()
        self._stop.set()
        await self._worker
        await self._runner.cleanup()
        assert self.runtime
        await stop_runtime(self.runtime)

    @property
    def adapter(self) -> TeamsAdapter:
        assert self.runtime
        adapter = self.runtime.adapters[0]
        assert isinstance(adapter, TeamsAdapter)
        return adapter

    # --- what Teams sends -----------------------------------------------------------------

    def next_id(self) -> str:
        """A message id: a millisecond time, on the clock the fake numbers posts by."""
        return self.fake.next_activity_id()

    def activity(self, sender: str, conversation: JSON, **fields: Any) -> JSON:
        """An activity as Teams sends it; from a team channel, with its team and channel."""
        channel_data: JSON = {"tenant": {"id": TENANT_ID}}
        channel = str(conversation["id"]).partition(";")[0]
        if is_team_channel(channel):
            channel_data["channel"] = {"id": channel}
        if channel in TEAMS:
            channel_data["team"] = {"id": channel, "aadGroupId": TEAMS[channel]}
        return {
            "channelId": "msteams",
            "serviceUrl": self.fake.service_url,
            "from": {"id": sender, "name": self.names.get(sender, "Carol Client")},
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "conversation": {"tenantId": TENANT_ID, **conversation},
            "channelData": channel_data,
            **fields,
        }

    def channel_message(
        self,
        sender: str,
        text: str,
        mentions: Sequence[tuple[str, str]] = (),
        *,
        channel: str = ACME,
        thread: str | None = None,
        activity_id: str | None = None,
        bot: bool = True,
    ) -> JSON:
        """A message in a channel: at the top (its conversation names itself as the root),
        or a reply in `thread`. `text` is HTML; `bot` mentions the bot before it."""
        activity_id = activity_id or self.next_id()
        entities = []
        body = text
        for user_id, name in reversed(mentions):
            tag, entity = mention(user_id, name)
            entities.insert(0, entity)
            body = body.replace(f"@{name}", tag)
        if bot:
            tag, entity = mention(BOT_ID, BOT_NAME)
            entities.insert(0, entity)
            body = f"{tag} {body}"
        root = thread or activity_id
        conversation = {"id": f"{channel};messageid={root}", "conversationType": "channel"}
        message = self.activity(
            sender,
            conversation,
            type="message",
            id=activity_id,
            text=f"<p>{body}</p>",
            textFormat="xml",
            entities=entities,
            **({"replyToId": thread} if thread else {}),
        )
        self.fake.add_message(channel, message)  # Teams holds it before the bot hears of it
        return message

    def chat_message(
        self, sender: str, text: str, mentions: Sequence[tuple[str, str]] = ()
    ) -> JSON:
        """A message in the sender's 1:1 chat with the bot; `@Name` of `mentions` as Teams'
        mentions."""
        entities = []
        for user_id, name in mentions:
            tag, entity = mention(user_id, name)
            entities.append(entity)
            text = text.replace(f"@{name}", tag)
        chat = self.fake.chat_id(sender)
        self.fake.add_conversation(chat, [(sender, self.names.get(sender, "Carol Client"))])
        conversation = {"id": chat, "conversationType": "personal"}
        return self.activity(
            sender,
            conversation,
            type="message",
            id=self.next_id(),
            text=f"<p>{text}</p>",
            textFormat="xml",
            entities=entities,
        )

    def invoke(
        self, sender: str, verb: str, data: JSON, channel: str = INTERNAL, personal: bool = False
    ) -> JSON:
        """An Action.Execute on a card in `channel`, or (`personal`) in the sender's 1:1
        chat with the bot."""
        conversation = {"id": f"{channel};messageid=1", "conversationType": "channel"}
        if personal:
            conversation = {"id": self.fake.chat_id(sender), "conversationType": "personal"}
        action = {"type": "Action.Execute", "verb": verb, "data": data}
        return self.activity(
            sender,
            conversation,
            type="invoke",
            name="adaptiveCard/action",
            id=f"f:{self.next_id()}",
            value={"action": action, "trigger": "manual"},
        )

    def message_action(
        self,
        sender: str,
        message: JSON,
        name: str = "composeExtension/fetchTask",
        data: JSON | None = None,
        *,
        activity_id: str | None = None,
    ) -> JSON:
        """ "Log as complaint" on `message` (a `channel_message`), as Teams invokes it: the
        message comes as `messagePayload`, its mentions as `<at id="N">` in its HTML;
        `composeExtension/submitAction` with the dialog's `data`."""
        channel = str(message["conversation"]["id"]).partition(";")[0]
        content = str(message["text"])
        mentions = []
        for index, entity in enumerate(message.get("entities") or ()):
            account = entity["mentioned"]
            content = content.replace(entity["text"], f'<at id="{index}">{account["name"]}</at>', 1)
            user = {"id": account["id"], "displayName": account["name"]}
            mentions.append(
                {"id": index, "mentionText": account["name"], "mentioned": {"user": user}}
            )
        author = message["from"]
        payload = {
            "id": message["id"],
            "replyToId": message.get("replyToId"),
            "messageType": "message",
            "from": {"user": {"id": author["id"], "displayName": author["name"]}},
            "body": {"contentType": "html", "content": content},
            "mentions": mentions,
        }
        value: JSON = {
            "commandId": "logComplaint",
            "commandContext": "message",
            "messagePayload": payload,
            "context": {"theme": "default"},
        }
        if data is not None:
            value["data"] = data
        conversation = {"id": channel, "conversationType": "channel"}
        return self.activity(
            sender,
            conversation,
            type="invoke",
            name=name,
            id=activity_id or f"f:{self.next_id()}",
            value=value,
        )

    async def send(self, activity: JSON, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.session.post(self.url, json=activity, headers=headers or {}) as response:
            raw = await response.text()
            status = response.status
        await self.adapter.drain()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw

    # --- what the bot did -----------------------------------------------------------------

    async def settle(self, timeout: float = 15) -> None:
        """Wait until the outbox has sent everything it can."""
        await self.adapter.drain()
        assert self.runtime
        deadline = asyncio.get_running_loop().time() + timeout
        while (await self.runtime.store.effect_counts())["pending"] or (
            await self.runtime.store.due_inbox(datetime.now(UTC) + timedelta(days=1))
        ):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the outbox still has pending effects")
            self.runtime.outbox.wake()
            await asyncio.sleep(0.05)
        await self.adapter.drain()

    async def cases(self) -> list[Case]:
        assert self.runtime
        return await self.runtime.store.list_cases()
