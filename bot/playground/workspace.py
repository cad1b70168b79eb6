"""The playground's chat workspace, in memory: channels, messages, threads, DMs and notices.

It stands in for Slack's or Teams' servers, not for the store: cases live in the real
store, and this holds only what a chat would show. Nothing here survives a restart by
itself; on start `PlaygroundSink.restore` rebuilds every case's internal card and client
thread from the store, while chit-chat that opened no case, DMs and notices are gone.

Visibility is the platform's, not a business rule: a client contact sees only their own
client's channel (as in a shared channel), people of the firm see every client channel,
the internal channel and their own DMs. Every change bumps `seq` and is published to the
subscribers (the SSE streams), so each open page re-renders without reloading.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from handlers.directory import Directory

PLATFORM = "playground"  # how the store and the directory name this platform
BOT = "complaintbot"  # the bot's user id and display name in the playground
CONTACT = "contact:"  # a client contact persona is "contact:<client id>"
INTERNAL = "internal"
MAX_NOTICES = 3  # per persona, newest first: an ephemeral answer matters only for a moment
QUEUE_SIZE = 64  # per subscriber; a full queue already means "refetch", so drops are harmless

ChannelKind = Literal["client", "internal", "dm"]


def now() -> datetime:
    return datetime.now(UTC)


def client_channel(client_id: str) -> str:
    return f"client-{client_id}"


def addressed(directory: Directory) -> Directory:
    """The directory as the playground addresses it: a person by their directory id, a
    client by its one channel here, the firm by the internal channel."""
    return directory.addressed(
        PLATFORM,
        people={person_id: person_id for person_id in directory.people},
        channels={client_id: (client_channel(client_id),) for client_id in directory.clients},
        internal=INTERNAL,
    )


def contact_client(persona: str) -> str | None:
    """The client id of a client-contact persona, None for a person of the firm."""
    return persona.removeprefix(CONTACT) if persona.startswith(CONTACT) else None


def dm_channel(person_id: str) -> str:
    return f"dm-{person_id}"


@dataclass(frozen=True)
class Button:
    action: str  # a step of the case: account, assess, resolve, ..., feedback_yes
    case_id: str
    label: str
    style: str = ""  # "primary", "danger" or ""


@dataclass(frozen=True)
class Link:
    """A jump to a message, e.g. from a DM to the case's client thread or card."""

    label: str
    channel: str
    message: str


@dataclass
class Message:
    id: str
    channel: str
    author: str  # a persona id, or BOT
    display: str
    text: str
    at: datetime
    thread: str | None = None  # the root message's id, for a reply in a thread
    card: dict[str, Any] | None = None  # an internal case card, rendered (see views.card)
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    reactions: dict[str, list[str]] = field(default_factory=dict)  # emoji -> persona ids


@dataclass(frozen=True)
class Notice:
    """An ephemeral answer (a refusal, a confirmation) that only `persona` sees.

    They do not pile up: the workspace keeps a persona's `MAX_NOTICES` newest, newest
    first, and the page shows a channel's notices only from when the persona and the
    channel were opened there (`seq` says when a notice came), so switching either clears
    them, as leaving a channel or reloading does in Slack."""

    id: str
    persona: str
    channel: str
    text: str
    at: datetime
    seq: int  # the workspace change that brought it


@dataclass
class Channel:
    id: str
    kind: ChannelKind
    name: str
    client_id: str | None = None
    members: list[str] = field(default_factory=list)  # person ids brought in by the bot
    messages: list[Message] = field(default_factory=list)  # top level, oldest first


@dataclass(frozen=True)
class Change:
    """What a subscriber is told: enough to decide whether to refetch, nothing more."""

    seq: int
    channel: str | None = None
    persona: str | None = None  # set for a notice: only that persona cares


class Workspace:
    def __init__(self, channels: list[Channel]) -> None:
        self.channels = {c.id: c for c in channels}
        self.seq = 0
        self._messages: dict[str, Message] = {}
        self._threads: dict[str, list[Message]] = {}
        self._notices: dict[str, list[Notice]] = {}
        self._subscribers: set[asyncio.Queue[Change | None]] = set()

    # --- reading ------------------------------------------------------------------------

    def can_see(self, persona: str, channel: Channel) -> bool:
        client = contact_client(persona)
        if client is not None:
            return channel.kind == "client" and channel.client_id == client
        return channel.kind != "dm" or channel.id == dm_channel(persona)

    def visible(self, persona: str) -> list[Channel]:
        return [c for c in self.channels.values() if self.can_see(persona, c)]

    def message(self, message_id: str) -> Message | None:
        return self._messages.get(message_id)

    def replies(self, root_id: str) -> list[Message]:
        return list(self._threads.get(root_id, ()))

    def notices(self, persona: str) -> list[Notice]:
        """The persona's newest notices, newest first."""
        return list(self._notices.get(persona, ()))

    # --- writing ------------------------------------------------------------------------

    def post(
        self,
        channel: str,
        author: str,
        display: str,
        text: str,
        *,
        thread: str | None = None,
        message_id: str | None = None,
        at: datetime | None = None,
        **extras: Any,
    ) -> Message:
        """Add a message (a thread reply when `thread` is a root id) and tell subscribers."""
        message = Message(
            message_id or uuid.uuid4().hex[:12],
            channel,
            author,
            display,
            text,
            at or now(),
            thread,
            **extras,
        )
        if thread is None:
            self.channels[channel].messages.append(message)
        else:
            self._threads.setdefault(thread, []).append(message)
        self._messages[message.id] = message
        self._publish(channel=channel)
        return message

    def update(self, message: Message, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(message, name, value)
        self._publish(channel=message.channel)

    def react(self, message: Message, emoji: str, persona: str) -> None:
        people = message.reactions.setdefault(emoji, [])
        if persona not in people:
            people.append(persona)
            self._publish(channel=message.channel)

    def add_member(self, channel: str, person_id: str) -> None:
        members = self.channels[channel].members
        if person_id not in members:
            members.append(person_id)
            self._publish(channel=channel)

    def notify(self, persona: str, channel: str, text: str) -> Notice:
        notice = Notice(uuid.uuid4().hex[:12], persona, channel, text, now(), self.seq + 1)
        kept = self._notices.setdefault(persona, [])
        kept.insert(0, notice)
        del kept[MAX_NOTICES:]
        self._publish(persona=persona)  # as change `notice.seq`
        return notice

    # --- live updates -------------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue[Change | None]:
        queue: asyncio.Queue[Change | None] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Change | None]) -> None:
        self._subscribers.discard(queue)

    def close(self) -> None:
        """End every stream (None is the end mark), so a shutdown need not wait for them."""
        for queue in self._subscribers:
            _offer(queue, None, force=True)
        self._subscribers.clear()

    def _publish(self, channel: str | None = None, persona: str | None = None) -> None:
        self.seq += 1
        change = Change(self.seq, channel, persona)
        for queue in self._subscribers:
            _offer(queue, change)


def _offer(queue: asyncio.Queue[Change | None], item: Change | None, force: bool = False) -> None:
    if queue.full():
        if not force:
            return
        queue.get_nowait()
    queue.put_nowait(item)
