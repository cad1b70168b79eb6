"""Abusive language toward staff: is a client's message insulting, a slur or a threat?

The firm backs its people, so a client's statement that abuses them is flagged to those
who protect them (`handlers.abuse_flag`). This module only finds the words: it matches the
word lists `wordlists/en.txt` and `wordlists/he.txt` (written for this project; see their
headers), both on every message, whatever the directory's language. No outside service is
asked: a client's words about a person stay in the firm.

How a text is matched, the same way for the lists and for the message:
- normalised: compatibility-decomposed (NFKD, which folds fullwidth and styled letters as
  NFKC does), every combining mark dropped (niqqud, cantillation, accents), every invisible
  format character dropped (zero-width spaces and joiners, bidirectional controls, soft
  hyphens), case-folded, and Hebrew final letters (ך ם ן ף ץ) written as regular ones;
- cut into words; an apostrophe or geresh inside a word is dropped ("you're" is "youre",
  "ת'פה" is "תפה"), and so are `@ $ !` between or before letters, after they are also
  read as letters ("1d10t", "a$$hole", "sh!t"); a letter stretched three times or more
  ("stuuupid") is read both once and twice;
- a Hebrew word is also read without up to four of the prefixes ו ה ש ב ל כ מ, unless
  that reaches a word the list marks innocent (מזונות is not מ + זונות);
- an entry matches whole words in order: "class" never matches "ass", nor "Scunthorpe"
  anything.

Limits, which is why a match flags a case for a person to read and decides nothing: it
does not see sarcasm, quotation ("he called me an idiot") or context; it misses new slang,
misspellings beyond the ones above, censored spellings ("f*ck"), words split by spaces and
any language but these two; Hebrew inflections it is not given are missed (the list gives
each gender and number form), so is Hebrew pointed in defective spelling (מְטֻמְטָם, without
the ו of מטומטם), and a Hebrew word can still meet an innocent word that is a prefix plus a
listed one, until the list marks that word innocent. Words in a link's address count too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGUAGES = ("en", "he")

_FINALS = str.maketrans("ךםןףץ", "כמנפצ")
_QUOTES = re.compile("['\u2019\u05f3\u05f4\"]")
_LEET_SIGNS = "@$!"
# A word: letters and digits, with apostrophes, gershayim and leet signs inside it
# ("you're", "מנכ\"ל", "sh!t") and @ or $ before it ("@ss").
_WORD = re.compile(r"[@$]*[^\W_]+(?:['\u2019\u05f3\u05f4\"@$!]+[^\W_]+)*[@$]*")
_LEET = {
    "i": str.maketrans("013457@$!", "oieastasi"),
    "l": str.maketrans("013457@$!", "oleastasi"),  # "1" is an i as often as an l
}
_STRETCHED = re.compile(r"(.)\1{2,}")
_HEBREW_PREFIXES = frozenset("והשבלכמ")
_MAX_PREFIXES = 4  # "וכשה": and when the
_HEBREW = re.compile("[\u05d0-\u05ea]")
_LATIN = re.compile("[a-z]")


def normalise(text: str) -> str:
    """`text` as the matcher reads it (see the module's docstring)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    return unicodedata.normalize("NFC", "".join(kept)).casefold().translate(_FINALS)


def words(text: str) -> list[str]:
    """The words of `text`, normalised, with apostrophes and gershayim dropped."""
    return [_QUOTES.sub("", w) for w in _WORD.findall(normalise(text))]


@dataclass(frozen=True)
class Wordlist:
    """Entries by their first word, and the words never to flag."""

    entries: dict[str, tuple[tuple[str, ...], ...]]  # first word -> entries (as words)
    shown: dict[tuple[str, ...], str]  # entry -> as the list writes it
    innocent: frozenset[str]

    @classmethod
    def parse(cls, lines: Iterable[str]) -> Wordlist:
        entries: dict[str, list[tuple[str, ...]]] = {}
        shown: dict[tuple[str, ...], str] = {}
        innocent: set[str] = set()
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("!"):
                innocent.update(words(line[1:]))
                continue
            entry = tuple(words(line))
            if entry and entry not in shown:
                shown[entry] = line
                entries.setdefault(entry[0], []).append(entry)
        return cls({k: tuple(v) for k, v in entries.items()}, shown, frozenset(innocent))

    def find(self, text: str) -> list[str]:
        """The entries `text` uses, as the list writes them, in the order they occur (an
        entry as often as it occurs)."""
        readings = [self._readings(w) for w in words(text)]
        found: list[str] = []
        for i, here in enumerate(readings):
            for first in here:
                for entry in self.entries.get(first, ()):
                    ahead = readings[i : i + len(entry)]
                    if len(ahead) == len(entry) and all(
                        w in r for w, r in zip(entry, ahead, strict=True)
                    ):
                        found.append(self.shown[entry])
        return found

    def _readings(self, word: str) -> frozenset[str]:
        """Every way `word` may be read: as written, as leetspeak, unstretched, unprefixed."""
        if word in self.innocent:
            return frozenset({word})
        read = {word}
        if _LATIN.search(word) and any(c.isdigit() or c in _LEET_SIGNS for c in word):
            read |= {word.translate(table) for table in _LEET.values()}
        read |= {_STRETCHED.sub(r"\1" * n, w) for w in read for n in (1, 2)}
        return frozenset(w for r in read for w in self._unprefixed(r))

    def _unprefixed(self, word: str) -> Iterator[str]:
        yield word
        if not _HEBREW.match(word):
            return
        for cut in range(1, _MAX_PREFIXES + 1):
            rest = word[cut:]
            if word[cut - 1] not in _HEBREW_PREFIXES or len(rest) < 2 or rest in self.innocent:
                return
            yield rest


@cache
def wordlist() -> Wordlist:
    """The packaged lists, English and Hebrew, as one: a client may write either, or both."""
    folder = resources.files("handlers") / "wordlists"
    lines = [
        line
        for language in LANGUAGES
        for line in (folder / f"{language}.txt").read_text(encoding="utf-8").splitlines()
    ]
    return Wordlist.parse(lines)


def find(text: str) -> tuple[str, ...]:
    """The listed words and phrases abusive toward a person that `text` uses, each once, in
    the order they occur; empty when it uses none."""
    return tuple(dict.fromkeys(wordlist().find(text)))
