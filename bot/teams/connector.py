"""The Bot Connector's REST API (v3), called with aiohttp, and what the bot learns of Teams.

botframework-connector's own client sends through msrest and `requests` in a thread pool,
and retries inside a call; the outbox retries on its own schedule (one case's rate limit
holds up nothing else), so the sink talks to the Connector directly and turns its answers
into the outbox's two kinds of failure. The token comes from botbuilder's
`MicrosoftAppCredentials` (msal, cached until it expires); without an app id (a local
emulator) calls carry none. Graph's reads (`bot.teams.graph`) go through the same client.

Where a conversation's Connector is (`serviceUrl`), the tenant and the bot's own id come
only with incoming activities: `Reach` keeps the latest, and the sink stores them with
each case's card, so a restart still reaches the case's conversations.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from dataclasses import dataclass
from typing import Any

import aiohttp
from botframework.connector.auth import MicrosoftAppCredentials

from bot.settings import Settings
from handlers.errors import DeliveryError, TransientDeliveryError

log = logging.getLogger(__name__)

JSON = dict[str, Any]
TIMEOUT = 10  # seconds for one call


@dataclass
class Reach:
    """What the latest incoming activity said about where Teams is."""

    service_url: str | None = None
    tenant_id: str | None = None
    bot_id: str | None = None


def is_team_channel(conversation_id: str) -> bool:
    """A team channel (it has threads), not a chat."""
    return conversation_id.endswith(("@thread.tacv2", "@thread.skype"))


def thread_of(channel: str, root: str) -> str:
    """The conversation id of a thread: a team channel's reply chain is
    `{channel};messageid={root}`; a chat has no threads, so it is the chat itself."""
    if is_team_channel(channel) and root:
        return f"{channel};messageid={root}"
    return channel


def split_thread(conversation_id: str) -> tuple[str, str | None]:
    """(channel or chat, the thread's root message id if any)."""
    channel, _, root = conversation_id.partition(";messageid=")
    return channel, root or None


class Connector:
    """An HTTP client of one Microsoft API: the Connector's, or with `scope` Graph's."""

    def __init__(self, settings: Settings, scope: str | None = None) -> None:
        self._settings, self._scope = settings, scope
        self._credentials: dict[str | None, MicrosoftAppCredentials] = {}
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _credentials_for(self, tenant: str | None) -> MicrosoftAppCredentials | None:
        """Cached per tenant: Graph's app-only token is the tenant's own (a multi-tenant
        app's too), the Connector's botframework.com's unless the app is single-tenant."""
        settings = self._settings
        if not settings.microsoft_app_id:
            return None
        tenant = settings.microsoft_app_tenant_id or (tenant if self._scope else None)
        if tenant not in self._credentials:
            self._credentials[tenant] = MicrosoftAppCredentials(
                settings.microsoft_app_id,
                settings.microsoft_app_password or "",
                tenant,
                self._scope,
            )
        return self._credentials[tenant]

    async def _headers(self, tenant: str | None) -> dict[str, str]:
        credentials = self._credentials_for(tenant)
        if credentials is None:
            return {}
        try:
            token = await asyncio.to_thread(credentials.get_access_token)
        except PermissionError as err:  # the app id or password is wrong: retrying won't help
            raise DeliveryError(f"no Microsoft token: {err}") from err
        except Exception as err:  # the identity platform is unreachable
            raise TransientDeliveryError(f"no Microsoft token: {err!r}") from err
        return {"Authorization": f"Bearer {token}"}

    async def call(
        self, method: str, service_url: str, path: str, body: JSON | None = None
    ) -> JSON:
        """One call to `path` under `service_url`; its JSON answer (see `fetch`)."""
        url = urllib.parse.urljoin(service_url.rstrip("/") + "/", path.lstrip("/"))
        return await self.fetch(method, url, body, what=f"{method} {path}")

    async def fetch(
        self,
        method: str,
        url: str,
        body: JSON | None = None,
        *,
        tenant: str | None = None,
        what: str | None = None,
    ) -> JSON:
        """One call; its JSON answer. 429 and 5xx are worth retrying (a 5xx may have been
        done), any other refusal is final."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        what = what or f"{method} {urllib.parse.urlsplit(url).path}"
        try:
            async with self._session.request(
                method, url, json=body, headers=await self._headers(tenant)
            ) as response:
                text = await response.text()
                if response.status == 429:
                    after = response.headers.get("Retry-After")
                    retry_after = float(after) if after and _number(after) else None
                    raise TransientDeliveryError(f"{what}: rate limited (429)", retry_after)
                if response.status >= 500:
                    raise TransientDeliveryError(
                        f"{what}: HTTP {response.status} {text[:200]}", maybe_done=True
                    )
                if response.status >= 400:
                    raise DeliveryError(f"{what}: HTTP {response.status} {text[:200]}")
                if not text.strip():
                    return {}
                answer = await response.json(content_type=None)
                return answer if isinstance(answer, dict) else {}
        except aiohttp.ClientConnectorError as err:  # never reached the service
            raise TransientDeliveryError(f"{what}: {err!r}") from err
        except (TimeoutError, aiohttp.ClientError) as err:
            raise TransientDeliveryError(f"{what}: {err!r}", maybe_done=True) from err


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def quoted(conversation_id: str) -> str:
    """A conversation id as a path segment (`;` and `:` are kept, as the Connector expects)."""
    return urllib.parse.quote(conversation_id, safe=":;=@.")
