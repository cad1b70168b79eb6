"""The Teams app package installs as built: a schema-valid manifest, right-sized icons.

Also: the Agents Playground configuration (.m365agentsplayground.yml) still matches the
example directory, so trying the bot there shows the directory's people and channels.
"""

from __future__ import annotations

import copy
import json
import struct
import tomllib
import zipfile
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, ValidationError
from referencing import Registry

from bot.teams import package
from bot.teams.package import build_manifest, build_package
from handlers.errors import ConfigError, SettingsError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "tests" / "schemas" / "teams-manifest" / "MicrosoftTeams.schema.json"
PLAYGROUND_PATH = ROOT / ".m365agentsplayground.yml"
DIRECTORY_PATH = ROOT / "complaintbot.example.toml"
APP_ID = "8d2f5c1e-3b4a-4c6d-9e8f-0a1b2c3d4e5f"


@cache
def _validator() -> Draft7Validator:
    """Microsoft's v1.29 schema, with no way to fetch anything.

    The file says draft-04 but uses ``const`` (manifestVersion) and ``if``/``then``, which
    draft-04 validators ignore; draft-07 checks them and reads every other keyword the file
    uses the same way. Its ``$ref``s are all local; the empty registry makes any other one
    fail as ``Unresolvable`` instead of being downloaded. The schema check skips ``format``:
    one pattern (extension function names, unused here) is ECMAScript's ``\\p{L}``, which
    Python's ``re`` cannot compile.
    """
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema, format_checker=None)
    return Draft7Validator(schema, registry=Registry())


def _validate(manifest: dict[str, Any]) -> None:
    _validator().validate(manifest)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("teams") / "complaintbot-teams.zip"
    assert build_package(APP_ID, out, host="bot.example.com") == out
    return out


@pytest.fixture(scope="module")
def manifest(built: Path) -> dict[str, Any]:
    with zipfile.ZipFile(built) as zf:
        loaded: dict[str, Any] = json.loads(zf.read("manifest.json"))
    return loaded


def test_the_zip_holds_the_manifest_and_the_icons_at_its_root(built: Path) -> None:
    with zipfile.ZipFile(built) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert zf.testzip() is None


def test_manifest_is_valid_for_teams(manifest: dict[str, Any]) -> None:
    _validate(manifest)
    assert manifest["$schema"] == package.SCHEMA_URL
    assert manifest["manifestVersion"] == "1.29"


def test_the_schema_check_would_catch_a_mistake(manifest: dict[str, Any]) -> None:
    for path, value in [
        (("manifestVersion",), "1.17"),
        (("bots", 0, "scopes", 0), "everywhere"),
        (("composeExtensions", 0, "commands", 0, "type"), "button"),
        (("authorization", "permissions", "resourceSpecific", 0, "type"), "Tenant"),
        (("accentColor",), "navy"),
    ]:
        broken = copy.deepcopy(manifest)
        target: Any = broken
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(ValidationError):
            _validate(broken)


def test_ids_and_version(manifest: dict[str, Any]) -> None:
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["composeExtensions"][0]["botId"] == APP_ID
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["webApplicationInfo"]["resource"]  # RSC needs a value, any value
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert manifest["version"] == pyproject["project"]["version"]
    assert manifest["validDomains"] == ["bot.example.com"]


def test_the_bot_and_its_complaint_command(manifest: dict[str, Any]) -> None:
    (bot,) = manifest["bots"]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    commands = [(lst["scopes"], c) for lst in bot["commandLists"] for c in lst["commands"]]
    # In a channel or group chat, and in the 1:1 chat (a complaint by phone or mail).
    assert [(scopes, c["title"]) for scopes, c in commands] == [
        (["team", "groupChat"], package.COMMAND),
        (["personal"], package.COMMAND),
    ]
    assert all(c.get("description") for _, c in commands)


def test_the_log_as_complaint_message_action(manifest: dict[str, Any]) -> None:
    (extension,) = manifest["composeExtensions"]
    (action,) = extension["commands"]
    assert action == {
        "id": package.MESSAGE_ACTION_ID,
        "type": "action",
        "title": "Log as complaint",
        "description": action["description"],
        "context": ["message"],
        "fetchTask": True,
    }
    assert action["description"]


def test_asks_to_read_channel_and_chat_messages_without_a_mention(
    manifest: dict[str, Any],
) -> None:
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"},
        {"name": "ChatMessage.Read.Chat", "type": "Application"},
        {"name": "ChannelSettings.Read.Group", "type": "Application"},
    ]


def test_developer_urls_are_https(manifest: dict[str, Any]) -> None:
    developer = manifest["developer"]
    assert developer["name"] == "complaintbot"
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert developer[key].startswith("https://")


def test_the_same_inputs_give_the_same_bytes(built: Path, tmp_path: Path) -> None:
    again = build_package(APP_ID, tmp_path / "again.zip", host="bot.example.com")
    assert again.read_bytes() == built.read_bytes()


# --- icons ----------------------------------------------------------------------------------


def _png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, colour type and unfiltered rows of an 8-bit PNG; checks every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: list[tuple[bytes, bytes]] = []
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and interlace == 0
    channels = {2: 3, 6: 4}[colour]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        method, row = line[0], bytearray(line[1:])
        for x in range(stride):
            a = row[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if method == 1:
                row[x] = (row[x] + a) & 0xFF
            elif method == 2:
                row[x] = (row[x] + b) & 0xFF
            elif method == 3:
                row[x] = (row[x] + (a + b) // 2) & 0xFF
            elif method == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
                row[x] = (row[x] + predictor) & 0xFF
        rows.append(bytes(row))
        previous = row
    return width, height, colour, rows


def _icon(built: Path, name: str) -> bytes:
    with zipfile.ZipFile(built) as zf:
        return zf.read(name)


def test_the_color_icon_is_a_192_pixel_png(built: Path, manifest: dict[str, Any]) -> None:
    assert manifest["icons"]["color"] == "color.png"
    width, height, _, _ = _png(_icon(built, "color.png"))
    assert (width, height) == (192, 192)


def test_the_outline_icon_is_32_pixels_white_on_transparent(
    built: Path, manifest: dict[str, Any]
) -> None:
    assert manifest["icons"]["outline"] == "outline.png"
    width, height, colour, rows = _png(_icon(built, "outline.png"))
    assert (width, height) == (32, 32)
    assert colour == 6, "the outline icon needs an alpha channel"
    pixels = [row[x : x + 4] for row in rows for x in range(0, len(row), 4)]
    assert all(p[:3] == b"\xff\xff\xff" or p[3] == 0 for p in pixels), "only white may show"
    assert any(p[3] == 0 for p in pixels) and any(p[3] == 255 for p in pixels)


# --- wrong input ----------------------------------------------------------------------------


@pytest.mark.parametrize("app_id", ["complaintbot", "", "8d2f5c1e3b4a4c6d9e8f0a1b2c3d4e5f"])
def test_an_app_id_that_is_not_a_guid_names_the_variable_and_the_fix(
    app_id: str, tmp_path: Path
) -> None:
    out = tmp_path / "app.zip"
    with pytest.raises(SettingsError) as raised:
        build_package(app_id, out)
    message = str(raised.value)
    assert message.startswith("MICROSOFT_APP_ID: is not a GUID")
    assert "Azure Bot" in message and "Microsoft App ID" in message
    assert not out.exists()


def test_a_version_teams_would_refuse_is_named() -> None:
    with pytest.raises(ConfigError, match="MAJOR.MINOR.PATCH"):
        build_manifest(APP_ID, version="0.2.0.dev1")


def test_a_url_given_as_the_host_is_named() -> None:
    with pytest.raises(ConfigError, match="--host"):
        build_manifest(APP_ID, host="https://bot.example.com/api/messages")


# --- the Agents Playground configuration ------------------------------------------------------


@pytest.fixture(scope="module")
def playground() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(PLAYGROUND_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def directory() -> dict[str, Any]:
    return tomllib.loads(DIRECTORY_PATH.read_text(encoding="utf-8"))


def test_playground_people_are_the_directorys_teams_people(
    playground: dict[str, Any], directory: dict[str, Any]
) -> None:
    people = {p["teams"]: p["name"] for p in directory["people"].values() if "teams" in p}
    assert {u["id"]: u["name"] for u in playground["users"]} == people
    # The one acting in the Playground is a client contact: someone the directory lacks.
    assert playground["currentUser"]["id"] not in people


def test_playground_channels_are_the_directorys_teams_channels(
    playground: dict[str, Any], directory: dict[str, Any]
) -> None:
    team = playground["team"]
    assert team["id"] == directory["internal_channel"]["teams"]  # the team's General channel
    clients = {
        channel: client["name"]
        for client in directory["clients"].values()
        for channel in client.get("teams_channels", [])
    }
    assert team["channels"], "no client channel to complain in"
    for channel in team["channels"]:
        assert clients.get(channel["id"]) == channel["name"]


def test_playground_config_keeps_the_playgrounds_own_rules(playground: dict[str, Any]) -> None:
    """The rules of the config schema inside @microsoft/m365agentsplayground 0.2.28.

    That schema ships under a licence that does not allow copying it here, so its rules
    that a change to this file could break are restated.
    """
    required = {"version", "tenantId", "bot", "currentUser", "users", "personalChat"}
    assert required | {"groupChat", "team"} == set(playground)
    assert playground["version"] in {"0.1.0", "0.1.1"}
    assert set(playground["bot"]) == {"id", "name"} and len(playground["bot"]["name"]) <= 42
    user_keys = {"id", "name", "userPrincipleName", "aadObjectId", "givenName", "surname", "email"}
    users = [playground["currentUser"], *playground["users"]]
    assert all(set(u) == user_keys and all(isinstance(v, str) for v in u.values()) for u in users)
    assert len(playground["users"]) == 5, "the Playground wants exactly five users"
    assert len({u["id"] for u in users}) == len(users)
    team = playground["team"]
    assert set(team) == {"id", "name", "aadGroupId", "channels"}
    assert len(team["channels"]) <= 1, "the Playground takes one channel besides General"
    conversations = [
        playground["personalChat"]["id"],
        playground["groupChat"]["id"],
        team["id"],
        *(c["id"] for c in team["channels"]),
    ]
    assert len(set(conversations)) == len(conversations)
