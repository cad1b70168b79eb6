"""Nearest names: what a typo most likely meant, for the directory file and for `/review`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.5  # difflib's similarity ratio below which a name is not offered


def nearest(word: str, options: Iterable[str], n: int = 3) -> list[str]:
    """Up to `n` of `options` closest to `word`, the closest first (case-insensitive); the
    options are returned as they were given."""
    by_folded: dict[str, str] = {}
    for option in options:
        by_folded.setdefault(option.casefold(), option)
    close = difflib.get_close_matches(word.casefold(), list(by_folded), n=n, cutoff=CUTOFF)
    return [by_folded[c] for c in close]


def closest(word: str, options: Iterable[str]) -> str | None:
    """The one option closest to `word`, or None when none is close (case-sensitive, as keys
    and ids are)."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=CUTOFF)
    return close[0] if close else None
