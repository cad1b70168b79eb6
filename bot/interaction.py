"""One interaction layer for every platform: what a person did becomes a core command, and
what they are told back is one neutral answer that each adapter draws.

An adapter only translates. It turns its platform's payload into one of the events here
(who acts, where, on which message, the words as the writer saw them, the platform users
mentioned) and draws the answer its own way (a Slack ephemeral or modal, the
playground's page, a Teams card). What an event means is decided here, once, for Slack,
Teams and the playground alike:

- a message in a case's client thread is a statement on that case; a message that
  mentions the bot opens a case on its thread's first message; a bare mention under a
  message means that message, which the adapter reads first (`ReadFirst`);
- a platform that cannot read a message later (Teams) keeps what it was sent of client
  channels that was no case business (`to_keep`: top-level messages, for
  `KEEP_MESSAGES`), and reads a flagged message from there (`kept`); an edited or deleted
  message is kept no more (`forget`);
- only the directory's trigger emoji on a message in a client channel is a flag;
- `complaint [@people] [what happened]` (typed, or Slack's `/complaint`) opens the form
  to log one, prefilled, telling back people nobody knows: in a client channel for that
  channel; anywhere else (a chat with the bot: a complaint that came by phone or mail) for
  someone of the firm, with a first question, which client channel (`forms.LOG`), whose
  answer is checked again on submission;
  `complaint mine` shows a person of the firm every case that names them, to them alone;
- a client's message deleted from a case's thread (or the case's source) is redacted from
  the case (`Deleted`);
- a button is checked against the rules before its form is shown (`rules.authorize`);
- a submitted form is its command; a refusal is shown on the form (`FormErrors`);
- `review [client NAME|person SOMEONE|open|changes]` (typed, or Slack's `/review`) from a
  lead is the view it asks for (`ShowReview`); anyone else, and bad words, get a refusal
  to them alone (`handlers.review_request`).

Answers: `Notice` (to the acting person alone; empty when the client thread or the card
already answers), `ShowForm`, `FormErrors`, `ReadFirst`, `ShowReview`; None when the
event was no case business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.review import load_trend, load_view
from bot.service import CaseService
from handlers import forms, review
from handlers.commands import AddReply, CaseCommand, OpenCase, SharedFile, Trigger
from handlers.directory import Actor, Directory
from handlers.errors import Refusal
from handlers.messages import Markup, plain, text, user
from handlers.model import CASE_SUMMARY_LIMIT, Case, MessageRef, Severity
from handlers.record import my_record
from handlers.redaction import Redact
from handlers.review_request import ReviewRefused, review_request, review_words
from handlers.trend import Trend
from storage.base import Forget, KeptMessage

COMMAND = "complaint"  # typed as "complaint ..." (or "/complaint ...") where there is no slash
MINE = "mine"  # `complaint mine`: the asker's own record (`handlers.record`)
# How long a message that was no case business is kept for a later flag (`to_keep`): long
# enough to flag last week's message, short for personal data nobody complained with.
KEEP_MESSAGES = timedelta(days=7)
# The forms a button opens: every one that has a button (not the open form).
BUTTONS = {name: form for name, form in forms.FORMS.items() if form.button}


# --- what a person did --------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    """A message in a channel: at the top, or a reply in the thread of `thread_id`."""

    actor: Actor
    channel: str
    message_id: str
    words: str  # as its writer saw it, without the mention of the bot
    thread_id: str | None = None
    mentions_bot: bool = False
    mentioned: tuple[str, ...] = ()  # platform user ids, the bot left out
    files: tuple[SharedFile, ...] = ()

    @property
    def root(self) -> str:
        return self.thread_id or self.message_id


@dataclass(frozen=True)
class Deleted:
    """A message deleted from a channel: who wrote it, and the words it said."""

    author: Actor
    channel: str
    message_id: str
    words: str
    thread_id: str | None = None


@dataclass(frozen=True)
class Reacted:
    actor: Actor
    channel: str
    message_id: str
    emoji: str


@dataclass(frozen=True)
class Commanded:
    """The complaint command with the words after it, or "log as complaint" on a message
    (`message_id`: its words are the message's)."""

    actor: Actor
    channel: str
    words: str
    mentioned: tuple[str, ...] = ()
    message_id: str = ""


@dataclass(frozen=True)
class Reviewed:
    """The review command with the words after it; the people in them are `<person:ID>`
    markers (the adapter turns its platform's mentions into them), the rest plain text."""

    actor: Actor
    words: str


@dataclass(frozen=True)
class Pressed:
    actor: Actor
    action: str  # the button's form name
    case_id: str


@dataclass(frozen=True)
class Submitted:
    actor: Actor
    form: forms.Form
    values: dict[str, Any]  # as the form's fields read them back (`forms`)
    case_id: str = ""
    channel: str = ""  # where the form was filled in


# --- what they are told -------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A text for the acting person alone, in the core's markup ("": nothing to say);
    `refused` when it says why something was not done, else `case_id` is the case the
    command went to."""

    text: str
    refused: bool = False
    case_id: str = ""


@dataclass(frozen=True)
class ShowForm:
    form: forms.Form
    initial: dict[str, Any] = field(default_factory=dict)  # people as platform user ids
    case_id: str = ""
    notice: str | None = None  # said beside the form (a mentioned stranger)


@dataclass(frozen=True)
class FormErrors:
    errors: dict[str, str]  # field name -> why, in the core's markup


@dataclass(frozen=True)
class ReadFirst:
    """Open a case on this message once the adapter has it (`Interactions.flagged`)."""

    channel: str
    message_id: str
    trigger: Trigger


@dataclass(frozen=True)
class ShowReview:
    """A lead's review to draw: the neutral view, and the trend chart's series for the
    views a picture helps (the portfolio, one client), else None."""

    view: review.View
    trend: Trend | None = None


Answer = Notice | ShowForm | FormErrors | ReadFirst


@dataclass(frozen=True)
class Flagged:
    """A message read for a flag: who wrote it and what it says."""

    author: Actor
    channel: str
    message_id: str
    words: str
    thread_id: str | None = None
    mentioned: tuple[str, ...] = ()


def form_answers(opening: OpenCase) -> dict[str, Any]:
    """A checked open form's answers as the inbox keeps them (JSON), until the adapter has
    the message its case opens on (`reopening`)."""
    return {
        "channel": opening.source.channel,
        "trigger": opening.trigger,
        "affected": list(opening.affected),
        "category": opening.category,
        "severity": opening.severity.value,
        "summary": opening.summary,
    }


def reopening(
    answers: dict[str, Any], actor: Actor, source: MessageRef, author: Actor, words: str
) -> OpenCase:
    """The case an open form kept in the inbox (`form_answers`) asks for, on `source`, now
    that it is there."""
    return OpenCase(
        actor=actor,
        source=source,
        source_author=author,
        source_text=words,
        trigger=answers.get("trigger") or "shortcut",
        affected=tuple(answers["affected"]),
        category=answers["category"],
        severity=Severity(answers["severity"]),
        summary=answers["summary"] or words,
    )


def command_words(typed: str) -> str | None:
    """The words after a typed complaint command, or None if `typed` is not one."""
    name, _, rest = typed.strip().partition(" ")
    return rest.strip() if name.lstrip("/").lower() == COMMAND else None


class Interactions:
    def __init__(
        self,
        service: CaseService,
        platform: str,
        channel_names: Mapping[str, str] | None = None,
    ) -> None:
        self.service, self.platform = service, platform
        # What the platform calls a channel, where the adapter knows (else its id shows).
        self.channel_names: Mapping[str, str] = channel_names if channel_names is not None else {}

    @property
    def directory(self) -> Directory:
        return self.service.directory

    def say(self, key: str, **params: Any) -> Markup:
        return text(self.directory.language, key, **params)

    def refused(self, refusal: Refusal) -> Notice:
        return Notice(self.service.refusal_text(refusal), refused=True)

    def is_client_channel(self, channel: str) -> bool:
        return self.directory.client_for_channel(self.platform, channel) is not None

    def people(self, user_ids: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        return tuple(self.directory.mentioned_people(self.platform, list(user_ids)))

    def usage(self, refusal_key: str = "") -> Notice:
        """How to use the command, after why it was refused if it was."""
        usage = self.say("usage.complaint")
        if not refusal_key:
            return Notice(usage, refused=True)
        return Notice(Markup(f"{self.say(refusal_key)}\n{usage}"), refused=True)

    # --- events -----------------------------------------------------------------------------

    async def posted(self, event: Posted, delivery_id: str | None = None) -> Answer | None:
        source = MessageRef(self.platform, event.channel, event.root)
        if event.thread_id and self.is_client_channel(event.channel):
            case = await self.service.store.case_for_source(source.key)
            if case and event.mentions_bot and not event.words and not event.files:
                # A bare mention in a case's own thread asks for what is there already.
                return Notice(self.say("notice.already_open", case_id=case.id), case_id=case.id)
            if case:
                reply = AddReply(case.id, event.actor, event.words, event.files, event.message_id)
                return await self.run(reply, delivery_id, quiet=True)  # the thread shows it
        if not event.mentions_bot:
            return None
        if not event.words and event.thread_id:
            return ReadFirst(event.channel, event.thread_id, "mention")  # that message, then
        opening = OpenCase(
            actor=event.actor,
            source=source,
            source_author=event.actor,
            source_text=event.words,
            trigger="mention",
            affected=self.people(event.mentioned),
        )
        return await self.open(opening, delivery_id)

    async def deleted(self, event: Deleted, delivery_id: str | None = None) -> None:
        """A client's deleted message that is a statement on a case leaves the record: its
        words are redacted from the case and its card, with a line that it was deleted."""
        if event.author.internal or not self.is_client_channel(event.channel):
            return
        root = event.thread_id or event.message_id
        case = await self.service.store.case_for_source(
            MessageRef(self.platform, event.channel, root).key
        )
        if case is not None:
            command = Redact(case.id, event.author, "deleted", event.words, event.message_id)
            await self.service.redact(command, delivery_id)

    def to_keep(self, event: Posted, author_name: str) -> KeptMessage | None:
        """What to keep of a message that was no case business, for a later flag on it: a
        top-level message with words in a client channel that does not mention the bot
        (one that does is the complaint itself), with the directory people it mentions;
        None for anything else."""
        if event.thread_id or event.mentions_bot or not event.words:
            return None
        if not self.is_client_channel(event.channel):
            return None
        people = self.directory.strangers(self.platform, list(event.mentioned))
        mentioned = tuple(u for u in event.mentioned if u not in people)
        return KeptMessage(
            self.platform,
            event.channel,
            event.message_id,
            event.actor.user_id,
            author_name,
            event.words,
            mentioned,
            self.service.context().now,
        )

    async def kept(self, flag: ReadFirst) -> KeptMessage | None:
        """The flagged message as it was kept, unless it is older than `KEEP_MESSAGES` (the
        sweep, `bot.retention`, takes those out in its own time)."""
        found = await self.service.store.kept_message(
            self.platform, flag.channel, flag.message_id
        )
        if found is None or self.service.context().now - found.kept_at >= KEEP_MESSAGES:
            return None
        return found

    async def forget(self, channel: str, message_id: str) -> None:
        """An edited or deleted message: its kept copy no longer says what its writer
        does, and goes. Only a client channel's are kept (`to_keep`), so nothing else is
        looked for."""
        if not self.is_client_channel(channel):
            return
        key = (self.platform, channel, message_id)
        await self.service.store.forget_messages(Forget(messages=frozenset({key})))

    def reacted(self, event: Reacted) -> ReadFirst | None:
        if event.emoji != self.directory.trigger_emoji or not self.is_client_channel(event.channel):
            return None
        return ReadFirst(event.channel, event.message_id, "reaction")

    async def flagged(
        self, flagger: Actor, message: Flagged, trigger: Trigger, delivery_id: str | None = None
    ) -> Notice:
        """Open a case on a flagged message, read by the adapter."""
        opening = OpenCase(
            actor=flagger,
            source=MessageRef(
                self.platform, message.channel, message.thread_id or message.message_id
            ),
            source_author=message.author,
            source_text=message.words,
            trigger=trigger,
            affected=self.people(message.mentioned),
        )
        return await self.open(opening, delivery_id)

    async def typed(self, event: Commanded) -> Notice | ShowForm:
        """The typed complaint command: `mine` is the asker's own record, anything else
        opens the form (`commanded`)."""
        first, _, rest = event.words.strip().partition(" ")
        if first.lower() != MINE:
            return self.commanded(event)
        if rest.strip() or event.mentioned:  # nobody asks for someone else's record here
            return Notice(self.say("refuse.mine_own_only"), refused=True)
        return await self.record(event.actor)

    async def record(self, actor: Actor) -> Notice:
        """The asker's own record: every case that names them (`mine`, and the App Home)."""
        if actor.person_id is None:
            return Notice(self.say("refuse.mine_staff_only"), refused=True)
        cases = await self.service.store.cases_of_person(actor.person_id)
        return Notice(my_record(actor.person_id, cases, self.directory))

    def commanded(self, event: Commanded) -> Notice | ShowForm:
        """The open form, prefilled from the command's words; people nobody knows are told
        back, not dropped, and the form opens with the ones it knows. Outside a client
        channel it is the log form (`log_form`), or the usage for whom it is not."""
        form: forms.Form = forms.OPEN
        if not self.is_client_channel(event.channel):
            if event.message_id:  # a message action needs no usage
                return Notice(self.say("refuse.not_client_channel"), refused=True)
            elsewhere = self.log_form(event.actor)
            if elsewhere is None:
                return self.usage("refuse.not_client_channel")
            form = elsewhere
        strangers = self.directory.strangers(self.platform, list(event.mentioned))
        known = [u for u in event.mentioned if u not in strangers]
        notice = None
        if strangers:
            refusal = Refusal("refuse.unknown_person", person=user(strangers[0]))
            notice = self.service.refusal_text(refusal)
        initial = {"affected": known, "summary": event.words[:CASE_SUMMARY_LIMIT]}
        return ShowForm(form, initial, notice=notice)

    def unnamed_channels(self) -> list[str]:
        """The client channels on this platform whose names the adapter has not learned:
        what it asks its platform for before drawing a log form."""
        return [
            channel
            for client in self.directory.clients.values()
            for channel in client.channels(self.platform)
            if channel not in self.channel_names
        ]

    def log_form(self, actor: Actor) -> forms.Form | None:
        """The log form for someone of the firm, offering this platform's client channels,
        each as its client's name and the channel's; None for a client contact (who is not
        shown the firm's clients) or when there is no client channel here."""
        if not actor.internal:
            return None
        channels = []
        for client in self.directory.clients.values():
            ids = client.channels(self.platform)
            channels += [(c, self.channel_label(client.name, c, len(ids) > 1)) for c in ids]
        return forms.log_form(channels) if channels else None

    def channel_label(self, client: str, channel: str, several: bool) -> str:
        """A client channel as the log form offers it, as literal text (names are data):
        the client's name and the channel's; a channel whose name the platform has not
        said is its client's name alone, or with its id where the client has several."""
        name = self.channel_names.get(channel)
        if name is None and not several:
            return client
        label = self.say("label.channel_choice", client=client, channel=name or channel)
        return plain(label, lambda p: self.directory.person(p).name)

    def chosen_channel(self, values: dict[str, Any]) -> str | None:
        """The client channel a log form names (None for the open form); a Refusal when it
        names none of this platform's client channels (only a forged form can)."""
        if forms.CHANNEL.name not in values:
            return None
        chosen = values[forms.CHANNEL.name]
        if not isinstance(chosen, str) or not self.is_client_channel(chosen):
            raise Refusal("refuse.not_client_channel")
        return chosen

    def review_asked(
        self, actor: Actor, channel: str, words: str, mentions_bot: bool, direct: bool
    ) -> str | None:
        """The review's words, if a message asks for the review: in a chat with the bot
        (`direct`), or after a mention of it; in a client channel only a lead's (so nothing
        of it reaches the client), as anyone else's `review ...` there is a complaint that
        happens to start so."""
        asked = review_words(words)
        if asked is None or direct:
            return asked
        lead = self.directory.has_role(actor.person_id, "lead")
        return asked if mentions_bot and (lead or not self.is_client_channel(channel)) else None

    async def reviewed(self, event: Reviewed) -> ShowReview | Notice:
        """The view a lead asks for, as of now; a refusal (not a lead: no data at all; bad
        words: the usage and the nearest names) for them alone."""
        request = review_request(event.actor, event.words, self.directory)
        if isinstance(request, ReviewRefused):
            return Notice(request.text, refused=True)
        store, now = self.service.store, self.service.context().now
        view = await load_view(store, self.directory, request, now)
        trend = await load_trend(store, self.directory, request, now)
        return ShowReview(view, trend if trend and trend.clients else None)  # no empty chart

    async def pressed(self, event: Pressed) -> Notice | ShowForm:
        """A button's form, if the rules let this person take that step on this case."""
        form = BUTTONS[event.action]
        try:
            case = await self.service.get(event.case_id)
            forms.authorize(form, self.directory, case, event.actor)
        except Refusal as refusal:
            return self.refused(refusal)
        return ShowForm(forms.for_case(form, case, self.directory), case_id=case.id)

    def allowed(self, case: Case, actor: Actor) -> frozenset[str]:
        """The names of the card's buttons this person may use on this case now: what a
        platform that draws the card per viewer (Teams' refresh) offers them."""
        names = set()
        for form in forms.card_buttons(case):
            try:
                forms.authorize(form, self.directory, case, actor)
            except Refusal:
                continue
            names.add(form.name)
        return frozenset(names)

    async def submitted(
        self, event: Submitted, delivery_id: str | None = None
    ) -> Notice | FormErrors:
        """A case form's command; a refusal goes back to the form, on its first field."""
        try:
            command = forms.command(
                event.form, event.case_id, event.actor, event.values, event.channel
            )
            result = await self.service.execute(command, delivery_id)
        except Refusal as refusal:
            return self.form_errors(event.form, refusal)
        return Notice(result.notice, case_id=result.case.id)

    def opening(
        self,
        actor: Actor,
        values: dict[str, Any],
        channel: str,
        message_id: str,
        author: Actor,
        trigger: Trigger,
        words: str = "",
    ) -> OpenCase:
        """The case a filled open form asks for, on message `message_id` ("" when the
        adapter will post a note to anchor it) in `channel`, or in the one a log form
        chose; Refusal for a person nobody knows, or a channel that is no client's."""
        channel = self.chosen_channel(values) or channel
        chosen = list(values["affected"])
        strangers = self.directory.strangers(self.platform, chosen)
        if strangers:
            raise Refusal("refuse.unknown_person", person=user(strangers[0]))
        answers = forms.opening(
            {**values, "affected": self.people(chosen), "summary": values["summary"] or words}
        )
        return OpenCase(
            actor=actor,
            source=MessageRef(self.platform, channel, message_id),
            source_author=author,
            source_text=words or values["summary"],
            trigger=trigger,
            **answers,
        )

    def form_errors(self, form: forms.Form, refusal: Refusal) -> FormErrors:
        """A refusal on the form: a log form's channel under that question, anything else
        under the first of the others."""
        fields = [f.name for f in form.fields]
        channel = forms.CHANNEL.name
        where = next(name for name in fields if name != channel)
        if refusal.key == "refuse.not_client_channel" and channel in fields:
            where = channel
        return FormErrors({where: self.service.refusal_text(refusal)})

    # --- running ----------------------------------------------------------------------------

    async def open(self, opening: OpenCase, delivery_id: str | None = None) -> Notice:
        try:
            result = await self.service.open_case(opening, delivery_id)
        except Refusal as refusal:
            return self.refused(refusal)
        return Notice(result.notice, case_id=result.case.id)

    async def run(
        self, command: CaseCommand, delivery_id: str | None = None, quiet: bool = False
    ) -> Notice:
        """Run a case command; a refusal is told, and its notice unless `quiet`."""
        try:
            result = await self.service.execute(command, delivery_id)
        except Refusal as refusal:
            return self.refused(refusal)
        return Notice("" if quiet else result.notice, case_id=result.case.id)
