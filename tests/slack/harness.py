"""The real bot, serving HTTP on loopback, wired to a fake Slack Web API.

Tests talk to it only as Slack would: signed requests into /slack/events.
What the bot says back is whatever reached the fake Web API.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.server import Runtime, build_app, start_runtime, stop_runtime
from bot.settings import load_settings
from bot.slack.adapter import SlackAdapter
from handlers.directory_file import load_directory
from handlers.model import Case
from tests.fakes.slack_api import FakeSlackAPI
from tests.slackkit.signing import (
    FORM,
    JSON_CONTENT,
    block_action_payload,
    command_body,
    event_body,
    interaction_body,
    message_shortcut_payload,
    post_signed,
    retry_headers,
    view_submission_payload,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test"

ACME = "C0ACME"  # an ordinary client channel
GLOBEX = "C0GLOBEX"  # a Slack Connect channel shared with the client's own workspace
INTERNAL = "C0INTERNAL"
CLIENT = "U0CLIENT"  # Acme's contact, not in the directory
GLOBEX_CLIENT = "U0GLOBEX"
DANA, MAYA, RON, AVI, ELI = "U0DANA", "U0MAYA", "U0RON", "U0AVI", "U0ELI"

DIRECTORY = f"""
internal_channel = {{ slack = "{INTERNAL}" }}
trigger_emoji = "triangular_flag_on_post"

[people.dana]
name = "Dana Levi"
slack = "{DANA}"
manager = "maya"

[people.maya]
name = "Maya Cohen"
slack = "{MAYA}"
manager = "ron"

[people.ron]
name = "Ron Bar"
slack = "{RON}"
roles = ["lead"]

[people.avi]
name = "Avi Katz"
slack = "{AVI}"
manager = "ron"
roles = ["account_manager"]

[people.eli]
name = "Eli Shani"
slack = "{ELI}"
manager = "maya"

[clients.acme]
name = "Acme Corp"
slack_channels = ["{ACME}"]
account_manager = "avi"

[clients.globex]
name = "Globex"
slack_channels = ["{GLOBEX}"]
account_manager = "avi"
"""

INTERNAL_PEOPLE = (DANA, MAYA, RON, AVI, ELI)


def populate(fake: FakeSlackAPI) -> None:
    """The workspace as Slack would report it."""
    for user_id, name in zip(INTERNAL_PEOPLE, ("dana", "maya", "ron", "avi", "eli"), strict=True):
        fake.add_user(user_id, name)
    fake.add_user(CLIENT, "carol.acme")
    fake.add_user(GLOBEX_CLIENT, "gary.globex")
    fake.add_channel(ACME, "acme-project", members=[CLIENT, AVI])
    fake.add_channel(GLOBEX, "globex-shared", shared=True, members=[GLOBEX_CLIENT, AVI])
    fake.add_channel(INTERNAL, "complaints", members=list(INTERNAL_PEOPLE))


class SlackBot:
    """The bot; with a `clock`, time is the test's, and the scheduler ticks only when the
    test says so (`tick`), while the inbox and the outbox run as ever."""

    def __init__(
        self,
        root: Path,
        fake: FakeSlackAPI,
        socket_mode: bool = False,
        clock: Callable[[], datetime] | None = None,
        directory: str | None = None,  # default: DIRECTORY (read at start)
    ) -> None:
        self.root, self.fake, self.socket_mode = root, fake, socket_mode
        self.clock, self.directory = clock, directory
        self.runtime: Runtime | None = None
        self.url = ""

    async def start(self) -> None:
        directory_file = self.root / "complaintbot.toml"
        directory_file.write_text(self.directory or DIRECTORY, encoding="utf-8")
        env = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": self.fake.base_url,
            "COMPLAINTBOT_DATABASE_URL": str(self.root / "data" / "complaintbot.json"),
            "COMPLAINTBOT_DIRECTORY": str(directory_file),
        }
        if self.socket_mode:
            env["SLACK_APP_TOKEN"] = self.fake.app_token
        else:
            env["SLACK_SIGNING_SECRET"] = SECRET
        settings = load_settings(env)
        directory = load_directory(directory_file)
        self.runtime = await start_runtime(settings, directory, [SlackAdapter], clock=self.clock)
        self.runtime.outbox.idle_seconds = 0.2
        self._runner = web.AppRunner(build_app(self.runtime))
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self._stop = asyncio.Event()
        runtime = self.runtime
        workers: Awaitable[object]
        if self.clock is None:
            workers = runtime.run_workers(self._stop)
        else:
            workers = asyncio.gather(runtime.inbox.run(self._stop), runtime.outbox.run(self._stop))
        self._worker = asyncio.ensure_future(workers)
        self.session = aiohttp.ClientSession()

    async def stop(self) -> None:
        await self.session.close()
        self._stop.set()
        await self._worker
        await self._runner.cleanup()
        assert self.runtime
        await stop_runtime(self.runtime)

    # --- what Slack sends -----------------------------------------------------------------

    async def post(
        self, body: bytes, content_type: str, secret: str = SECRET, **kwargs: Any
    ) -> aiohttp.ClientResponse:
        async with await post_signed(
            self.session, self.url, body, secret, content_type, **kwargs
        ) as response:
            await response.read()
        await self.idle()
        return response

    async def idle(self) -> None:
        """Wait for the work the adapter does after its ack (notices, forms)."""
        assert self.runtime
        for adapter in self.runtime.adapters:
            await adapter.drain()  # type: ignore[attr-defined]

    async def event(self, event: dict[str, Any], **kwargs: Any) -> aiohttp.ClientResponse:
        event_id = kwargs.pop("event_id", None)
        return await self.post(event_body(event, event_id=event_id), JSON_CONTENT, **kwargs)

    async def deliver(self, event: dict[str, Any], event_id: str, retries: int = 3) -> list[int]:
        """Deliver an event as Slack does: while the answer is not a 2xx, again with the same
        `event_id` and Slack's retry headers, at most `retries` more times. Returns the
        statuses answered, in order (the last is the one Slack settled for)."""
        statuses: list[int] = []
        for attempt in range(retries + 1):
            headers = retry_headers(attempt) if attempt else {}
            response = await self.event(event, event_id=event_id, headers=headers)
            statuses.append(response.status)
            if 200 <= response.status < 300:
                break
        return statuses

    async def command(
        self, text: str, user: str, channel: str, name: str = "/complaint"
    ) -> aiohttp.ClientResponse:
        body = command_body(name, text=text, user_id=user, channel_id=channel)
        return await self.post(body, FORM)

    async def interact(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        return await self.post(interaction_body(payload), FORM)

    async def interact_json(self, payload: dict[str, Any]) -> Any:
        """Post an interaction and return Bolt's JSON answer (modal errors come back so)."""
        async with await post_signed(
            self.session, self.url, interaction_body(payload), SECRET, FORM
        ) as response:
            assert response.status == 200, await response.text()
            raw = await response.text()
        await self.idle()
        return json.loads(raw) if raw else None

    async def press(self, action_id: str, case_id: str, user: str, channel: str) -> Any:
        payload = block_action_payload(action_id, case_id, user_id=user, channel_id=channel)
        return await self.interact(payload)

    async def submit(
        self, callback_id: str, values: dict[str, Any], metadata: str, user: str
    ) -> Any:
        payload = view_submission_payload(
            callback_id, values, private_metadata=metadata, user_id=user
        )
        return await self.interact_json(payload)

    async def shortcut(self, message: dict[str, Any], user: str, channel: str) -> Any:
        payload = message_shortcut_payload(
            "log_complaint", message, user_id=user, channel_id=channel
        )
        return await self.interact(payload)

    async def tick(self) -> list[tuple[str, str]]:
        """One pass of the scheduler at the test's time, and the outbox sends what it made;
        the (job, slot) pairs run."""
        assert self.runtime
        ran = await self.runtime.scheduler.tick()
        await self.settle()
        return ran

    # --- what the bot did -----------------------------------------------------------------

    async def settle(self, timeout: float = 15) -> None:
        """Wait until the outbox has sent everything it can."""
        await self.idle()
        assert self.runtime
        deadline = asyncio.get_running_loop().time() + timeout
        while (await self.runtime.store.effect_counts())["pending"] or (
            await self.runtime.store.due_inbox(datetime.now(UTC) + timedelta(days=1))
        ):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the outbox still has pending effects")
            self.runtime.outbox.wake()
            await asyncio.sleep(0.05)

    async def cases(self) -> list[Case]:
        assert self.runtime
        return await self.runtime.store.list_cases()

    async def case_on(self, message_ts: str, timeout: float = 15) -> Case:
        """The case opened on the message `message_ts`, once there is one."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [c for c in await self.cases() if c.source.message_id == message_ts]
            if found:
                return found[0]
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no case was opened on {message_ts} within {timeout}s")
            await asyncio.sleep(0.05)

    async def only_case(self) -> Case:
        cases = await self.cases()
        assert len(cases) == 1, [c.id for c in cases]
        return cases[0]


def state_for(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack would send it for the modal the bot opened, filled in
    with `answers` ({field: text, option value, list of users, or True to tick a checkbox})."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind, field = element["type"], element["action_id"]
        answer = answers.get(field)
        if kind == "plain_text_input":
            value: dict[str, Any] = {
                "value": answer if answer is not None else element.get("initial_value")
            }
        elif kind in ("static_select", "radio_buttons"):
            chosen = answer or (element.get("initial_option") or {}).get("value")
            options = [o for o in element["options"] if o["value"] == chosen]
            value = {"selected_option": options[0] if options else None}
        elif kind == "multi_users_select":
            value = {
                "selected_users": answer if answer is not None else element.get("initial_users", [])
            }
        elif kind == "checkboxes":
            value = {"selected_options": element["options"] if answer else []}
        else:
            raise AssertionError(f"unexpected element {kind}")
        values[block["block_id"]] = {field: {"type": kind, **value}}
    return values


async def fill(bot: SlackBot, callback_id: str, answers: dict[str, Any], user: str) -> Any:
    """Submit the last modal the bot opened with `callback_id`, as `user`, with `answers`."""
    await bot.idle()
    opened = [
        c for c in bot.fake.calls_to("views.open") if c.params["view"]["callback_id"] == callback_id
    ]
    assert opened, f"the bot opened no {callback_id} modal"
    view = opened[-1].params["view"]
    return await bot.submit(
        callback_id, state_for(view, answers), view.get("private_metadata", ""), user
    )
