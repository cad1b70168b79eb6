"""The review's Block Kit keeps Slack's limits whatever the history holds, and shows what
clients wrote (and their names) as text: never a ping, a broadcast or a link."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.review import load_view
from bot.slack.blocks import SECTION_LIMIT
from bot.slack.review_blocks import MAX_BLOCKS, ReviewBlocks
from handlers.directory import Directory
from handlers.directory_file import load_directory
from handlers.messages import text
from handlers.model import Verdict
from handlers.review_request import ReviewRequest, parse_review
from storage.memory import MemoryStore
from tests.history import NOW, History, Story

EXAMPLE = Path(__file__).resolve().parents[2] / "complaintbot.example.toml"
LOUD = "<!channel> & <@U0RON> <https://evil.example|Acme>"


@pytest.fixture
async def store() -> AsyncIterator[MemoryStore]:
    memory = MemoryStore()
    await memory.open()
    yield memory
    await memory.close()


def drawer(directory: Directory) -> ReviewBlocks:
    return ReviewBlocks(
        lambda key, **params: text("en", key, **params), lambda p: directory.people[p].name
    )


def sections(drawn: list[dict[str, object]]) -> list[str]:
    return [b["text"]["text"] for b in drawn if b["type"] == "section"]  # type: ignore[index]


async def test_a_long_history_is_cut_at_a_line_and_counted(store: MemoryStore) -> None:
    directory = load_directory(EXAMPLE)
    stories = [
        Story(
            "acme",
            1 + i * 0.5,
            Verdict.NOT_RIGHT,
            ("dana",),
            change_requests=(f"a weekly status call, ask {i}",),
        )
        for i in range(150)
    ]
    await History(store, directory).tell_all(stories)
    drawn = drawer(directory).draw(
        await load_view(store, directory, ReviewRequest("client", "acme"), NOW)
    )
    assert len(drawn) <= MAX_BLOCKS
    assert all(len(s) <= SECTION_LIMIT for s in sections(drawn))
    history = next(s for s in sections(drawn) if s.startswith("*History*"))
    shown = history.count("*C-")
    more = history.splitlines()[-1]
    assert more == text("en", "review.more", count=150 - shown) and 0 < shown < 150
    changes = next(s for s in sections(drawn) if s.startswith("*Change requests*"))
    assert changes.splitlines()[-1].startswith("…and ")
    for words in ("", "open", "changes", "person dana"):
        request = parse_review(words, directory)
        assert isinstance(request, ReviewRequest)
        drawn = drawer(directory).draw(await load_view(store, directory, request, NOW))
        assert len(drawn) <= MAX_BLOCKS
        assert all(len(s) <= SECTION_LIMIT for s in sections(drawn)), words


async def test_what_clients_wrote_and_their_names_are_text(
    store: MemoryStore, tmp_path: Path
) -> None:
    source = EXAMPLE.read_text(encoding="utf-8").replace('"Acme Corp"', json.dumps(LOUD))
    (tmp_path / "firm.toml").write_text(source, encoding="utf-8")
    directory = load_directory(tmp_path / "firm.toml")
    await History(store, directory).tell(
        Story("acme", 3, Verdict.RIGHT, ("dana",), change_requests=("<!here> now",))
    )
    mrkdwn, plain = [], []
    for request in (ReviewRequest("portfolio"), ReviewRequest("client", "acme")):
        for block in drawer(directory).draw(await load_view(store, directory, request, NOW)):
            texts(block, mrkdwn, plain)
    shown = "\n".join(mrkdwn)
    assert "&lt;!channel&gt; &amp; &lt;@U0RON&gt;" in shown and "&lt;!here&gt; now" in shown
    for live in ("<!channel>", "<!here>", "<@U0RON>", "<https://"):
        assert live not in shown
    # A header is plain text, which Slack shows as it is: there the name reads as typed.
    assert any(LOUD in title for title in plain)


def texts(node: object, mrkdwn: list[str], plain: list[str]) -> None:
    """Every text object's text, by kind."""
    if isinstance(node, dict):
        kinds = {"mrkdwn": mrkdwn, "plain_text": plain}
        if node.get("type") in kinds and isinstance(node.get("text"), str):
            kinds[node["type"]].append(node["text"])
        for value in node.values():
            texts(value, mrkdwn, plain)
    elif isinstance(node, list):
        for value in node:
            texts(value, mrkdwn, plain)
