"""Teams is on with an app id (checked), or with TEAMS_LOCAL=1 (unchecked, said loudly)."""

from __future__ import annotations

import pytest

from bot.cli import adapter_factories
from bot.settings import load_settings
from bot.teams.adapter import TeamsAdapter
from handlers.errors import SettingsError

APP = {"MICROSOFT_APP_ID": "00000000-0000-4000-8000-00000000b07a", "MICROSOFT_APP_PASSWORD": "p"}


def teams_line(env: dict[str, str]) -> str:
    return load_settings(env).platform_lines()[1]


def test_an_app_id_turns_teams_on_authenticated() -> None:
    settings = load_settings(APP)
    assert settings.teams_on and not settings.teams_unauthenticated
    assert TeamsAdapter in adapter_factories(settings)
    assert teams_line(APP) == "teams: on (POST /api/messages, multi-tenant)"
    single = {**APP, "MICROSOFT_APP_TENANT_ID": "t"}
    assert teams_line(single) == "teams: on (POST /api/messages, single-tenant)"


def test_teams_local_is_on_unauthenticated_and_says_so() -> None:
    settings = load_settings({"TEAMS_LOCAL": "1"})
    assert settings.teams_on and settings.teams_unauthenticated
    assert TeamsAdapter in adapter_factories(settings)
    assert "UNAUTHENTICATED" in teams_line({"TEAMS_LOCAL": "1"})


def test_without_either_teams_is_off() -> None:
    assert not load_settings({"TEAMS_LOCAL": "0"}).teams_on
    assert TeamsAdapter not in adapter_factories(load_settings({}))


@pytest.mark.parametrize("env", [{"TEAMS_LOCAL": "yes"}, {**APP, "TEAMS_LOCAL": "1"}])
def test_a_muddled_teams_setting_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="TEAMS_LOCAL"):
        load_settings(env)


def test_graph_is_microsofts_with_an_app_id_and_only_where_set_without() -> None:
    assert load_settings(APP).graph_url == "https://graph.microsoft.com/v1.0"
    assert load_settings({"TEAMS_LOCAL": "1"}).graph_url is None  # no Graph: posted again
    local = {"TEAMS_LOCAL": "1", "MICROSOFT_GRAPH_URL": "http://127.0.0.1:8081/graph/v1.0"}
    assert load_settings(local).graph_url == "http://127.0.0.1:8081/graph/v1.0"


def test_a_graph_url_that_is_no_url_is_refused() -> None:
    with pytest.raises(SettingsError, match="MICROSOFT_GRAPH_URL"):
        load_settings({**APP, "MICROSOFT_GRAPH_URL": "graph.microsoft.com"})
