"""The leads' review on Slack: `/review` and the App Home.

`/review ...` is acknowledged at once; the review is read and drawn after the ack, so a
large history never makes Slack wait. The interaction layer decides (`Interactions.
reviewed`); this module only draws: the view as Block Kit (`bot.slack.review_blocks`)
in an ephemeral to the lead where they typed it (a DM when Slack cannot show one
there, as every notice), and for the portfolio and one client the trend chart as a PNG
uploaded with Slack's current upload flow (`files_upload_v2`). A file shared in a
channel is seen by all its members, so the chart goes to the lead's DM with the bot,
never to the channel. A refusal (not a lead, bad words) is a notice to them alone.

The Home tab (`app_home_opened`) shows a lead the portfolio, and anyone else a short
line that it is for leads, with no data; below it, for every person of the firm, their
own record (every case that names them, as `/complaint mine` shows it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackRequestError

from bot import chart
from bot.interaction import Notice, Reviewed, ShowReview
from bot.slack import inbound
from bot.slack.review_blocks import ReviewBlocks
from handlers.errors import DeliveryError
from handlers.messages import mention, plain, text
from handlers.trend import Trend

if TYPE_CHECKING:
    from bot.slack.adapter import SlackAdapter

log = logging.getLogger(__name__)

CHART_FILE = "review-trend.png"


class SlackReview:
    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter
        directory = adapter.directory
        self.blocks = ReviewBlocks(
            lambda key, **params: text(directory.language, key, **params), adapter.sink.name
        )

    def words(self, raw: str) -> str:
        """The command's words with Slack's mentions as the core's person markers (a user
        the directory does not know as `@` and their id, which the parser then answers
        with the nearest names); the rest as the plain text its writer saw."""
        directory, words, last = self.adapter.directory, [], 0
        for found in inbound.MENTION.finditer(raw):
            words.append(inbound.plain(raw[last : found.start()], str))
            person = directory.person_on("slack", found.group(1))
            words.append(mention(person.id) if person else f"@{found.group(1)}")
            last = found.end()
        words.append(inbound.plain(raw[last:], str))
        return "".join(words).strip()

    async def on_command(self, ack: Any, command: dict[str, Any]) -> None:
        await ack()
        channel, user_id = command.get("channel_id", ""), command.get("user_id", "")
        asked = Reviewed(self.adapter.actor(user_id), self.words(command.get("text", "")))
        self.adapter.background.spawn(self._answer(asked, channel, user_id))

    async def _answer(self, asked: Reviewed, channel: str, user_id: str) -> None:
        answer = await self.adapter.interactions.reviewed(asked)
        if isinstance(answer, Notice):  # the nearest people in it by name, as in the review
            await self.adapter.tell_now(channel, user_id, self.blocks.mrkdwn(answer.text))
            return
        await self.adapter.tell_now(
            channel, user_id, self.blocks.fallback(answer.view), self.blocks.draw(answer.view)
        )
        if answer.trend:
            await self._upload_chart(answer.trend, channel, user_id)

    async def _upload_chart(self, trend: Trend, channel: str, user_id: str) -> None:
        """The chart, drawn off the event loop, as a file in the lead's DM with the bot; if
        Slack will not take it, the lead is told, and the review stands without it."""
        drawn = await chart.render(trend)
        title = plain(trend.title, self.adapter.sink.name)
        sink = self.adapter.sink
        try:
            await sink.call(
                "files_upload_v2",
                channel=await sink.dm_channel(user_id),
                file=drawn.png,
                filename=CHART_FILE,
                title=title,
                alt_txt=title,
                initial_comment=title,
            )
        except (DeliveryError, SlackRequestError) as err:  # the latter: the upload URL's
            log.warning("could not upload the review chart for %s: %s", user_id, err)
            failed = self.adapter.t("review.chart_failed")
            await self.adapter.tell_now(channel, user_id, failed)

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        """The Home tab: the portfolio for a lead, a line that it is for leads otherwise;
        then the person's own record."""
        if event.get("tab", "home") != "home":
            return
        user_id = str(event["user"])
        self.adapter.background.spawn(self._publish_home(user_id))

    async def _publish_home(self, user_id: str) -> None:
        actor = self.adapter.actor(user_id)
        answer = await self.adapter.interactions.reviewed(Reviewed(actor, ""))
        if isinstance(answer, ShowReview):
            drawn = self.blocks.draw(answer.view)
        else:
            drawn = self.blocks.message(answer.text)
        record = await self.adapter.interactions.record(actor)
        if not record.refused:  # a person of the firm: their own record below
            drawn = [*drawn, {"type": "divider"}, *self.blocks.message(record.text)]
        try:
            await self.adapter.sink.call(
                "views_publish", user_id=user_id, view={"type": "home", "blocks": drawn}
            )
        except DeliveryError as err:
            log.warning("could not publish the Home tab of %s: %s", user_id, err)
