"""Read and validate the directory file (TOML) into a `Directory`.

Validation is strict on purpose: the directory decides who is brought into a
case. A typo in a manager, a Slack id or a channel would not crash anything; it
would quietly mean a complaint about someone who is never told, or a client
channel the bot ignores. That breaks the rule "nobody is judged in their
absence", so every doubt stops start-up with the TOML key at fault and a fix.

Defaults: `trigger_emoji = "triangular_flag_on_post"`, `language = "en"`,
`internal_channel = {}`, and empty `roles` and channel lists. A platform
without an `internal_channel` entry gets no internal case card on that
platform; managers and leads are then reached by DM only. The business calendar and
the deadlines (`[calendar]`, `[deadlines.*]`) are read by `handlers.schedule_file`, the
optional `[review]` table (the fit score's weights and bands) by `handlers.review_config`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from handlers import schedule_file
from handlers.directory import LANGUAGES, ROLES, Client, Directory, Person
from handlers.errors import DirectoryError
from handlers.file_words import (
    child as _child,
)
from handlers.file_words import (
    choices as _choices,
)
from handlers.file_words import (
    describe as _describe,
)
from handlers.file_words import (
    did_you_mean as _did_you_mean,
)
from handlers.file_words import (
    dotted as _dotted,
)
from handlers.file_words import (
    first_bad_string as _first_bad_string,
)
from handlers.file_words import (
    is_clean_string as _is_clean_string,
)
from handlers.file_words import (
    quote as _quote,
)
from handlers.file_words import (
    reject_unknown_keys as _reject_unknown_keys,
)
from handlers.file_words import (
    table as _table,
)
from handlers.review_config import parse_review

DEFAULT_TRIGGER_EMOJI = "triangular_flag_on_post"
DEFAULT_LANGUAGE = "en"

TOP_KEYS = (
    "internal_channel",
    "trigger_emoji",
    "language",
    "people",
    "clients",
    "calendar",
    "deadlines",
    "review",
    "retention_days",
)
PERSON_KEYS = ("name", "slack", "teams", "manager", "roles")
CLIENT_KEYS = ("name", "slack_channels", "teams_channels", "account_manager")
# The platforms the file names (its keys); the directory itself knows none of them.
PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}
ADDRESS_EXAMPLES = {"slack": "U0DANA", "teams": "29:1dana"}
CHANNEL_EXAMPLES = {"slack": "C0ACME", "teams": "19:acme@thread.tacv2"}

_ID = re.compile(r"[a-z0-9_-]+")


def load_directory(path: str | Path) -> Directory:
    """Read `path` and return the validated directory, or raise `DirectoryError`."""
    return parse_directory(_read_toml(Path(path)))


def parse_directory(data: Mapping[str, Any]) -> Directory:
    """Validate already-parsed TOML data; split from `load_directory` for reuse in tests."""
    _reject_unknown_keys(data, TOP_KEYS, "")
    internal = _internal_channel(data)
    people = _people(data)
    return Directory(
        people=people,
        clients=_clients(data, people, internal),
        internal_channel=internal,
        trigger_emoji=_trigger_emoji(data),
        language=_language(data),
        schedule=schedule_file.parse_schedule(data),
        review=parse_review(data.get("review", {})),
        retention_days=_retention_days(data),
    )


# --- reading -----------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    key = str(path)
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise DirectoryError(
            key,
            "the directory file does not exist",
            f"create it, e.g. `cp complaintbot.example.toml {path}` and edit it, "
            "or set COMPLAINTBOT_DIRECTORY to the path of your directory file",
        ) from None
    except OSError as error:
        raise DirectoryError(
            key,
            f"the directory file cannot be read ({error.strerror})",
            "point COMPLAINTBOT_DIRECTORY at a readable TOML file",
        ) from None
    except UnicodeDecodeError as error:
        raise DirectoryError(
            key, f"the file is not UTF-8 ({error.reason})", "save the file as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise DirectoryError(
            key,
            f"invalid TOML: {error}",
            'correct the syntax at that line; strings need quotes, e.g. name = "Dana Levi", '
            'and lists brackets, e.g. roles = ["lead"]',
        ) from None


# --- top level ---------------------------------------------------------------


def _internal_channel(data: Mapping[str, Any]) -> dict[str, str]:
    example = {"slack": "C0INTERNAL", "teams": "19:abc@thread.tacv2"}
    table = _table(
        data.get("internal_channel", {}), "internal_channel", f"internal_channel = {_toml(example)}"
    )
    _reject_unknown_keys(table, tuple(PLATFORM_NAMES), "internal_channel")
    channels: dict[str, str] = {}
    for platform in PLATFORM_NAMES:
        channel = _optional_string(table, platform, "internal_channel", example[platform])
        if channel is not None:
            channels[platform] = channel
    return channels


def _trigger_emoji(data: Mapping[str, Any]) -> str:
    emoji = _optional_string(data, "trigger_emoji", "", DEFAULT_TRIGGER_EMOJI)
    if emoji is None:
        return DEFAULT_TRIGGER_EMOJI
    if ":" in emoji or any(char.isspace() for char in emoji):
        suggestion = re.sub(r"[:\s]+", "_", emoji).strip("_") or DEFAULT_TRIGGER_EMOJI
        raise DirectoryError(
            "trigger_emoji",
            f"{_quote(emoji)} contains colons or spaces",
            "write the emoji's name without colons, e.g. "
            f"trigger_emoji = {_quote(suggestion)} (default {_quote(DEFAULT_TRIGGER_EMOJI)})",
        )
    return emoji


def _language(data: Mapping[str, Any]) -> str:
    language = _optional_string(data, "language", "", DEFAULT_LANGUAGE)
    if language is None:
        return DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise DirectoryError(
            "language",
            f"unknown language {_quote(language)}",
            f"use one of {_choices(LANGUAGES)}, e.g. language = {_quote(DEFAULT_LANGUAGE)}",
        )
    return language


def _retention_days(data: Mapping[str, Any]) -> int | None:
    """How many days a closed or withdrawn case keeps its personal text; none by default."""
    days = data.get("retention_days")
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise DirectoryError(
            "retention_days",
            f"must be a whole number of days, at least 1, got {_describe(days)}",
            "e.g. retention_days = 365, or leave it out to keep the text of closed cases",
        )
    return days


# --- people ------------------------------------------------------------------


def _people(data: Mapping[str, Any]) -> dict[str, Person]:
    table = _table(data.get("people", {}), "people", '[people.dana] then name = "Dana Levi"')
    if not table:
        raise DirectoryError(
            "people",
            "no people are defined",
            'add at least one person, e.g. [people.dana] with name = "Dana Levi" '
            'and slack = "U0DANA"',
        )
    people = {person_id: _person(person_id, raw) for person_id, raw in table.items()}
    _check_managers_exist(people)
    _check_no_manager_cycle(people)
    _check_unique_platform_ids(people)
    return people


def _person(person_id: str, raw: object) -> Person:
    _check_id("people", person_id)
    key = _dotted("people", person_id)
    table = _table(raw, key, f'[{key}] then name = "Dana Levi"')
    _reject_unknown_keys(table, PERSON_KEYS, key)
    return Person(
        id=person_id,
        name=_required_string(table, "name", key, "Dana Levi"),
        manager=_optional_string(table, "manager", key, "maya"),
        roles=_roles(table, key),
        addresses={
            platform: address
            for platform, example in ADDRESS_EXAMPLES.items()
            if (address := _optional_string(table, platform, key, example)) is not None
        },
    )


def _roles(table: Mapping[str, Any], prefix: str) -> frozenset[str]:
    roles = _string_list(table, "roles", prefix, ["lead"])
    for role in roles:
        if role not in ROLES:
            raise DirectoryError(
                _child(prefix, "roles"),
                f"unknown role {_quote(role)}",
                f"use only {_choices(sorted(ROLES))}{_did_you_mean(role, ROLES)}; "
                "a manager needs no role: being someone's `manager` is enough",
            )
    return frozenset(roles)


def _check_managers_exist(people: Mapping[str, Person]) -> None:
    for person in people.values():
        if person.manager is not None and person.manager not in people:
            _raise_unknown_person(_dotted("people", person.id, "manager"), person.manager, people)


def _check_no_manager_cycle(people: Mapping[str, Person]) -> None:
    """Someone must be at the top: a cycle would send escalations round forever."""
    checked: set[str] = set()
    for start in people:
        chain: list[str] = []
        current: str | None = start
        while current is not None and current not in checked:
            if current in chain:
                _raise_cycle([*chain[chain.index(current) :], current])
            chain.append(current)
            current = people[current].manager
        checked.update(chain)


def _raise_cycle(cycle: list[str]) -> None:
    key = _dotted("people", cycle[0], "manager")
    if len(cycle) == 2:
        fix = f"nobody manages themselves; remove `manager` from [people.{cycle[0]}]"
    else:
        members = ", ".join(cycle[:-1])
        fix = f"the top of a chain has no `manager`; remove it from one of {members}"
    raise DirectoryError(key, f"manager cycle: {' -> '.join(cycle)}", fix)


def _check_unique_platform_ids(people: Mapping[str, Person]) -> None:
    for platform, label in PLATFORM_NAMES.items():
        owners: dict[str, str] = {}
        for person in people.values():
            user_id = person.platform_id(platform)
            if user_id is None:
                continue
            if user_id in owners:
                first = owners[user_id]
                raise DirectoryError(
                    _dotted("people", person.id, platform),
                    f"{label} id {_quote(user_id)} is used by both {first} and {person.id}",
                    f"each person needs their own {label} id; correct it for {first} "
                    f"or {person.id}",
                )
            owners[user_id] = person.id


# --- clients -----------------------------------------------------------------


def _clients(
    data: Mapping[str, Any], people: Mapping[str, Person], internal: Mapping[str, str]
) -> dict[str, Client]:
    table = _table(data.get("clients", {}), "clients", '[clients.acme] then name = "Acme Corp"')
    clients = {client_id: _client(client_id, raw, people) for client_id, raw in table.items()}
    _check_channels(clients, internal)
    return clients


def _client(client_id: str, raw: object, people: Mapping[str, Person]) -> Client:
    _check_id("clients", client_id)
    key = _dotted("clients", client_id)
    table = _table(raw, key, f'[{key}] then name = "Acme Corp"')
    _reject_unknown_keys(table, CLIENT_KEYS, key)
    name = _required_string(table, "name", key, "Acme Corp")
    account_manager = _optional_string(table, "account_manager", key, "avi")
    if account_manager is not None and account_manager not in people:
        _raise_unknown_person(_child(key, "account_manager"), account_manager, people)
    return Client(
        id=client_id,
        name=name,
        channels_on={
            platform: _string_list(table, f"{platform}_channels", key, [example])
            for platform, example in CHANNEL_EXAMPLES.items()
        },
        account_manager=account_manager,
    )


def _check_channels(clients: Mapping[str, Client], internal: Mapping[str, str]) -> None:
    """A channel has one client, and it is never the internal one: the client would see it."""
    for platform in PLATFORM_NAMES:
        owners: dict[str, str] = {}
        for client in clients.values():
            key = _dotted("clients", client.id, f"{platform}_channels")
            for channel in client.channels(platform):
                if channel == internal.get(platform):
                    raise DirectoryError(
                        key,
                        f"{_quote(channel)} is also internal_channel.{platform}, so the client "
                        "would read internal discussion of their own complaints",
                        f"make internal_channel.{platform} a separate channel the client is not in",
                    )
                if channel in owners:
                    _raise_shared_channel(key, channel, owners[channel], client.id)
                owners[channel] = client.id


def _raise_shared_channel(key: str, channel: str, first: str, second: str) -> None:
    if first == second:
        raise DirectoryError(
            key, f"channel {_quote(channel)} is listed twice", "remove the second occurrence"
        )
    raise DirectoryError(
        key,
        f"channel {_quote(channel)} is claimed by {first} too",
        f"a channel belongs to one client; list it once, under {first} or {second}",
    )


# --- shared checks -----------------------------------------------------------


def _check_id(section: str, value: str) -> None:
    """Ids show up in the playground, logs and commands, so they stay plain."""
    if not _ID.fullmatch(value):
        what = "person" if section == "people" else "client"
        slug = re.sub(r"[^a-z0-9_-]+", "_", value.lower()).strip("_") or f"{what}1"
        raise DirectoryError(
            _dotted(section, value),
            f"{what} id {_quote(value)} may only contain lowercase letters, digits, _ or -",
            f"rename the table, e.g. to [{_dotted(section, slug)}]",
        )


def _raise_unknown_person(key: str, person_id: str, people: Mapping[str, Person]) -> None:
    raise DirectoryError(
        key,
        f"no person with id {_quote(person_id)}",
        f"use the id of a [people.<id>] table{_did_you_mean(person_id, people)}, "
        f"or add a [people.{person_id}] table",
    )


# --- typed access ------------------------------------------------------------


def _optional_string(table: Mapping[str, Any], name: str, prefix: str, example: str) -> str | None:
    value = table.get(name)
    if value is None:
        return None
    if not _is_clean_string(value):
        suggestion = value.strip() if isinstance(value, str) and value.strip() else example
        raise DirectoryError(
            _child(prefix, name),
            f"expected a non-empty string, got {_describe(value)}",
            f"write it in quotes, e.g. {name} = {_quote(suggestion)}",
        )
    return value


def _required_string(table: Mapping[str, Any], name: str, prefix: str, example: str) -> str:
    value = _optional_string(table, name, prefix, example)
    if value is None:
        raise DirectoryError(
            _child(prefix, name),
            f"[{prefix}] has no {name}",
            f"add {name} = {_quote(example)} under [{prefix}]",
        )
    return value


def _string_list(
    table: Mapping[str, Any], name: str, prefix: str, example: list[str]
) -> tuple[str, ...]:
    value = table.get(name, [])
    bad = _first_bad_string(value) if isinstance(value, list) else None
    if not isinstance(value, list) or bad is not None:
        got = _describe(value) if bad is None else f"a list containing {_describe(value[bad])}"
        raise DirectoryError(
            _child(prefix, name),
            f"expected a list of non-empty strings, got {got}",
            f"write it in brackets with quoted items, e.g. {name} = {_toml(example)}",
        )
    return tuple(value)


# --- formatting --------------------------------------------------------------


def _toml(value: object) -> str:
    """Render an example value as inline TOML, for fix sentences."""
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_dotted(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return _quote(str(value))
