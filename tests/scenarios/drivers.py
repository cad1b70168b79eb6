"""One way to act and to look for every adapter, so one scenario suite runs on each.

A scenario speaks of the example directory's people and clients ("dana", "acme") and of a
client's contact as `contact("acme")`; a driver turns that into its platform's traffic
and reads back what the platform shows. A driver only translates: it decides nothing,
retries nothing and hides no difference between the platforms.

- `SlackDriver`: the real server on loopback (tests/slack/harness.py), sent what Slack
  sends (signed Events API envelopes, `block_actions`, `view_submission`), and looking at
  what the bot did through the fake Web API's record of calls and messages.
- `PlaygroundDriver`: the playground's HTTP API (tests/playground/conftest.py) and its
  workspace state.

What each side sees, on either platform:
- `client_thread`: every text in the case's client channel that the client can see, in
  the order it was posted: people's messages, the bot's (as they now are, after updates,
  with the texts of their buttons), and, unless `notices=False`, the answers told to the
  client's contacts alone in that channel;
- `internal_texts`: the internal case card as it now is, then the notes in its thread;
- `dms`: the bot's direct messages to a person; `notices`: what a person was told alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.playground.sink import card_id
from bot.playground.workspace import BOT, INTERNAL, client_channel, dm_channel
from bot.slack import ids
from handlers import forms
from handlers.directory import Directory
from handlers.model import Case
from tests.fakes.slack_api import BOT_USER_ID, FakeSlackAPI
from tests.playground.conftest import Playground
from tests.slack.checks import blocks_text
from tests.slack.harness import CLIENT, GLOBEX_CLIENT, SlackBot, state_for
from tests.slackkit import events
from tests.slackkit.signing import block_action_payload

CONTACT = "contact:"


def contact(client_id: str) -> str:
    """The person id a scenario gives a contact of client `client_id`."""
    return f"{CONTACT}{client_id}"


def client_of(person_id: str) -> str | None:
    return person_id.removeprefix(CONTACT) if person_id.startswith(CONTACT) else None


@dataclass(frozen=True)
class Message:
    """A message a driver posted: the platform's ids, to compare with a case's source."""

    id: str
    channel: str


@dataclass(frozen=True)
class Shown:
    """What pressing a button showed: a form (its name and the texts it shows), or a
    refusal, and who was told it."""

    form: str | None = None
    texts: tuple[str, ...] = ()
    refusal: str | None = None
    told_to: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Told:
    """What submitting a form told: a notice (maybe none), or the form's error."""

    notice: str = ""
    error: str | None = None
    told_to: frozenset[str] = frozenset()


class Driver(Protocol):
    name: str

    async def complain(self, as_client_of: str, text: str, naming: Sequence[str] = ()) -> str:
        """A contact of the client mentions the bot in its channel; `text` may hold
        `{person_id}` where a named person is mentioned (the others follow the words).
        Returns the case opened on that message."""
        ...

    async def post(self, as_: str, client: str, text: str, naming: Sequence[str] = ()) -> Message:
        """A message in the client's channel that does not mention the bot."""
        ...

    async def mention_bot_under(self, message: Message, as_: str) -> str | None:
        """A bare mention of the bot in the thread of `message`: the case opened, if any."""
        ...

    async def reply_in_thread(self, case_id: str, text: str, as_: str) -> None: ...

    async def press(self, person_id: str, action: str, case_id: str) -> Shown:
        """A case button: the card's for people of the firm, the client thread's for
        contacts."""
        ...

    async def submit(
        self, person_id: str, form_name: str, case_id: str, values: dict[str, Any]
    ) -> Told:
        """Fill the form `person_id`'s last press on this case showed."""
        ...

    async def feedback(self, case_id: str, resolved: bool, comment: str = "") -> Told:
        """The client's contact answers the feedback question."""
        ...

    async def client_thread(self, case_id: str, notices: bool = True) -> list[str]: ...

    async def internal_texts(self, case_id: str) -> list[str]: ...

    async def dms(self, person_id: str) -> list[str]: ...

    async def notices(self, person_id: str) -> list[str]: ...

    async def case(self, case_id: str) -> Case: ...

    async def settle(self) -> None:
        """Wait until everything the bot has to say has been said."""
        ...


def worded(text: str, naming: Sequence[str], mention: Any) -> str:
    """`text` with `{person}` as the platform's mention of that person, and the named people
    it leaves out mentioned after it."""
    said, rest = text, []
    for person in naming:
        placeholder = "{" + person + "}"
        if placeholder in said:
            said = said.replace(placeholder, mention(person))
        else:
            rest.append(mention(person))
    return " ".join([said, *rest])


# --- Slack ------------------------------------------------------------------------------

# The contact of each client of the example directory and the name Slack shows for them
# (tests/scenarios/conftest.py puts them in their channels); Acme's and Globex's are the
# Slack harness's (`tests.slack.harness.populate`).
SLACK_CONTACTS = {"acme": CLIENT, "globex": GLOBEX_CLIENT, "initech": "U0INITECH"}
SLACK_CONTACT_NAMES = {CLIENT: "carol.acme", GLOBEX_CLIENT: "gary.globex", "U0INITECH": "ian"}

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
# A date shows in the reader's time zone; here, as its fallback text.
DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
SPECIAL = re.compile(r"<!(\w+)(?:\|([^>]*))?>")
ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}


class SlackDriver:
    name = "slack"

    def __init__(self, bot: SlackBot, fake: FakeSlackAPI) -> None:
        self.bot, self.fake = bot, fake
        assert bot.runtime
        self.runtime = bot.runtime
        self.directory: Directory = bot.runtime.directory
        self.people: list[tuple[str, str]] = []  # (channel, ts) of people's messages, in order
        self.views: dict[tuple[str, str], dict[str, Any]] = {}  # (person, case) -> last modal

    # --- translating ------------------------------------------------------------------------

    def user(self, person_id: str) -> str:
        client = client_of(person_id)
        if client is not None:
            return SLACK_CONTACTS[client]
        found = self.directory.person(person_id).platform_id("slack")
        assert found, f"{person_id} has no Slack id in the directory"
        return found

    def person(self, user_id: str) -> str:
        person = self.directory.person_on("slack", user_id)
        if person:
            return person.id
        clients = [c for c, u in SLACK_CONTACTS.items() if u == user_id]
        return contact(clients[0]) if clients else user_id

    def mention(self, person_id: str) -> str:
        return f"<@{self.user(person_id)}>"

    def words(self, text: str, naming: Sequence[str] = ()) -> str:
        """What a person typed as Slack sends it: `&`, `<` and `>` escaped, and mentions."""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return worded(escaped, naming, self.mention)

    def channel_of(self, client_id: str) -> str:
        return self.directory.clients[client_id].channels("slack")[0]

    @property
    def internal(self) -> str:
        found = self.directory.internal_channel_on("slack")
        assert found
        return found

    def shown(self, raw: str) -> str:
        """Slack's mrkdwn as Slack shows it: mentions as names, links as their labels."""

        def name(found: re.Match[str]) -> str:
            user_id = found.group(1)
            if user_id == BOT_USER_ID:
                return "@complaintbot"
            person = self.directory.person_on("slack", user_id)
            return "@" + (person.name if person else SLACK_CONTACT_NAMES.get(user_id, user_id))

        shown = MENTION.sub(name, raw)
        shown = LINK.sub(lambda m: m.group(2) or m.group(1), shown)
        shown = CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), shown)
        shown = DATE.sub(lambda m: m.group(1), shown)
        shown = SPECIAL.sub(lambda m: "@" + (m.group(2) or m.group(1)), shown)
        return re.sub("&(?:amp|lt|gt);", lambda m: ENTITIES[m.group()], shown)

    def message_text(self, message: dict[str, Any]) -> str:
        """A message as shown: its blocks when it has them (and the text a notification
        shows, when the blocks do not say it), else its text."""
        text = str(message.get("text") or "")
        inside = blocks_text(message.get("blocks"))
        if not inside:
            return self.shown(text)
        return self.shown(inside if text in inside else f"{text}\n{inside}")

    # --- acting -----------------------------------------------------------------------------

    async def _say(
        self, person_id: str, channel: str, raw: str, thread: str | None, mentions_bot: bool
    ) -> str:
        """A person's message, held by the fake as Slack holds it, and the events Slack
        sends for it: `app_mention` when it mentions the bot, and `message` always."""
        user = self.user(person_id)
        ts = self.fake.add_message(channel, raw, user=user, thread_ts=thread)
        self.people.append((channel, ts))
        if mentions_bot:
            mention = events.app_mention(channel, ts, raw, user=user, thread_ts=thread)
            assert (await self.bot.event(mention)).status == 200
        message = events.message(channel, ts, raw, user=user, thread_ts=thread)
        assert (await self.bot.event(message)).status == 200
        return ts

    async def _case_on(self, ts: str) -> str | None:
        found = [c for c in await self.bot.cases() if c.source.message_id == ts]
        return found[0].id if found else None

    async def complain(self, as_client_of: str, text: str, naming: Sequence[str] = ()) -> str:
        raw = f"<@{BOT_USER_ID}> {self.words(text, naming)}"
        channel = self.channel_of(as_client_of)
        ts = await self._say(contact(as_client_of), channel, raw, None, mentions_bot=True)
        await self.settle()
        case_id = await self._case_on(ts)
        assert case_id, f"no case opened; told: {await self.notices(contact(as_client_of))}"
        return case_id

    async def post(self, as_: str, client: str, text: str, naming: Sequence[str] = ()) -> Message:
        channel = self.channel_of(client)
        raw = self.words(text, naming)
        return Message(await self._say(as_, channel, raw, None, mentions_bot=False), channel)

    async def mention_bot_under(self, message: Message, as_: str) -> str | None:
        before = await self._case_on(message.id)
        raw = f"<@{BOT_USER_ID}>"
        await self._say(as_, message.channel, raw, message.id, mentions_bot=True)
        await self.settle()  # the flagged message is read after the ack, from the inbox
        opened = await self._case_on(message.id)
        return opened if opened != before else None

    async def reply_in_thread(self, case_id: str, text: str, as_: str) -> None:
        case = await self.case(case_id)
        source = case.source
        raw = self.words(text)
        await self._say(as_, source.channel, raw, source.message_id, mentions_bot=False)

    def _told_since(self, mark: int) -> tuple[list[str], frozenset[str]]:
        """What was told to one person alone since call number `mark`: ephemerals, or a DM
        sent in their stead."""
        told, people = [], set()
        for call in self.fake.calls[mark:]:
            if not call.ok:
                continue
            if call.method == "chat.postEphemeral":
                who = str(call.params["user"])
            elif call.method == "chat.postMessage" and str(call.params["channel"]).startswith("U"):
                who = str(call.params["channel"])
            else:
                continue
            told.append(self.shown(str(call.params.get("text", ""))))
            people.add(self.person(who))
        return told, frozenset(people)

    def _where(self, person_id: str, case: Case) -> str:
        """Where a person presses: contacts in their client thread, the firm on the card."""
        return case.source.channel if client_of(person_id) else self.internal

    async def press(self, person_id: str, action: str, case_id: str) -> Shown:
        case = await self.case(case_id)
        mark = len(self.fake.calls)
        payload = block_action_payload(
            action,
            case_id,
            user_id=self.user(person_id),
            channel_id=self._where(person_id, case),
        )
        assert (await self.bot.interact(payload)).status == 200
        opened = [c for c in self.fake.calls[mark:] if c.method == "views.open" and c.ok]
        told, people = self._told_since(mark)
        if opened:
            view = opened[-1].params["view"]
            self.views[(person_id, case_id)] = view
            texts = [self.shown(view["title"]["text"]), self.shown(blocks_text(view["blocks"]))]
            return Shown(ids.VIEWS[view["callback_id"]].name, tuple(texts), told_to=people)
        return Shown(refusal="\n".join(told) or None, told_to=people)

    async def submit(
        self, person_id: str, form_name: str, case_id: str, values: dict[str, Any]
    ) -> Told:
        view = self.views.pop((person_id, case_id))
        assert view["callback_id"] == ids.callback_id(forms.FORMS[form_name]), view["callback_id"]
        people = {f.name for f in forms.FORMS[form_name].fields if f.kind == "people"}
        answers = {k: [self.user(p) for p in v] if k in people else v for k, v in values.items()}
        state = state_for(view, answers)
        for block in state.values():  # Slack sends an emptied text input as null, never ""
            for name, element in block.items():
                if element["type"] == "plain_text_input" and answers.get(name) == "":
                    element["value"] = None
        mark = len(self.fake.calls)
        answer = await self.bot.submit(
            view["callback_id"],
            state,
            view.get("private_metadata", ""),
            self.user(person_id),
        )
        told, told_to = self._told_since(mark)
        if answer and answer.get("response_action") == "errors":
            error = "\n".join(self.shown(e) for e in answer["errors"].values())
            return Told(error=error, told_to=told_to)
        return Told("\n".join(told), told_to=told_to)

    async def feedback(self, case_id: str, resolved: bool, comment: str = "") -> Told:
        client = contact((await self.case(case_id)).client_id)
        action = "feedback_yes" if resolved else "feedback_no"
        shown = await self.press(client, action, case_id)
        assert shown.form == action, shown
        return await self.submit(client, action, case_id, {"comment": comment})

    # --- looking ----------------------------------------------------------------------------

    def _ephemerals(self, channel: str | None, users: Iterable[str]) -> list[tuple[str, str]]:
        wanted = set(users)
        return [
            (str(c.answer["message_ts"]), self.shown(str(c.params.get("text", ""))))
            for c in self.fake.calls
            if c.method == "chat.postEphemeral"
            and c.ok
            and c.answer
            and c.params.get("user") in wanted
            and (channel is None or c.params.get("channel") == channel)
        ]

    async def client_thread(self, case_id: str, notices: bool = True) -> list[str]:
        case = await self.case(case_id)
        channel = case.source.channel
        seen: list[tuple[str, str]] = []
        roots = list(self.fake.posted(channel))
        for where, ts in self.people:
            message = self.fake.message(where, ts)
            if where == channel and message and not message.get("thread_ts"):
                roots.append(message)
        for root in roots:
            seen.append((root["ts"], self.message_text(root)))
            for reply in self.fake.posted(channel, thread_ts=root["ts"]):
                seen.append((reply["ts"], self.message_text(reply)))
        for where, ts in self.people:
            message = self.fake.message(where, ts)
            if where == channel and message and message.get("thread_ts"):
                seen.append((ts, self.message_text(message)))
        if notices:
            seen += self._ephemerals(channel, [SLACK_CONTACTS[case.client_id]])
        return [text for _, text in sorted(seen, key=lambda m: _ts_key(m[0]))]

    async def internal_texts(self, case_id: str) -> list[str]:
        card_ts = await self.runtime.store.get_ref(case_id, "slack_card_ts")
        if not card_ts:
            return []
        card = self.fake.message(self.internal, str(card_ts))
        notes = self.fake.posted(self.internal, thread_ts=str(card_ts))
        return [self.message_text(m) for m in ([card] if card else []) + notes]

    async def dms(self, person_id: str) -> list[str]:
        return [self.message_text(m) for m in self.fake.posted(self.user(person_id))]

    async def notices(self, person_id: str) -> list[str]:
        return [text for _, text in self._ephemerals(None, [self.user(person_id)])]

    async def case(self, case_id: str) -> Case:
        return await self.runtime.service.get(case_id)

    async def settle(self) -> None:
        await self.bot.settle()


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


# --- the playground ---------------------------------------------------------------------


def parts_text(parts: list[list[str]]) -> str:
    return "".join(piece for _, piece in parts)


def message_texts(message: dict[str, Any]) -> list[tuple[str, str]]:
    """A message of the page's state as shown (its words, then its buttons' and links'
    labels), then its replies; each with its time."""
    words = parts_text(message["parts"])
    labels = [b["label"] for b in message.get("buttons", ())]
    labels += [link["label"] for link in message.get("links", ())]
    found = [(message["at"], "\n".join([words, *labels]) if labels else words)]
    for reply in message.get("replies", ()):
        found += message_texts(reply)
    return found


def card_texts(card: dict[str, Any]) -> str:
    """Every word a card shows: title, status, fields, sections, timeline and buttons."""
    lines = [card["title"], card["status_label"], card["source"]["label"]]
    lines += [f"{f['label']}: {f.get('value', f.get('at', ''))}" for f in card["fields"]]
    if card.get("abuse"):
        lines.append(card["abuse"])
    for section in (*card["sections"], card["timeline"]):
        lines.append(section["heading"])
        lines += [f"{i['title']} {parts_text(i['parts'])}" for i in section["items"]]
    lines.append(card["actions_label"])
    lines += [b["label"] for b in card["buttons"]]
    return "\n".join(lines)


def form_texts(drawn: dict[str, Any]) -> tuple[str, ...]:
    found = [drawn["title"], drawn.get("intro", "")]
    for f in drawn["fields"]:
        found.append(f["label"])
        found += [o["label"] for o in f.get("options", ())]
        value = f.get("value")
        found += [value] if isinstance(value, str) else [str(v) for v in value or ()]
    return tuple(t for t in found if t)


@dataclass
class PlaygroundDriver:
    playground: Playground
    name: str = "playground"
    forms: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def directory(self) -> Directory:
        return self.playground.adapter.directory

    def mention(self, person_id: str) -> str:
        return "@" + self.directory.person(person_id).name

    def _notice_ids(self) -> set[str]:
        workspace = self.playground.adapter.workspace
        return {n.id for persona in self._personas() for n in workspace.notices(persona)}

    def _personas(self) -> list[str]:
        return [*self.directory.people, *(contact(c) for c in self.directory.clients)]

    def _told_since(self, before: set[str]) -> tuple[list[str], frozenset[str]]:
        workspace = self.playground.adapter.workspace
        new = [
            n
            for persona in self._personas()
            for n in workspace.notices(persona)
            if n.id not in before
        ]
        new.sort(key=lambda n: n.seq)
        return [n.text for n in new], frozenset(n.persona for n in new)

    def _where(self, person_id: str, case: Case) -> str:
        client = client_of(person_id)
        return client_channel(client) if client else INTERNAL

    # --- acting -----------------------------------------------------------------------------

    async def complain(self, as_client_of: str, text: str, naming: Sequence[str] = ()) -> str:
        words = f"@{BOT} {worded(text, naming, self.mention)}"
        answer = await self.playground.say(
            contact(as_client_of), client_channel(as_client_of), words
        )
        assert answer.get("case"), answer
        await self.settle()
        return str(answer["case"])

    async def post(self, as_: str, client: str, text: str, naming: Sequence[str] = ()) -> Message:
        channel = client_channel(client)
        answer = await self.playground.say(as_, channel, worded(text, naming, self.mention))
        return Message(str(answer["message"]), channel)

    async def mention_bot_under(self, message: Message, as_: str) -> str | None:
        answer = await self.playground.say(as_, message.channel, f"@{BOT}", thread=message.id)
        await self.settle()
        return answer.get("case")

    async def reply_in_thread(self, case_id: str, text: str, as_: str) -> None:
        source = (await self.case(case_id)).source
        await self.playground.say(as_, source.channel, text, thread=source.message_id)

    async def press(self, person_id: str, action: str, case_id: str) -> Shown:
        case = await self.case(case_id)
        before = self._notice_ids()
        answer = await self.playground.press(
            person_id, action, case_id, self._where(person_id, case)
        )
        told, people = self._told_since(before)
        if answer.get("form"):
            self.forms[(person_id, case_id)] = answer["form"]
            return Shown(action, form_texts(answer["form"]), told_to=people)
        return Shown(refusal="\n".join(told) or None, told_to=people)

    async def submit(
        self, person_id: str, form_name: str, case_id: str, values: dict[str, Any]
    ) -> Told:
        drawn = self.forms.pop((person_id, case_id))
        before = self._notice_ids()
        status, answer = await self.playground.post(
            f"forms/{drawn['id']}", {"persona": person_id, "values": values}
        )
        assert status == 200, answer
        told, people = self._told_since(before)
        if not answer["ok"] and "error" in answer:
            return Told(error=answer["error"], told_to=people)
        return Told("\n".join(told), told_to=people)

    async def feedback(self, case_id: str, resolved: bool, comment: str = "") -> Told:
        client = contact((await self.case(case_id)).client_id)
        action = "feedback_yes" if resolved else "feedback_no"
        shown = await self.press(client, action, case_id)
        assert shown.form == action, shown
        return await self.submit(client, action, case_id, {"comment": comment})

    # --- looking ----------------------------------------------------------------------------

    async def _channel(self, persona: str, channel: str) -> dict[str, Any]:
        state = await self.playground.state(persona)
        found = [c for c in state["channels"] if c["id"] == channel]
        assert found, f"{persona} cannot see {channel}"
        return found[0]

    async def client_thread(self, case_id: str, notices: bool = True) -> list[str]:
        case = await self.case(case_id)
        persona = contact(case.client_id)
        state = await self.playground.state(persona)
        channel = [c for c in state["channels"] if c["id"] == case.source.channel][0]
        seen = [t for m in channel["messages"] for t in message_texts(m)]
        if notices:
            seen += [
                (n["at"], n["text"]) for n in state["notices"] if n["channel"] == channel["id"]
            ]
        return [words for _, words in sorted(seen, key=lambda m: m[0])]

    async def internal_texts(self, case_id: str) -> list[str]:
        lead = self.directory.leads()[0]
        internal = await self._channel(lead, INTERNAL)
        cards = [m for m in internal["messages"] if m["id"] == card_id(case_id)]
        if not cards:
            return []
        card = cards[0]
        notes = [words for r in card["replies"] for _, words in message_texts(r)]
        return [card_texts(card["card"]), *notes]

    async def dms(self, person_id: str) -> list[str]:
        channel = await self._channel(person_id, dm_channel(person_id))
        return [words for m in channel["messages"] for _, words in message_texts(m)]

    async def notices(self, person_id: str) -> list[str]:
        return self.playground.notices(person_id)

    async def case(self, case_id: str) -> Case:
        return await self.playground.runtime.service.get(case_id)

    async def settle(self) -> None:
        await self.playground.settle()
