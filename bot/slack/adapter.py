"""Slack: Bolt listeners that turn Slack's events into core commands.

Everything Slack sends arrives at `POST /slack/events` (or over Socket Mode
when SLACK_APP_TOKEN is set). The listeners only translate: who is acting,
which case, which command; the core decides, the store keeps, and the
outbox (through `SlackSink`) does the talking back.

The event path:
- the signature is checked before anything is parsed, and then the payload's shape
  (`bot.slack.payloads`): a body Slack would never send is answered 400;
- traffic that cannot change a case (plain channel messages, edits, joins,
  other apps, reactions other than the trigger) is recognised from memory
  and answered at once, touching no disk;
- an event that can change a case is applied before the answer
  (`process_before_response`): its change and its event id are written in
  one unit of work, so a retry of a processed event does nothing and a retry
  of a failed one does the work. A store that cannot take the write makes the
  answer 503, and Slack retries;
- a trigger reaction needs the flagged message, which takes a Web API call:
  it is kept in the store's inbox before the answer, and `open_flagged` reads the
  message and opens the case afterwards, retrying while Slack is down; a
  `/complaint` form, whose case needs the bot's note to anchor it, likewise;
- `/review` and the App Home are the leads' review (`bot.slack.review`): acknowledged
  at once, read and drawn after the ack;
- the few Web API calls a listener needs (an ephemeral answer, a
  `views.open`) run as background tasks that `stop` waits for, so a slow or
  rate-limited Slack never delays the ack. When Slack cannot show a form, the
  person is told so; when it cannot show them an ephemeral, they get it by DM.

Who is acting is the adapter's to say: an edit is not something said again,
and someone whose Slack organisation is not the workspace's (the other side
of a Slack Connect channel) is a client contact, whatever their user id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.inbox import Finish
from bot.interaction import (
    Commanded,
    Deleted,
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
    form_answers,
    reopening,
)
from bot.server import Runtime
from bot.sink import Attempt
from bot.slack import blocks, ids, inbound, payloads
from bot.slack.review import SlackReview
from bot.slack.sink import SlackSink
from bot.worker import Background
from handlers import forms
from handlers.commands import OpenCase, SharedFile, Trigger
from handlers.directory import Actor
from handlers.errors import DeliveryError, Refusal, StorageError, TransientDeliveryError
from handlers.messages import text, user
from handlers.model import MessageRef
from storage.base import InboxItem

log = logging.getLogger(__name__)

PLATFORM = ids.PLATFORM
WEB_TIMEOUT = 10  # seconds for one Web API call
NAMES_PATIENCE = 1.5  # seconds the log form waits for channel names: its trigger lasts 3
FLAG = "slack.flag"  # the inbox kind of a trigger reaction
FORM = "slack.form"  # ... and of a filled open form: its message is read (or, for
# `/complaint`, the bot's note posted) after the answer
MENTION = inbound.MENTION
# Message subtypes that are people talking; edits, joins and the like are not.
SPOKEN_SUBTYPES = {None, "thread_broadcast", "file_share"}
DELETED = "message_deleted"  # a message deleted: a client's statement leaves the record
METADATA_TEXT_LIMIT = 1500  # private_metadata holds at most 3000 characters


def web_client(
    token: str, base_url: str, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client that never sleeps or retries inside a call: the outbox and the
    inbox retry later, on their own schedule, so one rate limit holds up nothing else.
    Given a `session`, its calls share kept-alive connections (without one, slack_sdk
    opens a connection per call)."""
    return AsyncWebClient(
        token=token, base_url=base_url, timeout=WEB_TIMEOUT, retry_handlers=[], session=session
    )


def delivery(body: dict[str, Any]) -> str | None:
    """The delivery id of an Events API request: what Slack repeats when it retries."""
    event_id = body.get("event_id")
    return f"{PLATFORM}:{event_id}" if event_id else None


def is_edit(event: Mapping[str, Any]) -> bool:
    """An edit of a message already seen: `app_mention` again with `edited`, or
    `message_changed`. The record keeps what was first said; the thread shows the edit."""
    return "edited" in event or event.get("subtype") == "message_changed"


def files_in(message: Mapping[str, Any]) -> tuple[SharedFile, ...]:
    return tuple(
        SharedFile(f.get("name") or f.get("title") or f.get("id") or "", f.get("permalink") or "")
        for f in message.get("files") or ()
    )


def team_of(message: Mapping[str, Any]) -> str | None:
    """The organisation of a message's writer: `user_team` in a Slack Connect channel,
    else `team`."""
    team = message.get("user_team") or message.get("team")
    return str(team) if team else None


def home(context: AsyncBoltContext) -> tuple[str, ...]:
    """The workspace the bot is installed in, and its Enterprise Grid org if any, as
    `auth.test` says (Bolt asks once and keeps the answer): not a payload's `team`, which
    in a Slack Connect channel can be the other organisation's."""
    auth = context.authorize_result
    found = (auth.team_id, auth.enterprise_id) if auth else (context.team_id,)
    return tuple(team for team in found if team)


def outsider(team: str | None, home_teams: Sequence[str]) -> bool:
    """Whether a user of organisation `team` is of another organisation than the firm's."""
    return bool(team and home_teams and team not in home_teams)


class SlackAdapter:
    platform = PLATFORM

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        assert settings.slack_bot_token, "SlackAdapter needs SLACK_BOT_TOKEN"
        self.runtime = runtime
        self.directory = runtime.directory
        self.service = runtime.service
        self.language = runtime.directory.language
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEB_TIMEOUT))
        self.client = web_client(settings.slack_bot_token, settings.slack_api_url, self._http)
        self.sink = SlackSink(self.client, runtime.directory)
        # Socket Mode needs no signatures: the connection itself is authenticated.
        secret = settings.slack_signing_secret
        self.verifier = SignatureVerifier(secret) if secret else None
        self.app = AsyncApp(
            client=self.client,
            request_verification_enabled=False,  # done in `handle`, before anything is parsed
            process_before_response=True,
        )
        self._socket: AsyncSocketModeHandler | None = None
        self.background = Background()
        self.finishers: dict[str, Finish] = {FLAG: self.open_flagged, FORM: self.open_from_form}
        self.channel_names: dict[str, str] = {}  # client channel id -> "#name", once asked
        self.unnamed: set[str] = set()  # client channels Slack would not name
        self.interactions = Interactions(runtime.service, PLATFORM, self.channel_names)
        self.review = SlackReview(self)
        self._register()

    # --- wiring ---------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.error(self.on_error)
        if self.runtime.settings.socket_mode:  # over HTTP, `handle` checks before Bolt
            app.use(self.check_socket_payload)
        app.event("message")(self.on_message)  # first: Bolt tries listeners in order
        app.event("app_mention")(self.on_mention)
        app.event("reaction_added")(self.on_reaction)
        app.command(ids.COMMAND)(self.on_command)
        app.command(ids.REVIEW)(self.review.on_command)
        app.event("app_home_opened")(self.review.on_home_opened)
        app.shortcut(ids.SHORTCUT_LOG)(self.on_shortcut)
        # Exact names, not one pattern: Bolt searches a pattern anywhere in the id.
        for action_id in ids.BUTTONS:
            app.action(action_id)(self.on_button)
        for callback_id in ids.VIEWS:
            app.view(callback_id)(self.on_submission)

    def mount(self, app: web.Application) -> None:
        if self.verifier and not self.runtime.settings.socket_mode:
            app.router.add_post("/slack/events", self.handle)

    async def start(self) -> None:
        if self.runtime.settings.socket_mode:
            self._socket = AsyncSocketModeHandler(self.app, self.runtime.settings.slack_app_token)
            await self._socket.connect_async()

    async def stop(self) -> None:
        if self._socket:
            await self._socket.close_async()
        await self.drain()
        await self._http.close()

    async def drain(self) -> None:
        await self.background.drain()

    async def handle(self, request: web.Request) -> web.Response:
        """Verify Slack's signature, let Bolt dispatch, and never answer a genuine request 404."""
        body = await request.text()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        assert self.verifier, "mounted only with a signing secret"
        if not (timestamp.isdigit() and self.verifier.is_valid(body, timestamp, signature)):
            return web.json_response({"error": "invalid or stale Slack signature"}, status=401)
        try:
            payloads.check(payloads.parse(body, request.content_type))
        except payloads.Malformed as err:
            return web.json_response({"error": f"malformed request body: {err}"}, status=400)
        bolt_request = AsyncBoltRequest(
            body=body, query=request.query_string, headers=dict(request.headers)
        )
        response = await self.app.async_dispatch(bolt_request)
        if response.status == 404:  # a request we have no listener for: ignored, not failed
            response = BoltResponse(status=200, body="")
        return await to_aiohttp_response(response)

    async def check_socket_payload(
        self, req: AsyncBoltRequest, next_: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Over Socket Mode a payload reaches Bolt without `handle`: its shape is checked
        here, and a malformed one is acknowledged (so Slack does not send it again) and
        dropped. (Registered in Socket Mode only: a middleware costs every request.)"""
        try:
            payloads.check(req.body)
        except payloads.Malformed as err:
            log.warning("dropping a malformed Socket Mode payload: %s", err)
            return BoltResponse(status=200, body="")
        return await next_()

    async def on_error(self, error: Exception) -> BoltResponse | None:
        """A store that cannot take the write: 503, so Slack tries again later."""
        if isinstance(error, StorageError):
            log.warning("answering 503 so Slack retries: %s", error)
            return BoltResponse(status=503, body="the store cannot take writes right now")
        return None

    # --- small helpers --------------------------------------------------------------------

    def actor(self, user_id: str, other_organisation: bool = False) -> Actor:
        """Someone outside the directory is shown as a Slack mention, which Slack renders as
        their name wherever the text appears (the card, its timeline, DMs). Someone of
        another organisation is a client contact, even with a user id the directory lists."""
        if other_organisation:
            return Actor(PLATFORM, user_id, user(user_id))
        return self.directory.actor(PLATFORM, user_id, user(user_id))

    def said(self, raw: str, bot_user_id: str | None) -> str:
        """What a Slack message says, as the plain text its writer saw (bot.slack.inbound),
        without the mention of the bot that triggered it."""
        if bot_user_id:
            raw = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", raw)
        return inbound.plain(raw, self._name).strip()

    def _name(self, user_id: str) -> str:
        person = self.directory.person_on(PLATFORM, user_id)
        return person.name if person else user_id

    @staticmethod
    def mentioned(message: str, bot_user_id: str | None) -> list[str]:
        """The Slack users a message mentions, the bot left out."""
        return [u for u in MENTION.findall(message or "") if u != bot_user_id]

    def t(self, key: str, **params: Any) -> str:
        return self.sink.render(text(self.language, key, **params))

    def tell(self, channel: str | None, user_id: str, message: str) -> None:
        """An answer to one person, sent after the ack (see `tell_now`)."""
        if message:
            self.background.spawn(self.tell_now(channel, user_id, self.sink.render(message)))

    def show(
        self, trigger_id: str, view: dict[str, Any], channel: str | None, user_id: str
    ) -> None:
        """Open a modal, after the ack (the trigger id is good for three seconds)."""
        self.background.spawn(self._show(trigger_id, view, channel, user_id))

    async def _show(
        self, trigger_id: str, view: dict[str, Any], channel: str | None, user_id: str
    ) -> None:
        """If Slack fails to open the form (an error, an outage, no answer in time), the
        person is told, so a click is never met with silence."""
        try:
            await self.sink.call("views_open", trigger_id=trigger_id, view=view)
        except DeliveryError as err:
            log.warning("views.open failed for %s: %s", user_id, err)
            await self.tell_now(channel, user_id, self.t("notice.form_failed"))

    async def tell_now(
        self,
        channel: str | None,
        user_id: str,
        rendered: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> None:
        """An ephemeral in `channel`; if Slack cannot show it, a DM. The case is untouched
        either way: a notice that reaches nobody is logged. `blocks`: Block Kit beside the
        text (`rendered` is then the notification's)."""
        if channel:
            try:
                await self.sink.call(
                    "chat_postEphemeral",
                    channel=channel,
                    user=user_id,
                    text=rendered,
                    blocks=blocks,
                )
                return
            except DeliveryError as err:
                log.warning("chat.postEphemeral to %s failed (%s); sending a DM", user_id, err)
        try:
            await self.sink.call("chat_postMessage", channel=user_id, text=rendered, blocks=blocks)
        except DeliveryError as err:
            log.warning("could not tell %s: %s", user_id, err)

    def answer(self, answer: Notice | None, channel: str | None, user_id: str) -> None:
        if answer is not None:
            self.tell(channel, user_id, answer.text)

    def show_form(
        self, shown: ShowForm, trigger_id: str, metadata: dict[str, Any], user_id: str
    ) -> None:
        """A form the interaction layer asks for, as a modal. Its hidden metadata carries ids
        only (channel, message, author, case), never text, so it stays small."""
        channel = metadata.get("channel")
        if shown.notice:
            self.tell(channel, user_id, shown.notice)
        modal = blocks.modal(shown.form, self.language, json.dumps(metadata), shown.initial)
        self.show(trigger_id, modal, channel, user_id)

    # --- triggers -------------------------------------------------------------------------

    async def on_mention(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """The bot mentioned: the interaction layer opens a case, or takes it as a reply."""
        if not is_edit(event):
            await self._posted(event, body, context, mentions_bot=True)

    async def _posted(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        mentions_bot: bool,
    ) -> None:
        channel, ts = event["channel"], event["ts"]
        thread = event.get("thread_ts")
        actor = self.actor(event.get("user", ""), outsider(team_of(event), home(context)))
        raw = event.get("text", "")
        posted = Posted(
            actor=actor,
            channel=channel,
            message_id=ts,
            words=self.said(raw, context.bot_user_id),
            thread_id=thread if thread and thread != ts else None,  # a root has its own ts
            mentions_bot=mentions_bot,
            mentioned=tuple(self.mentioned(raw, context.bot_user_id)),
            files=files_in(event),
        )
        answer = await self.interactions.posted(posted, delivery(body))
        if isinstance(answer, ReadFirst):
            if delivery(body):
                await self._accept_flag(body, answer, actor.user_id, context)
        elif isinstance(answer, Notice):
            self.tell(channel, actor.user_id, answer.text)

    async def on_reaction(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """A trigger reaction goes to the inbox: its message is read after the ack."""
        item = event.get("item", {})
        if item.get("type") != "message" or not (delivery(body) and item.get("ts")):
            return
        user_id = str(event.get("user", ""))
        reacted = Reacted(
            self.actor(user_id), str(item.get("channel", "")), str(item["ts"]), event["reaction"]
        )
        flag = self.interactions.reacted(reacted)
        if flag is not None:
            await self._accept_flag(body, flag, user_id, context, str(event.get("item_user", "")))

    async def _accept_flag(
        self,
        body: dict[str, Any],
        flag: ReadFirst,
        user_id: str,
        context: AsyncBoltContext,
        author: str = "",
    ) -> None:
        """Keep a trigger whose message must be read first in the inbox, before the ack."""
        payload = {
            "channel": flag.channel,
            "ts": flag.message_id,
            "user": user_id,
            "item_user": author,
            "trigger": flag.trigger,
            "bot_user_id": context.bot_user_id,
            "home": list(home(context)),
        }
        item = InboxItem(str(delivery(body)), FLAG, payload, self.service.context().now)
        if await self.runtime.store.accept(item):
            self.runtime.inbox.wake()

    async def open_flagged(self, item: InboxItem) -> None:
        """Open the case of a flag from the inbox, reading the flagged message (its author
        and text) first. TransientDeliveryError while Slack cannot say: the inbox retries."""
        flag = item.payload
        channel, home_teams = flag["channel"], flag.get("home") or ()
        message = await self._message(channel, flag["ts"])
        words = message.get("text", "")
        author = message.get("user") or flag["item_user"]
        flagger = await self._reactor(flag["user"], home_teams)
        read = Flagged(
            author=self.actor(author, outsider(team_of(message), home_teams)),
            channel=channel,
            message_id=flag["ts"],
            words=self.said(words, flag["bot_user_id"]),
            thread_id=message.get("thread_ts"),
            mentioned=tuple(self.mentioned(words, flag["bot_user_id"])),
        )
        trigger: Trigger = flag.get("trigger") or "reaction"
        answer = await self.interactions.flagged(flagger, read, trigger, item.delivery_id)
        self.answer(answer, channel, flagger.user_id)

    async def _message(self, channel: str, ts: str) -> dict[str, Any]:
        """The flagged message; empty if Slack says it is not there (deleted, or no access).

        A top-level message is the newest of the channel's history up to its ts. A reply in
        a thread is not in the history at all: it is read from its thread, which Slack finds
        from the ts of any message in it, answering the root first and then the replies
        between `oldest` and `latest`. An outage or a rate limit raises
        TransientDeliveryError, so the flag waits."""
        reads: tuple[tuple[str, dict[str, Any]], ...] = (
            ("conversations_history", {"latest": ts, "inclusive": True, "limit": 1}),
            (
                "conversations_replies",
                {"ts": ts, "oldest": ts, "latest": ts, "inclusive": True, "limit": 2},
            ),
        )
        for method, window in reads:
            try:
                found = await self.sink.call(method, channel=channel, **window)
            except TransientDeliveryError:
                raise
            except DeliveryError as err:
                log.warning("could not read message %s in %s: %s", ts, channel, err)
                return {}
            for message in found.get("messages") or []:
                if message.get("ts") == ts:
                    return dict(message)
        return {}

    async def _reactor(self, user_id: str, home_teams: Sequence[str]) -> Actor:
        """Who flagged. A reaction does not say the reacting user's organisation, so when
        the directory lists their id, Slack is asked (`users.info`); if it cannot say, they
        do not count as the firm's."""
        actor = self.actor(user_id)
        if not (actor.internal and home_teams):
            return actor
        try:
            found = await self.sink.call("users_info", user=user_id)
        except TransientDeliveryError:
            raise
        except DeliveryError as err:
            log.warning("could not look up %s: %s", user_id, err)
            return self.actor(user_id, other_organisation=True)
        team = (found.get("user") or {}).get("team_id")
        return self.actor(user_id, not team or outsider(str(team), home_teams))

    async def on_message(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """People talking in threads; edits, joins, other apps and top-level chatter are not
        case business and are answered from memory. A message that mentions the bot arrives
        as `app_mention` too, and is taken from there."""
        if event.get("subtype") == DELETED:
            await self._deleted(event, body, context)
            return
        if event.get("subtype") not in SPOKEN_SUBTYPES or is_edit(event):
            return
        if not event.get("thread_ts") or event.get("bot_id"):
            return
        if f"<@{context.bot_user_id}>" in event.get("text", ""):
            return
        await self._posted(event, body, context, mentions_bot=False)

    async def _deleted(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """`message_deleted`: Slack sends the message as it was (`previous_message`)."""
        previous = event.get("previous_message") or {}
        thread = previous.get("thread_ts")
        ts = str(event.get("deleted_ts") or previous.get("ts") or "")
        if not ts:
            return
        deleted = Deleted(
            author=self.actor(previous.get("user", ""), outsider(team_of(previous), home(context))),
            channel=str(event.get("channel", "")),
            message_id=ts,
            words=self.said(previous.get("text", ""), context.bot_user_id),
            thread_id=thread if thread and thread != ts else None,
        )
        await self.interactions.deleted(deleted, delivery(body))

    async def on_command(
        self, ack: Any, command: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        channel, user_id = command.get("channel_id", ""), command.get("user_id", "")
        words = command.get("text", "")
        typed = Commanded(
            self.actor(user_id),
            channel,
            self.said(words, context.bot_user_id),
            tuple(self.mentioned(words, context.bot_user_id)),
        )
        answer = await self.interactions.typed(typed)
        if isinstance(answer, Notice):
            await ack(text=self.sink.render(answer.text))
            return
        await ack(**({"text": self.sink.render(answer.notice)} if answer.notice else {}))
        metadata = {"channel": channel, "ts": None, "author": user_id, "trigger": "command"}
        if answer.form.name == forms.LOG.name:
            showing = self._show_log(answer, typed.actor, command["trigger_id"], metadata)
            self.background.spawn(showing)
            return
        self.show_form(replace(answer, notice=None), command["trigger_id"], metadata, user_id)

    async def _show_log(
        self, answer: ShowForm, actor: Actor, trigger_id: str, metadata: dict[str, Any]
    ) -> None:
        """The log form, its client channels by the names Slack gives them (asked once
        each, after the ack, within `NAMES_PATIENCE` as the trigger expires; one Slack does
        not name shows as the layer labels it), drawn anew with what was learned."""
        unknown = [c for c in self.interactions.unnamed_channels() if c not in self.unnamed]
        learning = asyncio.gather(*(self._learn_name(channel) for channel in unknown))
        with suppress(TimeoutError):
            await asyncio.wait_for(learning, NAMES_PATIENCE)
        form = self.interactions.log_form(actor) or answer.form
        modal = blocks.modal(form, self.language, json.dumps(metadata), answer.initial)
        await self._show(trigger_id, modal, metadata["channel"], actor.user_id)

    async def _learn_name(self, channel: str) -> None:
        try:
            found = await self.sink.call("conversations_info", channel=channel)
        except DeliveryError as err:
            log.info("no name for channel %s: %s", channel, err)
            if not isinstance(err, TransientDeliveryError):
                self.unnamed.add(channel)  # refused: not asked again by this process
            return
        name = (found.get("channel") or {}).get("name")
        if isinstance(name, str) and name:
            self.channel_names[channel] = f"#{name}"

    async def on_shortcut(
        self, ack: Any, shortcut: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """ "Log as complaint" on a message: the open form, prefilled from that message."""
        await ack()
        channel = shortcut.get("channel", {}).get("id", "")
        user_id = shortcut.get("user", {}).get("id", "")
        message = shortcut.get("message", {})
        words = message.get("text", "")
        logging = Commanded(
            self.actor(user_id),
            channel,
            self.said(words, context.bot_user_id),
            tuple(self.mentioned(words, context.bot_user_id)),
            message_id=str(message.get("ts", "")),
        )
        answer = self.interactions.commanded(logging)
        if isinstance(answer, Notice):
            self.tell(channel, user_id, answer.text)
            return
        metadata = {
            "channel": channel,
            "ts": message.get("ts"),
            "author": message.get("user", ""),
            "author_team": team_of(message),
            "trigger": "shortcut",
        }
        self.show_form(answer, shortcut["trigger_id"], metadata, user_id)

    # --- buttons and forms ----------------------------------------------------------------

    def clicker(self, body: Mapping[str, Any], context: AsyncBoltContext) -> Actor:
        """Who clicked or submitted: `user.team_id` is their organisation."""
        clicking = body["user"]
        return self.actor(clicking["id"], outsider(clicking.get("team_id"), home(context)))

    async def on_button(self, ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """A button asks the interaction layer for its form, which checks the step first."""
        await ack()
        action = body["actions"][0]
        actor = self.clicker(body, context)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        answer = await self.interactions.pressed(
            Pressed(actor, action["action_id"], action["value"])
        )
        if isinstance(answer, Notice):
            self.tell(channel, actor.user_id, answer.text)
            return
        metadata = {"case_id": answer.case_id, "channel": channel}
        self.show_form(answer, body["trigger_id"], metadata, actor.user_id)

    async def on_submission(
        self, ack: Any, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """A filled form becomes its command; a refusal is shown in the form, on its first
        field, so the user can change their answer."""
        form = ids.VIEWS[view["callback_id"]]
        metadata = json.loads(view.get("private_metadata") or "{}")
        values = blocks.read_values(form, view["state"]["values"])
        actor = self.clicker(body, context)
        # A view is submitted once; a replayed or doubled submission is the same delivery.
        delivery_id = f"{PLATFORM}:view:{view['id']}" if view.get("id") else None
        if form in (forms.OPEN, forms.LOG):
            try:
                opening = self._open_command(actor, metadata, values, home(context))
                await self._accept_form(opening, delivery_id or f"{PLATFORM}:view:{uuid.uuid4()}")
            except Refusal as refusal:
                await self._form_errors(ack, self.interactions.form_errors(form, refusal))
                return
            await ack()
            return
        submitted = Submitted(
            actor, form, values, metadata["case_id"], metadata.get("channel") or ""
        )
        answer = await self.interactions.submitted(submitted, delivery_id)
        if isinstance(answer, FormErrors):
            await self._form_errors(ack, answer)
            return
        await ack()
        if isinstance(answer, Notice):
            self.tell(metadata.get("channel"), actor.user_id, answer.text)

    async def _form_errors(self, ack: Any, answer: FormErrors) -> None:
        errors = {
            name: blocks.plain_text(why, self.sink.name) for name, why in answer.errors.items()
        }
        await ack(response_action="errors", errors=errors)

    async def _accept_form(self, command: OpenCase, delivery_id: str) -> None:
        """A filled open form needs Slack again before its case can open: the flagged
        message's own words (a shortcut), or the bot's note to anchor the client thread
        (`/complaint`). The checked form goes to the inbox first; `open_from_form` does
        the Web API work after the ack."""
        on_message = bool(command.source.message_id)
        # A message's own words come with it later; only an empty form says nothing.
        self.service.check_opening(replace(command, source_text="…") if on_message else command)
        payload = {
            **form_answers(command),
            "ts": command.source.message_id or None,
            "actor": command.actor.user_id,
            "actor_outside": not command.actor.internal,
            "author": command.source_author.user_id,
            "author_outside": not command.source_author.internal,
        }
        now = self.service.context().now
        if await self.runtime.store.accept(InboxItem(delivery_id, FORM, payload, now)):
            self.runtime.inbox.wake()

    async def open_from_form(self, item: InboxItem) -> None:
        """Open a form's case: on the flagged message, read again for its words; or on the
        bot's note for `/complaint`, posted once (keyed by the submission), then the case."""
        form = item.payload
        channel = form["channel"]
        actor = self.actor(form["actor"], form.get("actor_outside", False))
        words, ts = form["summary"], form.get("ts")
        if ts:
            message = await self._message(channel, ts)
            words = self.said(message.get("text", ""), None) or words
            ts = message.get("thread_ts") or ts
        else:
            note = self.t("client.logged", actor=actor.display)
            # An earlier try may have posted it before a crash: always look first.
            ts = await self.sink.post(Attempt(item.delivery_id, True), channel, None, text=note)
        author = self.actor(form["author"], form.get("author_outside", False))
        command = reopening(form, actor, MessageRef(PLATFORM, channel, ts), author, words)
        self.answer(await self.interactions.open(command, item.delivery_id), channel, actor.user_id)

    def _open_command(
        self,
        actor: Actor,
        metadata: dict[str, Any],
        values: dict[str, Any],
        home_teams: Sequence[str],
    ) -> OpenCase:
        """The case the open form asks for; a slash command's has no message id yet, and
        its author is whoever sent the form."""
        author_id = metadata.get("author") or actor.user_id
        author = (
            actor
            if author_id == actor.user_id
            else self.actor(author_id, outsider(metadata.get("author_team"), home_teams))
        )
        return self.interactions.opening(
            actor,
            values,
            metadata["channel"],
            metadata.get("ts") or "",
            author,
            metadata.get("trigger", "shortcut"),
        )
