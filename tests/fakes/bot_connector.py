"""A local stand-in for the Bot Framework Connector service (Teams' REST API), over real HTTP.

A Teams bot answers an incoming activity, and sends proactively, through the Connector at the
activity's ``serviceUrl``; pointing that URL at :class:`FakeBotConnector` lets tests run the
real client code (botframework-connector's ``ConnectorClient``, or any HTTP client) without
leaving 127.0.0.1. The same server plays the Microsoft identity platform's token endpoint, so
the bot's outgoing authentication can be pointed at it too.

What it answers, as the Connector's REST API (v3) does:

* ``POST /v3/conversations/{conversationId}/activities``: send (in a channel, a new thread;
  to ``{channel};messageid={id}``, a reply in that thread), answering ``{"id": ...}``;
* ``POST /v3/conversations/{conversationId}/activities/{activityId}``: reply to an activity;
* ``PUT /v3/conversations/{conversationId}/activities/{activityId}``: update one (a card);
* ``DELETE /v3/conversations/{conversationId}/activities/{activityId}``: delete one;
* ``POST /v3/conversations``: create a conversation: the 1:1 chat with one member (the same
  id each time, for proactive messages), or with ``isGroup``, ``channelData.channel`` and an
  ``activity`` a new thread in that channel (botbuilder's
  ``TeamsInfo.send_message_to_teams_channel``); answers ``{"id", "activityId",
  "serviceUrl"}``, the id being the thread's, ``{channel};messageid={activityId}``;
* ``GET /v3/conversations/{conversationId}/members``: the members, as ChannelAccounts;
* ``POST /{tenant}/oauth2/v2.0/token``: a client-credentials grant for the bot's app id and
  password, answering ``{"token_type": "Bearer", "expires_in": 3600, "access_token": ...}``.

It also plays the Microsoft Graph reads a bot with resource-specific consent may make of what
was posted, under :attr:`~FakeBotConnector.graph_url`, from the same record:

* ``GET .../teams/{team}/channels``: the team's channels (``displayName`` as
  ``add_conversation(name=...)`` gave it, else "General"), one page;
* ``GET .../teams/{team}/channels/{channel}/messages``: a channel's top-level messages;
* ``GET .../teams/{team}/channels/{channel}/messages/{id}/replies``: a thread's replies;
* ``GET .../chats/{chat}/messages``: a group chat's messages (``$orderby`` of
  ``createdDateTime desc`` or the default ``lastModifiedDateTime``, newest first either way);

each newest first, ``$top`` at most 50 (400 past it, or for another OData option on the
channel routes), pages linked by ``@odata.nextLink``, each message a ``chatMessage`` as
Graph shapes it: ``from.application`` for the bot's (``from.user`` for anyone's else),
``body.content`` HTML (mentions as ``<at id="N">``; a card as ``<attachment id=...>``),
``attachments[].content`` the card's JSON as a string, ``createdDateTime`` the id's
millisecond time. A channel is readable only under its team (``add_conversation(team=...)``;
404 otherwise), and only while ``graph_consent`` holds (403 ``Forbidden`` when it is off:
the consent not granted). Activity ids are millisecond times, as Teams' are: one clock
(:meth:`~FakeBotConnector.next_activity_id`) numbers what the bot posts and what tests add.

Every Connector call needs ``Authorization: Bearer <token>`` with a token this fake issued
(401 otherwise). ``anonymous=True`` plays the Connector as a local emulator's is: a call with
no ``Authorization`` header at all is taken (a bot with no app id sends none); a header with a
token this fake did not issue is still refused. Failures answer the Connector's ``ErrorResponse``,
``{"error": {"code": ..., "message": ...}}``: 400 ``BadArgument`` for a malformed activity, 404
``ConversationNotFound`` / ``ActivityNotFound``, 403 ``BotNotInConversationRoster`` for a
conversation the bot is not in, 413 ``MessageSizeTooBig`` past Teams' 28 KB.

Slowness and failure are scripted per call, as in ``tests/fakes/slack_api.py``:
:meth:`~FakeBotConnector.fail_next`, :meth:`~FakeBotConnector.fail_when` and
:meth:`~FakeBotConnector.outage` answer instead of the route (which then does nothing);
``latency`` and :meth:`~FakeBotConnector.delay` hold the answer after the call took effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import secrets
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from aiohttp import web

JSON = dict[str, Any]

APP_ID = "00000000-0000-4000-8000-00000000b07a"
APP_PASSWORD = "fake-app-password"
TENANT_ID = "11111111-1111-4111-8111-111111111111"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "complaintbot"
MAX_MESSAGE_BYTES = 28 * 1024  # Teams refuses a larger activity
TOKEN_SECONDS = 3600
GRAPH_PATH = "graph/v1.0"
GRAPH_PAGE = 20  # Graph's page without $top
GRAPH_MOST = 50  # ... and the most $top may ask for
GRAPH_ROUTES = ("graph_channels", "graph_channel_messages", "graph_replies", "graph_chat_messages")


@dataclass
class Call:
    """One HTTP request the fake received.

    ``route`` names what was asked: ``send``, ``reply``, ``update``, ``delete``,
    ``create_conversation``, ``members``, ``token`` or one of ``GRAPH_ROUTES``. ``args``
    holds the path's parts (``conversation_id``, ``activity_id``, ``tenant``), ``body`` the
    JSON body (or, for ``token``, the form), ``headers`` lower-cased names, ``query`` the
    query string's. ``failed`` is True when a scripted failure answered instead of the
    route; ``status`` and ``answer`` are what the fake answered, set as soon as the call
    took effect (maybe before the caller got them).
    """

    route: str
    method: str
    path: str
    args: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float
    query: dict[str, str] = field(default_factory=dict)
    failed: bool = False
    status: int | None = None
    answer: Any = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def conversation_id(self) -> str | None:
        return self.args.get("conversation_id")


#: What selects calls: a route name, or a function of :class:`Call`.
Predicate = str | Callable[[Call], bool]


def _matcher(predicate: Predicate | Iterable[str] | None) -> Callable[[Call], bool]:
    """A route name, several route names, a function of :class:`Call`, or None (every call)."""
    if predicate is None:
        return lambda call: True
    if isinstance(predicate, str):
        return lambda call: call.route == predicate
    if callable(predicate):
        return predicate
    routes = frozenset(predicate)
    return lambda call: call.route in routes


def to_conversation(conversation_id: str) -> Predicate:
    """Calls on one conversation, a channel's threads included."""
    return lambda call: _channel_of(call.conversation_id or "") == _channel_of(conversation_id)


def _error(code: str, message: str) -> JSON:
    return {"error": {"code": code, "message": message}}


@dataclass(frozen=True)
class RateLimited:
    """Over Teams' rate limit: HTTP 429 with a ``Retry-After`` header."""

    retry_after: int = 1

    status = 429

    @property
    def body(self) -> JSON:
        return _error("TooManyRequests", "Too many requests")

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True)
class ServerError:
    """An outage: a 5xx with the Connector's error body."""

    status: int = 500

    @property
    def body(self) -> JSON:
        return _error("ServiceError", "The service is unavailable")

    headers: ClassVar[dict[str, str]] = {}


@dataclass(frozen=True)
class ConnectorError:
    """Any other refusal the Connector makes, e.g. ``ConnectorError(403, "Forbidden")``."""

    status: int
    code: str
    message: str = "refused"

    @property
    def body(self) -> JSON:
        return _error(self.code, self.message)

    headers: ClassVar[dict[str, str]] = {}


ScriptedResponse = RateLimited | ServerError | ConnectorError


@dataclass
class _Script:
    matches: Callable[[Call], bool]
    responses: deque[ScriptedResponse]


@dataclass
class _Delay:
    matches: Callable[[Call], bool]
    seconds: float


class _Refusal(Exception):
    """Raised inside a route to answer with `status` and the Connector's ErrorResponse."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.body = status, _error(code, message)


class _Unauthorized(_Refusal):
    """The Connector's answer to a missing or wrong token, which is no ErrorResponse."""

    def __init__(self) -> None:
        super().__init__(401, "Unauthorized", "")
        self.body = {"message": "Authorization has been denied for this request."}


@dataclass
class _Conversation:
    id: str
    members: list[JSON]
    team: str | None = None  # a team channel's team (its aadGroupId), for Graph
    name: str | None = None  # a team channel's name, as Graph lists it


@dataclass
class _Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _channel_of(conversation_id: str) -> str:
    """A channel thread's conversation id is ``{channel};messageid={root}``."""
    return conversation_id.split(";", 1)[0]


def _thread_of(conversation_id: str) -> str | None:
    _, _, rest = conversation_id.partition(";messageid=")
    return rest or None


class FakeBotConnector:
    """The Connector and the token endpoint, on a free port of 127.0.0.1.

    Conversations are registered with :meth:`add_conversation` (channels, group chats); 1:1
    chats are made by ``POST /v3/conversations`` as the real service does.
    """

    def __init__(
        self,
        *,
        app_id: str = APP_ID,
        app_password: str = APP_PASSWORD,
        tenant_id: str = TENANT_ID,
        latency: float = 0.0,
        anonymous: bool = False,
    ) -> None:
        self.app_id, self.app_password, self.tenant_id = app_id, app_password, tenant_id
        self.anonymous = anonymous
        self.bot = {"id": f"28:{app_id}", "name": BOT_NAME}
        self.latency = latency
        self.calls: list[Call] = []
        self._tokens: set[str] = set()
        self._conversations: dict[str, _Conversation] = {}
        self._activities: dict[tuple[str, str], JSON] = {}  # (channel or chat, id) -> activity
        self._last_id = 0
        self.graph_consent = True  # False: Graph answers 403, as without the app's consent
        self._scripted: defaultdict[str, deque[ScriptedResponse]] = defaultdict(deque)
        self._scripts: list[_Script] = []
        self._outages: list[tuple[Callable[[Call], bool], ServerError]] = []
        self._delays: list[_Delay] = []
        self._closing = asyncio.Event()
        self._call_recorded = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 (never on a public interface)."""
        self._closing.clear()
        app = web.Application()
        routes = [
            ("POST", "/v3/conversations", "create_conversation", self._create_conversation),
            ("POST", "/v3/conversations/{conversation_id}/activities", "send", self._send),
            ("POST", "/v3/conversations/{conversation_id}/activities/{activity_id}", "reply",
             self._reply),
            ("PUT", "/v3/conversations/{conversation_id}/activities/{activity_id}", "update",
             self._update),
            ("DELETE", "/v3/conversations/{conversation_id}/activities/{activity_id}", "delete",
             self._delete),
            ("GET", "/v3/conversations/{conversation_id}/members", "members", self._members),
            ("POST", "/{tenant}/oauth2/v2.0/token", "token", self._token),
            ("GET", f"/{GRAPH_PATH}/teams/{{team}}/channels", "graph_channels",
             self._graph_channels),
            ("GET", f"/{GRAPH_PATH}/teams/{{team}}/channels/{{channel}}/messages",
             "graph_channel_messages", self._graph_channel_messages),
            ("GET", f"/{GRAPH_PATH}/teams/{{team}}/channels/{{channel}}/messages/{{message}}"
             "/replies", "graph_replies", self._graph_replies),
            ("GET", f"/{GRAPH_PATH}/chats/{{chat}}/messages", "graph_chat_messages",
             self._graph_chat_messages),
        ]  # fmt: skip
        for method, path, route, handler in routes:
            app.router.add_route(method, path, self._handler(route, handler))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing.set()  # answers held by latency or delay() go out now
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def service_url(self) -> str:
        """What an incoming activity's ``serviceUrl`` should say, so the bot answers here."""
        if self._port is None:
            raise RuntimeError("FakeBotConnector is not started; await start() first")
        return f"http://127.0.0.1:{self._port}/"

    @property
    def graph_url(self) -> str:
        """Where Graph is, as ``https://graph.microsoft.com/v1.0`` is for the real one."""
        return f"{self.service_url}{GRAPH_PATH}"

    def token_url(self, tenant: str | None = None) -> str:
        """The token endpoint, as ``https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token``
        is for the real one (default tenant: the fake's)."""
        return f"{self.service_url}{tenant or self.tenant_id}/oauth2/v2.0/token"

    # ------------------------------------------------------------------ model set-up

    def add_conversation(
        self,
        conversation_id: str,
        members: Iterable[tuple[str, str]] = (),
        *,
        bot: bool = True,
        team: str | None = None,
        name: str | None = None,
    ) -> None:
        """Register a channel or group chat with its members, as (Teams user id, name)
        pairs. ``bot=False`` leaves the bot out: sending there is refused with 403. ``team``:
        the aadGroupId of a channel's team, which Graph names it under; ``name``: the
        channel's (Graph lists one without as "General", as Teams names a team's first)."""
        accounts = [{"id": user_id, "name": name} for user_id, name in members]
        if bot:
            accounts.append(dict(self.bot))
        self._conversations[conversation_id] = _Conversation(conversation_id, accounts, team, name)

    def next_activity_id(self) -> str:
        """A new message id: the time now in milliseconds, later than every one before."""
        self._last_id = max(self._last_id + 1, int(time.time() * 1000))
        return str(self._last_id)

    def add_message(self, conversation_id: str, activity: JSON) -> None:
        """Hold a message someone (not the bot) sent, as Teams does: the bot can then reply
        in its thread (``{channel};messageid={its id}``) or to it."""
        channel = _channel_of(conversation_id)
        self._conversation(channel)
        self._activities[(channel, str(activity["id"]))] = dict(activity)
        if str(activity["id"]).isdigit():  # later posts are later: ids are times
            self._last_id = max(self._last_id, int(activity["id"]))

    def chat_id(self, user_id: str) -> str:
        """The id ``POST /v3/conversations`` gives the bot's 1:1 chat with this user."""
        return "a:" + hashlib.sha256(user_id.encode()).hexdigest()[:24]

    def issue_token(self) -> str:
        """A valid bearer token, for a test that calls the Connector without the grant."""
        token = f"fake-token-{len(self._tokens) + 1}-{secrets.token_hex(8)}"
        self._tokens.add(token)
        return token

    # ------------------------------------------------------------------ failure scripting

    def fail_next(self, route: str, *responses: ScriptedResponse) -> None:
        """Answer the next calls to ``route`` with ``responses``, in order, then normally."""
        self._scripted[route].extend(responses)

    def fail_when(self, predicate: Predicate, *responses: ScriptedResponse) -> None:
        """Like :meth:`fail_next`, for the calls ``predicate`` selects (a route name or a
        function of :class:`Call`, e.g. :func:`to_conversation`): the next ones it matches are
        answered with ``responses``, in order, then normally. A call matched by several
        scripts takes its answer from the one made first; :meth:`fail_next` goes before all."""
        if responses:
            self._scripts.append(_Script(_matcher(predicate), deque(responses)))

    def outage(
        self, predicate: Predicate | Iterable[str] | None = None, *, status: int = 503
    ) -> None:
        """Answer every matching call (a route, several, a function of :class:`Call`, or None
        for all, the token endpoint included) with ``status`` until :meth:`end_outage`.
        Scripts from :meth:`fail_next` / :meth:`fail_when` go first."""
        self._outages.append((_matcher(predicate), ServerError(status)))

    def end_outage(self) -> None:
        self._outages.clear()

    def delay(self, predicate: Predicate, seconds: float) -> Callable[[], None]:
        """Hold the answer to every call ``predicate`` selects for ``seconds`` more (on top of
        ``latency``): the call takes effect at once, only its answer waits. Returns a function
        that lifts the delay for calls made from then on."""
        rule = _Delay(_matcher(predicate), seconds)
        self._delays.append(rule)

        def lift() -> None:
            if rule in self._delays:
                self._delays.remove(rule)

        return lift

    # ------------------------------------------------------------------ what happened

    def calls_to(self, route: str) -> list[Call]:
        return [call for call in self.calls if call.route == route]

    def successful_calls(self, predicate: Predicate | None = None) -> list[Call]:
        """Calls that did what they asked (a 2xx), even if the caller never got the answer."""
        matches = _matcher(predicate)
        return [call for call in self.calls if call.ok and matches(call)]

    def activity(self, conversation_id: str, activity_id: str) -> JSON | None:
        """An activity as the fake now holds it (sent, maybe since updated), or None."""
        return self._activities.get((_channel_of(conversation_id), activity_id))

    def posted(self, conversation_id: str, reply_to: str | None = None) -> list[JSON]:
        """The bot's activities as the fake now holds them, oldest first: those that start a
        thread in ``conversation_id`` (a channel, a chat, or a user id for the 1:1 chat with
        them), or with ``reply_to`` the replies in that thread."""
        where = (
            self.chat_id(conversation_id)
            if conversation_id.startswith("29:")
            else (_channel_of(conversation_id))
        )
        found = [
            dict(activity)
            for (channel, _), activity in self._activities.items()
            if channel == where
            and activity.get("replyToId") == reply_to
            and (activity.get("from") or {}).get("id") == self.bot["id"]
        ]
        return sorted(found, key=lambda a: int(a["id"]))

    async def wait_for(self, predicate: Predicate, timeout: float = 5) -> Call:
        """Wait until a recorded call matches, and return the first that does."""
        matches = _matcher(predicate)
        found: list[Call] = []

        def seen() -> bool:
            found.extend(call for call in self.calls if matches(call))
            return bool(found)

        try:
            await self.wait_until(seen, timeout)
        except TimeoutError:
            routes = [call.route for call in self.calls]
            raise TimeoutError(
                f"no matching Connector call within {timeout}s; saw {routes}"
            ) from None
        return found[0]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5) -> None:
        """Wait until ``condition()`` is true, checking it after every call the fake takes in;
        TimeoutError if it never is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            self._call_recorded.clear()
            with contextlib.suppress(TimeoutError):  # re-check now and then too
                await asyncio.wait_for(self._call_recorded.wait(), min(remaining, 0.25))

    def clear(self) -> None:
        """Forget recorded calls; conversations, activities and queued failures stay."""
        self.calls.clear()

    # ------------------------------------------------------------------ HTTP layer

    def _handler(
        self, route: str, handler: Callable[[Call], _Answer]
    ) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            """Record the call, let it take effect (or script its failure), then hold the
            answer for ``latency`` and any :meth:`delay` that selects it."""
            raw = await request.read()
            call = Call(
                route,
                request.method,
                request.path,
                dict(request.match_info),
                _body(route, raw, request),
                {name.lower(): value for name, value in request.headers.items()},
                time.time(),
                dict(request.query),
            )
            self.calls.append(call)
            answer = self._answer(call, handler, raw)
            call.status, call.answer = answer.status, answer.body
            self._call_recorded.set()  # the call has taken effect: waiters may look again
            await self._hold(call)
            if answer.body is None:
                return web.Response(status=answer.status, headers=answer.headers)
            return web.json_response(answer.body, status=answer.status, headers=answer.headers)

        return handle

    def _answer(self, call: Call, handler: Callable[[Call], _Answer], raw: bytes) -> _Answer:
        scripted = self._scripted_for(call)
        if scripted is not None:
            call.failed = True
            return _Answer(scripted.status, scripted.body, dict(scripted.headers))
        try:
            if call.route != "token":
                self._authorize(call)
                if call.route in GRAPH_ROUTES and not self.graph_consent:
                    raise _Refusal(403, "Forbidden", "Missing role permissions on the request.")
                if len(raw) > MAX_MESSAGE_BYTES:
                    raise _Refusal(413, "MessageSizeTooBig", "Message size too big")
            return handler(call)
        except _Refusal as refusal:
            return _Answer(refusal.status, refusal.body)

    def _scripted_for(self, call: Call) -> ScriptedResponse | None:
        queue = self._scripted.get(call.route)
        if queue:
            return queue.popleft()
        for script in self._scripts:
            if script.matches(call):
                response = script.responses.popleft()
                if not script.responses:
                    self._scripts.remove(script)
                return response
        for matches, error in self._outages:
            if matches(call):
                return error
        return None

    async def _hold(self, call: Call) -> None:
        seconds = self.latency + sum(d.seconds for d in self._delays if d.matches(call))
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    def _authorize(self, call: Call) -> None:
        if self.anonymous and "authorization" not in call.headers:
            return
        token = call.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if token not in self._tokens:
            raise _Unauthorized()

    # ------------------------------------------------------------------ routes

    def _token(self, call: Call) -> _Answer:
        """The client-credentials grant: the bot's app id and password buy a bearer token."""
        form = call.body
        if form.get("grant_type") != "client_credentials":
            return _Answer(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be client_credentials",
                },
            )
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return _Answer(
                401,
                {"error": "invalid_client", "error_description": "Invalid client secret provided."},
            )
        if not str(form.get("scope", "")).endswith("/.default"):
            return _Answer(
                400,
                {"error": "invalid_scope", "error_description": "scope must end with /.default"},
            )
        token = self.issue_token()
        return _Answer(200, {"token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                             "ext_expires_in": TOKEN_SECONDS, "access_token": token})  # fmt: skip

    def _send(self, call: Call) -> _Answer:
        conversation_id = call.args["conversation_id"]
        thread = _thread_of(conversation_id)
        if thread:
            self._existing(conversation_id, thread)
        return self._post(conversation_id, _activity(call.body), thread)

    def _reply(self, call: Call) -> _Answer:
        conversation_id, reply_to = call.args["conversation_id"], call.args["activity_id"]
        self._existing(conversation_id, reply_to)
        return self._post(conversation_id, _activity(call.body), reply_to)

    def _update(self, call: Call) -> _Answer:
        conversation_id, activity_id = call.args["conversation_id"], call.args["activity_id"]
        current = self._existing(conversation_id, activity_id)
        kept = {key: current[key] for key in ("from", "conversation")}
        updated = {**_activity(call.body), "id": activity_id, **kept}
        if current.get("replyToId"):
            updated["replyToId"] = current["replyToId"]
        self._activities[(_channel_of(conversation_id), activity_id)] = updated
        return _Answer(200, {"id": activity_id})

    def _delete(self, call: Call) -> _Answer:
        conversation_id, activity_id = call.args["conversation_id"], call.args["activity_id"]
        self._existing(conversation_id, activity_id)
        del self._activities[(_channel_of(conversation_id), activity_id)]
        return _Answer(200)

    def _members(self, call: Call) -> _Answer:
        conversation = self._conversation(call.args["conversation_id"])
        return _Answer(200, [dict(member) for member in conversation.members])

    def _create_conversation(self, call: Call) -> _Answer:
        """The 1:1 chat with one member (the same each time), or a new thread in a channel."""
        parameters = call.body if isinstance(call.body, dict) else None
        if parameters is None:
            raise _Refusal(400, "BadArgument", "ConversationParameters expected")
        channel = ((parameters.get("channelData") or {}).get("channel") or {}).get("id")
        if channel:
            if not isinstance(parameters.get("activity"), dict):
                raise _Refusal(400, "BadArgument", "A new channel thread needs an activity")
            if parameters.get("isGroup") is not True:
                raise _Refusal(400, "BadArgument", "A channel conversation is a group one")
            activity_id = self._post(channel, _activity(parameters["activity"]), None).body["id"]
            thread = f"{channel};messageid={activity_id}"
            return _Answer(201, {"id": thread, "activityId": activity_id,
                                 "serviceUrl": self.service_url})  # fmt: skip
        members = parameters.get("members") or []
        if len(members) != 1 or not isinstance(members[0], dict) or not members[0].get("id"):
            raise _Refusal(400, "BadArgument", "A 1:1 conversation needs exactly one member")
        # botbuilder sends "tenantID", the REST reference says "tenantId": the service takes both.
        tenant = {k.lower(): v for k, v in parameters.items()}.get("tenantid")
        if not (tenant or (parameters.get("channelData") or {}).get("tenant")):
            raise _Refusal(400, "BadArgument", "Tenant id is required")
        member = {"id": members[0]["id"], "name": members[0].get("name", "")}
        chat_id = self.chat_id(member["id"])
        self._conversations.setdefault(chat_id, _Conversation(chat_id, [member, dict(self.bot)]))
        answer: JSON = {"id": chat_id, "serviceUrl": self.service_url}
        if isinstance(parameters.get("activity"), dict):
            answer["activityId"] = self._post(
                chat_id, _activity(parameters["activity"]), None
            ).body["id"]
        return _Answer(201, answer)

    # ------------------------------------------------------------------ Graph

    def _graph_channels(self, call: Call) -> _Answer:
        team = call.args["team"]
        channels = [c for c in self._conversations.values() if c.team == team]
        if not channels:
            raise _Refusal(404, "NotFound", "Team not found.")
        value = [
            {"id": c.id, "displayName": c.name or "General", "membershipType": "standard"}
            for c in channels
        ]
        return _Answer(200, {"@odata.count": len(value), "value": value})

    def _graph_channel_messages(self, call: Call) -> _Answer:
        channel = self._graph_channel(call)
        found = [
            a for (c, _), a in self._activities.items() if c == channel and not a.get("replyToId")
        ]
        return self._graph_page(call, found, channel)

    def _graph_replies(self, call: Call) -> _Answer:
        channel, root = self._graph_channel(call), call.args["message"]
        if (channel, root) not in self._activities:
            raise _Refusal(404, "NotFound", "Message not found.")
        found = [
            a
            for (c, _), a in self._activities.items()
            if c == channel and a.get("replyToId") == root
        ]
        return self._graph_page(call, found, channel)

    def _graph_chat_messages(self, call: Call) -> _Answer:
        chat = call.args["chat"]
        conversation = self._conversations.get(chat)
        if conversation is None or conversation.team is not None or chat.startswith("a:"):
            raise _Refusal(404, "NotFound", "Chat not found.")  # a 1:1 chat needs Chat.Read.All
        found = [a for (c, _), a in self._activities.items() if c == chat]
        return self._graph_page(
            call, found, chat, orderby=("createdDateTime desc", "lastModifiedDateTime desc")
        )

    def _graph_channel(self, call: Call) -> str:
        channel = call.args["channel"]
        conversation = self._conversations.get(channel)
        if conversation is None or conversation.team != call.args["team"]:
            raise _Refusal(404, "NotFound", "Channel not found in that team.")
        return channel

    def _graph_page(
        self, call: Call, found: list[JSON], where: str, orderby: tuple[str, ...] = ()
    ) -> _Answer:
        query = call.query
        allowed = {"$top", "$skiptoken"} | ({"$orderby"} if orderby else set())
        if set(query) - allowed:
            raise _Refusal(
                400, "BadRequest", f"Query option not supported: {sorted(set(query) - allowed)}"
            )
        if "$orderby" in query and query["$orderby"] not in orderby:
            raise _Refusal(400, "BadRequest", f"$orderby {query['$orderby']!r} is not supported")
        top = query.get("$top", str(GRAPH_PAGE))
        if not top.isdigit() or not 1 <= int(top) <= GRAPH_MOST:
            raise _Refusal(400, "BadRequest", f"$top must be from 1 to {GRAPH_MOST}")
        skip = int(query.get("$skiptoken", "0") or 0)
        newest = sorted(found, key=lambda a: int(a["id"]), reverse=True)
        page = newest[skip : skip + int(top)]
        body: JSON = {"value": [self._chat_message(a, where) for a in page]}
        if skip + int(top) < len(newest):
            more = {k: v for k, v in query.items() if k != "$skiptoken"}
            more["$skiptoken"] = str(skip + int(top))
            body["@odata.nextLink"] = (
                f"http://127.0.0.1:{self._port}{call.path}?{urllib.parse.urlencode(more)}"
            )
        return _Answer(200, body)

    def _chat_message(self, activity: JSON, where: str) -> JSON:
        """An activity of a channel or chat (`where`) as Graph's chatMessage shows it."""
        team = self._conversations[where].team
        author = activity.get("from") or {}
        created = datetime.fromtimestamp(int(activity["id"]) / 1000, UTC)
        when = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if author.get("id") == self.bot["id"]:
            sender: JSON = {"application": {
                "@odata.type": "#microsoft.graph.teamworkApplicationIdentity",
                "id": self.app_id, "displayName": BOT_NAME, "applicationIdentityType": "bot",
            }, "device": None, "user": None}  # fmt: skip
        else:
            sender = {"application": None, "device": None, "user": {
                "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                "id": str(author.get("id", "")), "displayName": author.get("name"),
                "userIdentityType": "aadUser", "tenantId": self.tenant_id,
            }}  # fmt: skip
        attachments = []
        content = _graph_html(str(activity.get("text") or ""))
        for n, attachment in enumerate(activity.get("attachments") or ()):
            attachment_id = f"{activity['id']}-{n}"
            content += f'<attachment id="{attachment_id}"></attachment>'
            attachments.append({
                "id": attachment_id, "contentType": attachment.get("contentType"),
                "contentUrl": None, "content": json.dumps(attachment.get("content")),
                "name": None, "thumbnailUrl": None, "teamsAppId": None,
            })  # fmt: skip
        return {
            "id": str(activity["id"]),
            "replyToId": activity.get("replyToId"),
            "etag": str(activity["id"]),
            "messageType": "message",
            "createdDateTime": when,
            "lastModifiedDateTime": when,
            "lastEditedDateTime": None,
            "deletedDateTime": None,
            "subject": None,
            "summary": None,
            "chatId": None if team else where,
            "importance": "normal",
            "locale": "en-us",
            "webUrl": None,
            "channelIdentity": {"teamId": team, "channelId": where} if team else None,
            "policyViolation": None,
            "eventDetail": None,
            "from": sender,
            "body": {"contentType": "html", "content": content},
            "attachments": attachments,
            "mentions": [],
            "reactions": [],
        }

    # ------------------------------------------------------------------ helpers

    def _conversation(self, conversation_id: str) -> _Conversation:
        conversation = self._conversations.get(_channel_of(conversation_id))
        if conversation is None:
            raise _Refusal(404, "ConversationNotFound", "Conversation not found.")
        if not any(m["id"] == self.bot["id"] for m in conversation.members):
            raise _Refusal(
                403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        return conversation

    def _existing(self, conversation_id: str, activity_id: str) -> JSON:
        self._conversation(conversation_id)
        activity = self.activity(conversation_id, activity_id)
        if activity is None:
            raise _Refusal(404, "ActivityNotFound", "Activity not found.")
        return activity

    def _post(self, conversation_id: str, activity: JSON, reply_to: str | None) -> _Answer:
        conversation = self._conversation(conversation_id)
        activity_id = self.next_activity_id()
        stored = {**activity, "id": activity_id, "from": dict(self.bot),
                  "conversation": {"id": conversation.id}}  # fmt: skip
        if reply_to:
            stored["replyToId"] = reply_to
        else:
            stored.pop("replyToId", None)
        self._activities[(conversation.id, activity_id)] = stored
        return _Answer(201, {"id": activity_id})


def _body(route: str, raw: bytes, request: web.Request) -> Any:
    """The token endpoint's form as a dict; any other body as JSON (None when empty, the raw
    text when it is not JSON, which the routes refuse)."""
    text = raw.decode("utf-8", "replace")
    if route == "token":
        return dict(urllib.parse.parse_qsl(text))
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _graph_html(text: str) -> str:
    """A message's HTML as Graph gives it back: in a paragraph, mentions numbered."""
    numbers = iter(range(1000))
    text = re.sub(r"<at>", lambda _: f'<at id="{next(numbers)}">', text)
    return text if not text or text.startswith("<p>") else f"<p>{text}</p>"


def _activity(body: Any) -> JSON:
    """An activity as the Connector takes it: a JSON object with a `type`."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise _Refusal(400, "BadArgument", "An activity with a type is required")
    return body
