"""How the files the bot reads (the directory and its tables) word what is wrong in them:
one voice for `handlers.directory_file`, `handlers.schedule_file` and
`handlers.review_config`, each error naming the TOML key and the fix."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from handlers.errors import DirectoryError
from handlers.names import closest

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def reject_unknown_keys(table: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
    """Typos such as `manger` would otherwise be ignored and the field left empty."""
    for name in table:
        if name not in known:
            # a cut-short key (`frank` for `frank_conversation`) is too far for difflib
            close = closest(name, known) or next((k for k in known if k.startswith(name)), None)
            action = f"rename it to {quote(close)}" if close else "remove it"
            raise DirectoryError(
                child(prefix, name),
                "unknown key",
                f"{action}; the known keys here are {choices(known)}",
            )


def table(value: object, key: str, example: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DirectoryError(
            key, f"expected a table, got {describe(value)}", f"write it as a table, e.g. {example}"
        )
    return value


def first_bad_string(items: list[Any]) -> int | None:
    return next((i for i, item in enumerate(items) if not is_clean_string(item)), None)


def is_clean_string(value: object) -> bool:
    """Non-empty and unpadded: " U0DANA" would never match the id Slack sends."""
    return isinstance(value, str) and bool(value) and value == value.strip()


def dotted(*parts: str) -> str:
    """Join key parts the way TOML spells them, quoting parts that are not bare keys."""
    return ".".join(p if BARE_KEY.fullmatch(p) else quote(p) for p in parts if p)


def child(key: str, name: str) -> str:
    """The key of `name` inside the table at `key` (already in TOML spelling)."""
    return f"{key}.{dotted(name)}" if key else dotted(name)


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def describe(value: object) -> str:
    """What a value is, as the file spells it (`true`, not `True`)."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        if not value.strip():
            return "an empty string"
        padded = " with spaces around it" if value != value.strip() else ""
        return f"a string{padded} ({quote(value)})"
    kinds = {int: "an integer", float: "a number"}
    return f"{kinds.get(type(value), 'a date/time')} ({value!r})"


def choices(options: Iterable[str]) -> str:
    return ", ".join(quote(o) for o in options)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = closest(word, options)
    return f" (did you mean {quote(close)}?)" if close else ""
