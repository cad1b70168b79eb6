"""Before posting again what may already be posted, the sink looks for the post's key:
in a long thread too, where Slack lists the oldest messages first."""

from __future__ import annotations

from pathlib import Path

from bot.sink import Attempt
from bot.slack.adapter import web_client
from bot.slack.sink import LOOKBACK, SlackSink
from handlers.directory_file import load_directory
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ACME, CLIENT, DIRECTORY, TOKEN, populate


async def sink_for(fake: FakeSlackAPI, tmp_path: Path) -> SlackSink:
    populate(fake)
    directory_file = tmp_path / "complaintbot.toml"
    directory_file.write_text(DIRECTORY, encoding="utf-8")
    return SlackSink(web_client(TOKEN, fake.base_url), load_directory(directory_file))


async def test_a_post_far_down_a_long_thread_is_found_and_not_repeated(
    fake: FakeSlackAPI, tmp_path: Path
) -> None:
    sink = await sink_for(fake, tmp_path)
    root = fake.add_message(ACME, "the report was late", user=CLIENT)
    for n in range(LOOKBACK + 50):
        fake.add_message(ACME, f"reply {n}", user=CLIENT, thread_ts=root)
    first = await sink.post(Attempt("C-0001/7"), ACME, root, text="We are on it.")
    for n in range(20):
        fake.add_message(ACME, f"later {n}", user=CLIENT, thread_ts=root)
    posts_before = len(fake.successful_calls("chat.postMessage"))

    again = await sink.post(Attempt("C-0001/7", maybe_sent=True), ACME, root, text="We are on it.")

    assert again == first
    assert len(fake.successful_calls("chat.postMessage")) == posts_before
    other = await sink.post(Attempt("C-0001/8", maybe_sent=True), ACME, root, text="Next.")
    assert other != first, "a key that was never posted is posted"
