"""The playground: a third adapter next to Slack and Teams, with a web page for a platform.

What a persona does on the page (post, mention the bot, react with the trigger emoji, run
`/complaint`, press a button, fill a form) becomes the same core commands the other
adapters send through `runtime.service`, and the outbox brings the effects back through
`PlaygroundSink`. No rule lives here: a button first asks the core (`rules.authorize`),
and every refusal is shown to the acting persona alone, as Slack's ephemeral messages are.

Routes: `GET /` (the page), `GET /playground/static/...`, `GET /playground/events`
(server-sent events) and a JSON API under `/playground/api/`. Every input is checked; a
bad one gets 400 (403 for a channel the persona cannot see) with a JSON `error`.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import logging
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.chart import render
from bot.inbox import Finish
from bot.interaction import (
    BUTTONS,
    Answer,
    Commanded,
    Flagged,
    FormErrors,
    Interactions,
    Notice,
    Posted,
    Pressed,
    Reacted,
    ReadFirst,
    Reviewed,
    ShowForm,
    ShowReview,
    Submitted,
    command_words,
)
from bot.playground import catalog
from bot.playground.review_html import review_html
from bot.playground.sink import PlaygroundSink
from bot.playground.views import StateView, form, read_values
from bot.playground.workspace import (
    BOT,
    INTERNAL,
    PLATFORM,
    Channel,
    Message,
    Workspace,
    addressed,
    contact_client,
    dm_channel,
)
from bot.server import Runtime
from handlers import forms
from handlers.directory import Actor, Directory
from handlers.errors import Refusal
from handlers.model import MessageRef
from handlers.review_request import review_words

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_TEXT = 4000  # characters in a message or a form field
MAX_PENDING_FORMS = 200  # open forms kept; the oldest are forgotten first
HEARTBEAT_SECONDS = 15.0  # also how soon a closed page's stream is noticed


def bad_input(message: str, status: type[web.HTTPError] = web.HTTPBadRequest) -> web.HTTPError:
    return status(text=json.dumps({"error": message}), content_type="application/json")


def channels_of(directory: Directory) -> list[Channel]:
    """A channel per client, the internal channel, and each person's DM with the bot."""
    clients = [
        Channel(
            client.channels(PLATFORM)[0],
            "client",
            client.channels(PLATFORM)[0],
            client_id=client.id,
            members=[client.account_manager] if client.account_manager else [],
        )
        for client in directory.clients.values()
    ]
    internal = Channel(INTERNAL, "internal", INTERNAL)
    dms = [Channel(dm_channel(p.id), "dm", BOT) for p in directory.people.values()]
    return [*clients, internal, *dms]


@dataclass(frozen=True)
class PendingForm:
    """A form the page shows: who may submit it, where its answer goes, what it is for."""

    id: str
    kind: str  # a key of views.FORMS
    persona: str
    channel: str
    case_id: str = ""
    words: str = ""  # for /complaint: the command's text, without mentions


class PlaygroundAdapter:
    platform = PLATFORM

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.directory = runtime.address(addressed)
        self.service = runtime.service
        self.workspace = Workspace(channels_of(self.directory))
        self.view = StateView(self.workspace, self.directory)
        self.sink = PlaygroundSink(self.view, runtime.store)
        self.finishers: dict[str, Finish] = {}  # every playground trigger is finished at once
        self.forms: dict[str, PendingForm] = {}
        self.interactions = Interactions(runtime.service, PLATFORM)
        self._page = (STATIC / "index.html").read_text(encoding="utf-8")

    # --- wiring ---------------------------------------------------------------------------

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        app.router.add_static("/playground/static", STATIC)
        app.router.add_get("/playground/events", self.events)
        app.router.add_get("/playground/api/state", self.state)
        app.router.add_post("/playground/api/messages", self.post_message)
        app.router.add_post("/playground/api/reactions", self.react)
        app.router.add_post("/playground/api/buttons", self.press)
        app.router.add_post("/playground/api/forms/{form_id}", self.submit)
        app.on_shutdown.append(self._end_streams)

    async def start(self) -> None:
        restored = await self.sink.restore()
        log.info("playground: restored %d cases from the store", restored)

    async def stop(self) -> None:
        self.workspace.close()

    async def _end_streams(self, app: web.Application) -> None:
        self.workspace.close()  # before the server waits for requests in flight

    # --- reading input --------------------------------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.text())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise bad_input(f"the body is not valid JSON: {err}") from err
        if not isinstance(body, dict):
            raise bad_input("the body must be a JSON object")
        return body

    def _persona(self, value: Any) -> str:
        known = isinstance(value, str) and (
            value in self.directory.people or contact_client(value) in self.directory.clients
        )
        if not known:
            raise bad_input(
                f"unknown persona {value!r}: use a person id from the directory "
                "or contact:<client id>"
            )
        return str(value)

    def _channel(self, persona: str, value: Any) -> Channel:
        channel = self.workspace.channels.get(value) if isinstance(value, str) else None
        if channel is None:
            raise bad_input(f"unknown channel {value!r}")
        if not self.workspace.can_see(persona, channel):
            raise bad_input(f"{persona} cannot see channel {channel.id}", web.HTTPForbidden)
        return channel

    @staticmethod
    def _text(body: dict[str, Any], key: str) -> str:
        value = body.get(key)
        if not isinstance(value, str) or not value.strip():
            raise bad_input(f"{key!r} must be a non-empty string")
        if len(value) > MAX_TEXT:
            raise bad_input(f"{key!r} is longer than {MAX_TEXT} characters")
        return value.strip()

    def _message(self, channel: Channel, value: Any) -> Message:
        message = self.workspace.message(value) if isinstance(value, str) else None
        if message is None or message.channel != channel.id:
            raise bad_input(f"no message {value!r} in channel {channel.id}")
        return message

    def actor(self, persona: str) -> Actor:
        return self.directory.actor(PLATFORM, persona, self.view.name(persona))

    # --- answers --------------------------------------------------------------------------

    def _tell(self, persona: str, channel: str, notice: str, ok: bool = True) -> dict[str, Any]:
        """An ephemeral answer: stored for that persona alone, and returned to the page."""
        notice = self.view.render(notice)  # the core's markup as the page's plain text
        self.workspace.notify(persona, channel, notice)
        return {"ok": ok, "notice": notice}

    def _answer(self, persona: str, channel: str, answer: Answer | None) -> dict[str, Any]:
        """What the interaction layer says back, for the page: a notice, or a form to show."""
        if isinstance(answer, Notice):
            case = {"case": answer.case_id} if answer.case_id else {}
            if not answer.text:
                return {"ok": True, **case}
            return {**self._tell(persona, channel, answer.text, ok=not answer.refused), **case}
        if isinstance(answer, ShowForm):
            words = answer.initial.get("summary", "")  # the open form's: the command's words
            found = self._form(
                answer.form,
                persona,
                channel,
                case_id=answer.case_id,
                words=words,
                initial=answer.initial,
            )
            if answer.notice:
                return {**self._tell(persona, channel, answer.notice), "form": found}
            return {"ok": True, "form": found}
        if isinstance(answer, FormErrors):
            return {"ok": False, "error": self.view.render(next(iter(answer.errors.values())))}
        return {"ok": True}

    def _flagged(self, message: Message) -> Flagged:
        _, people = self.view.mentions.people(message.text)
        return Flagged(
            author=self.actor(message.author),
            channel=message.channel,
            message_id=message.id,
            words=self.view.mentions.without_bot(message.text),
            thread_id=message.thread,
            mentioned=people,
        )

    async def _read_first(self, persona: str, flag: ReadFirst) -> dict[str, Any]:
        """The playground has every message at hand: the flagged one opens its case now."""
        message = self.workspace.message(flag.message_id)
        if message is None:
            return {"ok": True}
        answer = await self.interactions.flagged(
            self.actor(persona), self._flagged(message), flag.trigger
        )
        return self._answer(persona, flag.channel, answer)

    def _form(
        self, drawn: forms.Form, persona: str, channel: str, **details: Any
    ) -> dict[str, Any]:
        initial = details.pop("initial", None)
        pending = PendingForm(uuid.uuid4().hex, drawn.name, persona, channel, **details)
        self.forms[pending.id] = pending
        for stale in list(self.forms)[:-MAX_PENDING_FORMS]:
            del self.forms[stale]
        return form(pending.id, drawn, self.directory, initial)

    # --- the page and its state -----------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        language = self.directory.language
        page = (
            self._page.replace("{{lang}}", language)
            .replace("{{dir}}", "rtl" if language == "he" else "ltr")
            .replace("{{title}}", html.escape(catalog.say(language, "title")))
        )
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    async def state(self, request: web.Request) -> web.Response:
        persona = self._persona(request.query.get("persona", self.view.personas[0]["id"]))
        return web.json_response(self.view.state(persona))

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: one `change` per workspace change this persona can see."""
        persona = self._persona(request.query.get("persona"))
        visible = {c.id for c in self.workspace.visible(persona)}
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        queue = self.workspace.subscribe()
        try:
            await response.write(_event({"seq": self.workspace.seq}))
            while True:
                try:
                    change = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if change is None:
                    break
                if change.persona in (None, persona) and change.channel in (None, *visible):
                    await response.write(_event({"seq": change.seq, "channel": change.channel}))
        except ConnectionResetError:
            pass  # the page went away
        finally:
            self.workspace.unsubscribe(queue)
        return response

    # --- what a persona does --------------------------------------------------------------

    async def post_message(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        persona = self._persona(body.get("persona"))
        channel = self._channel(persona, body.get("channel"))
        words = self._text(body, "text")
        if words.startswith("/") and body.get("thread") is None:  # a DM takes commands too
            return web.json_response(await self._command(persona, channel, words))
        if channel.kind == "dm":
            raise bad_input(
                "complaintbot's direct messages are notifications and commands; write in a channel"
            )
        root = None if body.get("thread") is None else self._message(channel, body["thread"])
        if root is not None and root.thread is not None:
            raise bad_input("reply to the thread's first message")
        if words.startswith("/"):
            return web.json_response(await self._command(persona, channel, words))
        message = self.workspace.post(
            channel.id, persona, self.view.name(persona), words, thread=root.id if root else None
        )
        answer = await self._on_message(persona, channel, message)
        return web.json_response({"ok": True, "message": message.id, **answer})

    async def _on_message(self, persona: str, channel: Channel, message: Message) -> dict[str, Any]:
        bot, people = self.view.mentions.people(message.text)
        posted = Posted(
            actor=self.actor(persona),
            channel=channel.id,
            message_id=message.id,
            words=self.view.mentions.without_bot(message.text),
            thread_id=message.thread,
            mentions_bot=bot,
            mentioned=people,
        )
        answer = await self.interactions.posted(posted)
        if isinstance(answer, ReadFirst):
            return await self._read_first(persona, answer)
        return self._answer(persona, channel.id, answer)

    async def _command(self, persona: str, channel: Channel, typed: str) -> dict[str, Any]:
        """`/complaint [@person ...] [what happened]` opens the form to log a complaint;
        `/review ...` shows a lead the review, to them alone (`_review`)."""
        asked = review_words(typed)
        if asked is not None:
            return await self._review(persona, channel, asked)
        rest = command_words(typed)
        if rest is None:
            return self._answer(persona, channel.id, self.interactions.usage())
        _, people = self.view.mentions.people(rest)
        words = self.view.mentions.strip(rest)
        answer = await self.interactions.typed(
            Commanded(self.actor(persona), channel.id, words, people)
        )
        return self._answer(persona, channel.id, answer)

    async def _review(self, persona: str, channel: Channel, words: str) -> dict[str, Any]:
        """The review as HTML, the trend chart inline (a data URI of its PNG), in the
        answer to this persona's request alone (nothing is posted in the channel); a
        refusal is a notice to them, as any other."""
        reviewed = Reviewed(self.actor(persona), self.view.mentions.markers(words))
        answer = await self.interactions.reviewed(reviewed)
        if isinstance(answer, ShowReview):
            chart, alt = None, ""
            if answer.trend is not None:
                png = (await render(answer.trend)).png
                chart, alt = (
                    "data:image/png;base64," + base64.b64encode(png).decode(),
                    answer.trend.title,
                )
            return {"ok": True, "review": review_html(answer.view, self.directory, chart, alt)}
        return self._answer(persona, channel.id, answer)

    async def react(self, request: web.Request) -> web.Response:
        """A reaction; the directory's trigger emoji on a client's message opens a case."""
        body = await self._body(request)
        persona = self._persona(body.get("persona"))
        channel = self._channel(persona, body.get("channel"))
        message = self._message(channel, body.get("message"))
        emoji = self._text(body, "emoji")
        self.workspace.react(message, emoji, persona)
        reacted = Reacted(self.actor(persona), channel.id, message.id, emoji)
        flag = self.interactions.reacted(reacted)
        if flag is None:
            return web.json_response({"ok": True})
        return web.json_response(await self._read_first(persona, flag))

    async def press(self, request: web.Request) -> web.Response:
        """A card or feedback button: the core checks the step first, then the form opens."""
        body = await self._body(request)
        persona = self._persona(body.get("persona"))
        channel = self._channel(persona, body.get("channel"))
        action, case_id = body.get("action"), body.get("case_id")
        if not isinstance(action, str) or action not in BUTTONS:
            raise bad_input(f"unknown action {action!r}: one of {', '.join(BUTTONS)}")
        if not isinstance(case_id, str):
            raise bad_input("'case_id' must be a string")
        answer = await self.interactions.pressed(Pressed(self.actor(persona), action, case_id))
        return web.json_response(self._answer(persona, channel.id, answer))

    async def submit(self, request: web.Request) -> web.Response:
        """A filled form becomes its command; a refusal comes back for the form to show."""
        pending = self.forms.get(request.match_info["form_id"])
        if pending is None:
            raise bad_input("unknown or expired form; press the button again")
        body = await self._body(request)
        if self._persona(body.get("persona")) != pending.persona:
            raise bad_input(f"this form belongs to {pending.persona}")
        values = body.get("values", {})
        if not isinstance(values, dict):
            raise bad_input("'values' must be a JSON object")
        try:
            read = read_values(pending.kind, values)
        except ValueError as err:
            raise bad_input(str(err)) from err
        if any(isinstance(v, str) and len(v) > MAX_TEXT for v in read.values()):
            raise bad_input(f"a field is longer than {MAX_TEXT} characters")
        actor = self.actor(pending.persona)
        form = forms.FORMS[pending.kind]
        answer: Answer | None
        if pending.kind in (forms.OPEN.name, forms.LOG.name):
            answer = await self._open_from_form(pending, actor, read)
        else:
            answer = await self.interactions.submitted(
                Submitted(actor, form, read, pending.case_id, pending.channel)
            )
        if isinstance(answer, FormErrors):
            return web.json_response(self._answer(pending.persona, pending.channel, answer))
        del self.forms[pending.id]
        return web.json_response(self._answer(pending.persona, pending.channel, answer))

    async def _open_from_form(
        self, pending: PendingForm, actor: Actor, values: dict[str, Any]
    ) -> Notice | FormErrors:
        """A slash command has no message of its own: the bot's note anchors the client
        thread, posted once the form's answers are known to be good, in the command's
        channel or, from a log form, the client channel chosen. The workspace lives in this
        process, so nothing here needs the inbox: a crash loses the workspace with it."""
        try:
            opening = self.interactions.opening(
                actor, values, pending.channel, "", actor, "command", pending.words
            )
            self.service.check_opening(opening)
        except Refusal as refusal:
            return self.interactions.form_errors(forms.FORMS[pending.kind], refusal)
        channel = opening.source.channel
        note = self.sink.logged(actor.display, opening.summary)
        anchor = self.workspace.post(channel, BOT, BOT, note)
        source = MessageRef(PLATFORM, channel, anchor.id)
        return await self.interactions.open(replace(opening, source=source))


def _event(data: dict[str, Any]) -> bytes:
    return f"event: change\ndata: {json.dumps(data)}\n\n".encode()
