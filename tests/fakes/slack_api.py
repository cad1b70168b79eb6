"""A local stand-in for the Slack Web API, served over real HTTP.

The bot talks to Slack through ``slack_sdk``'s ``AsyncWebClient``; pointing that client's
``base_url`` at :class:`FakeSlackAPI` lets tests run the real client code (encoding, headers,
retry handlers, error raising) without ever leaving 127.0.0.1.

How ``slack_sdk`` (3.47) sends requests, which is what this server has to accept:

* the token travels in an ``Authorization: Bearer xoxb-...`` header (a ``token`` body or query
  field is also accepted, as Slack does);
* ``chat.*`` and ``views.*`` calls are POSTed as JSON (``application/json;charset=utf-8``), with
  ``blocks`` and ``view`` as nested objects;
* most other methods (``conversations.*``, ``auth.test``, ``reactions.add``, ``users.info`` ...)
  put their arguments in the query string of a POST or GET, with an empty form body;
* other callers (``curl``, hand-written HTTP) may send ``application/x-www-form-urlencoded``
  bodies, in which ``blocks`` and ``view`` are JSON strings.

Answers follow the Slack Web API's conventions: HTTP 200 with ``{"ok": true, ...}`` on success
and HTTP 200 with ``{"ok": false, "error": "<code>"}`` on failure, except for rate limiting (429
with ``Retry-After``) and scripted server errors. Error codes are the ones Slack documents for
each method.

Messages keep what Slack keeps: ``conversations.history`` gives a channel's top-level messages
(newest first), ``conversations.replies`` a whole thread (parent first, then replies, oldest
first), both filtered by ``oldest``/``latest``/``inclusive``, cut at ``limit`` and paginated
with a ``cursor``. Message metadata (``{"event_type": ..., "event_payload": {...}}``, as sent to
``chat.postMessage`` or ``chat.update``) is stored with the message and returned by those two
reads only when ``include_all_metadata`` is true, as Slack does.

Files go up as Slack's current upload flow has them (what ``files_upload_v2`` does):
``files.getUploadURLExternal`` (``filename`` and ``length``) answers a file id and an upload
URL on this fake's own server; POSTing the bytes there answers 200 ``OK - <length>`` and
keeps them (:attr:`FakeSlackAPI.uploads`); ``files.completeUploadExternal`` then shares the
uploaded files in ``channel_id`` (a message by the bot with ``initial_comment`` as its text,
optionally in ``thread_ts``'s thread), or keeps them private without one. ``views.publish``
keeps each user's Home tab (:attr:`FakeSlackAPI.homes`).

Slowness and failure are scripted per call (see "failure scripting" on :class:`FakeSlackAPI`):
``latency`` and :meth:`~FakeSlackAPI.delay` hold the answer *after* the call has taken effect,
so a client that dies while waiting leaves e.g. a posted message it never learnt the ``ts``
of; :meth:`~FakeSlackAPI.fail_next`, :meth:`~FakeSlackAPI.fail_when` and
:meth:`~FakeSlackAPI.outage` answer instead of the method, which then does nothing.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

JSON = dict[str, Any]

#: Defaults shared with ``tests/slackkit`` (which repeats them to stay importable on its own).
TEAM_ID = "T0FIRM"
TEAM_DOMAIN = "firm"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0BOT"
DEFAULT_TOKEN = "xoxb-test"
DEFAULT_APP_TOKEN = "xapp-1-A0BOT-1-test"

#: Arguments that form-encoded callers send as JSON strings; decoded for easy assertions.
_JSON_STRING_FIELDS = frozenset({"attachments", "blocks", "files", "metadata", "view"})

#: The ``ts`` of the first message this fake posts; later ones count up from it.
_FIRST_TS_MICROS = 1_700_000_000_000_100
_TS_STEP_MICROS = 100

_SERVER_ERROR_PAGE = "<html><body><h1>Server Error</h1></body></html>"

#: Default ``limit`` of conversations.history (100) and conversations.replies (1000), per Slack.
_HISTORY_LIMIT = 100
_REPLIES_LIMIT = 1000


@dataclass
class Call:
    """One HTTP request the fake received.

    ``params`` merges the query string and the (form or JSON) body, with JSON-string fields such
    as ``blocks`` decoded; ``raw`` is the same merge before decoding. ``headers`` has lower-cased
    names. ``failed`` is True when a scripted failure (:meth:`FakeSlackAPI.fail_next`,
    :meth:`~FakeSlackAPI.fail_when`, :meth:`~FakeSlackAPI.outage`) answered this request instead
    of the method. ``status`` and ``answer`` are what the fake answered (``answer`` is None for
    a non-JSON error page); they are set as soon as the call has taken effect, which may be
    before the caller gets them (see ``latency``). ``ok`` tells whether the call did what it
    asked: a message posted, a user invited.
    """

    method: str
    params: JSON
    headers: dict[str, str]
    at: float
    raw: JSON = field(default_factory=dict)
    failed: bool = False
    status: int | None = None
    answer: JSON | None = None

    @property
    def ok(self) -> bool:
        return bool(self.answer and self.answer.get("ok") is True)


#: What selects calls: a method name, or a function of :class:`Call`.
Predicate = str | Callable[[Call], bool]


def _matcher(predicate: Predicate | Iterable[str] | None) -> Callable[[Call], bool]:
    """A method name, several method names, a function of :class:`Call`, or None (every call)."""
    if predicate is None:
        return lambda call: True
    if isinstance(predicate, str):
        return lambda call: call.method == predicate
    if callable(predicate):
        return predicate
    methods = frozenset(predicate)
    return lambda call: call.method in methods


def post_to(channel: str, *, top_level: bool = False, thread_ts: str | None = None) -> Predicate:
    """A predicate for ``chat.postMessage`` calls whose ``channel`` argument is ``channel``;
    with ``top_level`` only those outside threads, with ``thread_ts`` only replies in that one.
    """

    def matches(call: Call) -> bool:
        if call.method != "chat.postMessage" or call.params.get("channel") != channel:
            return False
        thread = call.params.get("thread_ts")
        if top_level and thread:
            return False
        return thread_ts is None or thread == thread_ts

    return matches


@dataclass(frozen=True)
class RateLimited:
    """Slack's answer to a caller over its rate limit: HTTP 429 with a ``Retry-After`` header."""

    retry_after: int = 1

    status = 429

    @property
    def body(self) -> JSON:
        return {"ok": False, "error": "ratelimited"}

    def response(self) -> web.Response:
        return web.json_response(
            self.body, status=self.status, headers={"Retry-After": str(self.retry_after)}
        )


@dataclass(frozen=True)
class ServerError:
    """An outage: a non-JSON error page, as Slack's edge serves it, with a 5xx status."""

    status: int = 500

    @property
    def body(self) -> None:
        return None

    def response(self) -> web.Response:
        return web.Response(status=self.status, text=_SERVER_ERROR_PAGE, content_type="text/html")


@dataclass(frozen=True)
class SlackError:
    """An ordinary API failure: HTTP 200 with ``{"ok": false, "error": error}``."""

    error: str

    status = 200

    @property
    def body(self) -> JSON:
        return {"ok": False, "error": self.error}

    def response(self) -> web.Response:
        return web.json_response(self.body)


ScriptedResponse = RateLimited | ServerError | SlackError


@dataclass
class _FailWhen:
    matches: Callable[[Call], bool]
    responses: deque[ScriptedResponse]


@dataclass
class _Delay:
    matches: Callable[[Call], bool]
    seconds: float


class _ApiFailure(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": code}``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    is_bot: bool
    bot_id: str | None = None
    team_id: str | None = None  # another organisation's, for a Slack Connect user

    def to_json(self, team_id: str) -> JSON:
        team_id = self.team_id or team_id
        profile: JSON = {
            "display_name": self.name,
            "display_name_normalized": self.name,
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "team": team_id,
        }
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": "Europe/London",
            "is_admin": False,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": profile,
        }


@dataclass
class Upload:
    """A file as ``files.getUploadURLExternal`` announced it; ``data`` once it is POSTed."""

    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str = ""
    shared_in: str | None = None  # the channel it was shared in, once completed


@dataclass
class _Channel:
    id: str
    name: str
    members: list[str]
    shared: bool = False
    private: bool = False
    archived: bool = False
    invite_refused: bool = False
    im_users: tuple[str, ...] = ()
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def is_dm(self) -> bool:
        return bool(self.im_users)

    def to_json(self, bot_user_id: str, *, include_num_members: bool = False) -> JSON:
        if self.is_dm:
            return self._dm_json(bot_user_id)
        channel: JSON = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.private,
            "is_archived": self.archived,
            "is_general": False,
            "is_shared": self.shared,
            "is_ext_shared": self.shared,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "is_member": bot_user_id in self.members,
            "created": self.created,
            "creator": "",
            "unlinked": 0,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if include_num_members:
            channel["num_members"] = len(self.members)
        return channel

    def _dm_json(self, bot_user_id: str) -> JSON:
        if len(self.im_users) == 1:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_users[0],
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": "mpdm-" + "--".join(self.im_users) + "-1",
            "created": self.created,
            "is_channel": False,
            "is_group": False,
            "is_im": False,
            "is_mpim": True,
            "is_private": True,
            "is_archived": False,
            "is_member": bot_user_id in self.members,
        }


class FakeSlackAPI:
    """An aiohttp server on 127.0.0.1 that answers Slack Web API methods from an in-memory model.

    Use it as ``async with FakeSlackAPI() as fake:`` (or ``start()``/``stop()``), then build the
    client with ``AsyncWebClient(token="xoxb-test", base_url=fake.base_url)``.

    The model is deliberately strict, like Slack: channels and users must be registered with
    :meth:`add_channel` / :meth:`add_user` before the bot can post to, inspect or invite them,
    otherwise the answers are ``channel_not_found`` / ``user_not_found``. The bot user itself is
    pre-registered. DMs come into being through ``conversations.open`` or by posting to a user ID.
    People's messages are put in with :meth:`add_message`; a thread reply posted to a ``ts`` the
    fake never saw is kept (the bot answers mentions a test did not add), and
    ``conversations.replies`` on that thread answers its replies alone.

    Every call is recorded (:attr:`calls`) before it takes effect. ``latency`` (seconds, also a
    constructor argument) is added to every Web API call, and :meth:`delay` adds more to the
    calls it selects; either way the call is recorded and *applied* first, and only its answer
    waits. Stopping the fake releases every held answer.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = APP_ID,
        latency: float = 0.0,
    ) -> None:
        self.token = token
        self.latency = latency
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.calls: list[Call] = []
        self.app_token = DEFAULT_APP_TOKEN
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[JSON]] = {}
        self._socket_connected = asyncio.Event()

        self._users: dict[str, _User] = {
            bot_user_id: _User(bot_user_id, "complaintbot", "Complaint Bot", True, bot_id)
        }
        self._channels: dict[str, _Channel] = {}
        self._messages: dict[tuple[str, str], JSON] = {}
        self._views: dict[str, JSON] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        self._scripted: defaultdict[str, deque[ScriptedResponse]] = defaultdict(deque)
        self._fail_when: list[_FailWhen] = []
        self._outages: list[tuple[Callable[[Call], bool], ServerError]] = []
        self._delays: list[_Delay] = []
        self._closing = asyncio.Event()
        self._ts_micros = itertools.count(_FIRST_TS_MICROS, _TS_STEP_MICROS)
        self._view_numbers = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self.uploads: dict[str, Upload] = {}  # file id -> the file, as uploaded
        self.homes: dict[str, JSON] = {}  # user id -> their published Home tab
        self._call_recorded = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, Callable[[JSON], JSON]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.invite": self._conversations_invite,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "users.info": self._users_info,
            "reactions.add": self._reactions_add,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 (never on a public interface)."""
        self._closing.clear()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/hooks/{key}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_get("/socket", self._handle_socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing.set()  # answers held by latency or delay() go out now
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def root_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeSlackAPI is not started; await start() first")
        return f"http://127.0.0.1:{self._port}/"

    @property
    def base_url(self) -> str:
        """What to pass as ``AsyncWebClient(base_url=...)`` (and as ``SLACK_API_URL``)."""
        return self.root_url + "api/"

    def response_url(self, key: str = "1") -> str:
        """A ``response_url`` for interaction payloads that this fake answers and records.

        Slack's real ``response_url`` points at hooks.slack.com; tests must not reach it, so put
        this URL in the payload and assert on ``calls_to("response_url")``.
        """
        return f"{self.root_url}hooks/{key}"

    # ------------------------------------------------------------------ model set-up

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        is_bot: bool = False,
        team_id: str | None = None,
    ) -> None:
        """Register a user; ``team_id`` makes them one of another organisation (a Slack
        Connect user), which ``users.info`` reports as their ``team_id``."""
        self._users[user_id] = _User(user_id, name, real_name or name, is_bot, team_id=team_id)

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        shared: bool = False,
        private: bool = False,
        members: Iterable[str] = (),
        archived: bool = False,
        bot_member: bool = True,
        invite_refused: bool | None = None,
    ) -> None:
        """Register a channel.

        ``shared`` makes it a Slack Connect channel (``is_shared`` and ``is_ext_shared``), where
        Slack refuses ``conversations.invite`` with ``cant_invite``; ``invite_refused``
        overrides that either way. ``bot_member=False`` makes posts answer ``not_in_channel``.
        """
        member_list = list(dict.fromkeys(members))
        if bot_member and self.bot_user_id not in member_list:
            member_list.append(self.bot_user_id)
        self._channels[channel_id] = _Channel(
            id=channel_id,
            name=name or channel_id.lower(),
            members=member_list,
            shared=shared,
            private=private,
            archived=archived,
            invite_refused=shared if invite_refused is None else invite_refused,
        )

    def add_message(
        self,
        channel_id: str,
        text: str,
        *,
        user: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        team: str | None = None,
    ) -> str:
        """Put a person's message in a channel (as if they had posted it); returns its ts.

        With ``thread_ts`` it is a reply in that message's thread. With ``team`` it carries
        its writer's organisation as a Slack Connect channel's messages do (``team``,
        ``user_team``, ``source_team``).
        """
        ts = ts or self._next_ts()
        message: JSON = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        if team:
            message.update(team=team, user_team=team, source_team=team)
        self._messages[(channel_id, ts)] = message
        return ts

    def message(self, channel_id: str, ts: str) -> JSON | None:
        """A message as the fake holds it (posted by the bot or added by a test), or None."""
        return self._messages.get((channel_id, ts))

    def members(self, channel_id: str) -> list[str]:
        """Current members of a channel, the bot included when it is one."""
        return list(self._channels[channel_id].members)

    def dm_id(self, *user_ids: str) -> str:
        """The ID ``conversations.open`` gives the DM with these users (stable per user set)."""
        digest = hashlib.sha256(",".join(sorted(set(user_ids))).encode()).hexdigest()
        return "D" + digest[:10].upper()

    # ------------------------------------------------------------------ failure scripting

    def fail_next(self, method: str, *responses: ScriptedResponse) -> None:
        """Answer the next calls to ``method`` with ``responses``, in order, then normally."""
        self._scripted[method].extend(responses)

    def fail_when(self, predicate: Predicate, *responses: ScriptedResponse) -> None:
        """Like :meth:`fail_next`, for the calls ``predicate`` selects (a method name or a
        function of :class:`Call`, e.g. :func:`post_to`): the next ones it matches are answered
        with ``responses``, in order, then normally. A call matched by several scripts takes
        its answer from the one made first; :meth:`fail_next` goes before all of them.
        """
        if responses:
            self._fail_when.append(_FailWhen(_matcher(predicate), deque(responses)))

    def outage(
        self, predicate: Predicate | Iterable[str] | None = None, *, status: int = 503
    ) -> None:
        """Answer every matching call (a method, several, a function of :class:`Call`, or None
        for all) with a ``status`` error page, as Slack's edge does when it is down, until
        :meth:`end_outage`. Scripts from :meth:`fail_next` / :meth:`fail_when` go first."""
        self._outages.append((_matcher(predicate), ServerError(status)))

    def end_outage(self) -> None:
        """End every :meth:`outage`; calls are answered normally again."""
        self._outages.clear()

    def delay(self, predicate: Predicate, seconds: float) -> Callable[[], None]:
        """Hold the answer to every call ``predicate`` selects for ``seconds`` more (on top of
        ``latency``): the call takes effect at once, only its answer waits. Returns a function
        that lifts this delay for calls made from then on (calls already held keep waiting,
        until their time is up or the fake stops)."""
        rule = _Delay(_matcher(predicate), seconds)
        self._delays.append(rule)

        def lift() -> None:
            if rule in self._delays:
                self._delays.remove(rule)

        return lift

    # ------------------------------------------------------------------ recorded calls

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def posts_in(self, channel: str) -> list[Call]:
        """Message writes (post, update, ephemeral) whose ``channel`` argument is ``channel``."""
        writes = ("chat.postMessage", "chat.update", "chat.postEphemeral")
        return [c for c in self.calls if c.method in writes and c.params.get("channel") == channel]

    def successful_calls(self, predicate: Predicate | None = None) -> list[Call]:
        """Calls that did what they asked (answered ``ok``), even if the caller never got the
        answer; ``predicate`` is a method name or a function of :class:`Call`."""
        matches = _matcher(predicate)
        return [call for call in self.calls if call.ok and matches(call)]

    def posted(self, channel: str, thread_ts: str | None = None) -> list[JSON]:
        """The bot's messages as the fake now holds them (posted, maybe since updated), oldest
        first: top-level ones in ``channel`` (an ID, or a user ID for the DM with them), or with
        ``thread_ts`` its replies in that thread."""
        channel_id = self.dm_id(channel) if channel in self._users else channel
        found = [
            dict(message)
            for (where, ts), message in self._messages.items()
            if where == channel_id
            and message.get("user") == self.bot_user_id
            and (
                message.get("thread_ts", ts) == ts
                if thread_ts is None
                else message.get("thread_ts") == thread_ts and ts != thread_ts
            )
        ]
        return sorted(found, key=lambda m: _ts_key(m["ts"]))

    async def wait_for(self, predicate: Predicate, timeout: float = 5) -> Call:
        """Wait until a recorded call matches, and return the first that does.

        ``predicate`` is a method name or a function of :class:`Call`. Needed because the bot
        acknowledges Slack first and does its Web API work afterwards, in the background.
        """
        matches = _matcher(predicate)
        found: list[Call] = []

        def seen() -> bool:
            found.extend(call for call in self.calls if matches(call))
            return bool(found)

        try:
            await self.wait_until(seen, timeout)
        except TimeoutError:
            methods = [call.method for call in self.calls]
            raise TimeoutError(f"no matching Slack call within {timeout}s; saw {methods}") from None
        return found[0]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5) -> None:
        """Wait until ``condition()`` is true, checking it after every call the fake takes in
        (e.g. ``lambda: len(fake.posted(INTERNAL)) == 3``); TimeoutError if it never is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            self._call_recorded.clear()
            try:  # re-check now and then too: a condition may depend on more than calls
                await asyncio.wait_for(self._call_recorded.wait(), min(remaining, 0.25))
            except TimeoutError:
                continue

    def clear(self) -> None:
        """Forget recorded calls; channels, users, messages and queued failures stay."""
        self.calls.clear()

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_api(self, request: web.Request) -> web.Response:
        """Record the call, let it take effect (or script its failure), then hold the answer
        for ``latency`` and any :meth:`delay` that selects it."""
        method = request.match_info["method"]
        raw = await _read_params(request)
        call = self._record(method, raw, request, failed=False)
        response = self._answer(call, request)
        self._call_recorded.set()  # the call has taken effect: waiters may look again
        await self._hold(call)
        return response

    def _answer(self, call: Call, request: web.Request) -> web.Response:
        scripted = self._scripted_for(call)
        if scripted is not None:
            call.failed, call.status, call.answer = True, scripted.status, scripted.body
            return scripted.response()
        if call.method == "apps.connections.open":
            response = self._apps_connections_open(request)
            call.status = response.status
            return response
        handler = self._handlers.get(call.method)
        if handler is None:
            unknown = {"ok": False, "error": "unknown_method", "req_method": call.method}
            return self._json(call, unknown)
        auth_error = self._auth_error(request, call.raw)
        if auth_error:
            return self._json(call, {"ok": False, "error": auth_error})
        try:
            body = handler(call.params)
        except _ApiFailure as failure:
            return self._json(call, {"ok": False, "error": failure.code})
        return self._json(call, {"ok": True, **body})

    def _scripted_for(self, call: Call) -> ScriptedResponse | None:
        queue = self._scripted.get(call.method)
        if queue:
            return queue.popleft()
        for script in self._fail_when:
            if script.matches(call):
                response = script.responses.popleft()
                if not script.responses:
                    self._fail_when.remove(script)
                return response
        for matches, error in self._outages:
            if matches(call):
                return error
        return None

    @staticmethod
    def _json(call: Call, body: JSON) -> web.Response:
        call.status, call.answer = 200, body
        return web.json_response(body)

    async def _hold(self, call: Call) -> None:
        seconds = self.latency + sum(d.seconds for d in self._delays if d.matches(call))
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    # ------------------------------------------------------------------ Socket Mode

    def _apps_connections_open(self, request: web.Request) -> web.Response:
        """Socket Mode's handshake: an app-level token buys a WebSocket URL."""
        if request.headers.get("Authorization", "") != f"Bearer {self.app_token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket"})

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": self.app_id},
                "debug_info": {"host": "fake"},
            }
        )
        self._socket_connected.set()
        try:
            async for frame in socket:
                if frame.type != web.WSMsgType.TEXT:
                    continue
                ack = json.loads(frame.data)
                waiter = self._acks.pop(ack.get("envelope_id", ""), None)
                if waiter and not waiter.done():
                    waiter.set_result(ack)
        finally:
            self._sockets.remove(socket)
        return socket

    async def socket_send(self, kind: str, payload: JSON, timeout: float = 5) -> JSON:
        """Deliver an envelope (``events_api``, ``interactive`` or ``slash_commands``) over the
        open Socket Mode connection, as Slack does, and return the app's acknowledgement."""
        await asyncio.wait_for(self._socket_connected.wait(), timeout)
        envelope_id = f"env-{next(self._view_numbers)}"
        waiter: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = waiter
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(waiter, timeout)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL: the file's bytes, raw (as slack_sdk sends them) or as a multipart
        form's one file; Slack answers a plain-text ``OK - <length>``."""
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="not found")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            parts = [v for v in form.values() if isinstance(v, web.FileField)]
            data = parts[0].file.read() if parts else b""
        else:
            data = await request.read()
        self._record("upload", {"file_id": upload.id, "length": len(data)}, request, failed=False)
        upload.data = data
        return web.Response(text=f"OK - {len(data)}")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        call = self._record("response_url", await _read_params(request), request, failed=False)
        return self._json(call, {"ok": True})

    def _record(self, method: str, raw: JSON, request: web.Request, *, failed: bool) -> Call:
        headers = {name.lower(): value for name, value in request.headers.items()}
        call = Call(method, _decode_json_fields(raw), headers, time.time(), raw, failed)
        self.calls.append(call)
        self._call_recorded.set()
        return call

    def _auth_error(self, request: web.Request, params: JSON) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header else params.get("token")
        if not token:
            return "not_authed"
        return None if token == self.token else "invalid_auth"

    # ------------------------------------------------------------------ lookups

    def _channel(self, channel_ref: Any) -> _Channel:
        """Resolve a channel ID, ``#name``/``name``, or a user ID (meaning the DM with them)."""
        if not isinstance(channel_ref, str) or not channel_ref:
            raise _ApiFailure("channel_not_found")
        if channel_ref in self._channels:
            return self._channels[channel_ref]
        if channel_ref[0] in "UW" and channel_ref in self._users:
            return self._open_dm([channel_ref])
        name = channel_ref.removeprefix("#")
        for channel in self._channels.values():
            if channel.name == name:
                return channel
        raise _ApiFailure("channel_not_found")

    def _user(self, user_id: Any) -> _User:
        if user_id not in self._users:
            raise _ApiFailure("user_not_found")
        return self._users[user_id]

    def _open_dm(self, user_ids: list[str]) -> _Channel:
        for user_id in user_ids:
            self._user(user_id)
        dm_id = self.dm_id(*user_ids)
        if dm_id not in self._channels:
            users = tuple(sorted(set(user_ids)))
            self._channels[dm_id] = _Channel(
                id=dm_id, name=dm_id, members=[*users, self.bot_user_id], im_users=users
            )
        return self._channels[dm_id]

    def _writable(self, channel_ref: Any) -> _Channel:
        channel = self._channel(channel_ref)
        if channel.archived:
            raise _ApiFailure("is_archived")
        if self.bot_user_id not in channel.members:
            raise _ApiFailure("not_in_channel")
        return channel

    def _next_ts(self) -> str:
        micros = next(self._ts_micros)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _message(self, params: JSON, ts: str) -> JSON:
        _require_content(params)
        _check_metadata(params)
        message: JSON = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": params.get("text", ""),
            "ts": ts,
        }
        for optional in ("blocks", "attachments", "metadata", "thread_ts"):
            if params.get(optional):
                message[optional] = params[optional]
        return message

    def _thread_fields(
        self, channel_id: str, message: JSON, threads: dict[str, list[JSON]]
    ) -> JSON:
        """A message as reads show it: a thread's parent carries its reply count and latest
        reply, a reply its parent's author."""
        shown = dict(message)
        ts = message["ts"]
        parent_ts = message.get("thread_ts", ts)
        if parent_ts != ts:
            parent = self._messages.get((channel_id, parent_ts))
            if parent and parent.get("user"):
                shown["parent_user_id"] = parent["user"]
            return shown
        replies = threads.get(ts)
        if replies:
            shown.update(
                thread_ts=ts,
                reply_count=len(replies),
                reply_users_count=len({r.get("user") for r in replies}),
                reply_users=list(dict.fromkeys(r.get("user") for r in replies)),
                latest_reply=replies[-1]["ts"],
            )
        return shown

    def _threads(self, channel_id: str) -> dict[str, list[JSON]]:
        """Each thread's replies in a channel, by parent ts, oldest first."""
        threads: defaultdict[str, list[JSON]] = defaultdict(list)
        for (where, ts), message in self._messages.items():
            parent_ts = message.get("thread_ts", ts)
            if where == channel_id and parent_ts != ts:
                threads[parent_ts].append(message)
        for replies in threads.values():
            replies.sort(key=lambda m: _ts_key(m["ts"]))
        return threads

    def _readable(self, params: JSON) -> _Channel:
        channel = self._channel(params.get("channel"))
        if self.bot_user_id not in channel.members:
            raise _ApiFailure("not_in_channel")
        return channel

    def _page(
        self, channel_id: str, messages: list[JSON], params: JSON, default_limit: int
    ) -> JSON:
        """One page of a read, as Slack answers it: ``limit`` and ``cursor``, ``has_more`` and
        ``response_metadata.next_cursor``, metadata only when ``include_all_metadata``."""
        try:
            limit = int(params.get("limit") or default_limit)
        except ValueError:
            raise _ApiFailure("invalid_limit") from None
        if limit <= 0:
            limit = default_limit
        start = _cursor_offset(params.get("cursor"))
        page = messages[start : start + limit]
        with_metadata = _truthy(params.get("include_all_metadata"))
        threads = self._threads(channel_id)
        shown = []
        for message in page:
            message = self._thread_fields(channel_id, message, threads)
            if not with_metadata:
                message.pop("metadata", None)
            shown.append(message)
        has_more = start + limit < len(messages)
        answer: JSON = {"messages": shown, "has_more": has_more}
        if has_more:
            answer["response_metadata"] = {"next_cursor": _cursor(start + limit)}
        return answer

    # ------------------------------------------------------------------ methods

    def _auth_test(self, params: JSON) -> JSON:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_domain.capitalize(),
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: JSON) -> JSON:
        channel = self._writable(params.get("channel"))
        ts = self._next_ts()
        message = self._message(params, ts)
        self._messages[(channel.id, ts)] = message
        return {"channel": channel.id, "ts": ts, "message": message}

    def _chat_update(self, params: JSON) -> JSON:
        channel = self._writable(params.get("channel"))
        ts = params.get("ts")
        stored = self._messages.get((channel.id, str(ts)))
        if stored is None:
            raise _ApiFailure("message_not_found")
        if stored.get("user") != self.bot_user_id:
            raise _ApiFailure("cant_update_message")
        updated = {**self._message(params, stored["ts"]), "edited": {"user": self.bot_user_id}}
        if stored.get("thread_ts"):  # an edit leaves a reply in its thread
            updated["thread_ts"] = stored["thread_ts"]
        if "metadata" not in params and "metadata" in stored:  # left as is unless given
            updated["metadata"] = stored["metadata"]
        self._messages[(channel.id, stored["ts"])] = updated
        return {
            "channel": channel.id,
            "ts": stored["ts"],
            "text": updated["text"],
            "message": updated,
        }

    def _chat_post_ephemeral(self, params: JSON) -> JSON:
        channel = self._writable(params.get("channel"))
        user = self._user(params.get("user"))
        if user.id not in channel.members:
            raise _ApiFailure("user_not_in_channel")
        _require_content(params)
        return {"message_ts": self._next_ts()}

    def _chat_get_permalink(self, params: JSON) -> JSON:
        channel = self._channel(params.get("channel"))
        message_ts = params.get("message_ts")
        if not message_ts:
            raise _ApiFailure("message_not_found")
        permalink = (
            f"https://{self.team_domain}.slack.com/archives/{channel.id}/"
            f"p{str(message_ts).replace('.', '')}"
        )
        return {"channel": channel.id, "permalink": permalink}

    def _conversations_open(self, params: JSON) -> JSON:
        user_ids = _id_list(params.get("users"))
        if not user_ids:
            raise _ApiFailure("users_list_not_supplied")
        already_open = self.dm_id(*user_ids) in self._channels
        channel = self._open_dm(user_ids)
        answer: JSON = {"channel": {"id": channel.id}}
        if already_open:
            answer.update(no_op=True, already_open=True)
        return answer

    def _conversations_invite(self, params: JSON) -> JSON:
        channel = self._channel(params.get("channel"))
        if channel.is_dm:
            raise _ApiFailure("method_not_supported_for_channel_type")
        if channel.archived:
            raise _ApiFailure("is_archived")
        if self.bot_user_id not in channel.members:
            raise _ApiFailure("not_in_channel")
        user_ids = _id_list(params.get("users"))
        if not user_ids:
            raise _ApiFailure("no_user")
        for user_id in user_ids:
            self._user(user_id)
            if user_id == self.bot_user_id:
                raise _ApiFailure("cant_invite_self")
        if channel.invite_refused:
            raise _ApiFailure("cant_invite")
        if any(user_id in channel.members for user_id in user_ids):
            raise _ApiFailure("already_in_channel")
        channel.members.extend(user_ids)
        return {"channel": channel.to_json(self.bot_user_id)}

    def _conversations_info(self, params: JSON) -> JSON:
        channel = self._channel(params.get("channel"))
        include = str(params.get("include_num_members", "")).lower() in {"1", "true"}
        return {"channel": channel.to_json(self.bot_user_id, include_num_members=include)}

    def _conversations_members(self, params: JSON) -> JSON:
        channel = self._channel(params.get("channel"))
        return {"members": list(channel.members), "response_metadata": {"next_cursor": ""}}

    def _conversations_history(self, params: JSON) -> JSON:
        """Top-level messages (thread replies are not), newest first, between `oldest` and
        `latest` (inclusive when asked), at most `limit` a page, as Slack does."""
        channel = self._readable(params)
        within = _time_window(params)
        found = [
            message
            for (channel_id, ts), message in self._messages.items()
            if channel_id == channel.id and message.get("thread_ts", ts) == ts and within(ts)
        ]
        found.sort(key=lambda m: _ts_key(m["ts"]), reverse=True)
        return self._page(channel.id, found, params, _HISTORY_LIMIT)

    def _conversations_replies(self, params: JSON) -> JSON:
        """A thread: its parent first, then the replies between `oldest` and `latest`
        (inclusive when asked), oldest first, at most `limit` a page. `ts` may be the parent or
        any reply; a message without replies comes back alone."""
        channel = self._readable(params)
        ts = params.get("ts")
        if not ts:
            raise _ApiFailure("thread_not_found")
        asked = self._messages.get((channel.id, str(ts)))
        parent_ts = asked.get("thread_ts", asked["ts"]) if asked else str(ts)
        parent = self._messages.get((channel.id, parent_ts))
        replies = self._threads(channel.id).get(parent_ts, [])
        if parent is None and not replies:
            raise _ApiFailure("thread_not_found")
        within = _time_window(params)
        thread = ([parent] if parent else []) + [r for r in replies if within(r["ts"])]
        return self._page(channel.id, thread, params, _REPLIES_LIMIT)

    def _views_open(self, params: JSON) -> JSON:
        return {"view": self._new_view(params)}

    def _views_push(self, params: JSON) -> JSON:
        return {"view": self._new_view(params)}

    def _views_update(self, params: JSON) -> JSON:
        view = params.get("view")
        if not isinstance(view, dict):
            raise _ApiFailure("invalid_arguments")
        current = self._find_view(params)
        if params.get("hash") and params["hash"] != current["hash"]:
            raise _ApiFailure("hash_conflict")
        updated = self._view_json(view, current["id"], root_view_id=current["root_view_id"])
        self._views[current["id"]] = updated
        return {"view": updated}

    def _views_publish(self, params: JSON) -> JSON:
        user = self._user(params.get("user_id"))
        view = params.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise _ApiFailure("invalid_arguments")
        view_id = f"V{next(self._view_numbers):09d}"
        self.homes[user.id] = self._view_json(view, view_id, root_view_id=view_id)
        return {"view": self.homes[user.id]}

    def _files_get_upload_url_external(self, params: JSON) -> JSON:
        filename, length = params.get("filename"), str(params.get("length") or "")
        if not filename:
            raise _ApiFailure("invalid_arguments")
        if not length.isdigit() or int(length) == 0:
            raise _ApiFailure("missing_argument")  # Slack's answer to a length of 0
        file_id = f"F{next(self._file_numbers):010d}"
        self.uploads[file_id] = Upload(file_id, str(filename), int(length))
        return {"upload_url": f"{self.root_url}upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, params: JSON) -> JSON:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise _ApiFailure("invalid_arguments")
        uploads = []
        for item in files:
            upload = self.uploads.get(item.get("id")) if isinstance(item, dict) else None
            if upload is None or upload.data is None:
                raise _ApiFailure("file_not_found")  # never announced, or never uploaded
            if len(upload.data) != upload.length:
                raise _ApiFailure("file_upload_size_mismatch")
            upload.title = str(item.get("title") or upload.filename)
            uploads.append(upload)
        if params.get("channel_id"):
            channel = self._writable(params["channel_id"])
            ts = self._next_ts()
            message: JSON = {
                "type": "message",
                "subtype": "file_share",
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "text": params.get("initial_comment") or "",
                "files": [{"id": u.id, "name": u.filename, "title": u.title} for u in uploads],
                "ts": ts,
            }
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            self._messages[(channel.id, ts)] = message
            for upload in uploads:
                upload.shared_in = channel.id
        return {"files": [{"id": u.id, "title": u.title} for u in uploads]}

    def _users_info(self, params: JSON) -> JSON:
        return {"user": self._user(params.get("user")).to_json(self.team_id)}

    def _reactions_add(self, params: JSON) -> JSON:
        channel = self._channel(params.get("channel"))
        timestamp, name = params.get("timestamp"), params.get("name")
        if not timestamp:
            raise _ApiFailure("no_item_specified")
        if not name:
            raise _ApiFailure("invalid_name")
        reaction = (channel.id, str(timestamp), str(name))
        if reaction in self._reactions:
            raise _ApiFailure("already_reacted")
        self._reactions.add(reaction)
        return {}

    # ------------------------------------------------------------------ views

    def _new_view(self, params: JSON) -> JSON:
        view = params.get("view")
        if not params.get("trigger_id") or not isinstance(view, dict):
            raise _ApiFailure("invalid_arguments")
        view_id = f"V{next(self._view_numbers):09d}"
        stored = self._view_json(view, view_id, root_view_id=view_id)
        self._views[view_id] = stored
        return stored

    def _find_view(self, params: JSON) -> JSON:
        if params.get("view_id") in self._views:
            return self._views[params["view_id"]]
        external_id = params.get("external_id")
        for view in self._views.values():
            if external_id and view["external_id"] == external_id:
                return view
        raise _ApiFailure("not_found")

    def _view_json(self, view: JSON, view_id: str, *, root_view_id: str) -> JSON:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._view_numbers):08x}",
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "root_view_id": root_view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }


async def _read_params(request: web.Request) -> JSON:
    """Merge query-string and body arguments, as Slack accepts either."""
    params: JSON = dict(request.query)
    if request.content_type == "application/json":
        body = await request.text()
        if body.strip():
            params.update(json.loads(body))
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        params.update(await request.post())
    return params


def _decode_json_fields(raw: JSON) -> JSON:
    decoded = dict(raw)
    for name in _JSON_STRING_FIELDS & decoded.keys():
        value = decoded[name]
        if isinstance(value, str):
            try:
                decoded[name] = json.loads(value)
            except json.JSONDecodeError:
                continue
    return decoded


def _truthy(value: Any) -> bool:
    """slack_sdk sends booleans as "1"/"0"; JSON callers send true/false."""
    return str(value).lower() in {"1", "true"}


def _ts_key(ts: str) -> tuple[int, int]:
    """Slack timestamps compare as (seconds, microseconds), exactly, not as floats."""
    seconds, _, micros = str(ts).partition(".")
    return int(seconds or 0), int((micros or "0").ljust(6, "0")[:6])


def _time_window(params: JSON) -> Callable[[str], bool]:
    """Whether a ts lies between `oldest` and `latest`; the bounds count only if `inclusive`."""
    try:
        oldest = _ts_key(params["oldest"]) if params.get("oldest") else None
    except ValueError:
        raise _ApiFailure("invalid_ts_oldest") from None
    try:
        latest = _ts_key(params["latest"]) if params.get("latest") else None
    except ValueError:
        raise _ApiFailure("invalid_ts_latest") from None
    inclusive = _truthy(params.get("inclusive"))

    def within(ts: str) -> bool:
        key = _ts_key(ts)
        if oldest is not None and (key < oldest or (key == oldest and not inclusive)):
            return False
        return latest is None or key < latest or (key == latest and inclusive)

    return within


def _cursor(offset: int) -> str:
    return base64.b64encode(f"next_offset:{offset}".encode()).decode()


def _cursor_offset(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        prefix, _, offset = base64.b64decode(str(cursor), validate=True).decode().partition(":")
        if prefix != "next_offset":
            raise ValueError(prefix)
        return int(offset)
    except ValueError:
        raise _ApiFailure("invalid_cursor") from None


def _check_metadata(params: JSON) -> None:
    """Slack's message metadata: ``{"event_type": str, "event_payload": {...}}``; an empty
    object (to remove it in ``chat.update``) is allowed."""
    if "metadata" not in params or params["metadata"] in ({}, None, ""):
        return
    metadata = params["metadata"]
    if not isinstance(metadata, dict):
        raise _ApiFailure("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(
        metadata.get("event_payload"), dict
    ):
        raise _ApiFailure("invalid_metadata_schema")


def _require_content(params: JSON) -> None:
    if not (params.get("text") or params.get("blocks") or params.get("attachments")):
        raise _ApiFailure("no_text")


def _id_list(value: Any) -> list[str]:
    """``users`` arrives as ``"U1,U2"`` (what slack_sdk sends) or, in JSON bodies, as a list."""
    if isinstance(value, list):
        return [str(item) for item in value if item]
    return [item.strip() for item in str(value or "").split(",") if item.strip()]
