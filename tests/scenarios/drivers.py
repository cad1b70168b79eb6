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
- `TeamsDriver`: the real server on loopback (tests/teams/harness.py), sent Bot Framework
  activities (channel messages, `adaptiveCard/action` invokes), and looking at what the fake
  Bot Connector holds and at each invoke's answer. Teams has no ephemerals: what a person
  is told alone is an invoke's message answer (seen by the presser only), or a message in
  their 1:1 chat with the bot.

What each side sees, on either platform:
- `client_thread`: every text in the case's client channel that the client can see, in
  the order it was posted: people's messages, the bot's (as they now are, after updates,
  with the texts of their buttons), and, unless `notices=False`, the answers told to the
  client's contacts alone in that channel;
- `internal_texts`: the internal case card as it now is, then the notes in its thread
  (as they now are, after updates);
- `dms`: the bot's direct messages to a person; `notices`: what a person was told alone.

An operator's `erase` runs the CLI's erasure on the running bot's store, as it runs beside
PostgreSQL's replicas; the platform then shows what the outbox carried out.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol

from bot.erasure import erase
from bot.playground.sink import card_id
from bot.playground.workspace import BOT, INTERNAL, client_channel, dm_channel
from bot.service import CaseService
from bot.slack import ids
from bot.teams.cards import CONTENT_TYPE, SUBMIT
from bot.teams.sink import CARD_REF
from handlers import forms
from handlers.directory import Actor, Directory
from handlers.model import Case
from handlers.redaction import Reason
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import BOT_USER_ID, FakeSlackAPI
from tests.playground.conftest import Playground
from tests.slack.checks import blocks_text
from tests.slack.harness import CLIENT, GLOBEX_CLIENT, SlackBot, state_for
from tests.slackkit import events
from tests.slackkit.signing import block_action_payload
from tests.teams import harness as teams
from tests.teams.harness import TeamsBot

CONTACT = "contact:"


def contact(client_id: str) -> str:
    """The person id a scenario gives a contact of client `client_id`."""
    return f"{CONTACT}{client_id}"


def client_of(person_id: str) -> str | None:
    return person_id.removeprefix(CONTACT) if person_id.startswith(CONTACT) else None


class Addressed:
    """A platform driver's translation between directory ids (and `contact:<client>`) and
    the platform's user ids: people by the directory's addresses, contacts by `contacts`."""

    platform: str
    contacts: dict[str, str]  # client id -> that client's contact's user id
    directory: Directory

    def user(self, person_id: str) -> str:
        client = client_of(person_id)
        if client is not None:
            return self.contacts[client]
        found = self.directory.person(person_id).platform_id(self.platform)
        assert found, f"{person_id} has no {self.platform} id in the directory"
        return found

    def person(self, user_id: str) -> str:
        person = self.directory.person_on(self.platform, user_id)
        if person:
            return person.id
        clients = [c for c, u in self.contacts.items() if u == user_id]
        return contact(clients[0]) if clients else user_id


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
    channels: tuple[tuple[str, str], ...] = ()  # a log form's: (channel id, label as shown)


@dataclass(frozen=True)
class Told:
    """What submitting a form told: a notice (maybe none), or the form's error."""

    notice: str = ""
    error: str | None = None
    told_to: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reviewed:
    """What `review ...` showed: the review's texts as shown, in order (none when it was
    refused), or the refusal, and who was shown it."""

    texts: tuple[str, ...] = ()
    refusal: str | None = None
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
        """Fill the form `person_id`'s last press on this case showed (case "": the log
        form `log_elsewhere` showed); a choice not offered is sent as a forged form would
        be. A form refused stays open, to be filled again."""
        ...

    async def log_elsewhere(self, person_id: str, text: str, naming: Sequence[str] = ()) -> Shown:
        """`complaint ...` typed in the person's chat with the bot (Slack's `/complaint` in
        their DM with it, the 1:1 chat on Teams, their DM in the playground): the form it
        shows, with the client channels it offers."""
        ...

    async def cases(self) -> list[Case]: ...

    async def feedback(self, case_id: str, resolved: bool, comment: str = "") -> Told:
        """The client's contact answers the feedback question."""
        ...

    async def client_thread(self, case_id: str, notices: bool = True) -> list[str]: ...

    async def internal_texts(self, case_id: str) -> list[str]: ...

    async def dms(self, person_id: str) -> list[str]: ...

    async def notices(self, person_id: str) -> list[str]: ...

    async def case(self, case_id: str) -> Case: ...

    async def review(self, person_id: str, words: str) -> Reviewed:
        """`review ...` (`words` after the command, a person in them as `@{person_id}`)
        where a lead asks for it: Slack's `/review` in the internal channel, the 1:1 chat
        with the bot on Teams, the internal channel's composer in the playground."""
        ...

    async def erase(self, reason: Reason, subject: str) -> None:
        """What `complaintbot erase --person/--client` does, run beside the bot (as on
        PostgreSQL), and everything it has to say said."""
        ...

    async def settle(self) -> None:
        """Wait until everything the bot has to say has been said."""
        ...


OPERATOR = Actor("cli", "privacy", "privacy@firm")


async def erase_beside(service: CaseService, reason: Reason, subject: str) -> None:
    """The erasure `complaintbot erase` runs, on the running bot's own store."""
    assert await erase(service, reason, subject, OPERATOR), f"nothing of {subject} to erase"


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


def forged(state: dict[str, Any], answers: dict[str, Any]) -> None:
    """A Slack view state with each chosen option the modal did not offer sent anyway."""
    for name, answer in answers.items():
        element = state.get(name, {}).get(name, {})
        if "selected_option" in element and answer and element["selected_option"] is None:
            element["selected_option"] = {"text": {"type": "plain_text", "text": answer}}
            element["selected_option"]["value"] = answer


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


class SlackDriver(Addressed):
    name = platform = "slack"
    contacts = SLACK_CONTACTS

    def __init__(self, bot: SlackBot, fake: FakeSlackAPI) -> None:
        self.bot, self.fake = bot, fake
        assert bot.runtime
        self.runtime = bot.runtime
        self.directory: Directory = bot.runtime.directory
        self.people: list[tuple[str, str]] = []  # (channel, ts) of people's messages, in order
        self.views: dict[tuple[str, str], dict[str, Any]] = {}  # (person, case) -> last modal

    # --- translating ------------------------------------------------------------------------

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
        forged(state, answers)
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
            self.views[(person_id, case_id)] = view  # the modal stays open, with why
            error = "\n".join(self.shown(e) for e in answer["errors"].values())
            return Told(error=error, told_to=told_to)
        return Told("\n".join(told), told_to=told_to)

    async def log_elsewhere(self, person_id: str, text: str, naming: Sequence[str] = ()) -> Shown:
        user = self.user(person_id)
        mark = len(self.fake.calls)
        response = await self.bot.command(self.words(text, naming), user, f"D{user}")
        assert response.status == 200
        await self.bot.idle()
        opened = [c for c in self.fake.calls[mark:] if c.method == "views.open" and c.ok]
        told, people = self._told_since(mark)
        if not opened:
            return Shown(refusal="\n".join(told) or None, told_to=people)
        view = opened[-1].params["view"]
        self.views[(person_id, "")] = view
        channel = next(b for b in view["blocks"] if b["block_id"] == "channel")
        offered = tuple((o["value"], o["text"]["text"]) for o in channel["element"]["options"])
        texts = (self.shown(view["title"]["text"]), self.shown(blocks_text(view["blocks"])))
        form = ids.VIEWS[view["callback_id"]].name
        return Shown(form, texts, told_to=frozenset({person_id}), channels=offered)

    async def cases(self) -> list[Case]:
        return await self.bot.cases()

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

    async def review(self, person_id: str, words: str) -> Reviewed:
        raw = re.sub(r"@\{(\w+)\}", lambda m: f"<@{self.user(m.group(1))}>", words)
        mark = len(self.fake.calls)
        response = await self.bot.command(raw, self.user(person_id), self.internal, "/review")
        assert response.status == 200
        shown = [
            self.shown(blocks_text(call.params["blocks"]))
            for call in self.fake.calls[mark:]
            if call.ok and call.method == "chat.postEphemeral" and call.params.get("blocks")
        ]
        told, people = self._told_since(mark)
        if shown:
            return Reviewed(
                tuple(line for text in shown for line in text.splitlines()), told_to=people
            )
        return Reviewed(refusal="\n".join(told) or None, told_to=people)

    async def erase(self, reason: Reason, subject: str) -> None:
        await erase_beside(self.runtime.service, reason, subject)
        await self.settle()

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


class _Lines(HTMLParser):
    """The lines of the review's HTML as the page shows them: one per heading,
    paragraph, list item, table row and fact (its term ending in ":", as the page's
    style shows it)."""

    BLOCKS = frozenset({"h2", "h3", "p", "li", "tr", "div"})

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.line: list[str] = []

    def _end(self) -> None:
        joined = " ".join(" ".join(self.line).split())
        if joined:
            self.lines.append(joined)
        self.line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._end()

    def handle_endtag(self, tag: str) -> None:
        if tag == "dt":
            self.line.append(":")
        if tag in self.BLOCKS:
            self._end()

    def handle_data(self, data: str) -> None:
        self.line.append(data)


def html_lines(fragment: str) -> tuple[str, ...]:
    parser = _Lines()
    parser.feed(fragment)
    parser.close()
    parser._end()
    return tuple(line.replace(" :", ":") for line in parser.lines)


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
    platform: str = "playground"
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
        shown = {f["name"]: f["value"] for f in drawn["fields"] if f["value"] is not None}
        body = {"persona": person_id, "values": {**shown, **values}}  # as the page sends it
        status, answer = await self.playground.post(f"forms/{drawn['id']}", body)
        assert status == 200, answer
        told, people = self._told_since(before)
        if not answer["ok"] and "error" in answer:
            self.forms[(person_id, case_id)] = drawn  # the form stays open, with why
            return Told(error=answer["error"], told_to=people)
        return Told("\n".join(told), told_to=people)

    async def log_elsewhere(self, person_id: str, text: str, naming: Sequence[str] = ()) -> Shown:
        before = self._notice_ids()
        typed = f"/complaint {worded(text, naming, self.mention)}"
        answer = await self.playground.say(person_id, dm_channel(person_id), typed)
        told, people = self._told_since(before)
        if not answer.get("form"):
            return Shown(refusal="\n".join(told) or None, told_to=people)
        drawn = answer["form"]
        self.forms[(person_id, "")] = drawn
        channel = next(f for f in drawn["fields"] if f["name"] == "channel")
        offered = tuple((o["value"], o["label"]) for o in channel["options"])
        form = "log" if drawn["fields"][0]["name"] == "channel" else "open"
        return Shown(form, form_texts(drawn), told_to=frozenset({person_id}), channels=offered)

    async def cases(self) -> list[Case]:
        return await self.playground.runtime.store.list_cases()

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

    async def review(self, person_id: str, words: str) -> Reviewed:
        typed = re.sub(r"@\{(\w+)\}", lambda m: self.mention(m.group(1)), words)
        before = self._notice_ids()
        answer = await self.playground.say(person_id, INTERNAL, f"/review {typed}")
        told, people = self._told_since(before)
        if "review" in answer:  # the answer to this persona's own request, nothing posted
            return Reviewed(html_lines(answer["review"]), told_to=frozenset({person_id}))
        return Reviewed(refusal="\n".join(told) or None, told_to=people)

    async def erase(self, reason: Reason, subject: str) -> None:
        await erase_beside(self.playground.runtime.service, reason, subject)
        await self.settle()

    async def settle(self) -> None:
        await self.playground.settle()


# --- Teams ------------------------------------------------------------------------------

# The contact of each client of the example directory on Teams and the name Teams gives
# them (tests/scenarios/conftest.py puts them in their channels); Acme's is the Teams
# harness's.
TEAMS_CONTACTS = {"acme": teams.CLIENT, "globex": "29:gary", "initech": "29:ian"}
TEAMS_CONTACT_NAMES = {teams.CLIENT: "Carol Client", "29:gary": "Gary Globex", "29:ian": "Ian"}
MESSAGE_ANSWER = "application/vnd.microsoft.activity.message"


@dataclass(frozen=True)
class _Answered:
    """An invoke's message answer: shown to the person who pressed, alone, where they did."""

    at: float
    person: str
    channel: str
    text: str


class TeamsDriver(Addressed):
    name = platform = "teams"
    contacts = TEAMS_CONTACTS

    def __init__(self, bot: TeamsBot, fake: FakeBotConnector) -> None:
        self.bot, self.fake = bot, fake
        assert bot.runtime
        self.runtime = bot.runtime
        self.directory: Directory = bot.runtime.directory
        self.people: list[tuple[float, str, str]] = []  # (when, channel, id) of people's
        self.answered: list[_Answered] = []
        self.told: list[tuple[str, str]] = []  # (person, 1:1 message id) told after a message
        self.forms: dict[tuple[str, str], dict[str, Any]] = {}  # (person, case) -> last form

    # --- translating ------------------------------------------------------------------------

    def name_of(self, person_id: str) -> str:
        client = client_of(person_id)
        if client is not None:
            return TEAMS_CONTACT_NAMES[TEAMS_CONTACTS[client]]
        return self.directory.person(person_id).name

    def words(self, text: str, naming: Sequence[str]) -> tuple[str, list[tuple[str, str]]]:
        """What a person typed as Teams sends it: HTML, each named person `@Name` (which
        `TeamsBot.channel_message` makes a mention), and who those are."""
        typed = worded(html.escape(text, quote=False), naming, lambda p: f"@{self.name_of(p)}")
        return typed, [(self.user(p), self.name_of(p)) for p in naming]

    def channel_of(self, client_id: str) -> str:
        return self.directory.clients[client_id].channels("teams")[0]

    @property
    def internal(self) -> str:
        found = self.directory.internal_channel_on("teams")
        assert found
        return found

    def _posted_at(self) -> dict[str, float]:
        """When each of the bot's activities was first posted, by its id."""
        at: dict[str, float] = {}
        for call in self.fake.calls:
            if call.ok and isinstance(call.answer, dict):
                posted = call.answer.get("activityId") or call.answer.get("id")
                if call.route in ("send", "reply", "create_conversation") and posted:
                    at.setdefault(str(posted), call.at)
        return at

    # --- acting -----------------------------------------------------------------------------

    async def _say(
        self,
        person_id: str,
        channel: str,
        text: str,
        naming: Sequence[str] = (),
        thread: str | None = None,
        mentions_bot: bool = False,
    ) -> str:
        """A person's message in a channel, held by the fake as Teams holds it, then sent
        to the bot; what the bot tells them alone after it is kept as their notices."""
        user = self.user(person_id)
        typed, mentions = self.words(text, naming)
        before = {a["id"] for a in self.fake.posted(user)}
        activity = self.bot.channel_message(
            user, typed, mentions, channel=channel, thread=thread, bot=mentions_bot
        )
        self.people.append((time.time(), channel, str(activity["id"])))
        status, _ = await self.bot.send(activity)
        assert status == 200, status
        told = [a["id"] for a in self.fake.posted(user) if a["id"] not in before]
        self.told += [(person_id, str(told_id)) for told_id in told]
        return str(activity["id"])

    async def _case_on(self, message_id: str) -> str | None:
        found = [c for c in await self.bot.cases() if c.source.message_id == message_id]
        return found[0].id if found else None

    async def complain(self, as_client_of: str, text: str, naming: Sequence[str] = ()) -> str:
        channel = self.channel_of(as_client_of)
        message_id = await self._say(
            contact(as_client_of), channel, text, naming, mentions_bot=True
        )
        await self.settle()
        case_id = await self._case_on(message_id)
        assert case_id, f"no case opened; told: {await self.notices(contact(as_client_of))}"
        return case_id

    async def post(self, as_: str, client: str, text: str, naming: Sequence[str] = ()) -> Message:
        channel = self.channel_of(client)
        return Message(await self._say(as_, channel, text, naming), channel)

    async def mention_bot_under(self, message: Message, as_: str) -> str | None:
        before = await self._case_on(message.id)
        await self._say(as_, message.channel, "", thread=message.id, mentions_bot=True)
        await self.settle()
        opened = await self._case_on(message.id)
        return opened if opened != before else None

    async def reply_in_thread(self, case_id: str, text: str, as_: str) -> None:
        source = (await self.case(case_id)).source
        await self._say(as_, source.channel, text, thread=source.message_id)

    def _where(self, person_id: str, case: Case) -> str:
        """Where a person presses: contacts in their client thread, the firm on the card."""
        return case.source.channel if client_of(person_id) else self.internal

    async def _invoke(
        self, person_id: str, verb: str, data: dict[str, Any], channel: str
    ) -> tuple[str, Any, frozenset[str]]:
        """An Action.Execute invoke; the answer's type and value, and who was told alone.
        `channel` "": on a card in the person's 1:1 chat with the bot."""
        user = self.user(person_id)
        activity = self.bot.invoke(user, verb, data, channel=channel, personal=not channel)
        status, answer = await self.bot.send(activity)
        assert status == 200 and isinstance(answer, dict), (status, answer)
        kind, value = answer["type"], answer["value"]
        if kind == MESSAGE_ANSWER and value:
            self.answered.append(_Answered(time.time(), person_id, channel, str(value)))
            return kind, value, frozenset({person_id})
        return kind, value, frozenset()

    async def press(self, person_id: str, action: str, case_id: str) -> Shown:
        case = await self.case(case_id)
        channel = self._where(person_id, case)
        kind, value, told_to = await self._invoke(person_id, action, {"case_id": case_id}, channel)
        if kind == CONTENT_TYPE:
            verbs = [a["verb"] for a in value.get("actions") or ()]
            forms_shown = [v.removeprefix(SUBMIT) for v in verbs if v.startswith(SUBMIT)]
            assert forms_shown, f"{action} answered a card that is no form: {verbs}"
            self.forms[(person_id, case_id)] = value
            return Shown(forms_shown[0], tuple(teams.card_texts(value)), told_to=told_to)
        return Shown(refusal=str(value) or None, told_to=told_to)

    async def submit(
        self, person_id: str, form_name: str, case_id: str, values: dict[str, Any]
    ) -> Told:
        drawn = self.forms.pop((person_id, case_id))
        (save,) = [a for a in drawn["actions"] if a["verb"].startswith(SUBMIT)]
        assert save["verb"] == SUBMIT + form_name, save["verb"]
        fields = {f.name: f for f in forms.FORMS[form_name].fields}
        # Teams sends every input's value, as it was drawn unless changed.
        drawn_inputs = teams.card_elements(drawn["body"])
        shown = {e["id"]: e["value"] for e in drawn_inputs if "id" in e and "value" in e}
        data = {**save["data"], **shown}
        for name, value in values.items():  # as Teams sends each input: a string
            kind = fields[name].kind
            if kind == "people":
                data[name] = ",".join(self.user(p) for p in value)
            elif kind == "flag":
                data[name] = "true" if value else "false"
            else:
                data[name] = value
        where = self._where(person_id, await self.case(case_id)) if case_id else ""
        user = self.user(person_id)
        before = {a["id"] for a in self.fake.posted(user)}
        kind, value, told_to = await self._invoke(person_id, save["verb"], data, where)
        told = [a for a in self.fake.posted(user) if a["id"] not in before]
        self.told += [(person_id, str(a["id"])) for a in told]
        if kind == CONTENT_TYPE and any(
            a["verb"] == save["verb"] for a in value.get("actions") or ()
        ):  # the form again, with why its answers were refused
            self.forms[(person_id, case_id)] = value
            errors = [
                teams.shown_markdown(e["text"])
                for e in teams.card_elements(value["body"])
                if e["type"] == "TextBlock" and e.get("color") == "Attention"
            ]
            return Told(error="\n".join(errors), told_to=told_to)
        if kind == MESSAGE_ANSWER:
            return Told(str(value), told_to=told_to)
        # The card took the answer's place: what the step did is told in the 1:1 chat.
        said = "\n".join(teams.activity_text(a) for a in told)
        return Told(said, told_to=frozenset({person_id}) if said else told_to)

    async def feedback(self, case_id: str, resolved: bool, comment: str = "") -> Told:
        client = contact((await self.case(case_id)).client_id)
        action = "feedback_yes" if resolved else "feedback_no"
        shown = await self.press(client, action, case_id)
        assert shown.form == action, shown
        return await self.submit(client, action, case_id, {"comment": comment})

    async def log_elsewhere(self, person_id: str, text: str, naming: Sequence[str] = ()) -> Shown:
        user = self.user(person_id)
        typed, mentions = self.words(f"complaint {text}", naming)
        before = {a["id"] for a in self.fake.posted(user)}
        status, _ = await self.bot.send(self.bot.chat_message(user, typed, mentions))
        assert status == 200, status
        answers = [a for a in self.fake.posted(user) if a["id"] not in before]
        drawn = [
            attachment["content"]
            for answer in answers
            for attachment in answer.get("attachments") or ()
            if attachment.get("contentType") == CONTENT_TYPE
        ]
        told_to = frozenset({person_id}) if answers else frozenset()
        if not drawn:
            refusal = "\n".join(teams.activity_text(a) for a in answers)
            return Shown(refusal=refusal or None, told_to=told_to)
        card = drawn[-1]
        self.forms[(person_id, "")] = card
        verbs = [a["verb"] for a in card.get("actions") or ()]
        form = next(v.removeprefix(SUBMIT) for v in verbs if v.startswith(SUBMIT))
        channel = next(e for e in teams.card_elements(card["body"]) if e.get("id") == "channel")
        offered = tuple((c["value"], c["title"]) for c in channel["choices"])
        return Shown(form, tuple(teams.card_texts(card)), told_to=told_to, channels=offered)

    async def cases(self) -> list[Case]:
        return await self.bot.cases()

    # --- looking ----------------------------------------------------------------------------

    def _person_text(self, channel: str, message_id: str) -> tuple[str, str] | None:
        """A person's message as Teams shows it, and the thread it is in (its own id at the
        top of a channel)."""
        held = self.fake.activity(channel, message_id)
        if held is None:
            return None
        return teams.activity_text(held), str(held.get("replyToId") or message_id)

    async def client_thread(self, case_id: str, notices: bool = True) -> list[str]:
        case = await self.case(case_id)
        channel = case.source.channel
        posted_at = self._posted_at()
        seen: list[tuple[float, str]] = []
        roots = [str(a["id"]) for a in self.fake.posted(channel)]
        for at, where, message_id in self.people:
            shown = self._person_text(where, message_id) if where == channel else None
            if shown:
                seen.append((at, shown[0]))
                roots += [message_id] if shown[1] == message_id else []
        bots = [*self.fake.posted(channel)]
        bots += [a for r in roots for a in self.fake.posted(channel, reply_to=r)]
        seen += [(posted_at[str(a["id"])], teams.activity_text(a)) for a in bots]
        if notices:
            contacts = {contact(case.client_id)}
            seen += [
                (a.at, a.text)
                for a in self.answered
                if a.person in contacts and a.channel == channel
            ]
        return [text for _, text in sorted(seen, key=lambda m: m[0])]

    async def internal_texts(self, case_id: str) -> list[str]:
        card_id = await self.runtime.store.get_ref(case_id, CARD_REF)
        if not card_id:
            return []
        card = self.fake.activity(self.internal, str(card_id))
        notes = self.fake.posted(self.internal, reply_to=str(card_id))
        return [teams.activity_text(m) for m in ([card] if card else []) + notes]

    async def dms(self, person_id: str) -> list[str]:
        user = self.directory.person(person_id).platform_id("teams")
        return [teams.activity_text(m) for m in self.fake.posted(user)] if user else []

    async def notices(self, person_id: str) -> list[str]:
        """Invoke answers to this person, then what they were told in their 1:1 chat after
        a message of theirs (in the order of each)."""
        answered = [a.text for a in self.answered if a.person == person_id]
        chat = self.fake.chat_id(self.user(person_id))
        told = [self.fake.activity(chat, m) for p, m in self.told if p == person_id]
        return answered + [teams.activity_text(t) for t in told if t]

    async def case(self, case_id: str) -> Case:
        return await self.runtime.service.get(case_id)

    async def review(self, person_id: str, words: str) -> Reviewed:
        user = self.user(person_id)
        people = re.findall(r"@\{(\w+)\}", words)
        typed = re.sub(r"@\{(\w+)\}", lambda m: f"@{self.name_of(m.group(1))}", words)
        mentions = [(self.user(p), self.name_of(p)) for p in people]
        before = {a["id"] for a in self.fake.posted(user)}
        status, _ = await self.bot.send(self.bot.chat_message(user, f"review {typed}", mentions))
        assert status == 200, status
        answers = [a for a in self.fake.posted(user) if a["id"] not in before]
        cards = [
            attachment["content"]
            for answer in answers
            for attachment in answer.get("attachments") or ()
            if attachment.get("contentType") == CONTENT_TYPE
        ]
        told_to = frozenset({person_id}) if answers else frozenset()
        if cards:
            return Reviewed(tuple(t for c in cards for t in teams.card_texts(c)), told_to=told_to)
        refusal = "\n".join(teams.activity_text(a) for a in answers)
        return Reviewed(refusal=refusal or None, told_to=told_to)

    async def erase(self, reason: Reason, subject: str) -> None:
        await erase_beside(self.runtime.service, reason, subject)
        await self.settle()

    async def settle(self) -> None:
        await self.bot.settle()
