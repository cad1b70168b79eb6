"""Carries the core's effects out on Slack, for the outbox.

Two guards keep internal matters out of client channels, whatever the
directory says: only client effects reach the client-thread methods (see
`bot.sink`), which post to the case's own source channel; and internal posts
(the card and its timeline) go only to a channel that Slack itself reports as
not shared with another organisation.

Slack errors become the outbox's two kinds: worth retrying (rate limits,
5xx, network) or not (the channel is gone, the bot was removed). When a
client-thread post or an invite fails for good, the outbox reports it to the
core, which tells whoever can fix it (`handlers.delivery`). The client does not sleep out a 429: the
`Retry-After` goes back to the outbox, which puts off that case alone.

Every post carries Slack message metadata naming its outbox item. When an earlier
attempt may have reached Slack (a crash or a timeout mid-call), the sink first looks
for a message with that key (the newest `LOOKBACK` messages of a channel, or a thread's
first `LOOKBACK * THREAD_PAGES`), and posts only if there is none. A post beyond that
is not found, and would be repeated: the outbox retries within minutes, long before
200 newer messages. (Slack limits these reads hard for apps distributed outside its
Marketplace; complaintbot is installed by each firm as its own app, which keeps the
ordinary limits.)

Permalinks and DM channel ids never change, so they are asked for once per process;
someone just invited to (or found in) a channel is not invited again for five minutes.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.sink import Attempt, PlatformSink, Refs
from bot.slack import ids
from bot.slack.blocks import case_card, feedback_request, mrkdwn, truncate
from handlers.card import case_card as card_view
from handlers.directory import Directory
from handlers.errors import DeliveryError, TransientDeliveryError
from handlers.messages import text as say
from handlers.model import Case

log = logging.getLogger(__name__)

CARD_REF = "slack_card_ts"
QUESTION_REF = "slack_question_ts"  # the open feedback question, to close it once answered
TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}
INVITE_OK = {"already_in_channel"}
CHANNEL_INFO_TTL = 300.0
METADATA_TYPE = "complaintbot_effect"
LOOKBACK = 200  # messages per look-up page
MESSAGE_LIMIT = 3000  # characters of one message's text; Slack refuses 40,000
THREAD_PAGES = 5


class SlackSink(PlatformSink):
    def __init__(
        self,
        client: AsyncWebClient,
        directory: Directory,
    ) -> None:
        self.client, self.directory = client, directory
        self.language = directory.language
        self._shared: dict[str, tuple[float, bool]] = {}
        self._permalinks: dict[tuple[str, str], str] = {}
        self._dm_channels: dict[str, str] = {}
        # (channel, user) -> until when they are known to be a member: no invite needed
        self._members: dict[tuple[str, str], float] = {}

    # --- rendering ------------------------------------------------------------------------

    def mention(self, person_id: str) -> str:
        person = self.directory.people.get(person_id)
        if person is None:
            return person_id
        user = person.platform_id(ids.PLATFORM)
        return f"<@{user}>" if user else person.name

    def name(self, person_id: str) -> str:
        return self.directory.person_name(person_id)

    def render(self, message: str) -> str:
        """Slack mrkdwn for a core text: its markers as mentions. What clients and
        colleagues wrote is already escaped in it (see handlers.messages), so it shows
        as typed: never a ping, a broadcast or a disguised link."""
        return mrkdwn(message, self.mention)

    # --- the client thread ----------------------------------------------------------------

    async def post_to_client_thread(self, case: Case, text: str, attempt: Attempt) -> Refs:
        """Found again by its key (in its metadata), it needs no ref."""
        await self._client_post(case, attempt, self.render(text))
        return {}

    async def ask_for_feedback(self, case: Case, text: str, attempt: Attempt) -> Refs:
        message = self.render(text)
        blocks = feedback_request(message, case.id, self.language)
        return {QUESTION_REF: await self._client_post(case, attempt, message, blocks)}

    async def close_question(self, case: Case, text: str, attempt: Attempt) -> None:
        """chat.update is the same whatever its tries: it needs no look-up."""
        ts = attempt.refs.get(QUESTION_REF)
        if ts:
            message = self.render(text)
            await self.call(
                "chat_update", channel=case.source.channel, ts=ts, text=message, blocks=[]
            )

    async def _client_post(
        self, case: Case, attempt: Attempt, message: str, blocks: list[dict] | None = None
    ) -> str:
        return await self.post(
            attempt,
            case.source.channel,
            case.source.message_id,
            text=message,
            blocks=blocks,
            unfurl_links=False,
        )

    # --- posting once ---------------------------------------------------------------------

    async def post(
        self, attempt: Attempt, channel: str, thread_ts: str | None, **params: Any
    ) -> str:
        """Post a message carrying the attempt's key, unless an earlier attempt did; its ts."""
        if attempt.maybe_sent:
            found = await self._find(attempt.key, channel, thread_ts)
            if found:
                log.info("%s was already posted (ts %s); not posting again", attempt.key, found)
                return found
        metadata = {"event_type": METADATA_TYPE, "event_payload": {"key": attempt.key}}
        posted = await self.call(
            "chat_postMessage", channel=channel, thread_ts=thread_ts, metadata=metadata, **params
        )
        return str(posted["ts"])

    async def _find(self, key: str, channel: str, thread_ts: str | None) -> str | None:
        """The ts of the bot's message carrying `key`, among the newest LOOKBACK there.
        A thread Slack does not know holds no post of ours either."""
        try:
            return await self._search(key, channel, thread_ts)
        except TransientDeliveryError:
            raise
        except DeliveryError as err:
            log.info("nothing to find for %s in %s: %s", key, channel, err)
            return None

    async def _search(self, key: str, channel: str, thread_ts: str | None) -> str | None:
        """History comes newest first, so one page holds our latest posts; a thread comes
        oldest first, so it is read to its end (at most THREAD_PAGES pages)."""
        if thread_ts:
            pages, method, params = THREAD_PAGES, "conversations_replies", {"ts": thread_ts}
        else:
            pages, method, params = 1, "conversations_history", {}
        cursor = None
        for _ in range(pages):
            found = await self.call(
                method,
                channel=channel,
                limit=LOOKBACK,
                include_all_metadata=True,
                **params,
                **({"cursor": cursor} if cursor else {}),
            )
            for message in found.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_TYPE and payload.get("key") == key:
                    return str(message["ts"])
            cursor = (found.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    # --- the internal card ----------------------------------------------------------------

    async def _internal_channel(self) -> str | None:
        channel = self.directory.internal_channel_on("slack")
        if channel and await self._is_shared(channel):
            raise DeliveryError(
                f"internal channel {channel} is shared with another organisation; "
                "refusing to post internal case details there"
            )
        return channel

    async def _is_shared(self, channel: str) -> bool:
        cached = self._shared.get(channel)
        if cached and time.monotonic() - cached[0] < CHANNEL_INFO_TTL:
            return cached[1]
        info = (await self.call("conversations_info", channel=channel))["channel"]
        shared = bool(
            info.get("is_ext_shared") or info.get("is_shared") or info.get("is_pending_ext_shared")
        )
        self._shared[channel] = (time.monotonic(), shared)
        return shared

    async def update_card(self, case: Case, attempt: Attempt) -> Refs:
        channel = await self._internal_channel()
        if channel is None:
            return {}
        view = card_view(case, self.directory, language=self.language)
        fallback, blocks = case_card(view, self.mention, await self._permalink_source(case))
        ts = attempt.refs.get(CARD_REF)
        if ts:
            try:
                await self.call("chat_update", channel=channel, ts=ts, text=fallback, blocks=blocks)
                return {}
            except DeliveryError as err:
                if "message_not_found" not in str(err):
                    raise
        posted = await self.post(attempt, channel, None, text=fallback, blocks=blocks)
        return {CARD_REF: posted}

    async def add_card_note(self, case: Case, text: str, attempt: Attempt) -> str:
        channel = await self._internal_channel()
        if channel is None:
            return ""
        ts = attempt.refs.get(CARD_REF)
        if ts is None:
            raise TransientDeliveryError(f"the card of {case.id} is not posted yet")
        return await self.post(attempt, channel, ts, text=await self._fitted(case, text))

    async def update_card_note(self, case: Case, note: str, text: str, attempt: Attempt) -> None:
        """chat.update is the same whatever its tries: it needs no look-up."""
        channel = await self._internal_channel()
        if channel is not None:
            fitted = await self._fitted(case, text)
            await self.call("chat_update", channel=channel, ts=note, text=fitted)

    async def _fitted(self, case: Case, text: str) -> str:
        """A core text as a Slack message that fits (`MESSAGE_LIMIT`): a longer one (a
        40,000-character client reply) is cut, and its "…" links to the client thread,
        where the whole text stands; the store keeps it whole too."""
        rendered = self.render(text)
        if len(rendered) <= MESSAGE_LIMIT:
            return rendered
        return truncate(rendered, MESSAGE_LIMIT, await self._permalink_source(case))

    # --- people ---------------------------------------------------------------------------

    async def direct_message(self, case: Case, person_id: str, text: str, attempt: Attempt) -> None:
        user = self.directory.people[person_id].platform_id(ids.PLATFORM)
        if not user:
            log.info("%s has no Slack id; DM for %s not sent on Slack", person_id, case.id)
            return
        body = await self._fitted(case, text) + await self._links(case, attempt)
        await self.post(attempt, await self.dm_channel(user), None, text=body)

    async def dm_channel(self, user: str) -> str:
        """The bot's DM with a Slack user, opened once and remembered."""
        if user not in self._dm_channels:
            opened = await self.call("conversations_open", users=user)
            self._dm_channels[user] = str(opened["channel"]["id"])
        return self._dm_channels[user]

    async def _links(self, case: Case, attempt: Attempt) -> str:
        """Links to both threads; a link that cannot be had is left out, not fatal."""
        lines = []
        client_link = await self._permalink_source(case)
        if client_link:
            lines.append(f"• <{client_link}|{say(self.language, 'link.client_thread')}>")
        channel = self.directory.internal_channel_on("slack")
        card_ts = attempt.refs.get(CARD_REF)
        if channel and card_ts:
            card_link = await self._permalink(channel, card_ts)
            if card_link:
                lines.append(f"• <{card_link}|{say(self.language, 'link.case_card')}>")
        return "\n" + "\n".join(lines) if lines else ""

    async def _permalink_source(self, case: Case) -> str | None:
        return await self._permalink(case.source.channel, case.source.message_id)

    async def _permalink(self, channel: str, ts: str) -> str | None:
        if (channel, ts) in self._permalinks:
            return self._permalinks[(channel, ts)]
        try:
            found = await self.call("chat_getPermalink", channel=channel, message_ts=ts)
        except DeliveryError as err:
            log.warning("no permalink for %s/%s: %s", channel, ts, err)
            return None
        self._permalinks[(channel, ts)] = link = str(found["permalink"])
        return link

    async def invite(self, case: Case, person_id: str, attempt: Attempt) -> None:
        user = self.directory.people[person_id].platform_id(ids.PLATFORM)
        member = (case.source.channel, str(user))
        if not user or self._members.get(member, 0.0) > time.monotonic():
            return  # a member of that channel a moment ago is one still
        try:
            await self.call("conversations_invite", channel=case.source.channel, users=user)
        except TransientDeliveryError:
            raise
        except DeliveryError as err:
            if any(code in str(err) for code in INVITE_OK):
                self._members[member] = time.monotonic() + CHANNEL_INFO_TTL
                return
            raise  # the core tells whoever can add them (handlers.delivery)
        self._members[member] = time.monotonic() + CHANNEL_INFO_TTL

    # --- errors ---------------------------------------------------------------------------

    async def call(self, method: str, **params: object) -> AsyncSlackResponse:
        """One Web API call; Slack's failures become Delivery errors the outbox understands."""
        try:
            response: AsyncSlackResponse = await getattr(self.client, method)(**params)
        except SlackApiError as err:
            status = err.response.status_code
            code = err.response.get("error", "unknown_error")
            message = f"{method.replace('_', '.', 1)}: {code} (HTTP {status})"
            if status == 429 or code == "ratelimited":  # refused: nothing was done
                retry_after = err.response.headers.get("Retry-After")
                raise TransientDeliveryError(
                    message, float(retry_after) if retry_after else None
                ) from err
            if status >= 500 or code in TRANSIENT_ERRORS:  # Slack may have done it anyway
                raise TransientDeliveryError(message, maybe_done=True) from err
            raise DeliveryError(message) from err
        except aiohttp.ClientConnectorError as err:  # never reached Slack
            raise TransientDeliveryError(f"{method}: {err!r}") from err
        except (TimeoutError, aiohttp.ClientError) as err:
            raise TransientDeliveryError(f"{method}: {err!r}", maybe_done=True) from err
        return response
