"""Carries the core's effects out on Teams, through the Bot Connector, for the outbox.

- The client thread: a reply in the source message's reply chain (a chat has none: a
  message in the chat). Only client effects reach it (see `bot.sink`).
- The internal card: a new thread in the directory's internal Teams channel, updated in
  place (PUT) at every change; its activity id is the card's ref, and its notes are replies
  to it. Its `refresh` names the directory's people on Teams, so each viewer gets the card
  with the actions their role allows (the adapter answers the `refresh` invoke).
- DMs: the 1:1 chat with the person's Teams id, then a message there. The chat is the
  conversation reference Teams gave when the app was installed for them (stored by the
  adapter, `Store.address`); without one, the bot asks Teams for the chat
  (`POST /v3/conversations`), which it gives when the app reaches the person some other way
  (a team it is installed in), and keeps it as their address. When Teams refuses, the
  DM fails for good with why, and the core tells the account manager to install the app
  for that person (`handlers.delivery`). Someone with no Teams id is logged and skipped.
- Invites: Teams lets no bot add someone to a channel, so an invite is a logged no-op.

Posting once. The Connector keeps no history a bot can read, so when an earlier attempt
may have arrived (a timeout or a 5xx after Teams took it, a crash mid-call), the sink
reads the place back through Microsoft Graph (`bot.teams.graph`) and posts only if the
earlier attempt is not there. A wrong "found" would lose a message, so a message counts
as that attempt only if the bot wrote it, it is not deleted, and:
- in a thread that one outbox lane alone writes to (a case's client thread in a team
  channel, the card's thread of notes): it is newer than the lane's newest post the store
  recorded (every completed post keeps its id as a case ref: `POST_REF` + its key in the
  client thread, `card_note:<event>` in the card's thread; lane order means nothing later
  of the lane can be there yet) and it says the same (its text, and its cards' JSON);
- the card, top-level in the internal channel among every case's cards: it is this case's
  card (its title element names the case, `cards.marker`) and newer than the case's source
  message and any card of it before;
- in a group chat (several cases' client threads): the same as in a thread, newer than
  the lane's newest recorded post there, and only for a post that names its case (its
  words or its card's): another case's post could say the same words otherwise, so such a
  post is not looked for.
Teams' message ids are millisecond times, so "newer" compares ids (Graph's
`createdDateTime` where an id is not one). A channel's team (Graph names channels under
their team) comes with activities from it (`channelData.team.aadGroupId`); the adapter
keeps it as the channel's address in the store (`Store.save_address`, keyed by the
channel's id: a conversation reference, its Connector too, which a restart reaches the
case by before any activity came in), so it outlives restarts and reaches every replica;
a channel no activity came from yet (the internal one, often) is looked for under the
teams the bot knows (`team_of`). Not looked for, and so maybe posted twice: a DM (reading
1:1 chats needs tenant-wide Chat.Read.All); anything when there is no Graph (no app id
and no MICROSOFT_GRAPH_URL: local emulators, said once at start); a post in a channel
whose team is not found so; and a post whose
look-up Graph refuses for good (a 403: the consent is not granted; a 404), which is logged
with why: waiting would hold the lane up for nothing. A 429, a 5xx or no answer at all is
tried again later, like a failed post. The bot's note that anchors a complaint logged from
the 1:1 chat (`anchor`) is looked for the same way, top-level in its channel: the same
words, newer than the inbox item, and no case's source yet. A text naming a client
contact by the name Teams last gave (`names`, learned from activities) may read otherwise
after a restart, and is then posted again: a duplicate, never a loss.
"""

from __future__ import annotations

import html
import json
import logging
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, replace

from bot.sink import Attempt, PlatformSink, Refs
from bot.teams import cards
from bot.teams.cards import CONTENT_TYPE, PLATFORM, People
from bot.teams.connector import (
    JSON,
    Connector,
    Reach,
    is_team_channel,
    quoted,
    split_thread,
    thread_of,
)
from bot.teams.graph import Graph, created_ms
from handlers.card import case_card as card_view
from handlers.directory import Directory
from handlers.effects import note_ref
from handlers.errors import DeliveryError, TransientDeliveryError
from handlers.messages import text as say
from handlers.model import Case, MessageRef
from storage.base import Store

log = logging.getLogger(__name__)

CARD_REF = "teams_card"  # the card's activity id in the internal channel
QUESTION_REF = "teams_question"  # the open feedback question's activity id
SERVICE_REF = "teams_service_url"  # the Connector the case's conversations are at
TENANT_REF = "teams_tenant"
BOT_REF = "teams_bot"
POST_REF = "teams_post:"  # + an outbox key: the id of that client-thread post
DEEP_LINK = "https://teams.microsoft.com/l/message/{channel}/{message}"


@dataclass(frozen=True)
class Place:
    """Where a post goes (a conversation, through `reach`), and a channel `near` it whose
    team is likely its own (`TeamsSink.team_of`)."""

    reach: Reach
    conversation: str
    near: str


class TeamsSink(PlatformSink):
    def __init__(
        self,
        connector: Connector,
        directory: Directory,
        store: Store,
        reach: Reach,
        names: Mapping[str, str],
        graph: Graph | None = None,
    ) -> None:
        self.connector, self.directory, self.store = connector, directory, store
        self.reach, self.names, self.graph = reach, names, graph
        self.teams: MutableMapping[str, str] = {}  # channel id -> its team's aadGroupId

    @property
    def people(self) -> People:
        return People(self.directory, self.names)

    # --- where the case is ----------------------------------------------------------------

    async def _where(self, case: Case, attempt: Attempt) -> Reach:
        """The case's Connector, tenant and bot id: as stored with its card, else as the
        latest activity said, else as kept with its channel's address (`team_of`); none yet
        (nothing came in since a restart) waits."""
        refs = attempt.refs
        reach = Reach(
            refs.get(SERVICE_REF) or self.reach.service_url,
            refs.get(TENANT_REF) or self.reach.tenant_id,
            refs.get(BOT_REF) or self.reach.bot_id,
        )
        if not reach.service_url:
            kept = await self.store.address(PLATFORM, case.source.channel) or {}
            conversation = kept.get("conversation") or {}
            reach = Reach(
                kept.get("serviceUrl"),
                reach.tenant_id or conversation.get("tenantId"),
                reach.bot_id or (kept.get("bot") or {}).get("id") or None,
            )
        if not reach.service_url:
            raise TransientDeliveryError("no Teams serviceUrl known yet: waiting for an activity")
        return reach

    @staticmethod
    def _kept(reach: Reach) -> Refs:
        found = {SERVICE_REF: reach.service_url, TENANT_REF: reach.tenant_id, BOT_REF: reach.bot_id}
        return {name: value for name, value in found.items() if value}

    # --- posting --------------------------------------------------------------------------

    def message(self, text: str) -> JSON:
        """A core text as a message, its people as real mentions."""
        html, entities = cards.message_text(text, self.people)
        activity: JSON = {"type": "message", "text": html, "textFormat": "xml"}
        if entities:
            activity["entities"] = entities
        return activity

    @staticmethod
    def card(content: JSON) -> JSON:
        return {"type": "message", "attachments": [cards.attachment(content)]}

    async def send(self, reach: Reach, conversation: str, activity: JSON) -> str:
        """Post `activity` in `conversation` (a thread's id replies in it); its id."""
        assert reach.service_url
        path = f"v3/conversations/{quoted(conversation)}/activities"
        posted = await self.connector.call("POST", reach.service_url, path, activity)
        return str(posted.get("id", ""))

    async def once(
        self,
        attempt: Attempt,
        case: Case,
        conversation: str,
        activity: JSON,
        floor: int,
        same: Callable[[JSON], bool] | None = None,
    ) -> str:
        """Post `activity` in `conversation` unless an earlier attempt did (a bot message
        newer than `floor`, in ms, that is the `same`: by default, says what `activity`
        says); its id."""
        reach = await self._where(case, attempt)
        if attempt.maybe_sent:
            where = Place(reach, conversation, case.source.channel)
            found = await self._earlier(attempt.key, where, floor, same or same_as(activity))
            if found:
                return found
        return await self.send(reach, conversation, activity)

    async def anchor(self, key: str, reach: Reach, channel: str, activity: JSON, since: int) -> str:
        """The bot's note that anchors a logged complaint (the inbox item `key`) at the top
        of `channel`: an earlier try's, newer than `since` (ms) and saying the same, that no
        case opened on yet, else a new one (`start_thread`). The inbox cannot tell a retry
        from a first try (a crash leaves no mark), so it always looks; two complaints that
        logged the same words at once may swap their notes, which loses neither."""

        async def free(message_id: str) -> bool:
            return (
                await self.store.case_for_source(MessageRef(PLATFORM, channel, message_id).key)
                is None
            )

        found = await self._earlier(
            key, Place(reach, channel, channel), since, same_as(activity), free
        )
        return found or await self.start_thread(reach, channel, activity)

    async def _earlier(
        self,
        key: str,
        where: Place,
        floor: int,
        same: Callable[[JSON], bool],
        free: Callable[[str], Awaitable[bool]] | None = None,
    ) -> str | None:
        """The id of the earlier attempt at `key` in `where`, or None: not there, or not to
        be looked for (no Graph, said at start; Graph refusing for good, logged)."""
        if self.graph is None:
            return None
        try:
            found = await self._find(where, floor, same, free)
        except TransientDeliveryError:
            raise
        except DeliveryError as err:  # a 403 (no consent), a 404: waiting will not help
            log.warning("could not look in %s for %s (%s): posted again",
                        where.conversation, key, err)  # fmt: skip
            return None
        if found:
            log.info("%s was already posted (id %s); not posting again", key, found)
        return found

    async def _find(
        self,
        where: Place,
        floor: int,
        same: Callable[[JSON], bool],
        free: Callable[[str], Awaitable[bool]] | None,
    ) -> str | None:
        assert self.graph is not None
        reach = where.reach
        channel, root = split_thread(where.conversation)
        if is_team_channel(channel):
            team = await self.team_of(reach, channel, where.near)
            if team is None:
                log.warning("no team known for %s: not looked up, posted again", channel)
                return None
            if root:
                found = self.graph.replies(team, channel, root, reach.tenant_id)
            else:
                found = self.graph.channel_messages(team, channel, reach.tenant_id)
        else:
            found = self.graph.chat_messages(channel, reach.tenant_id, floor)
        bot = (reach.bot_id or "").removeprefix("28:")  # a bot's id is 28:<its app id>
        async for message in found:
            author = (message.get("from") or {}).get("application") or {}
            if (
                bot
                and author.get("id") == bot
                and not message.get("deletedDateTime")
                and created_ms(message) > floor
                and same(message)
                and (free is None or await free(str(message["id"])))
            ):
                return str(message["id"])
        return None

    async def team_of(self, reach: Reach, channel: str, near: str) -> str | None:
        """The aadGroupId of a team channel's team: as activities from it said (kept by the
        adapter), else the team Graph lists it under, of those the bot knows (the case's
        client channel's first), kept the same way once found."""
        team = await self.known_team(channel)
        if team is not None:
            return team
        assert self.graph is not None
        candidates = [await self.known_team(near), *self.teams.values()]
        for team in dict.fromkeys(t for t in candidates if t):
            try:
                await anext(
                    aiter(self.graph.channel_messages(team, channel, reach.tenant_id)), None
                )
            except TransientDeliveryError:
                raise
            except DeliveryError:  # not that team's channel (404), or no consent there (403)
                continue
            await self.store.save_address(
                PLATFORM, channel, channel_reference(reach, channel, team)
            )
            self.teams[channel] = team
            return team
        return None

    async def known_team(self, channel: str) -> str | None:
        """The aadGroupId of a team channel's team, as activities from it said; None yet."""
        if channel not in self.teams:
            known = await self.store.address(PLATFORM, channel) or {}
            team = ((known.get("channelData") or {}).get("team") or {}).get("aadGroupId")
            if not team:
                return None
            self.teams[channel] = str(team)
        return self.teams[channel]

    async def start_thread(self, reach: Reach, channel: str, activity: JSON) -> str:
        """Post `activity` at the top of `channel`; its id. In a team channel that is a new
        thread, started as botbuilder's `TeamsInfo.send_message_to_teams_channel` does
        (`POST /v3/conversations` naming the channel); a chat has no threads: a message in
        it."""
        if not is_team_channel(channel):
            return await self.send(reach, channel, activity)
        assert reach.service_url
        parameters: JSON = {
            "isGroup": True,
            "channelData": {"channel": {"id": channel}},
            "activity": activity,
        }
        if reach.tenant_id:
            parameters["tenantId"] = reach.tenant_id
            parameters["channelData"]["tenant"] = {"id": reach.tenant_id}
        created = await self.connector.call(
            "POST", reach.service_url, "v3/conversations", parameters
        )
        if not created.get("activityId"):
            raise DeliveryError(f"Teams started a thread in {channel} but gave no activity id")
        return str(created["activityId"])

    async def update(
        self, reach: Reach, conversation: str, activity_id: str, activity: JSON
    ) -> None:
        assert reach.service_url
        path = f"v3/conversations/{quoted(conversation)}/activities/{quoted(activity_id)}"
        await self.connector.call("PUT", reach.service_url, path, activity)

    # --- the client thread ----------------------------------------------------------------

    def _client_thread(self, case: Case) -> str:
        return thread_of(case.source.channel, case.source.message_id)

    async def post_to_client_thread(self, case: Case, text: str, attempt: Attempt) -> Refs:
        return {POST_REF + attempt.key: await self._client_post(case, attempt, self.message(text))}

    async def ask_for_feedback(self, case: Case, text: str, attempt: Attempt) -> Refs:
        content = cards.feedback_card(text, case.id, self.people)
        posted = await self._client_post(case, attempt, self.card(content))
        return {QUESTION_REF: posted, POST_REF + attempt.key: posted}

    async def _client_post(self, case: Case, attempt: Attempt, activity: JSON) -> str:
        """The client lane's posts are newer than the case's message and the lane's last. A
        group chat holds other cases' posts too: one whose words do not name the case could
        be another's, so it is not looked for (a duplicate rather than a loss)."""
        posts = [v for k, v in attempt.refs.items() if k.startswith(POST_REF)]
        floor = newest(case.source.message_id, attempt.refs.get(QUESTION_REF, ""), *posts)
        named = re.search(rf"\b{re.escape(case.id)}\b", json.dumps(activity))
        if attempt.maybe_sent and not is_team_channel(case.source.channel) and not named:
            log.info("%s does not name %s: not looked for in a group chat", attempt.key, case.id)
            attempt = replace(attempt, maybe_sent=False)
        return await self.once(attempt, case, self._client_thread(case), activity, floor)

    async def close_question(self, case: Case, text: str, attempt: Attempt) -> None:
        question = attempt.refs.get(QUESTION_REF)
        if question:
            content = cards.answered_card(text, self.people)
            reach = await self._where(case, attempt)
            await self.update(reach, self._client_thread(case), question, self.card(content))

    # --- the internal card ----------------------------------------------------------------

    def case_card(self, case: Case, allowed: frozenset[str] | None = None) -> JSON:
        """The case card for everyone (every action), or for a viewer who may use `allowed`;
        either way with the refresh that gets each viewer their own."""
        view = card_view(case, self.directory)
        if allowed is not None:
            view = cards.for_viewer(view, allowed)
        viewers = [
            user for p in self.directory.people.values() if (user := p.platform_id(PLATFORM))
        ]
        link = self._link(case.source.channel, case.source.message_id)
        return cards.case_card(view, self.people, source_link=link, refresh_users=viewers)

    async def update_card(self, case: Case, attempt: Attempt) -> Refs:
        channel = self.directory.internal_channel_on(PLATFORM)
        if channel is None:
            return {}
        reach = await self._where(case, attempt)
        card_id = attempt.refs.get(CARD_REF)
        activity = self.card(self.case_card(case))
        if card_id:
            try:
                await self.update(reach, thread_of(channel, card_id), card_id, activity)
                return self._kept(reach)
            except TransientDeliveryError:
                raise
            except DeliveryError as err:
                if "ActivityNotFound" not in str(err):
                    raise
                log.warning("the card of %s is gone; posting it again", case.id)
        floor = newest(case.source.message_id, card_id or "")
        posted = await self.once(attempt, case, channel, activity, floor, same=card_of(case))
        return {**self._kept(reach), CARD_REF: posted}

    async def add_card_note(self, case: Case, text: str, attempt: Attempt) -> str:
        """The card's thread is its lane's alone: a note is newer than the card and the
        lane's notes before it."""
        thread = self._card_thread(case, attempt)
        if thread is None:
            return ""
        notes = [v for k, v in attempt.refs.items() if k.startswith(note_ref(""))]
        floor = newest(attempt.refs[CARD_REF], *notes)
        return await self.once(attempt, case, thread, self.message(text), floor)

    async def update_card_note(self, case: Case, note: str, text: str, attempt: Attempt) -> None:
        """A PUT of the whole activity is the same whatever its tries."""
        thread = self._card_thread(case, attempt)
        if thread is not None:
            await self.update(await self._where(case, attempt), thread, note, self.message(text))

    def _card_thread(self, case: Case, attempt: Attempt) -> str | None:
        """The card's reply chain in the internal channel (None: no internal channel)."""
        channel = self.directory.internal_channel_on(PLATFORM)
        if channel is None:
            return None
        card_id = attempt.refs.get(CARD_REF)
        if card_id is None:
            raise TransientDeliveryError(f"the card of {case.id} is not posted yet")
        return thread_of(channel, card_id)

    # --- people ---------------------------------------------------------------------------

    async def direct_message(self, case: Case, person_id: str, text: str, attempt: Attempt) -> None:
        user = self.directory.people[person_id].platform_id(PLATFORM)
        if not user:
            log.info("%s has no Teams id; DM for %s not sent on Teams", person_id, case.id)
            return
        activity = self.message(text)
        activity["text"] += self._links(case, attempt)
        await self.tell(await self._where(case, attempt), user, activity)

    def _links(self, case: Case, attempt: Attempt) -> str:
        """Links to both threads: the client's message, and the card once it is posted."""
        links = [(self._link(case.source.channel, case.source.message_id), "link.client_thread")]
        channel = self.directory.internal_channel_on(PLATFORM)
        card_id = attempt.refs.get(CARD_REF)
        if channel and card_id:
            links.append((self._link(channel, card_id), "link.case_card"))
        lines = [
            f'• <a href="{html.escape(url)}">{html.escape(say(self.directory.language, key))}</a>'
            for url, key in links
        ]
        return "<br>" + "<br>".join(lines)

    @staticmethod
    def _link(channel: str, message_id: str) -> str:
        return DEEP_LINK.format(
            channel=urllib.parse.quote(channel, safe=""),
            message=urllib.parse.quote(message_id, safe=""),
        )

    async def tell(self, reach: Reach, user: str, activity: JSON) -> None:
        """A message in the bot's 1:1 chat with a Teams user, opened first if need be; never
        looked for first (see the module's docstring)."""
        chat, conversation = await self._chat(reach, user)
        await self.send(chat, conversation, activity)

    async def _chat(self, reach: Reach, user: str) -> tuple[Reach, str]:
        """Where the 1:1 chat with `user` is: their stored address, else the chat Teams
        opens on asking, kept as their address; DeliveryError when Teams will not."""
        known = await self.store.address(PLATFORM, user) or {}
        conversation = str((known.get("conversation") or {}).get("id") or "")
        if conversation:
            service_url = str(known.get("serviceUrl") or reach.service_url)
            return Reach(service_url, reach.tenant_id, reach.bot_id), conversation
        assert reach.service_url
        parameters: JSON = {
            "isGroup": False,
            "bot": {"id": reach.bot_id or ""},
            "members": [{"id": user}],
            "tenantId": reach.tenant_id,
            "channelData": {"tenant": {"id": reach.tenant_id}},
        }
        try:
            created = await self.connector.call(
                "POST", reach.service_url, "v3/conversations", parameters
            )
        except TransientDeliveryError:
            raise
        except DeliveryError as err:
            raise DeliveryError(
                f"Teams would not open a chat with them, so the app is not installed for them "
                f"({err})"
            ) from err
        conversation = str(created["id"])
        address = reference(reach, user, conversation)
        await self.store.save_address(PLATFORM, user, address)
        return reach, conversation

    async def invite(self, case: Case, person_id: str, attempt: Attempt) -> None:
        log.info(
            "Teams has no channel invite for bots: %s is not added to %s's channel",
            person_id,
            case.id,
        )


def reference(reach: Reach, user: str, conversation: str) -> JSON:
    """A conversation reference (Bot Framework's shape) of the 1:1 chat with `user`."""
    return {
        "channelId": "msteams",
        "serviceUrl": reach.service_url,
        "bot": {"id": reach.bot_id or ""},
        "user": {"id": user},
        "conversation": {
            "id": conversation,
            "conversationType": "personal",
            "tenantId": reach.tenant_id,
        },
    }


def channel_reference(reach: Reach, channel: str, team: str) -> JSON:
    """A team channel's conversation reference, with its team's aadGroupId (for Graph)."""
    return {
        "channelId": "msteams",
        "serviceUrl": reach.service_url,
        "bot": {"id": reach.bot_id or ""},
        "conversation": {"id": channel, "conversationType": "channel", "tenantId": reach.tenant_id},
        "channelData": {"team": {"aadGroupId": team}, "channel": {"id": channel}},
    }


def newest(*message_ids: str) -> int:
    """The newest of some Teams message ids (millisecond times; anything else counts 0)."""
    return max((int(i) for i in message_ids if i.isdigit()), default=0)




def _shown(content: str) -> str:
    """A message's HTML as words: Graph gives back what Teams made of ours (`<p>`s, mention
    ids), so tags and spacing are not compared."""
    return " ".join(html.unescape(cards.TAG.sub(" ", content)).split())


def _cards(message: JSON) -> list[JSON]:
    """The Adaptive Cards of a message: of an activity, or of Graph's chatMessage (there the
    card is its JSON as a string)."""
    found = []
    for attachment in message.get("attachments") or ():
        content = attachment.get("content")
        if attachment.get("contentType") != CONTENT_TYPE or content is None:
            continue
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError:
                continue
        if isinstance(content, dict):
            found.append(content)
    return found


def same_as(activity: JSON) -> Callable[[JSON], bool]:
    """Whether a chatMessage says what `activity` does: the same words, the same cards."""
    words, shown_cards = _shown(str(activity.get("text") or "")), _cards(activity)

    def same(message: JSON) -> bool:
        body = str((message.get("body") or {}).get("content") or "")
        body = re.sub(r"<attachment\b[^>]*>\s*</attachment>", "", body)
        return _shown(body) == words and _cards(message) == shown_cards

    return same


def card_of(case: Case) -> Callable[[JSON], bool]:
    """Whether a chatMessage is the case's card (whatever it showed then)."""
    return lambda message: any(cards.marks(content, case.id) for content in _cards(message))
