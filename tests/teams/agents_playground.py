"""Microsoft 365 Agents Playground (npm `@microsoft/m365agentsplayground`), driven as its web
client drives it: Microsoft's own mock of Teams and its Bot Connector, in front of our bot.

What its bundled JS does (version 0.2.28, read from `dist/index.js` and the web client's
`dist/client/static/js/main.*.js`):
- the current user types a message with `POST /_conversation/v1/conversations/{id}/messages`
  (`{type: "text", text, textFormat: "plain", from, mentions: [{mentioned, text}]}`, each
  mention's text the `<at>Name</at>` in `text`);
  in a channel each one starts a new thread (`{channel};messageid={id}`), and it reaches
  the bot only in the personal chat or when it mentions the bot;
- a click on an `Action.Execute` is `POST /_conversation/v1/invoke` (`{name:
  "adaptiveCard/action", value: {action}, from, conversation, replyToId}`), from any member;
  the bot's answer comes back as the body and takes the card's place;
- what the bot posts or updates through the mocked Connector (`/_connector/v3/...`) is pushed
  to the web client on the websocket `/_ws_conversation/v1/conversations/stream` as
  `{action: "createMessage" | "updateMessage", actionConversationId, message}`, for every
  conversation the current user is in (not other people's 1:1 chats with the bot).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from tests.teams.harness import activity_text

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".m365agentsplayground.yml"
FOLDER = Path(__file__).with_name("playground")  # package.json + lock; `npm ci` installs it
CLI = FOLDER / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
MISSING = (
    "Microsoft 365 Agents Playground is not installed: "
    "run `npm ci` in tests/teams/playground (.ci/run does)"
)
_LISTENING = re.compile(r"Listening on (\d+)")

JSON = dict[str, Any]
Match = Callable[[JSON], bool]


def installed() -> bool:
    return CLI.is_file() and shutil.which("node") is not None


def config() -> JSON:
    """The mock Teams the Playground runs: its bot, current user, users and channels."""
    loaded: JSON = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return loaded


class Playground:
    def __init__(self, folder: Path, bot_url: str, port: int) -> None:
        """Runs in `folder` (it reads `.m365agentsplayground.yml` there and logs to
        `devTools/m365agentsplayground.log`), in front of the bot at `bot_url`."""
        self.folder, self.bot_url, self.port = folder, bot_url, port
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.seen: list[JSON] = []  # every websocket action, in order
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None

    @property
    def log(self) -> str:
        path = self.folder / "devTools" / "m365agentsplayground.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    async def start(self) -> None:
        shutil.copy(CONFIG, self.folder / CONFIG.name)
        env = {
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",  # else it exits 1 trying to open a browser
            "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
        }
        command = ["node", str(CLI), "-e", self.bot_url, "-c", "msteams"]
        self.process = subprocess.Popen(
            [*command, "-p", str(self.port), "--dt"],
            cwd=self.folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        port = await asyncio.to_thread(self._listening)
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self._socket = await self._session.ws_connect(
            f"{self.url}/_ws_conversation/v1/conversations/stream"
        )

    def _listening(self) -> int:
        """Its port, once it says it listens (it takes another if ours was taken)."""
        assert self.process and self.process.stdout
        lines = []
        for line in self.process.stdout:
            lines.append(line.rstrip())
            found = _LISTENING.search(line)
            if found:
                return int(found.group(1))
        raise AssertionError(f"the Playground exited ({self.process.wait()}): {lines}\n{self.log}")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    # --- what a person does in its web client ---------------------------------------------

    async def _post(self, path: str, body: JSON) -> Any:
        assert self._session
        async with self._session.post(f"{self.url}{path}", json=body) as response:
            text = await response.text()
            assert response.status == 200, f"{path}: {response.status} {text}"
            return await response.json(content_type=None) if text else None

    async def type(self, conversation: str, sender: str, text: str, mentions: list[JSON]) -> JSON:
        """The current user sends `text` (with `<at>Name</at>` for each mention); the
        Playground's answer (`messageId`, and `postConversationId` in a channel)."""
        body = {
            "type": "text",
            "text": text,
            "textFormat": "plain",
            "from": {"id": sender},
            "mentions": mentions,
        }
        path = f"/_conversation/v1/conversations/{conversation}/messages"
        answer: JSON = await self._post(path, body)
        return answer

    async def click(self, sender: str, conversation: str, message_id: str, action: JSON) -> JSON:
        """`sender` presses an `Action.Execute` of the card in message `message_id`; the
        bot's answer (`type`, `value`) as the Playground hands it back."""
        body = {
            "name": "adaptiveCard/action",
            "value": {"action": action},
            "from": {"id": sender},
            "conversation": {"id": conversation},
            "replyToId": message_id,
        }
        answer: JSON = await self._post("/_conversation/v1/invoke", body)
        return answer

    # --- what it shows ---------------------------------------------------------------------

    async def shown(self, match: Match, timeout: float = 30) -> JSON:
        """The first websocket action that `match`es, waiting for it to come."""
        for action in self.seen:
            if match(action):
                return action
        assert self._socket
        async with asyncio.timeout(timeout):
            while True:
                received = await self._socket.receive_json()
                self.seen.append(received)
                if match(received):
                    return received


def text_of(action: JSON) -> str:
    """A pushed message as Teams shows it (its text, then its card's)."""
    return activity_text(action.get("message") or {})


def from_bot(bot_id: str, kind: str, conversation: str, words: str) -> Match:
    """Matches the bot's message (`kind`: created or updated) in `conversation` that shows
    `words`."""

    def match(action: JSON) -> bool:
        return (
            action.get("action") == kind
            and action.get("actionConversationId") == conversation
            and ((action.get("message") or {}).get("from") or {}).get("id") == bot_id
            and words in text_of(action)
        )

    return match
