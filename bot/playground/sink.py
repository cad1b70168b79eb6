"""Carries the core's effects out in the playground's workspace, for the outbox.

Only the client-thread methods post into a client channel (see `bot.sink`), and only
into the case's own client thread. The card and its timeline go to the internal channel,
DMs to the person's DM.

`restore` rebuilds the workspace from the store at start, because the workspace lives in
memory: each case gets its client thread (the source message, what the client and the
firm wrote there, the resolution and, while it is unanswered, the feedback question),
its channel members, and its internal card with the whole timeline in its thread. Each
message keeps who wrote it and when, as the store knows them: the source message is the
case's source author's at its opening (or the bot's note, for a `/complaint` case), a
statement its author's at its time, the resolution and the question the bot's at the
last "resolved" event. The bot's other client-thread replies and all DMs are not kept
across a restart. A card note keeps the id its ref holds, so a later redaction finds it.
"""

from __future__ import annotations

from datetime import datetime

from bot.playground.views import StateView, feedback_buttons
from bot.playground.workspace import BOT, INTERNAL, PLATFORM, Button, Link, Message, dm_channel
from bot.sink import Attempt, PlatformSink, Refs
from handlers.effects import note_ref
from handlers.errors import DeliveryError
from handlers.messages import text
from handlers.model import Case, Event, Status
from handlers.outcome import describe
from storage.base import Store


def card_id(case_id: str) -> str:
    """The card's message id: fixed per case, so a rebuilt card keeps its links."""
    return f"card-{case_id}"


class PlaygroundSink(PlatformSink):
    def __init__(self, view: StateView, store: Store) -> None:
        self.view, self.store = view, store
        self.workspace, self.directory = view.workspace, view.directory
        self.language = view.language

    # --- the client thread ---------------------------------------------------------------

    # The workspace lives in this process: nothing of it outlives a crash, so there is
    # never an earlier attempt to look for; the only refs kept are the card notes' ids,
    # which `restore` gives the rebuilt notes.

    async def post_to_client_thread(self, case: Case, text: str, attempt: Attempt) -> Refs:
        self._client_post(case, text)
        return {}

    async def ask_for_feedback(self, case: Case, text: str, attempt: Attempt) -> Refs:
        self._client_post(case, text, feedback_buttons(case.id, self.view.language))
        return {}

    async def close_question(self, case: Case, text: str, attempt: Attempt) -> None:
        """The client thread's open question (the bot's last message with buttons)."""
        replies = self.workspace.replies(self._root(case).id)
        asked = [m for m in replies if m.author == BOT and m.buttons]
        if asked:
            self.workspace.update(asked[-1], text=self.view.render(text), buttons=())

    async def invite(self, case: Case, person_id: str, attempt: Attempt) -> None:
        self.workspace.add_member(case.source.channel, person_id)

    def _client_post(
        self,
        case: Case,
        message: str,
        buttons: tuple[Button, ...] = (),
        at: datetime | None = None,
    ) -> None:
        channel = self.workspace.channels.get(case.source.channel)
        if channel is None or channel.kind != "client":
            raise DeliveryError(f"refusing to post to {case.source.channel}: not a client channel")
        root = self._root(case)
        self.workspace.post(
            channel.id, BOT, BOT, self.view.render(message), thread=root.id, buttons=buttons, at=at
        )

    def logged(self, actor: str, summary: str) -> str:
        """The bot's note that anchors the client thread of a case opened by `/complaint`."""
        return self.view.render(text(self.language, "client.logged", actor=actor, summary=summary))

    def _root(self, case: Case, trigger: str = "") -> Message:
        """The case's source message; made from the case when the workspace never saw it
        (after a restart, or for a case opened by the demo through the service)."""
        found = self.workspace.message(case.source.message_id)
        if found:
            return found
        author, display = case.raised_by.user_id, case.raised_by.display
        first = case.client_statements[:1]
        words = first[0].text if first and first[0].at == case.created_at else case.summary
        if trigger == "command":  # the slash command had no message: the bot's note stood in
            author, display = BOT, BOT
            words = self.logged(case.raised_by.display, case.summary)
        return self.workspace.post(
            case.source.channel,
            author,
            display,
            words,
            message_id=case.source.message_id,
            at=case.created_at,
        )

    # --- the internal card ---------------------------------------------------------------

    async def update_card(self, case: Case, attempt: Attempt) -> Refs:
        await self._card(case)
        return {}

    async def add_card_note(self, case: Case, text: str, attempt: Attempt) -> str:
        return (await self._note(case, text)).id

    async def update_card_note(self, case: Case, note: str, text: str, attempt: Attempt) -> None:
        found = self.workspace.message(note)
        if found:
            self.workspace.update(found, text=self.view.render(text))

    async def _card(self, case: Case, at: datetime | None = None) -> Message:
        view = self.view.cards.card(case, await self.store.timeline(case.id))
        fallback = f"{view['title']}: {text(self.language, f'status.{case.status.value}')}"
        existing = self.workspace.message(card_id(case.id))
        if existing:
            self.workspace.update(existing, card=view, text=fallback)
            return existing
        return self.workspace.post(
            INTERNAL, BOT, BOT, fallback, message_id=card_id(case.id), at=at, card=view
        )

    async def _note(
        self, case: Case, note: str, at: datetime | None = None, message_id: str | None = None
    ) -> Message:
        if self.workspace.message(card_id(case.id)) is None:
            await self._card(case)
        rendered = self.view.render(note)
        thread = card_id(case.id)
        return self.workspace.post(
            INTERNAL, BOT, BOT, rendered, thread=thread, at=at, message_id=message_id
        )

    # --- people --------------------------------------------------------------------------

    async def direct_message(self, case: Case, person_id: str, text: str, attempt: Attempt) -> None:
        self._dm(case, person_id, text)

    def _dm(self, case: Case, person_id: str, message: str) -> None:
        links = (
            Link(
                text(self.language, "link.client_thread"),
                case.source.channel,
                case.source.message_id,
            ),
            Link(text(self.language, "link.case_card"), INTERNAL, card_id(case.id)),
        )
        self.workspace.post(dm_channel(person_id), BOT, BOT, self.view.render(message), links=links)

    # --- after a restart -----------------------------------------------------------------

    async def restore(self) -> int:
        """Rebuild every playground case's client thread, members and card from the store
        (cases from Slack or Teams live on their own platforms)."""
        cases = [c for c in await self.store.list_cases() if c.source.platform == PLATFORM]
        for case in cases:
            timeline = await self.store.timeline(case.id)
            self._restore_client_thread(case, timeline)
            for person_id in case.included:
                self.workspace.add_member(case.source.channel, person_id)
            await self._card(case, at=case.created_at)
            for event in timeline:  # each note under the id its ref keeps, to be found again
                kept = await self.store.get_ref(case.id, note_ref(event.key)) if event.key else None
                await self._note(case, describe(event, self.language), event.at, kept)
        return len(cases)

    def _restore_client_thread(self, case: Case, timeline: list[Event]) -> None:
        opened = next((e for e in timeline if e.kind == "opened"), None)
        root = self._root(case, opened.detail.get("trigger", "") if opened else "")
        said = sorted(
            (s for s in (*case.client_statements, *case.public_replies) if s.at != root.at),
            key=lambda s: s.at,
        )
        for statement in said:
            self.workspace.post(
                case.source.channel,
                statement.author.user_id,
                statement.author.display,
                statement.text,
                thread=root.id,
                at=statement.at,
            )
        resolved_at = max((e.at for e in timeline if e.kind == "resolved"), default=None)
        if case.resolution:
            summary = text(
                self.language, "client.resolution", case_id=case.id, summary=case.resolution
            )
            self._client_post(case, summary, at=resolved_at or case.updated_at)
        if case.status is Status.RESOLVED:
            question = text(self.language, "client.feedback_request")
            buttons = feedback_buttons(case.id, self.view.language)
            self._client_post(case, question, buttons, at=resolved_at or case.updated_at)
