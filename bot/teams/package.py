"""The Teams app package: the zip a Teams admin uploads to install complaintbot.

A Teams app is a zip of ``manifest.json`` (schema v1.29) and two icons. The manifest declares
the bot (the ``complaint`` command), the "Log as complaint" message action, and the
resource-specific consent (RSC) permissions that let the bot see every message in the client
channels and chats it is added to, not only those that @mention it: a complaint is often
written without naming the bot. ``tests/teams/test_package.py`` validates the result against
Microsoft's published schema.
"""

from __future__ import annotations

import json
import re
import zipfile
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from importlib.resources import files
from pathlib import Path
from typing import Any

from handlers.errors import ConfigError, SettingsError

SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.29/MicrosoftTeams.schema.json"
)
MANIFEST_VERSION = "1.29"

# Names the Teams adapter must match: the bot command and the message action's command id.
COMMAND = "complaint"
MESSAGE_ACTION_ID = "logComplaint"

# RSC permissions, per "Receive all conversation messages" in the Teams docs: without the
# first two a bot in a channel or group chat only receives the messages that @mention it
# (they also let it read its own back through Graph); the third lets it read the team's
# channel names (Graph's channel list), for the log form.
RSC_PERMISSIONS = (
    "ChannelMessage.Read.Group",
    "ChatMessage.Read.Chat",
    "ChannelSettings.Read.Group",
)

ACCENT_COLOR = "#2C3E50"  # the Slack app's background_color, so both apps look alike
ICONS = {"color": "color.png", "outline": "outline.png"}  # 192x192 and 32x32, in icons/

# The manifest schema's own patterns for a GUID and for the version (MAJOR.MINOR.PATCH).
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)$")
_HOST = re.compile(r"^(\*\.)?([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(:[0-9]+)?$")

# A fixed time for every zip entry, so the same inputs give the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def build_package(
    app_id: str, output: Path, *, version: str | None = None, host: str | None = None
) -> Path:
    """Write the Teams app package to ``output`` and return its path.

    ``app_id`` is MICROSOFT_APP_ID, the Azure Bot's app id: Teams uses it as both the app's id
    and the bot's. ``version`` defaults to the installed complaintbot's; Teams refuses an
    upload whose version is not higher than the installed one's, so each release needs its
    own. ``host`` (e.g. ``bot.example.com``) goes into ``validDomains``.
    Raises ``ConfigError`` naming the bad input; ``OSError`` if ``output`` cannot be written.
    """
    manifest = build_manifest(app_id, version=version, host=host)
    icons = files("bot.teams").joinpath("icons")
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as package:
        _add(package, "manifest.json", json.dumps(manifest, indent=2).encode("utf-8") + b"\n")
        for name in ICONS.values():
            _add(package, name, icons.joinpath(name).read_bytes())
    return output


def build_manifest(
    app_id: str, *, version: str | None = None, host: str | None = None
) -> dict[str, Any]:
    """The ``manifest.json`` content, checked for the mistakes Teams would reject late."""
    app_id = _app_id(app_id)
    version = _version(version)
    bot: dict[str, Any] = {
        "botId": app_id,
        "scopes": ["personal", "team", "groupChat"],
        "commandLists": [
            {
                "scopes": ["team", "groupChat"],
                "commands": [
                    {
                        "title": COMMAND,
                        "description": "Log a client complaint in this client channel: "
                        "complaint [@person …] [what happened]",
                    }
                ],
            },
            {
                "scopes": ["personal"],
                "commands": [
                    {
                        "title": COMMAND,
                        "description": "Log a complaint by phone or mail in the client channel "
                        "you choose: complaint [@person …] [what happened]",
                    }
                ],
            },
        ],
        "supportsFiles": False,
        "isNotificationOnly": False,
    }
    message_action = {
        "id": MESSAGE_ACTION_ID,
        "type": "action",
        "title": "Log as complaint",
        "description": "Open a complaint case from this client message",
        "context": ["message"],
        "fetchTask": True,  # the bot answers with the form, as Slack's shortcut opens a modal
    }
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            # Placeholders: Teams requires the three URLs; replace them before publishing
            # outside your own organisation.
            "name": "complaintbot",
            "websiteUrl": "https://example.com/complaintbot",
            "privacyUrl": "https://example.com/complaintbot/privacy",
            "termsOfUseUrl": "https://example.com/complaintbot/terms",
        },
        "name": {"short": "complaintbot", "full": "complaintbot: fair client complaint cases"},
        "description": {
            "short": "Turns a client's complaint into a fair, structured, short-lived case.",
            "full": (
                "complaintbot turns a message in a client's channel into a case: the people it "
                "names and their managers are brought in, each named employee gives an "
                "account, a manager records whether the client is right in this case, the "
                "case is resolved in the client's thread, and the client is asked whether it "
                "was. Mention the bot, use the complaint command, or choose Log as complaint "
                "on a client's message."
            ),
        },
        "icons": dict(ICONS),
        "accentColor": ACCENT_COLOR,
        "bots": [bot],
        "composeExtensions": [
            {"botId": app_id, "composeExtensionType": "botBased", "commands": [message_action]}
        ],
        "validDomains": [_host(host)] if host else [],
        # RSC needs webApplicationInfo with the app's id; its resource "has no operation in
        # RSC, but must be added and have a value" (Teams docs, manifest v1.12 and later).
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"name": name, "type": "Application"} for name in RSC_PERMISSIONS
                ]
            }
        },
    }


def _app_id(app_id: str) -> str:
    app_id = app_id.strip()
    if not _GUID.match(app_id):
        raise SettingsError(
            "MICROSOFT_APP_ID",
            f"is not a GUID ({app_id!r}); Teams needs the app id in the form "
            "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            "copy the Microsoft App ID from your Azure Bot's Configuration page "
            "(not its name, its tenant id or its password)",
        )
    return app_id


def _version(version: str | None) -> str:
    if version is None:
        try:
            version = installed_version("complaintbot")
        except PackageNotFoundError as err:
            raise ConfigError(
                "version",
                "complaintbot is not installed, so its version is unknown",
                "install it (pip install -e .) or pass the version explicitly",
            ) from err
    if not _SEMVER.match(version):
        raise ConfigError(
            "version",
            f"{version!r} is not MAJOR.MINOR.PATCH, which Teams requires",
            "package a release version such as 1.2.3",
        )
    return version


def _host(host: str) -> str:
    host = host.strip()
    if not _HOST.match(host):
        raise ConfigError(
            "--host",
            f"{host!r} is not a host name",
            "give the public host alone, without https:// or a path, e.g. bot.example.com",
        )
    return host


def _add(package: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    package.writestr(info, data)
