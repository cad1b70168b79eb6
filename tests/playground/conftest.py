"""The playground over real HTTP on loopback: the real server and outbox, in-process,
on a free port, with the example directory and a TinyDB store in a temporary folder."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web

from bot.playground.adapter import PlaygroundAdapter
from bot.server import Runtime, build_app, start_runtime, stop_runtime
from bot.settings import Settings
from handlers.directory_file import load_directory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "complaintbot.example.toml"
ARTIFACTS = ROOT / "tests" / "artifacts"
WAIT_SECONDS = 30  # generous: CI machines are shared and noisy
T = TypeVar("T")


def hebrew_directory(tmp_path: Path) -> Path:
    """The example firm, in Hebrew."""
    path = tmp_path / "complaintbot.he.toml"
    example = EXAMPLE.read_text(encoding="utf-8")
    path.write_text(example.replace('language = "en"', 'language = "he"'), encoding="utf-8")
    return path


async def wait_for(check: Callable[[], Awaitable[T]], timeout: float = WAIT_SECONDS) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {check.__name__}")
        await asyncio.sleep(0.05)


class Playground:
    def __init__(self, tmp_path: Path, directory: Path = EXAMPLE) -> None:
        self.settings = Settings(
            database_url=str(tmp_path / "data" / "complaintbot.json"),
            directory_path=str(directory),
        )
        self._stop = asyncio.Event()

    async def start(self) -> Playground:
        directory = load_directory(self.settings.directory_path)
        self.runtime: Runtime = await start_runtime(self.settings, directory, [PlaygroundAdapter])
        adapter = self.runtime.adapters[0]
        assert isinstance(adapter, PlaygroundAdapter)
        self.adapter = adapter
        self.runner = web.AppRunner(build_app(self.runtime), shutdown_timeout=2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._worker = asyncio.create_task(self.runtime.outbox.run(self._stop))
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT_SECONDS))
        return self

    async def stop(self) -> None:
        await self.http.close()
        await self.runner.cleanup()
        self._stop.set()
        await asyncio.wait_for(self._worker, WAIT_SECONDS)
        await stop_runtime(self.runtime)

    # --- the API --------------------------------------------------------------------------

    async def post(self, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(f"{self.url}/playground/api/{path}", json=body) as response:
            return response.status, await response.json()

    async def ok(self, path: str, body: Any) -> dict[str, Any]:
        status, answer = await self.post(path, body)
        assert status == 200, answer
        return answer

    async def state(self, persona: str) -> dict[str, Any]:
        async with self.http.get(
            f"{self.url}/playground/api/state", params={"persona": persona}
        ) as response:
            assert response.status == 200
            return dict(await response.json())

    async def say(
        self, persona: str, channel: str, words: str, thread: str | None = None
    ) -> dict[str, Any]:
        body = {"persona": persona, "channel": channel, "text": words, "thread": thread}
        return await self.ok("messages", body)

    async def press(
        self, persona: str, action: str, case_id: str, channel: str = "internal"
    ) -> dict[str, Any]:
        body = {"persona": persona, "channel": channel, "action": action, "case_id": case_id}
        return await self.ok("buttons", body)

    async def fill(self, persona: str, form: dict[str, Any], **values: Any) -> dict[str, Any]:
        return await self.ok(f"forms/{form['id']}", {"persona": persona, "values": values})

    async def step(self, persona: str, action: str, case_id: str, **values: Any) -> None:
        """Press a card or feedback button and fill its form; both must be accepted."""
        channel = "internal" if not persona.startswith("contact:") else self.client_channel(case_id)
        pressed = await self.press(persona, action, case_id, channel)
        assert pressed["ok"] and pressed["form"], pressed
        filled = await self.fill(persona, pressed["form"], **values)
        assert filled["ok"], filled
        await self.settle()

    def client_channel(self, case_id: str) -> str:
        card = self.adapter.workspace.message(f"card-{case_id}")
        assert card and card.card
        return str(card.card["source"]["channel"])

    async def settle(self) -> None:
        """Wait until the outbox has delivered every effect."""

        async def delivered() -> bool:
            return (await self.runtime.store.effect_counts())["pending"] == 0

        await wait_for(delivered)

    # --- reading the workspace ------------------------------------------------------------

    def texts(self, channel: str) -> list[str]:
        """Every message in a channel, thread replies included, as plain text."""
        workspace = self.adapter.workspace
        found = []
        for message in workspace.channels[channel].messages:
            found.append(message.text)
            found += [r.text for r in workspace.replies(message.id)]
        return found

    def notices(self, persona: str) -> list[str]:
        return [n.text for n in self.adapter.workspace.notices(persona)]


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    running = await Playground(tmp_path).start()
    try:
        yield running
    finally:
        await running.stop()
