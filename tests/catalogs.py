"""What every catalog of words must keep in both languages (the core's and the playground's)."""

from __future__ import annotations

import re
import string

HEBREW = re.compile(r"[\u05d0-\u05ea]")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def assert_both_languages(en: dict[str, str], he: dict[str, str]) -> None:
    """The same keys with the same placeholders; Hebrew in Hebrew, English not."""
    assert sorted(set(en) - set(he)) == []
    assert sorted(set(he) - set(en)) == []
    differ = {k: (placeholders(en[k]), placeholders(he[k])) for k in en if k in he}
    assert {k: v for k, v in differ.items() if v[0] != v[1]} == {}
    assert [key for key, value in he.items() if not HEBREW.search(value)] == []
    assert [key for key, value in en.items() if HEBREW.search(value)] == []
