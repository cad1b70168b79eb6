"""manifest.yml creates the app the code expects: valid for Slack, same names, least scopes."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import ValidationError

from bot.slack import ids
from tests.slackkit.manifest import validate_manifest

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.yml"
ENDPOINT = "/slack/events"

# Every bot scope and what needs it, per Slack's method and event reference
# (https://docs.slack.dev/reference/methods/..., .../events/...). chat.getPermalink,
# views.open, views.publish and the event app_home_opened need no scope. Nothing else may
# be asked for: an admin installs what they read.
SCOPES = {
    "app_mentions:read": "event app_mention",
    "channels:history": "event message.channels; conversations.history in public channels",
    "groups:history": "event message.groups; conversations.history in private channels",
    "reactions:read": "event reaction_added",
    "chat:write": "chat.postMessage, chat.update, chat.postEphemeral",
    "commands": "the slash command and the message shortcut",
    "im:write": "conversations.open",
    "channels:read": "conversations.info on public channels",
    "groups:read": "conversations.info on private channels",
    "users:read": "users.info",
    "channels:manage": "conversations.invite on public channels",
    "groups:write": "conversations.invite on private channels",
    "files:write": "files.getUploadURLExternal, files.completeUploadExternal",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    return loaded


def test_manifest_is_valid_for_slack(manifest: dict[str, Any]) -> None:
    validate_manifest(manifest)


def test_the_schema_check_would_catch_a_mistake(manifest: dict[str, Any]) -> None:
    broken = copy.deepcopy(manifest)
    broken["features"]["shortcuts"][0]["type"] = "everywhere"
    with pytest.raises(ValidationError):
        validate_manifest(broken)


def test_declares_exactly_the_names_the_adapter_listens_for(manifest: dict[str, Any]) -> None:
    features = manifest["features"]
    assert {c["command"] for c in features["slash_commands"]} == set(ids.COMMANDS)
    assert {s["callback_id"] for s in features["shortcuts"]} == {ids.SHORTCUT_LOG}
    assert {s["type"] for s in features["shortcuts"]} == {"message"}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(ids.EVENTS)
    assert features["app_home"]["home_tab_enabled"] is True  # app_home_opened draws it


def test_every_request_goes_to_the_bolt_endpoint(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(c["url"] for c in manifest["features"]["slash_commands"]),
    ]
    assert all(url.endswith(ENDPOINT) for url in urls)
    assert settings["interactivity"]["is_enabled"] is True


def test_bot_asks_for_exactly_the_scopes_it_uses(manifest: dict[str, Any]) -> None:
    assert manifest["oauth_config"]["scopes"] == {"bot": list(SCOPES)}


def test_each_scope_says_in_a_comment_what_needs_it() -> None:
    lines = MANIFEST_PATH.read_text(encoding="utf-8").splitlines()
    for scope in SCOPES:
        line = next(line for line in lines if re.match(rf"\s*- {re.escape(scope)}\b", line))
        assert re.search(r"#\s*\S", line), f"{scope} has no comment saying why"


def test_app_runs_as_a_plain_http_bot_by_default(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    bot_user = {"display_name": "complaintbot", "always_online": False}
    assert manifest["features"]["bot_user"] == bot_user
    assert manifest["display_information"]["name"] == "complaintbot"
