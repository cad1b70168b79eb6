"""Slack's message markup, read as the plain text its writer saw.

Slack sends what people typed with its own markup in it: `&lt;`, `&gt;`, `&amp;` for
the three characters it reserves, `<@U123>` for a mention, `<https://…|label>` for a
link, `<#C123|name>` for a channel, `<!here>` for a broadcast. The core keeps text as
plain text and escapes it wherever it shows it (see handlers.messages), so the
adapter turns the markup into what the reader of the original message saw: a mention
becomes `@Name`, a link shows its label and its real address, a broadcast becomes the
word `@here`. Nothing a client wrote can then ping anyone, hide where a link goes, or
reach a place its writer should not see.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_MARKUP = re.compile(r"<([^<>]*)>")
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")  # a user mentioned: their id


def plain(text: str, user_name: Callable[[str], str]) -> str:
    """`text` as its writer saw it; `user_name` names a Slack user id (e.g. from the
    directory, or the id itself when nobody knows it)."""

    def read(found: re.Match[str]) -> str:
        target, _, label = found.group(1).partition("|")
        if target.startswith("@"):
            return "@" + (label or user_name(target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return _special(target[1:], label)
        if label and label != target:
            return f"{_unescape(label)} ({_unescape(target)})"
        return _unescape(target)

    return _unescape(_MARKUP.sub(read, text))


def _special(command: str, label: str) -> str:
    """`<!here>`, `<!subteam^S1|@team>`, `<!date^…|fallback>`: what Slack would show."""
    if command.startswith("date^"):
        return _unescape(label)
    if label:
        return _unescape(label) if label.startswith("@") else "@" + _unescape(label)
    return "@" + command.split("^", 1)[0]


def _unescape(text: str) -> str:
    return re.sub("&(?:amp|lt|gt);", lambda m: _ENTITIES[m.group()], text)
