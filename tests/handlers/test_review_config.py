"""The `[review]` table of the directory file: its defaults, and every mistake naming its
key and a fix, like the rest of the file (tests/handlers/test_directory_file.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from handlers.directory_file import load_directory, parse_directory
from handlers.errors import DirectoryError
from handlers.review_config import (
    DEFAULT_FIT_BANDS,
    DEFAULT_FIT_WEIGHTS,
    FIT_PARTS,
    ReviewSettings,
    parse_review,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "complaintbot.example.toml"
RON = '[people.ron]\nname = "Ron Bar"\nslack = "U0RON"\n'


def directory_error(text: str) -> DirectoryError:
    with pytest.raises(DirectoryError) as caught:
        parse_directory(tomllib.loads(text + RON))
    return caught.value


def test_without_a_review_table_the_defaults_hold() -> None:
    settings = parse_directory(tomllib.loads(RON)).review
    assert settings == ReviewSettings()
    assert (settings.window_days, settings.min_cases) == (90, 3)
    assert (settings.support_not_right, settings.support_window_days) == (3, 30)
    assert settings.fit_weights == {
        "valid": 1,
        "not_right": 2,
        "misunderstanding": 1,
        "abuse": 2,
        "reopens": 1,
        "feedback": 1,
    }
    assert settings.fit_bands == {"keep": 0.85, "watch": 0.65, "frank_conversation": 0.5}
    assert tuple(settings.fit_weights) == FIT_PARTS


def test_the_example_file_spells_out_the_defaults() -> None:
    """The example's [review] table, commented, is the defaults written out."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "[review]" in text and "[review.fit_weights]" in text and "[review.fit_bands]" in text
    assert load_directory(EXAMPLE).review == ReviewSettings()


def test_a_partial_table_keeps_the_other_defaults() -> None:
    settings = parse_review(
        {"window_days": 30, "fit_weights": {"abuse": 5}, "fit_bands": {"keep": 0.9}}
    )
    assert settings.window_days == 30 and settings.min_cases == 3
    assert settings.fit_weights == {**DEFAULT_FIT_WEIGHTS, "abuse": 5.0}
    assert settings.fit_bands == {**DEFAULT_FIT_BANDS, "keep": 0.9}
    assert parse_review({"fit_weights": {"valid": 0}}).fit_weights["valid"] == 0


INVALID = {
    "review-not-table": ('review = "yes"\n', "review", "Fix: write it as a table, e.g. [review]"),
    "review-key-typo": (
        "[review]\nwindow_day = 30\n",
        "review.window_day",
        'unknown key. Fix: rename it to "window_days"; the known keys here are "window_days"',
    ),
    "review-key-unknown": ("[review]\ncolour = 1\n", "review.colour", "Fix: remove it"),
    "window-quoted": (
        '[review]\nwindow_days = "90"\n',
        "review.window_days",
        'expected a whole number, got a string ("90"). Fix: write it without quotes or '
        "decimals, e.g. window_days = 90",
    ),
    "window-decimal": ("[review]\nwindow_days = 7.5\n", "review.window_days", "a number (7.5)"),
    "window-zero": (
        "[review]\nwindow_days = 0\n",
        "review.window_days",
        "0 is below the least it may be (1). Fix: use 1 or more",
    ),
    "min-cases-negative": ("[review]\nmin_cases = -1\n", "review.min_cases", "use 0 or more"),
    "support-boolean": (
        "[review]\nsupport_not_right = true\n",
        "review.support_not_right",
        "got a boolean (true)",
    ),
    "weights-not-table": (
        "[review]\nfit_weights = [1, 2]\n",
        "review.fit_weights",
        "got a list. Fix: write it as a table, e.g. [review.fit_weights]",
    ),
    "weight-typo": (
        "[review.fit_weights]\nreopen = 2\n",
        "review.fit_weights.reopen",
        'rename it to "reopens"; the known keys here are "valid", "not_right", '
        '"misunderstanding", "abuse", "reopens", "feedback"',
    ),
    "weight-effort": (
        "[review.fit_weights]\neffort = 1\n",
        "review.fit_weights.effort",
        "Fix: remove it",
    ),
    "weight-quoted": (
        '[review.fit_weights]\nabuse = "high"\n',
        "review.fit_weights.abuse",
        'expected a number, got a string ("high"). Fix: write it without quotes, e.g. abuse = 2',
    ),
    "weight-negative": (
        "[review.fit_weights]\nfeedback = -1\n",
        "review.fit_weights.feedback",
        "a weight cannot be negative (-1). Fix: use 0 to leave the part out",
    ),
    "weights-all-zero": (
        "[review.fit_weights]\n" + "".join(f"{part} = 0\n" for part in FIT_PARTS),
        "review.fit_weights",
        "every weight is 0, so no part of the fit score counts. Fix: give at least one part",
    ),
    "band-typo": (
        "[review.fit_bands]\nfrank = 0.4\n",
        "review.fit_bands.frank",
        'rename it to "frank_conversation"',
    ),
    "band-part-ways": (
        "[review.fit_bands]\npart_ways = 0.1\n",
        "review.fit_bands.part_ways",
        'the known keys here are "keep", "watch", "frank_conversation"',
    ),
    "band-above-one": (
        "[review.fit_bands]\nkeep = 85\n",
        "review.fit_bands.keep",
        "a band's lowest score is between 0 and 1, got 85. Fix: e.g. keep = 0.85",
    ),
    "bands-not-descending": (
        "[review.fit_bands]\nwatch = 0.9\n",
        "review.fit_bands.watch",
        "watch (0.9) is not below keep (0.85). Fix: the bands go down: "
        "keep > watch > frank_conversation",
    ),
    "bands-keep-too-low": (
        "[review.fit_bands]\nkeep = 0.6\n",
        "review.fit_bands.keep",
        "watch (0.65) is not below keep (0.6)",
    ),
}


@pytest.mark.parametrize(("text", "key", "fragment"), INVALID.values(), ids=INVALID.keys())
def test_a_wrong_review_table_names_key_and_fix(text: str, key: str, fragment: str) -> None:
    error = directory_error(text)
    assert error.key == key
    assert fragment in str(error)
