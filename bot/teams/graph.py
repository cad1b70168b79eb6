"""What the bot posted on Teams, read back through Microsoft Graph.

The Connector keeps no history a bot can read; Graph does. With the resource-specific
consent the app declares (`bot.teams.package`: ChannelMessage.Read.Group for the teams it
is installed in, ChatMessage.Read.Chat for the group chats it is in), an app-only token
reads a channel's top-level messages, a channel thread's replies and a group chat's
messages: enough for the sink to look for an earlier attempt before posting again. The
1:1 chats are not readable so (that needs tenant-wide Chat.Read.All), so they are never
looked in.

The token is botbuilder's `MicrosoftAppCredentials` for the Graph scope, of the tenant the
team is in; without an app id (a local fake of Graph) calls carry none. Failures are the
Connector's: 429 and 5xx worth retrying, any other refusal final (`bot.teams.connector`).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from datetime import datetime

from bot.settings import Settings
from bot.teams.connector import JSON, Connector

SCOPE = "https://graph.microsoft.com/.default"
PAGE = 50  # Graph's most per page for these lists
PAGES = 10  # pages read at most: the outbox retries within minutes, not 500 posts later


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe=":@")


def created_ms(message: JSON) -> int:
    """When a message was posted, in milliseconds since the epoch: its id in a channel or
    chat (Teams' ids are millisecond times), else its `createdDateTime`."""
    message_id = str(message.get("id") or "")
    if message_id.isdigit():
        return int(message_id)
    created = str(message.get("createdDateTime") or "")
    try:
        return int(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


class Graph:
    def __init__(self, settings: Settings, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.client = Connector(settings, SCOPE)

    async def close(self) -> None:
        await self.client.close()

    def replies(
        self, team: str, channel: str, root: str, tenant: str | None
    ) -> AsyncIterator[JSON]:
        """The replies in a channel thread (no other OData than $top is supported)."""
        path = f"teams/{_segment(team)}/channels/{_segment(channel)}/messages/{_segment(root)}"
        return self._pages(f"{self.base}/{path}/replies?$top={PAGE}", tenant)

    def channel_messages(self, team: str, channel: str, tenant: str | None) -> AsyncIterator[JSON]:
        """A channel's top-level messages, without their replies."""
        path = f"teams/{_segment(team)}/channels/{_segment(channel)}/messages"
        return self._pages(f"{self.base}/{path}?$top={PAGE}", tenant)

    async def channel_names(self, team: str, tenant: str | None) -> dict[str, str]:
        """The team's channels by id, as the team names them (ChannelSettings.Read.Group)."""
        url = f"{self.base}/teams/{_segment(team)}/channels"
        return {
            str(channel["id"]): str(channel["displayName"])
            async for channel in self._pages(url, tenant)
            if channel.get("id") and channel.get("displayName")
        }

    async def chat_messages(self, chat: str, tenant: str | None, since: int) -> AsyncIterator[JSON]:
        """A group chat's messages newest first, down to those posted at `since` (ms)."""
        query = f"$top={PAGE}&$orderby=createdDateTime%20desc"
        async for message in self._pages(
            f"{self.base}/chats/{_segment(chat)}/messages?{query}", tenant
        ):
            if created_ms(message) <= since:
                return
            yield message

    async def _pages(self, url: str, tenant: str | None) -> AsyncIterator[JSON]:
        for _ in range(PAGES):
            page = await self.client.fetch("GET", url, tenant=tenant)
            for message in page.get("value") or ():
                if isinstance(message, dict):
                    yield message
            url = str(page.get("@odata.nextLink") or "")
            if not url:
                return
