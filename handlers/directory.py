"""Who is who: the firm's people, its clients and their channels.

The directory is read once at start-up (see `handlers.directory_file`) and is
immutable afterwards. Anyone who speaks in a client channel and is not in
`people` is a client contact of that client.

It knows no platform by name: a person has an address on each platform the file
gives one for (`addresses`, e.g. {"slack": "U0DANA"}), a client its channels on each,
and the firm an internal channel on each. A platform that addresses the firm its own
way (the playground, by directory ids) adds its addresses with `addressed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from handlers.calendar import Schedule
from handlers.review_config import ReviewSettings

# An ombudsperson judges cases that name everyone else who could (see handlers.rules).
ROLES = frozenset({"lead", "account_manager", "ombudsperson"})
LANGUAGES = ("en", "he")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    manager: str | None = None
    roles: frozenset[str] = frozenset()
    addresses: Mapping[str, str] = field(default_factory=dict)  # platform -> user id there

    def platform_id(self, platform: str) -> str | None:
        return self.addresses.get(platform)

    def __hash__(self) -> int:  # the addresses are a dict: a person is known by their id
        return hash(self.id)


@dataclass(frozen=True)
class Client:
    id: str
    name: str
    channels_on: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # platform -> ids
    account_manager: str | None = None

    def channels(self, platform: str) -> tuple[str, ...]:
        return self.channels_on.get(platform, ())

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Actor:
    """Someone acting on a platform: a directory person, or an external client contact."""

    platform: str
    user_id: str
    display: str
    person_id: str | None = None

    @property
    def internal(self) -> bool:
        return self.person_id is not None


@dataclass(frozen=True)
class Directory:
    people: dict[str, Person]
    clients: dict[str, Client]
    internal_channel: dict[str, str] = field(default_factory=dict)
    trigger_emoji: str = "triangular_flag_on_post"
    language: str = "en"
    schedule: Schedule = field(default_factory=Schedule)  # business time and deadlines
    review: ReviewSettings = field(default_factory=ReviewSettings)  # the `[review]` table
    retention_days: int | None = None  # a final case's text is kept this long (None: always)

    def person(self, person_id: str) -> Person:
        return self.people[person_id]

    def person_name(self, person_id: str) -> str:
        """A person's name; their id once the directory no longer lists them (a record
        outlives a change of staff)."""
        person = self.people.get(person_id)
        return person.name if person else person_id

    def client_name(self, client_id: str) -> str:
        """A client's name; its id once the directory no longer lists it."""
        client = self.clients.get(client_id)
        return client.name if client else client_id

    def person_on(self, platform: str, user_id: str) -> Person | None:
        for person in self.people.values():
            if person.platform_id(platform) == user_id:
                return person
        return None

    def actor(self, platform: str, user_id: str, display: str | None = None) -> Actor:
        person = self.person_on(platform, user_id)
        if person:
            return Actor(platform, user_id, person.name, person.id)
        return Actor(platform, user_id, display or user_id)

    def client_for_channel(self, platform: str, channel: str) -> Client | None:
        for client in self.clients.values():
            if channel in client.channels(platform):
                return client
        return None

    def internal_channel_on(self, platform: str) -> str | None:
        return self.internal_channel.get(platform)

    def addressed(
        self,
        platform: str,
        people: Mapping[str, str],
        channels: Mapping[str, tuple[str, ...]],
        internal: str | None = None,
    ) -> Directory:
        """This directory with `platform`'s addresses too: people by user id (directory id
        -> id there), clients by channels, and the internal channel."""
        return replace(
            self,
            people={
                p.id: replace(p, addresses={**p.addresses, platform: people[p.id]})
                if p.id in people
                else p
                for p in self.people.values()
            },
            clients={
                c.id: replace(c, channels_on={**c.channels_on, platform: channels[c.id]})
                if c.id in channels
                else c
                for c in self.clients.values()
            },
            internal_channel=(
                {**self.internal_channel, platform: internal} if internal else self.internal_channel
            ),
        )

    def manager_of(self, person_id: str) -> str | None:
        return self.people[person_id].manager

    def has_role(self, person_id: str | None, role: str) -> bool:
        return person_id is not None and role in self.people[person_id].roles

    def leads(self) -> list[str]:
        return [p.id for p in self.people.values() if "lead" in p.roles]

    def reports_to(self, person_id: str, manager_id: str) -> bool:
        """True when `manager_id` is anywhere above `person_id` in the management chain."""
        seen: set[str] = set()
        current = self.people[person_id].manager
        while current and current not in seen:
            if current == manager_id:
                return True
            seen.add(current)
            current = self.people[current].manager
        return False

    def strangers(self, platform: str, user_ids: list[str]) -> list[str]:
        """The platform user ids that are nobody of the directory, in order."""
        return [uid for uid in user_ids if self.person_on(platform, uid) is None]

    def mentioned_people(self, platform: str, user_ids: list[str]) -> list[str]:
        """Directory ids of the people among the mentioned platform user ids, in order."""
        found: list[str] = []
        for uid in user_ids:
            person = self.person_on(platform, uid)
            if person and person.id not in found:
                found.append(person.id)
        return found
