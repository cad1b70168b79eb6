"""Teams: `POST /api/messages`, through botbuilder's CloudAdapter, into the interaction layer.

The adapter only translates (`bot.interaction` decides). What Teams sends:

- a message in a team channel or group chat that @mentions the bot: `Posted` with the words
  as their writer saw them (HTML read as plain text, the bot's `<at>` mention left out, other
  mentions as `@Name`), the mentioned Teams users as `mentioned`;
- a reply in a channel thread (conversation `19:...;messageid=<root>`): `Posted` in that
  thread, which the layer takes as a statement when the thread is a case's;
- any other top-level message of a client channel (the app's resource-specific consent
  sends them all): kept as the layer says (`Interactions.to_keep`), after the answer, for
  a bare @mention under it later: the Connector cannot read another message, so the
  layer's `ReadFirst` is answered from the kept one, or, when none is kept (too old, sent
  before the bot was added, lost), with the usage;
- `messageUpdate` / `messageDelete` of a kept message: it is kept no more;
- `complaint ...` in the 1:1 chat with the bot: `Commanded`, answered there with the log
  form (which client channel, then the open form's questions); its `submit:log` is kept in
  the inbox before the answer, and `open_logged` posts the bot's note in the chosen channel
  (a new thread; an earlier try's, if Graph finds one, `TeamsSink.anchor`) and opens the
  case on it;
- `messageDelete` (a soft delete) of a client's statement: `Deleted`, by the message id;
- `review ...` in the 1:1 chat, or after the bot's @mention in a channel (from a lead
  anywhere; from anyone else outside client channels, where a mention opens a case):
  `Reviewed`, answered in that person's 1:1 chat alone with the review's card
  (`bot.teams.review_cards`) or the refusal, never in the channel;
- the app installed for a person (`installationUpdate`, or the bot added to a 1:1 chat,
  `conversationUpdate`), or a message from them in that chat: where to write to them,
  kept as their address (`Store.save_address`) for the DMs (see `bot.teams.sink`);
- any activity from a team channel: the channel's team (`channelData.team.aadGroupId`),
  kept as the channel's address, for the sink to read the channel back through Graph;
- `adaptiveCard/action` invokes (Universal Actions): a form's verb is `Pressed`,
  `submit:<form>` is `Submitted`, `refresh` and `cancel` get the card for that viewer.
- the *Log as complaint* message action: `composeExtension/fetchTask` is `Commanded` on
  the message (`messagePayload`), answered with the open form in a dialog; its
  `composeExtension/submitAction` is the filled form, opened on the message's thread root.

The event path, as on Slack:
- authentication comes first: with an app id, a request without a valid Bot Framework token
  (a malformed one too) is answered 401 before anything is read into the core; without one
  (TEAMS_LOCAL=1, for emulators), nothing is checked, and `serve` says so loudly;
- an activity that can change a case carries the delivery id `teams:<activity id>`, written
  with its change, so a repeated activity changes nothing; a store that cannot take the
  write answers 503, and Teams tries again;
- invokes are answered with an `InvokeResponse` of our own, never through botbuilder's
  handlers (under CloudAdapter 4.17 they answer 500); a refusal is a message to the person
  who pressed, alone, and leaves the card as it is;
- a notice to one person outside an invoke (Teams has no ephemeral messages) goes to their
  1:1 chat with the bot, after the answer.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import jwt
from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes
from msrest.exceptions import DeserializationError

from bot.chart import render
from bot.inbox import Finish
from bot.interaction import (
    BUTTONS,
    MINE,
    Commanded,
    Deleted,
    Flagged,
    FormErrors,
    Interactions,
    Notice,
    Posted,
    Pressed,
    ReadFirst,
    Reviewed,
    ShowForm,
    ShowReview,
    Submitted,
    command_words,
    form_answers,
    reopening,
)
from bot.server import Runtime
from bot.teams import cards
from bot.teams.cards import CANCEL, PLATFORM, REFRESH
from bot.teams.connector import JSON, Connector, Reach, is_team_channel, split_thread
from bot.teams.graph import Graph
from bot.teams.package import MESSAGE_ACTION_ID
from bot.teams.review_cards import chart_uri, review_card
from bot.teams.sink import TeamsSink, channel_reference, reference
from bot.worker import Background
from handlers import forms, messages
from handlers.directory import Actor, Directory
from handlers.errors import DeliveryError, Refusal, StorageError, TransientDeliveryError
from handlers.messages import mention, user
from handlers.model import MessageRef
from storage.base import InboxItem, KeptMessage

log = logging.getLogger(__name__)

ACTION = "adaptiveCard/action"
FETCH_TASK = "composeExtension/fetchTask"  # the message action's dialog, asked for
SUBMIT_ACTION = "composeExtension/submitAction"  # ... and its form, sent
FORM = "teams.form"  # the inbox kind of a filled log form: its note is posted after the answer
CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
UNAUTHENTICATED = (
    "warning: Teams is on WITHOUT authentication (TEAMS_LOCAL=1, no MICROSOFT_APP_ID): "
    "anyone who can reach POST /api/messages can act as anyone in the directory"
)
NO_GRAPH = (
    "Teams: no Microsoft Graph (no MICROSOFT_APP_ID, no MICROSOFT_GRAPH_URL): a post whose "
    "earlier attempt may have arrived (a crash or a timeout mid-call) is posted again"
)
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
_AT_TAG = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_AT_ID = re.compile(r"""\bid\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class _Config:
    """What ConfigurationBotFrameworkAuthentication reads: an app with a tenant id is
    single-tenant; one without, multi-tenant; no app id at all, unauthenticated."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TENANTID: str | None
    APP_TYPE: str


def delivery(activity: JSON) -> str | None:
    """What Teams repeats when it sends an activity again."""
    activity_id = activity.get("id")
    return f"{PLATFORM}:{activity_id}" if activity_id else None


def said(
    raw: str,
    mentions: list[tuple[str, str]],
    left_out: set[str],
    markers: Mapping[str, str] | None = None,
) -> str:
    """A message's HTML as the plain text its writer saw: each mention's `<at>` text as
    `@Name`, or as its user's entry in `markers` (a core person marker) in its own place,
    those of `left_out` (the bot) left out, tags dropped, entities undone."""
    shown = {
        tag: "" if user in left_out else (markers or {}).get(user, f"@{cards.TAG.sub('', tag)}")
        for user, tag in mentions
        if tag
    }
    parts = re.split(f"({'|'.join(map(re.escape, shown))})", raw) if shown else [raw]
    text = "".join(
        shown[part] if part in shown else html.unescape(cards.TAG.sub("", _BREAK.sub("\n", part)))
        for part in parts
    )
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def mentions_of(activity: JSON) -> list[tuple[str, str]]:
    """(Teams user id, the mention's text) of every mention entity."""
    found = []
    for entity in activity.get("entities") or ():
        if isinstance(entity, dict) and entity.get("type") == "mention":
            mentioned = entity.get("mentioned") or {}
            if mentioned.get("id"):
                found.append((str(mentioned["id"]), str(entity.get("text") or "")))
    return found


def payload_mentions(payload: JSON) -> list[tuple[str, str]]:
    """(Teams user id, the mention's `<at>` tag in the body) of a message action's
    `messagePayload`: its `mentions` name each `<at id="N">` of `body.content` by `id`."""
    by_index: dict[str, str] = {}
    for entry in payload.get("mentions") or ():
        if not isinstance(entry, dict):
            continue
        mentioned = entry.get("mentioned") or {}
        account = mentioned.get("user") if isinstance(mentioned.get("user"), dict) else mentioned
        if isinstance(account, dict) and account.get("id"):
            by_index[str(entry.get("id"))] = str(account["id"])
    raw = str((payload.get("body") or {}).get("content") or "")
    found = []
    for tag in _AT_TAG.findall(raw):
        index = _AT_ID.search(tag.split(">", 1)[0])
        user_id = by_index.get(index.group(1)) if index else None
        if user_id:
            found.append((user_id, tag))
    return found


def task_answer(kind: str, value: Any) -> InvokeResponse:
    """A message action's answer: a dialog (`continue`) or a message in one (`message`)."""
    return InvokeResponse(status=HTTPStatus.OK, body={"task": {"type": kind, "value": value}})


def invoke_answer(kind: str, value: Any) -> InvokeResponse:
    """An adaptiveCard/action answer: a card shown to the invoker, or a message to them;
    `value` a dict or str (botbuilder cannot serialize its own models here)."""
    return InvokeResponse(
        status=HTTPStatus.OK, body={"statusCode": 200, "type": kind, "value": value}
    )


class TeamsAdapter:
    platform = PLATFORM

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.runtime, self.service = runtime, runtime.service
        self.unauthenticated = settings.microsoft_app_id is None
        tenant = settings.microsoft_app_tenant_id
        config = _Config(
            settings.microsoft_app_id,
            settings.microsoft_app_password,
            tenant,
            "SingleTenant" if tenant else "MultiTenant",
        )
        self.auth = ConfigurationBotFrameworkAuthentication(config)
        self.cloud = CloudAdapter(self.auth)
        self.reach = Reach(tenant_id=tenant)
        if settings.microsoft_app_id:
            self.reach.bot_id = f"28:{settings.microsoft_app_id}"
        self.names: dict[str, str] = {}  # Teams user id -> name, of everyone seen
        self.connector = Connector(settings)
        self.graph = Graph(settings, settings.graph_url) if settings.graph_url else None
        self.sink = TeamsSink(
            self.connector, runtime.directory, runtime.store, self.reach, self.names, self.graph
        )
        self.finishers: dict[str, Finish] = {FORM: self.open_logged}
        self.channel_names: dict[str, str] = {}  # channel id -> name, as Teams last said
        self.named_teams: set[str] = set()  # teams whose channel names Graph has given
        self.interactions = Interactions(runtime.service, PLATFORM, self.channel_names)
        self.background = Background()

    @property
    def directory(self) -> Directory:
        return self.runtime.directory

    # --- lifetime -------------------------------------------------------------------------

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/api/messages", self.handle)

    async def start(self) -> None:
        if self.unauthenticated:
            log.warning(UNAUTHENTICATED)
        if self.graph is None:
            log.warning(NO_GRAPH)

    async def stop(self) -> None:
        await self.drain()
        await self.connector.close()
        if self.graph is not None:
            await self.graph.close()

    async def drain(self) -> None:
        await self.background.drain()

    # --- the endpoint ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return web.json_response({"error": "an activity with a type is required"}, status=400)
        try:
            activity = Activity().deserialize(body)
        except DeserializationError as err:
            return web.json_response({"error": f"not an activity: {err}"}, status=400)
        try:
            authenticated = await self.auth.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except (PermissionError, jwt.PyJWTError, ValueError, KeyError) as err:
            # botbuilder lets a malformed token's decode error escape: it is still a 401.
            log.info("refusing a Teams request: %s", err or type(err).__name__)
            return web.json_response(
                {"error": "invalid or missing Bot Framework token"}, status=401
            )
        self._learn(body)
        answer: list[InvokeResponse] = []

        async def on_turn(turn: TurnContext) -> None:
            await self._keep_team(body)
            found = await self._dispatch(body)
            if found is not None:
                answer.append(found)
                await turn.send_activity(Activity(type=ActivityTypes.invoke_response, value=found))

        try:
            await self.cloud.process_activity(authenticated, activity, on_turn)
        except StorageError as err:
            log.warning("answering 503 so Teams retries: %s", err)
            return web.json_response(
                {"error": "the store cannot take writes right now"}, status=503
            )
        if answer and answer[0].body is None:
            return web.Response(status=answer[0].status)
        if answer:
            return web.json_response(answer[0].body, status=answer[0].status)
        return web.Response(status=200)

    def _learn(self, activity: JSON) -> None:
        """Where Teams is and who is who, from an authenticated activity."""
        if isinstance(activity.get("serviceUrl"), str):
            self.reach.service_url = activity["serviceUrl"]
        tenant = (activity.get("conversation") or {}).get("tenantId") or (
            (activity.get("channelData") or {}).get("tenant") or {}
        ).get("id")
        if tenant and not self.runtime.settings.microsoft_app_tenant_id:
            self.reach.tenant_id = str(tenant)
        bot = (activity.get("recipient") or {}).get("id")
        if bot and not self.reach.bot_id:
            self.reach.bot_id = str(bot)
        sender = activity.get("from") or {}
        if sender.get("id") and sender.get("name"):
            self.names[str(sender["id"])] = str(sender["name"])
        # A channel's name comes only now and then (a channel created or renamed).
        channel = (activity.get("channelData") or {}).get("channel")
        if isinstance(channel, dict) and channel.get("id") and channel.get("name"):
            self.channel_names[str(channel["id"])] = str(channel["name"])

    async def _keep_team(self, activity: JSON) -> None:
        """A team channel's team, kept as the channel's address the first time this process
        hears of it (a StorageError is a 503, and Teams sends the activity again)."""
        data = activity.get("channelData") or {}
        team = (data.get("team") or {}).get("aadGroupId")
        channel = (data.get("channel") or {}).get("id") or split_thread(
            str((activity.get("conversation") or {}).get("id") or "")
        )[0]
        if not team or not is_team_channel(channel) or self.sink.teams.get(channel) == team:
            return
        await self.runtime.store.save_address(
            PLATFORM, channel, channel_reference(self.reach, channel, str(team))
        )
        self.sink.teams[channel] = str(team)

    async def _dispatch(self, activity: JSON) -> InvokeResponse | None:
        kind = activity.get("type")
        if kind in (ActivityTypes.installation_update, ActivityTypes.conversation_update):
            await self.on_installed(activity)
        elif kind == ActivityTypes.message:
            await self.on_message(activity)
        elif kind == ActivityTypes.message_delete:
            await self.on_deleted(activity)
        elif kind == ActivityTypes.message_update:
            await self.on_edited(activity)
        elif kind == ActivityTypes.invoke:
            if activity.get("name") == ACTION:
                return await self.on_action(activity)
            if activity.get("name") == FETCH_TASK:
                return self.on_fetch_task(activity)
            if activity.get("name") == SUBMIT_ACTION:
                return await self.on_submit_action(activity)
            return InvokeResponse(status=HTTPStatus.NOT_IMPLEMENTED)
        return None

    async def on_deleted(self, activity: JSON) -> None:
        """`messageDelete` (Teams' soft delete): the message by its id alone, no text; a
        statement it was leaves the record (`Interactions.deleted`), a kept copy of it goes
        (`Interactions.forget`). Its delivery id is not the message's own, which recorded
        the statement."""
        channel, root = split_thread(str((activity.get("conversation") or {}).get("id") or ""))
        message_id = str(activity.get("id") or "")
        if not message_id:
            return
        await self.interactions.forget(channel, message_id)
        deleted = Deleted(
            author=self.actor(activity.get("from") or {}),
            channel=channel,
            message_id=message_id,
            words="",
            thread_id=root if root and root != message_id else None,
        )
        await self.interactions.deleted(deleted, f"{PLATFORM}:deleted:{message_id}")

    async def on_edited(self, activity: JSON) -> None:
        """`messageUpdate`: a message kept for a later flag no longer says what its writer
        does (a statement edited on a case stays as it was recorded)."""
        channel, _ = split_thread(str((activity.get("conversation") or {}).get("id") or ""))
        if activity.get("id"):
            await self.interactions.forget(channel, str(activity["id"]))

    # --- small helpers --------------------------------------------------------------------

    def actor(self, account: JSON) -> Actor:
        """Someone outside the directory is shown by the name Teams gave (`user` marker)."""
        user_id = str(account.get("id") or "")
        return self.directory.actor(PLATFORM, user_id, user(user_id))

    def tell(self, user_id: str, text: str) -> None:
        """A notice to one person: in their 1:1 chat with the bot, after the answer."""
        if text:
            self.background.spawn(self._tell(user_id, self.sink.message(text)))

    async def _tell(self, user_id: str, activity: JSON) -> None:
        try:
            await self.sink.tell(self.reach, user_id, activity)
        except DeliveryError as err:
            log.warning("could not tell %s on Teams: %s", user_id, err)

    def reply(self, activity: JSON, message: JSON) -> None:
        """An answer in the conversation the activity came from, after the ack."""
        conversation = str((activity.get("conversation") or {}).get("id") or "")
        self.background.spawn(self._reply(conversation, message))

    async def _reply(self, conversation: str, message: JSON) -> None:
        try:
            await self.sink.send(self.reach, conversation, message)
        except DeliveryError as err:
            log.warning("could not answer in %s: %s", conversation, err)

    # --- where people are ----------------------------------------------------------------

    async def on_installed(self, activity: JSON) -> None:
        """The app installed for a person, or the bot added to their 1:1 chat."""
        if activity.get("type") == ActivityTypes.installation_update:
            if not str(activity.get("action") or "").startswith("add"):  # add, add-upgrade
                return
        else:
            bot_id = (activity.get("recipient") or {}).get("id")
            added = activity.get("membersAdded") or ()
            if not any(isinstance(m, dict) and m.get("id") == bot_id for m in added):
                return
        await self._keep_address(activity)

    async def _keep_address(self, activity: JSON) -> None:
        """Keep a 1:1 chat's reference as its person's address (a StorageError is a 503,
        and Teams sends the activity again)."""
        conversation = activity.get("conversation") or {}
        user = str((activity.get("from") or {}).get("id") or "")
        chat = str(conversation.get("id") or "")
        if conversation.get("conversationType") != "personal" or not user or not chat:
            return
        tenant = conversation.get("tenantId") or (
            (activity.get("channelData") or {}).get("tenant") or {}
        ).get("id")
        reach = Reach(
            str(activity.get("serviceUrl") or self.reach.service_url or ""),
            str(tenant or self.reach.tenant_id or "") or None,
            str((activity.get("recipient") or {}).get("id") or self.reach.bot_id or "") or None,
        )
        address = reference(reach, user, chat)
        store = self.runtime.store
        if await store.address(PLATFORM, user) != address:
            await store.save_address(PLATFORM, user, address)

    # --- messages -------------------------------------------------------------------------

    async def on_message(self, activity: JSON) -> None:
        conversation = activity.get("conversation") or {}
        sender = activity.get("from") or {}
        if not sender.get("id") or not activity.get("id"):
            return
        delivery_id = delivery(activity)
        if delivery_id and await self.runtime.store.seen(delivery_id):
            return  # Teams sent it again: it has done its work
        bot_id = str((activity.get("recipient") or {}).get("id") or "")
        mentions = mentions_of(activity)
        raw = str(activity.get("text") or "")
        mentioned = tuple(dict.fromkeys(u for u, _ in mentions if u != bot_id))
        actor = self.actor(sender)
        personal = conversation.get("conversationType") == "personal"
        if personal:
            await self._keep_address(activity)  # installed before addresses were kept
        words = said(raw, mentions, {bot_id})
        channel, root = split_thread(str(conversation.get("id") or ""))
        mentions_bot = any(u == bot_id for u, _ in mentions)
        asked = self.interactions.review_asked(actor, channel, words, mentions_bot, personal)
        if asked is not None:  # the people it names, as the core's markers
            marked = said(raw, mentions, {bot_id}, self._markers(mentions))
            review = self.interactions.review_asked(actor, channel, marked, mentions_bot, personal)
            await self._review(actor, review or "")
            return
        if personal:
            typed = said(raw, mentions, {u for u, _ in mentions})  # the people are `mentioned`
            await self._command(activity, actor, typed, mentioned)
            return
        thread = root if root and root != activity["id"] else None
        posted = Posted(
            actor=actor,
            channel=channel,
            message_id=str(activity["id"]),
            words=words,
            thread_id=thread,
            mentions_bot=mentions_bot,
            mentioned=mentioned,
        )
        answer = await self.interactions.posted(posted, delivery_id)
        if answer is None:
            kept = self.interactions.to_keep(posted, str(sender.get("name") or ""))
            if kept is not None:
                self.background.spawn(self._keep(kept))
        elif isinstance(answer, ReadFirst):
            await self._flag_kept(actor, answer, delivery_id)
        elif isinstance(answer, Notice):
            self.tell(actor.user_id, answer.text)

    async def _keep(self, message: KeptMessage) -> None:
        """After the answer, so the ack of channel chatter touches no disk; one a failing
        store loses is a message a later flag cannot find (the usage, as before the bot
        was added)."""
        try:
            await self.runtime.store.keep_message(message)
        except StorageError as err:
            log.warning("could not keep message %s: %s", message.message_id, err)

    async def _flag_kept(self, flagger: Actor, flag: ReadFirst, delivery_id: str | None) -> None:
        """The Connector cannot read another message: the case opens on the flagged one as
        it was kept; when none is, the flagger is told how to write a complaint."""
        message = await self.interactions.kept(flag)
        if message is None:
            self.tell(flagger.user_id, self.interactions.usage().text)
            return
        self.names.setdefault(message.author, message.author_name)
        read = Flagged(
            author=self.actor({"id": message.author}),
            channel=message.channel,
            message_id=message.message_id,
            words=message.words,
            mentioned=message.mentioned,
        )
        answer = await self.interactions.flagged(flagger, read, flag.trigger, delivery_id)
        self.tell(flagger.user_id, answer.text)

    # --- the leads' review ------------------------------------------------------------------

    def _markers(self, mentions: list[tuple[str, str]]) -> dict[str, str]:
        """Each mentioned directory person's Teams id -> their core marker."""
        people = ((user, self.directory.person_on(PLATFORM, user)) for user, _ in mentions)
        return {user: mention(person.id) for user, person in people if person is not None}

    async def _review(self, actor: Actor, words: str) -> None:
        """The review, or why not, in the asker's 1:1 chat with the bot alone."""
        answer = await self.interactions.reviewed(Reviewed(actor, words))
        if isinstance(answer, ShowReview):
            people, chart, alt = self.sink.people, None, ""
            if answer.trend is not None:
                chart, alt = chart_uri((await render(answer.trend)).png), answer.trend.title
            card = review_card(answer.view, people, chart, people.plain(alt))
            self.background.spawn(self._tell(actor.user_id, self.sink.card(card)))
        else:
            self.tell(actor.user_id, answer.text)

    async def _command(
        self, activity: JSON, actor: Actor, words: str, mentioned: tuple[str, ...]
    ) -> None:
        """`complaint ...` in the 1:1 chat; anything else there gets the usage."""
        rest = command_words(words)
        if rest is None and words.strip().lower() == MINE:  # `mine` alone, in the 1:1 chat
            rest = MINE
        channel = str((activity.get("conversation") or {}).get("id") or "")
        if rest is None:
            answer: Notice | ShowForm = self.interactions.usage()
        else:
            await self._name_channels()  # a log form offers them (once a team: cheap after)
            answer = await self.interactions.typed(Commanded(actor, channel, rest, mentioned))
        if isinstance(answer, Notice):
            self.reply(activity, self.sink.message(answer.text))
            return
        if answer.notice:
            self.reply(activity, self.sink.message(answer.notice))
        card = cards.form_card(answer.form, self.sink.people, "", initial=answer.initial)
        self.reply(activity, self.sink.card(card))

    async def _name_channels(self) -> None:
        """The names of the client channels Teams has not said (it sends one only when a
        channel is created or renamed), from Graph's list of each known team's channels,
        once a team per process (a refusal, such as no consent, is not asked again); without
        Graph or its answer, the form makes do."""
        if self.sink.graph is None:
            return
        unnamed = self.interactions.unnamed_channels()
        for team in dict.fromkeys([await self.sink.known_team(c) for c in unnamed]):
            if team is None or team in self.named_teams:
                continue
            try:
                names = await self.sink.graph.channel_names(team, self.reach.tenant_id)
            except TransientDeliveryError as err:  # asked again with the next form
                log.info("no channel names from Graph for team %s yet: %s", team, err)
                continue
            except DeliveryError as err:
                log.warning("no channel names from Graph for team %s: %s", team, err)
                names = {}
            self.named_teams.add(team)
            for channel, name in names.items():
                self.channel_names.setdefault(channel, name)

    # --- card actions ---------------------------------------------------------------------

    def _said(self, text: str) -> InvokeResponse:
        return invoke_answer(MESSAGE_RESPONSE, self.sink.people.plain(text))

    async def on_action(self, activity: JSON) -> InvokeResponse:
        value = activity.get("value") or {}
        action: JSON = (value.get("action") if isinstance(value, dict) else None) or {}
        verb = str(action.get("verb") or "")
        data: JSON = action["data"] if isinstance(action.get("data"), dict) else {}
        case_id = str(data.get("case_id") or "")
        actor = self.actor(activity.get("from") or {})
        channel, _ = split_thread(str((activity.get("conversation") or {}).get("id") or ""))
        if verb in (REFRESH, CANCEL):
            return await self._card_for(actor, case_id, channel)
        if verb in BUTTONS:
            shown = await self.interactions.pressed(Pressed(actor, verb, case_id))
            if isinstance(shown, Notice):
                return self._said(shown.text)
            drawn = cards.form_card(shown.form, self.sink.people, case_id, initial=shown.initial)
            return invoke_answer(CARD_RESPONSE, drawn)
        form = cards.submitted_form(verb)
        if form is forms.LOG:
            return await self._logged(activity, actor, data)
        if form is None or form is forms.OPEN or not case_id:
            return self._said(self.interactions.usage().text)
        values = cards.read_values(form, data)
        submitted = Submitted(actor, form, values, case_id, channel)
        answer = await self.interactions.submitted(submitted, delivery(activity))
        if isinstance(answer, FormErrors):
            return await self._errors(actor, form, case_id, values, answer)
        return await self._card_for(actor, case_id, channel, answer.text)

    # --- a complaint logged from the 1:1 chat ------------------------------------------------

    async def _logged(self, activity: JSON, actor: Actor, data: JSON) -> InvokeResponse:
        """A filled log form: checked, then kept in the inbox before the answer (a crash
        after it loses nothing), and the form replaced by what happens next; a refusal (a
        channel that is no client's, a stranger) is the form again, with why."""
        values = cards.read_values(forms.LOG, data)
        delivery_id = delivery(activity)
        try:
            opening = self.interactions.opening(actor, values, "", "", actor, "command")
            self.service.check_opening(opening)
        except Refusal as refusal:
            errors = self.interactions.form_errors(forms.LOG, refusal).errors
            drawn = self.interactions.log_form(actor) or forms.LOG
            card = cards.form_card(drawn, self.sink.people, "", initial=values, errors=errors)
            return invoke_answer(CARD_RESPONSE, card)
        if delivery_id is None:
            return self._said(self.interactions.usage().text)
        payload = {
            **form_answers(opening),
            "actor": actor.user_id,
            "service_url": self.reach.service_url,
            "tenant": self.reach.tenant_id,
            "bot": self.reach.bot_id,
        }
        item = InboxItem(delivery_id, FORM, payload, self.service.context().now)
        if await self.runtime.store.accept(item):
            self.runtime.inbox.wake()
        client = self.directory.client_for_channel(PLATFORM, opening.source.channel)
        assert client, "check_opening refuses a channel that is no client's"
        said = messages.text(self.directory.language, "notice.logging", client=client.name)
        return invoke_answer(CARD_RESPONSE, cards.answered_card(said, self.sink.people))

    async def open_logged(self, item: InboxItem) -> None:
        """Open a logged complaint's case from the inbox: the bot's note, at the top of the
        chosen channel, anchors its client thread; an earlier try's note is looked for first
        (`TeamsSink.anchor`). TransientDeliveryError while Teams cannot take it: the inbox
        retries."""
        form = item.payload
        reach = Reach(
            form.get("service_url") or self.reach.service_url,
            form.get("tenant") or self.reach.tenant_id,
            form.get("bot") or self.reach.bot_id,
        )
        if not reach.service_url:
            raise TransientDeliveryError("no Teams serviceUrl known yet: waiting for an activity")
        if not self.reach.service_url:  # nothing came in since a restart: the form says where
            self.reach.service_url, self.reach.tenant_id = reach.service_url, reach.tenant_id
            self.reach.bot_id = self.reach.bot_id or reach.bot_id
        actor = self.actor({"id": form["actor"]})
        note = messages.text(self.directory.language, "client.logged", actor=actor.display)
        channel = form["channel"]
        since = int(item.received_at.timestamp() * 1000)
        root = await self.sink.anchor(
            item.delivery_id, reach, channel, self.sink.message(note), since
        )
        source = MessageRef(PLATFORM, channel, root)
        opening = reopening(form, actor, source, actor, form["summary"])
        self.tell(actor.user_id, (await self.interactions.open(opening, item.delivery_id)).text)

    async def _errors(
        self,
        actor: Actor,
        form: forms.Form,
        case_id: str,
        values: dict[str, Any],
        answer: FormErrors,
    ) -> InvokeResponse:
        """The form again, as the interaction layer draws it for this case, with the
        answers given and why they were refused."""
        shown = await self.interactions.pressed(Pressed(actor, form.name, case_id))
        drawn = shown.form if isinstance(shown, ShowForm) else form
        card = cards.form_card(
            drawn, self.sink.people, case_id, initial=values, errors=answer.errors
        )
        return invoke_answer(CARD_RESPONSE, card)

    async def _card_for(
        self, actor: Actor, case_id: str, channel: str, notice: str = ""
    ) -> InvokeResponse:
        """The case card with this viewer's actions, in the internal channel only (what the
        step did is told in their 1:1 chat); anywhere else (the client thread) the internal
        card is never shown: a message instead."""
        internal = self.directory.internal_channel_on(PLATFORM)
        try:
            case = await self.service.get(case_id)
        except Refusal as refusal:
            return self._said(self.interactions.refused(refusal).text)
        if channel != internal:
            return self._said(notice) if notice else invoke_answer(MESSAGE_RESPONSE, "")
        self.tell(actor.user_id, notice)  # the card takes the answer's place: say it 1:1
        allowed = self.interactions.allowed(case, actor)
        return invoke_answer(CARD_RESPONSE, self.sink.case_card(case, allowed))

    # --- the message action: "Log as complaint" on a message ------------------------------

    def _message_action(
        self, activity: JSON
    ) -> tuple[Actor, str, JSON, str, tuple[str, ...]] | None:
        """(who acts, the channel, the message, its words, the people it mentions) of a
        message action's invoke, or None when it is not ours."""
        value = activity.get("value")
        if not isinstance(value, dict) or value.get("commandId") != MESSAGE_ACTION_ID:
            return None
        payload: JSON = (
            value["messagePayload"] if isinstance(value.get("messagePayload"), dict) else {}
        )
        bot_id = str((activity.get("recipient") or {}).get("id") or "")
        mentions = payload_mentions(payload)
        words = said(str((payload.get("body") or {}).get("content") or ""), mentions, {bot_id})
        mentioned = tuple(dict.fromkeys(u for u, _ in mentions if u != bot_id))
        conversation = str((activity.get("conversation") or {}).get("id") or "")
        channel, _ = split_thread(conversation)
        if not channel:
            channel = str(
                ((activity.get("channelData") or {}).get("channel") or {}).get("id") or ""
            )
        return self.actor(activity.get("from") or {}), channel, payload, words, mentioned

    def _dialog(
        self,
        initial: dict[str, Any],
        errors: dict[str, str] | None = None,
    ) -> InvokeResponse:
        people = self.sink.people
        card = cards.form_card(forms.OPEN, people, "", initial=initial, errors=errors, dialog=True)
        title = people.plain(messages.text(people.language, forms.OPEN.title))
        return task_answer("continue", {"title": title, "card": cards.attachment(card)})

    def on_fetch_task(self, activity: JSON) -> InvokeResponse:
        """The open form, prefilled from the message, in a dialog; outside a client
        channel, why not."""
        found = self._message_action(activity)
        if found is None:
            return InvokeResponse(status=HTTPStatus.NOT_IMPLEMENTED)
        actor, channel, payload, words, mentioned = found
        logging = Commanded(
            actor, channel, words, mentioned, message_id=str(payload.get("id") or "")
        )
        answer = self.interactions.commanded(logging)
        if isinstance(answer, Notice):
            return task_answer("message", self.sink.people.plain(answer.text))
        errors = {"affected": answer.notice} if answer.notice else None
        return self._dialog(answer.initial, errors)

    async def on_submit_action(self, activity: JSON) -> InvokeResponse:
        """The filled open form opens a case on the message (its thread's root); a refusal
        is the form again, with why."""
        found = self._message_action(activity)
        if found is None:
            return InvokeResponse(status=HTTPStatus.NOT_IMPLEMENTED)
        actor, channel, payload, words, _ = found
        delivery_id = delivery(activity)
        if delivery_id and await self.runtime.store.seen(delivery_id):
            return InvokeResponse(status=HTTPStatus.OK)  # Teams sent it again: done
        data = (activity.get("value") or {}).get("data")
        values = cards.read_values(forms.OPEN, data if isinstance(data, dict) else {})
        message_id = str(payload.get("replyToId") or payload.get("id") or "")
        author_account = (payload.get("from") or {}).get("user") or {}
        if author_account.get("id") and author_account.get("displayName"):
            self.names[str(author_account["id"])] = str(author_account["displayName"])
        author = self.actor(author_account)
        try:
            opening = self.interactions.opening(
                actor, values, channel, message_id, author, "shortcut", words
            )
        except Refusal as refusal:
            return self._dialog(values, self.interactions.form_errors(forms.OPEN, refusal).errors)
        answer = await self.interactions.open(opening, delivery_id)
        if answer.refused:
            return self._dialog(values, {forms.OPEN.fields[0].name: answer.text})
        if not answer.text:
            return InvokeResponse(status=HTTPStatus.OK)
        return task_answer("message", self.sink.people.plain(answer.text))
