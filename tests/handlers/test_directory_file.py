"""The directory file: the example loads, and every mistake names its key and a fix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from handlers.directory import Directory
from handlers.directory_file import load_directory
from handlers.errors import DirectoryError

EXAMPLE = Path(__file__).resolve().parents[2] / "complaintbot.example.toml"

RON = '[people.ron]\nname = "Ron Bar"\nslack = "U0RON"\nteams = "29:1ron"\n'
MAYA = '[people.maya]\nname = "Maya Cohen"\nslack = "U0MAYA"\nmanager = "ron"\n'
ACME = '[clients.acme]\nname = "Acme Corp"\nslack_channels = ["C0ACME"]\n'


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "complaintbot.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def directory_error(path: Path) -> DirectoryError:
    with pytest.raises(DirectoryError) as caught:
        load_directory(path)
    return caught.value


# --- the example file ----------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Directory:
    return load_directory(EXAMPLE)


def test_example_describes_a_small_firm(example: Directory) -> None:
    assert len(example.people) == 7
    assert sorted(example.clients) == ["acme", "globex", "initech"]
    assert example.language == "en"
    assert example.trigger_emoji == "triangular_flag_on_post"
    assert example.internal_channel_on("slack") == "C0INTERNAL"
    assert example.internal_channel_on("teams") == "19:abc@thread.tacv2"


def test_example_finds_people_by_platform_id(example: Directory) -> None:
    dana = example.person("dana")
    assert example.person_on("slack", "U0DANA") == dana
    assert example.person_on("teams", "29:1dana") == dana
    assert example.person_on("slack", "U0CLIENTCONTACT") is None
    assert example.actor("slack", "U0DANA").person_id == "dana"


def test_a_platform_adds_its_own_addresses_without_changing_the_directory(
    example: Directory,
) -> None:
    web = example.addressed("web", {"dana": "d-1"}, {"acme": ("room-acme",)}, "room-firm")
    assert web.person_on("web", "d-1") == web.person("dana")
    assert web.person("dana").platform_id("slack") == "U0DANA"  # the file's addresses stay
    assert web.client_for_channel("web", "room-acme") == web.clients["acme"]
    assert web.internal_channel_on("web") == "room-firm"
    assert web.internal_channel_on("slack") == "C0INTERNAL"
    assert example.person_on("web", "d-1") is None  # the original is unchanged
    assert example.client_for_channel("web", "room-acme") is None


def test_example_finds_clients_by_channel(example: Directory) -> None:
    assert example.client_for_channel("slack", "C0GLOBEXOPS") == example.clients["globex"]
    assert example.client_for_channel("teams", "19:acme@thread.tacv2") == example.clients["acme"]
    assert example.client_for_channel("slack", "19:acme@thread.tacv2") is None
    assert example.client_for_channel("slack", "C0INTERNAL") is None


def test_example_management_chain_ends_at_the_lead(example: Directory) -> None:
    chain = ["dana"]
    while (manager := example.manager_of(chain[-1])) is not None:
        chain.append(manager)
    assert chain == ["dana", "maya", "ron"]
    assert example.reports_to("eli", "ron")
    assert not example.reports_to("eli", "maya")
    assert example.leads() == ["ron"]


def test_example_account_managers_have_the_role(example: Directory) -> None:
    for client in example.clients.values():
        assert example.has_role(client.account_manager, "account_manager"), client.id


def test_loaded_entries_are_immutable(example: Directory) -> None:
    acme = example.clients["acme"]
    assert example.person("avi").roles == frozenset({"account_manager"})
    assert isinstance(example.person("avi").roles, frozenset)
    assert acme.channels("slack") == ("C0ACME",)
    assert acme.channels("teams") == ("19:acme@thread.tacv2",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.person("dana").manager = "ron"  # type: ignore[misc]


# --- defaults and paths ----------------------------------------------------------


def test_defaults_for_a_minimal_file(tmp_path: Path) -> None:
    directory = load_directory(write(tmp_path, RON + '[clients.acme]\nname = "Acme Corp"\n'))
    ron, acme = directory.person("ron"), directory.clients["acme"]
    assert (directory.trigger_emoji, directory.language) == ("triangular_flag_on_post", "en")
    assert directory.internal_channel == {}
    assert directory.internal_channel_on("teams") is None
    assert (ron.roles, ron.manager) == (frozenset(), None)
    assert (acme.channels("slack"), acme.channels("teams"), acme.account_manager) == ((), (), None)


def test_accepts_a_string_path(tmp_path: Path) -> None:
    assert list(load_directory(str(write(tmp_path, RON))).people) == ["ron"]


def test_missing_file_names_the_path_and_how_to_create_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    error = directory_error(path)
    assert error.key == str(path)
    assert "complaintbot.example.toml" in error.fix
    assert "COMPLAINTBOT_DIRECTORY" in error.fix


def test_unreadable_path_is_a_directory_error(tmp_path: Path) -> None:
    error = directory_error(tmp_path)
    assert error.key == str(tmp_path)
    assert "cannot be read" in error.problem


def test_non_utf8_file_is_a_directory_error(tmp_path: Path) -> None:
    error = directory_error(write(tmp_path, b'[people.ron]\nname = "R\xf6n"\n'))
    assert "UTF-8" in error.fix


# --- every mistake: file text, the key at fault, a fragment of "key: problem. Fix: fix" ---

DANA = '[people.dana]\nname = "Dana Levi"\n'
GLOBEX = '[clients.globex]\nname = "Globex"\n'
A_B_CYCLE = '[people.a]\nname = "A"\nmanager = "b"\n[people.b]\nname = "B"\nmanager = "a"\n'
C_UNDER_A = '[people.c]\nname = "C"\nmanager = "a"\n'

INVALID = {
    "toml-syntax": (RON + "manager = \n", None, "(at line 5, column 11). Fix: correct the syntax"),
    # unknown keys: typos must not pass silently
    "top-level-typo": ('[person.ron]\nname = "Ron"\n', "person", 'Fix: rename it to "people"'),
    "person-key-typo": (RON + 'manger = "x"\n', "people.ron.manger", 'rename it to "manager"'),
    "person-key-unknown": (RON + 'email = "r@x.com"\n', "people.ron.email", "Fix: remove it"),
    "client-key-typo": (
        RON + GLOBEX + "slack_channel = []\n",
        "clients.globex.slack_channel",
        'rename it to "slack_channels"',
    ),
    "internal-typo": (
        'internal_channel = { slak = "C0I" }\n' + RON,
        "internal_channel.slak",
        'rename it to "slack"',
    ),
    "internal-playground": (
        'internal_channel = { playground = "i" }\n' + RON,
        "internal_channel.playground",
        'known keys here are "slack", "teams"',
    ),
    # wrong types
    "name-not-string": (
        RON.replace('"Ron Bar"', "42"),
        "people.ron.name",
        'got an integer (42). Fix: write it in quotes, e.g. name = "Dana Levi"',
    ),
    "slack-not-string": (
        RON.replace('"U0RON"', '["U0RON"]'),
        "people.ron.slack",
        'got a list. Fix: write it in quotes, e.g. slack = "U0DANA"',
    ),
    "slack-empty": (
        RON.replace('"U0RON"', '""'),
        "people.ron.slack",
        'got an empty string. Fix: write it in quotes, e.g. slack = "U0DANA"',
    ),
    "slack-padded": (
        RON.replace('"U0RON"', '" U0RON"'),
        "people.ron.slack",
        'spaces around it (" U0RON"). Fix: write it in quotes, e.g. slack = "U0RON"',
    ),
    "roles-not-list": (RON + 'roles = "lead"\n', "people.ron.roles", 'e.g. roles = ["lead"]'),
    "channels-not-list": (
        RON + GLOBEX + 'slack_channels = "C0G"\n',
        "clients.globex.slack_channels",
        'e.g. slack_channels = ["C0ACME"]',
    ),
    "channels-not-strings": (
        RON + GLOBEX + "teams_channels = [19]\n",
        "clients.globex.teams_channels",
        "got a list containing an integer (19). Fix: write it in brackets",
    ),
    "people-not-table": ('people = "ron"\n', "people", "Fix: write it as a table, e.g. [people."),
    "person-not-table": ('[people]\nron = "Ron"\n', "people.ron", "table, e.g. [people.ron]"),
    "clients-not-table": ('clients = ["acme"]\n' + RON, "clients", "table, e.g. [clients.acme]"),
    "internal-not-table": (
        'internal_channel = "C0I"\n' + RON,
        "internal_channel",
        'e.g. internal_channel = { slack = "C0INTERNAL"',
    ),
    "internal-not-string": (
        "internal_channel = { teams = 7 }\n" + RON,
        "internal_channel.teams",
        'e.g. teams = "19:abc@thread.tacv2"',
    ),
    # people
    "empty-file": ("", "people", "no people are defined. Fix: add at least one person"),
    "no-people": (
        ACME,
        "people",
        "no people are defined. Fix: add at least one person, e.g. [people.dana]",
    ),
    "person-without-name": (
        '[people.ron]\nslack = "U0RON"\n',
        "people.ron.name",
        'has no name. Fix: add name = "Dana Levi" under [people.ron]',
    ),
    "person-id-uppercase": ('[people.Dana]\nname = "D"\n', "people.Dana", "to [people.dana]"),
    "person-id-space": (
        '[people."dana levi"]\nname = "D"\n',
        'people."dana levi"',
        "lowercase letters, digits, _ or -. Fix: rename the table, e.g. to [people.dana_levi]",
    ),
    "unknown-manager": (
        RON + MAYA + DANA + 'manager = "mia"\n',
        "people.dana.manager",
        'no person with id "mia". Fix: use the id of a [people.<id>] table '
        '(did you mean "maya"?), or add a [people.mia] table',
    ),
    "self-manager": (
        RON + 'manager = "ron"\n',
        "people.ron.manager",
        "manager cycle: ron -> ron. Fix: nobody manages themselves",
    ),
    "manager-cycle": (
        A_B_CYCLE,
        "people.a.manager",
        "manager cycle: a -> b -> a. Fix: the top of a chain has no `manager`; "
        "remove it from one of a, b",
    ),
    "cycle-above-someone": (C_UNDER_A + A_B_CYCLE, "people.a.manager", "a -> b -> a. Fix"),
    "duplicate-slack-id": (
        RON + MAYA.replace("U0MAYA", "U0RON"),
        "people.maya.slack",
        'Slack id "U0RON" is used by both ron and maya. Fix: each person needs their own Slack id',
    ),
    "duplicate-teams-id": (
        RON + MAYA + 'teams = "29:1ron"\n',
        "people.maya.teams",
        'Teams id "29:1ron" is used by both ron and maya. '
        "Fix: each person needs their own Teams id; correct it for ron or maya",
    ),
    "unknown-role": (
        RON + 'roles = ["leader"]\n',
        "people.ron.roles",
        'unknown role "leader". Fix: use only "account_manager", "lead", "ombudsperson" '
        '(did you mean "lead"?)',
    ),
    "manager-role": (
        RON + 'roles = ["manager"]\n',
        "people.ron.roles",
        "being someone's `manager` is enough",
    ),
    # clients
    "client-without-name": (
        RON + "[clients.acme]\n",
        "clients.acme.name",
        'Fix: add name = "Acme Corp" under [clients.acme]',
    ),
    "client-id-invalid": (
        RON + '[clients."Acme Corp"]\nname = "A"\n',
        'clients."Acme Corp"',
        "e.g. to [clients.acme_corp]",
    ),
    "unknown-account-manager": (
        RON + ACME + 'account_manager = "rob"\n',
        "clients.acme.account_manager",
        'no person with id "rob". Fix: use the id of a [people.<id>] table (did you mean "ron"?)',
    ),
    "slack-channel-of-two": (
        RON + ACME + GLOBEX + 'slack_channels = ["C0G", "C0ACME"]\n',
        "clients.globex.slack_channels",
        'channel "C0ACME" is claimed by acme too. '
        "Fix: a channel belongs to one client; list it once, "
        "under acme or globex",
    ),
    "teams-channel-of-two": (
        RON + ACME + 'teams_channels = ["19:x"]\n' + GLOBEX + 'teams_channels = ["19:x"]\n',
        "clients.globex.teams_channels",
        '"19:x" is claimed by acme too. Fix: a channel belongs to one client',
    ),
    "channel-listed-twice": (
        RON + GLOBEX + 'slack_channels = ["C0G", "C0G"]\n',
        "clients.globex.slack_channels",
        '"C0G" is listed twice. Fix: remove the second occurrence',
    ),
    "channel-is-internal": (
        'internal_channel = { slack = "C0ACME" }\n' + RON + ACME,
        "clients.acme.slack_channels",
        '"C0ACME" is also internal_channel.slack, so the client would read internal discussion'
        " of their own complaints. Fix: make internal_channel.slack a separate channel",
    ),
    # settings
    "unknown-language": (
        'language = "fr"\n' + RON,
        "language",
        'unknown language "fr". Fix: use one of "en", "he"',
    ),
    "language-not-string": ("language = 1\n" + RON, "language", 'e.g. language = "en"'),
    "emoji-with-colons": (
        'trigger_emoji = ":fire:"\n' + RON,
        "trigger_emoji",
        "contains colons or spaces. Fix: write the emoji's name without "
        'colons, e.g. trigger_emoji = "fire"',
    ),
    "emoji-with-space": (
        'trigger_emoji = "red flag"\n' + RON,
        "trigger_emoji",
        'e.g. trigger_emoji = "red_flag"',
    ),
}


@pytest.mark.parametrize(("text", "key", "fragment"), INVALID.values(), ids=INVALID.keys())
def test_invalid_directory_names_key_and_fix(
    tmp_path: Path, text: str, key: str | None, fragment: str
) -> None:
    path = write(tmp_path, text)
    error = directory_error(path)
    assert error.key == (key or str(path))
    assert fragment in str(error)


# --- retention ---------------------------------------------------------------------------


def test_retention_days_is_none_by_default_and_read_when_given(
    tmp_path: Path, example: Directory
) -> None:
    assert example.retention_days is None
    assert load_directory(write(tmp_path, "retention_days = 365\n" + RON)).retention_days == 365


@pytest.mark.parametrize("value", ["0", "-3", "1.5", '"365"', "true"])
def test_a_retention_that_is_not_a_positive_whole_number_names_the_key(
    tmp_path: Path, value: str
) -> None:
    error = directory_error(write(tmp_path, f"retention_days = {value}\n" + RON))
    assert error.key == "retention_days"
    assert "retention_days = 365" in error.fix
