"""Settings from the environment, checked once at start-up.

A platform whose credentials are absent is off; half-set credentials are an
error that names the variable and the fix, because a bot that starts but
silently never answers is worse than one that refuses to start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from handlers.errors import SettingsError
from storage.postgres import DEFAULT_POOL_SIZE

DEFAULT_DATABASE = "data/complaintbot.json"
DEFAULT_DIRECTORY = "complaintbot.toml"
DEFAULT_SLACK_API = "https://slack.com/api/"
DEFAULT_GRAPH = "https://graph.microsoft.com/v1.0"
DEFAULT_OUTBOX_CONCURRENCY = 32  # effects in flight per replica


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    teams_local: bool = False  # TEAMS_LOCAL=1: Teams without an app id, unauthenticated
    # Where the Teams sink reads what it posted (`bot.teams.graph`); None: nowhere to read
    graph_url: str | None = None
    database_url: str = DEFAULT_DATABASE
    directory_path: str = DEFAULT_DIRECTORY
    database_pool_size: int = DEFAULT_POOL_SIZE
    outbox_concurrency: int = DEFAULT_OUTBOX_CONCURRENCY
    clock_start: datetime | None = None  # COMPLAINTBOT_CLOCK_START: tests only (`bot.clock`)

    @property
    def slack_on(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def teams_on(self) -> bool:
        return self.microsoft_app_id is not None or self.teams_local

    @property
    def teams_unauthenticated(self) -> bool:
        """Teams for a local emulator: no app id, so no request is checked."""
        return self.teams_on and self.microsoft_app_id is None

    def secrets(self) -> list[str]:
        """Every credential value, so logging can redact them."""
        values = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.microsoft_app_password,
        )
        return [v for v in values if v]

    def platform_lines(self) -> list[str]:
        """One line per platform saying whether it is on, and how."""
        if self.slack_on:
            mode = "Socket Mode" if self.socket_mode else "HTTP at POST /slack/events"
            slack = f"slack: on ({mode})"
        else:
            slack = "slack: off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on)"
        if self.teams_unauthenticated:
            teams = (
                "teams: on, UNAUTHENTICATED (TEAMS_LOCAL=1, no MICROSOFT_APP_ID): anyone who "
                "can reach POST /api/messages can act as anyone; for local emulators only"
            )
        elif self.teams_on:
            tenancy = "single-tenant" if self.microsoft_app_tenant_id else "multi-tenant"
            teams = f"teams: on (POST /api/messages, {tenancy})"
        else:
            teams = "teams: off (set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD to turn it on)"
        return [slack, teams]

    def clock_line(self) -> str | None:
        """The start-up line of a clock that is not the wall clock's."""
        if self.clock_start is None:
            return None
        return (
            f"clock: started at {self.clock_start.isoformat()} (COMPLAINTBOT_CLOCK_START), "
            "not the wall clock: for tests against fake platforms only"
        )


def _get(env: Mapping[str, str], key: str) -> str | None:
    value = env.get(key, "").strip()
    return value or None


def _count(env: Mapping[str, str], key: str, default: int, most: int) -> int:
    value = _get(env, key)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise SettingsError(
            key, f"is {value!r}, not a whole number from 1 to {most}", f"unset it for {default}"
        )
    return int(value)


def _clock_start(env: Mapping[str, str], real_platform: bool) -> datetime | None:
    """A clock set elsewhere in time moves every deadline: a test's tool, refused while a
    real platform (Slack's own Web API, an authenticated Teams) is on."""
    key = "COMPLAINTBOT_CLOCK_START"
    value = _get(env, key)
    if value is None:
        return None
    if real_platform:
        raise SettingsError(
            key,
            "is set while a real platform is on, and it would move every deadline",
            "unset it: it is for tests against fake platforms (SLACK_API_URL, TEAMS_LOCAL=1)",
        )
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise SettingsError(
            key,
            f"is {value!r}, not a date and time with its UTC offset",
            "write it as e.g. 2026-12-03T09:00:00+02:00, or unset it for the wall clock",
        )
    return start


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    bot_token = _get(env, "SLACK_BOT_TOKEN")
    secret = _get(env, "SLACK_SIGNING_SECRET")
    app_token = _get(env, "SLACK_APP_TOKEN")
    if bot_token and not bot_token.startswith("xoxb-"):
        raise SettingsError(
            "SLACK_BOT_TOKEN",
            "is not a bot token (it should start with xoxb-)",
            "copy the Bot User OAuth Token from your app's OAuth & Permissions page",
        )
    if bot_token and not secret and not app_token:
        raise SettingsError(
            "SLACK_SIGNING_SECRET",
            "is missing, so Slack's requests cannot be verified",
            "copy the Signing Secret from your app's Basic Information page, or set "
            "SLACK_APP_TOKEN to use Socket Mode",
        )
    if (secret or app_token) and not bot_token:
        raise SettingsError(
            "SLACK_BOT_TOKEN",
            "is missing while other Slack settings are set",
            "set SLACK_BOT_TOKEN, or unset the Slack settings to turn Slack off",
        )
    if app_token and not app_token.startswith("xapp-"):
        raise SettingsError(
            "SLACK_APP_TOKEN",
            "is not an app-level token (it should start with xapp-)",
            "create one with the connections:write scope on your app's Basic Information page",
        )
    app_id = _get(env, "MICROSOFT_APP_ID")
    password = _get(env, "MICROSOFT_APP_PASSWORD")
    if bool(app_id) != bool(password):
        missing = "MICROSOFT_APP_PASSWORD" if app_id else "MICROSOFT_APP_ID"
        raise SettingsError(
            missing,
            "is missing while the other Microsoft setting is set",
            "set both MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD from your Azure Bot "
            "registration, or neither to turn Teams off",
        )
    local = _get(env, "TEAMS_LOCAL")
    if local not in (None, "0", "1"):
        raise SettingsError("TEAMS_LOCAL", f"is {local!r}, not 1 or 0", "set it to 1, or unset it")
    if local == "1" and app_id:
        raise SettingsError(
            "TEAMS_LOCAL",
            "is set while MICROSOFT_APP_ID is, and an app id means every request is checked",
            "unset TEAMS_LOCAL, or unset the Microsoft settings for a local emulator",
        )
    graph_url = _get(env, "MICROSOFT_GRAPH_URL")
    if graph_url and not graph_url.startswith(("http://", "https://")):
        raise SettingsError(
            "MICROSOFT_GRAPH_URL",
            f"is {graph_url!r}, not an http(s) URL",
            f"unset it to use {DEFAULT_GRAPH}",
        )
    api_url = _get(env, "SLACK_API_URL") or DEFAULT_SLACK_API
    if not api_url.startswith(("http://", "https://")):
        raise SettingsError("SLACK_API_URL", "is not an http(s) URL", "unset it to use Slack's")
    real_slack = bool(bot_token) and api_url.rstrip("/") + "/" == DEFAULT_SLACK_API
    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=secret,
        slack_app_token=app_token,
        slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
        microsoft_app_id=app_id,
        microsoft_app_password=password,
        microsoft_app_tenant_id=_get(env, "MICROSOFT_APP_TENANT_ID"),
        teams_local=local == "1",
        graph_url=graph_url or (DEFAULT_GRAPH if app_id else None),
        database_url=_get(env, "COMPLAINTBOT_DATABASE_URL") or DEFAULT_DATABASE,
        directory_path=_get(env, "COMPLAINTBOT_DIRECTORY") or DEFAULT_DIRECTORY,
        database_pool_size=_count(env, "COMPLAINTBOT_DATABASE_POOL_SIZE", DEFAULT_POOL_SIZE, 500),
        outbox_concurrency=_count(
            env, "COMPLAINTBOT_OUTBOX_CONCURRENCY", DEFAULT_OUTBOX_CONCURRENCY, 1000
        ),
        clock_start=_clock_start(env, real_slack or bool(app_id)),
    )
