"""Slack's markup read back as plain text: mentions, links and broadcasts become inert words."""

from __future__ import annotations

import pytest

from bot.slack.inbound import plain
from handlers.messages import escape

NAMES = {"U0DANA": "Dana Levi"}


def read(text: str) -> str:
    return plain(text, lambda user_id: NAMES.get(user_id, user_id))


@pytest.mark.parametrize(
    ("slack", "seen"),
    [
        ("the report was late", "the report was late"),
        ("costs &gt; budget &amp; &lt;person:ron&gt;", "costs > budget & <person:ron>"),
        ("<@U0DANA> never answered", "@Dana Levi never answered"),
        ("<@U0STRANGER> too", "@U0STRANGER too"),
        ("<@U0DANA|dana> again", "@dana again"),
        (
            "see <https://evil.example/login|your invoice>",
            "see your invoice (https://evil.example/login)",
        ),
        ("see <https://example.com>", "see https://example.com"),
        ("<https://a.example/?x=1&amp;y=2|a.example>", "a.example (https://a.example/?x=1&y=2)"),
        (
            "<mailto:ron@firm.example|ron@firm.example>",
            "ron@firm.example (mailto:ron@firm.example)",
        ),
        ("<#C0ACME|acme-project> is slow", "#acme-project is slow"),
        ("<!channel> <!here> <!everyone>", "@channel @here @everyone"),
        ("<!subteam^S123|@devs> look", "@devs look"),
        ("due <!date^1700000000^{date}|Nov 14>", "due Nov 14"),
    ],
)
def test_slack_markup_reads_as_its_writer_saw_it(slack: str, seen: str) -> None:
    assert read(slack) == seen


def test_what_was_read_stays_inert_when_shown_again() -> None:
    shown = escape(read("<!channel> <@U0DANA> <https://evil.example|click> &lt;person:ron&gt;"))
    assert "<" not in shown and ">" not in shown
    assert "https://evil.example" in shown
