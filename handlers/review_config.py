"""The `[review]` table of the directory file: the review's window, the fit score's
weights and bands, and when a person is flagged as needing support.

Every key is optional; the defaults (`DEFAULTS`, and below) are what the README's
worked example uses. Validation is as strict as the rest of the directory file
(`handlers.directory_file`): a wrong key or value stops start-up with the key at fault
and a fix, because a silently ignored weight would quietly change which clients leads
are told to reconsider.

    [review]
    window_days = 90              # the review reads cases opened in the last 90 days
    min_cases = 3                 # fewer judged cases than this: at worst "watch"
    support_not_right = 3         # this many not-right complaints about one person ...
    support_window_days = 30      # ... within this many days flag "support needed"

    [review.fit_weights]          # how much each part of the fit score counts (>= 0)
    valid = 1
    not_right = 2
    misunderstanding = 1
    abuse = 2
    reopens = 1
    feedback = 1

    [review.fit_bands]            # the lowest score of each band, 0..1, descending
    keep = 0.85
    watch = 0.65
    frank_conversation = 0.5      # below this: consider parting ways
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.errors import DirectoryError
from handlers.file_words import describe as _describe
from handlers.file_words import reject_unknown_keys as _reject_unknown_keys
from handlers.file_words import table as _table

# The parts of the fit score (handlers.fit), in the order they are shown.
FIT_PARTS = ("valid", "not_right", "misunderstanding", "abuse", "reopens", "feedback")
DEFAULT_FIT_WEIGHTS: Mapping[str, float] = {
    "valid": 1.0,
    "not_right": 2.0,
    "misunderstanding": 1.0,
    "abuse": 2.0,
    "reopens": 1.0,
    "feedback": 1.0,
}
# Bands from best to worst; each but the last has a lowest score (the last takes the rest).
BANDS = ("keep", "watch", "frank_conversation", "part_ways")
DEFAULT_FIT_BANDS: Mapping[str, float] = {"keep": 0.85, "watch": 0.65, "frank_conversation": 0.5}

# key -> (default, the least it may be)
DEFAULTS: Mapping[str, tuple[int, int]] = {
    "window_days": (90, 1),
    "min_cases": (3, 0),
    "support_not_right": (3, 1),
    "support_window_days": (30, 1),
}
REVIEW_KEYS = (*DEFAULTS, "fit_weights", "fit_bands")


@dataclass(frozen=True)
class ReviewSettings:
    window_days: int = DEFAULTS["window_days"][0]
    min_cases: int = DEFAULTS["min_cases"][0]
    support_not_right: int = DEFAULTS["support_not_right"][0]
    support_window_days: int = DEFAULTS["support_window_days"][0]
    fit_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FIT_WEIGHTS))
    fit_bands: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FIT_BANDS))


def parse_review(value: object) -> ReviewSettings:
    """The `[review]` table (already parsed TOML; `{}` when the file has none)."""
    table = _table(value, "review", "[review] then window_days = 90")
    _reject_unknown_keys(table, REVIEW_KEYS, "review")
    numbers = {
        name: _whole(table, name, default, least) for name, (default, least) in DEFAULTS.items()
    }
    return ReviewSettings(
        **numbers, fit_weights=_weights(table.get("fit_weights", {})), fit_bands=_bands(table)
    )


def _weights(value: object) -> dict[str, float]:
    key = "review.fit_weights"
    table = _table(value, key, "[review.fit_weights] then not_right = 2")
    _reject_unknown_keys(table, FIT_PARTS, key)
    weights = dict(DEFAULT_FIT_WEIGHTS)
    for name in table:
        weight = _number(table, name, key, DEFAULT_FIT_WEIGHTS[name])
        if weight < 0:
            raise DirectoryError(
                f"{key}.{name}",
                f"a weight cannot be negative ({_show(weight)})",
                f"use 0 to leave the part out, or a positive number, e.g. {name} = "
                f"{_show(DEFAULT_FIT_WEIGHTS[name])}",
            )
        weights[name] = weight
    if not any(weights.values()):
        raise DirectoryError(
            key,
            "every weight is 0, so no part of the fit score counts",
            "give at least one part a weight above 0, e.g. not_right = 2",
        )
    return weights


def _bands(review: Mapping[str, Any]) -> dict[str, float]:
    key = "review.fit_bands"
    table = _table(review.get("fit_bands", {}), key, "[review.fit_bands] then keep = 0.85")
    _reject_unknown_keys(table, BANDS[:-1], key)
    bands = dict(DEFAULT_FIT_BANDS)
    for name in table:
        low = _number(table, name, key, DEFAULT_FIT_BANDS[name])
        if not 0 <= low <= 1:
            raise DirectoryError(
                f"{key}.{name}",
                f"a band's lowest score is between 0 and 1, got {_show(low)}",
                f"e.g. {name} = {_show(DEFAULT_FIT_BANDS[name])}",
            )
        bands[name] = low
    for higher, lower in zip(BANDS, BANDS[1:-1], strict=False):
        if bands[lower] >= bands[higher]:
            named = lower if lower in table else higher
            raise DirectoryError(
                f"{key}.{named}",
                f"{lower} ({_show(bands[lower])}) is not below {higher} ({_show(bands[higher])})",
                "the bands go down: keep > watch > frank_conversation, e.g. keep = 0.85, "
                "watch = 0.65, frank_conversation = 0.5",
            )
    return bands


# --- typed access, in the words of handlers.file_words -----------------------------------------


def _whole(table: Mapping[str, Any], name: str, default: int, least: int) -> int:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DirectoryError(
            f"review.{name}",
            f"expected a whole number, got {_describe(value)}",
            f"write it without quotes or decimals, e.g. {name} = {default}",
        )
    if value < least:
        raise DirectoryError(
            f"review.{name}",
            f"{value} is below the least it may be ({least})",
            f"use {least} or more, e.g. {name} = {default}",
        )
    return value


def _number(table: Mapping[str, Any], name: str, prefix: str, example: float) -> float:
    value = table[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DirectoryError(
            f"{prefix}.{name}",
            f"expected a number, got {_describe(value)}",
            f"write it without quotes, e.g. {name} = {_show(example)}",
        )
    return float(value)


def _show(number: float) -> str:
    """A number as the file would spell it: 2 rather than 2.0."""
    return str(int(number)) if float(number).is_integer() else repr(float(number))
