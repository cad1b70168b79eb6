"""The matcher of abusive language: whole words of two lists, in two scripts, disguised or not."""

from __future__ import annotations

from importlib import resources

import pytest

from handlers import abuse
from handlers.abuse import Wordlist, find, normalise
from handlers.messages import CATALOG

# --- English ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "found"),
    [
        ("Dana is an idiot.", ("idiot",)),
        ("You are all IDIOTS", ("idiots",)),
        ("what a moronic answer, morons", ("moronic", "morons")),
        ("Fuck off, seriously.", ("fuck off",)),
        ("you're stupid", ("you're stupid",)),
        ("Youre stupid", ("you're stupid",)),  # the apostrophe is not needed
        ("You are stupid and you're stupid", ("you are stupid", "you're stupid")),
        ("I know where you live, Dana", ("i know where you live",)),
        ("Shut up\nand listen", ("shut up",)),  # a phrase across a line break
    ],
)
def test_english_words_and_phrases_are_found_with_their_inflections(said, found):
    assert find(said) == found


@pytest.mark.parametrize(
    ("said", "found"),
    [
        ("1d10t", ("idiot",)),  # leetspeak
        ("m0r0n!!", ("moron",)),
        ("a$$hole", ("asshole",)),
        ("sh!thead", ("shithead",)),
        ("idiooooot", ("idiot",)),  # stretched
        ("you stuuupid", ("you stupid",)),
        ("ｉｄｉｏｔ", ("idiot",)),  # fullwidth (NFKC)
        ("𝐢𝐝𝐢𝐨𝐭", ("idiot",)),  # mathematical bold
        ("id\u200biot", ("idiot",)),  # a zero-width space inside
        ("id\u00adiot", ("idiot",)),  # a soft hyphen inside
        ("idi\u202eot", ("idiot",)),  # a bidirectional override inside
        ("ídíót", ("idiot",)),  # accents
    ],
)
def test_disguises_are_seen_through(said, found):
    assert find(said) == found


@pytest.mark.parametrize(
    "said",
    [
        "Our class on assessment with the assistant went well.",
        "The Scunthorpe office sent the bass and the cocktail menu.",
        "The therapist's analysis of Essex and Sussex data, by Mr. Dickens.",
        "A prickly, cunning plan: kill the process, then restart the cluster.",
        "Spick and span, niggardly budgets, flame retardant, a classic passion.",
        "You are not stupid to ask: you are right.",  # not the phrase, in order
        "Please shut the door; we are all up by nine.",  # the words of a phrase, apart
        "The report was two weeks late and the totals were wrong again.",
        "Invoice 2024-5, item 13: 1,000 units at $4.50.",  # digits are not leetspeak alone
    ],
)
def test_innocent_english_is_not_flagged(said):
    assert find(said) == ()


# --- Hebrew -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "found"),
    [
        ("דנה אידיוטית", ("אידיוטית",)),  # feminine
        ("אתם מטומטמים", ("מטומטמים",)),  # plural
        ("ואידיוט", ("אידיוט",)),  # and
        ("המטומטמות האלה", ("מטומטמות",)),  # the
        ("שהדביל", ("דביל",)),  # that the
        ("לטמבלים", ("טמבלים",)),  # to
        ("וכשהמטומטמים", ("מטומטמים",)),  # and when the: four prefixes
        ("בזונה", ("זונה",)),
        ("מטומטמ", ("מטומטם",)),  # a final letter written as a regular one
        ("אִידְיוֹט", ("אידיוט",)),  # niqqud
        ("מְטוּמְטָם", ("מטומטם",)),
        ("אידי\u200fוט", ("אידיוט",)),  # a right-to-left mark inside
        ("סתום ת'פה", ("סתום ת'פה",)),  # a geresh
        ("כוס אמא שלך", ("כוס אמא שלך",)),
        ("ואשבור לך את הפרצוף", ("אשבור לך את הפרצוף",)),  # a phrase, its first word prefixed
        ("יא אפס", ("יא אפס",)),
    ],
)
def test_hebrew_words_are_found_with_inflections_prefixes_and_niqqud(said, found):
    assert find(said) == found


@pytest.mark.parametrize(
    "said",
    [
        "שתיתי כוס קפה לפני הפגישה",  # a cup
        "הוא משלם מזונות, והמזונות עלו",  # alimony, not a prefix on a slur
        "אתם מפגרים בלוח הזמנים",  # lagging behind
        "נוכל לשלוח את הדוח מחר",  # we will be able to
        "הם שתקו כשביקשנו עדכון",  # they were silent
        "זה מקרה חמור, והיו אפס תגובות",  # severe; zero
        "זרקתי את הטיוטה לזבל",  # garbage
        "הדוח הגיע באיחור של שבועיים והסכומים שגויים",
    ],
)
def test_innocent_hebrew_is_not_flagged(said):
    assert find(said) == ()


# --- both, and the lists themselves -------------------------------------------------------


def test_a_mixed_message_finds_both_languages_in_the_order_they_occur():
    said = "דנה ממש דבילית, and Eli is a moron. שוב, אידיוט"
    assert find(said) == ("דבילית", "moron", "אידיוט")


def test_an_entry_found_twice_is_named_once():
    assert find("idiot, idiot, IDIOT") == ("idiot",)


def test_the_bots_own_texts_flag_nothing():
    for language, catalog in CATALOG.items():
        for key, template in catalog.items():
            assert find(template) == (), (language, key)


def entries(language: str) -> list[str]:
    text = (resources.files("handlers") / "wordlists" / f"{language}.txt").read_text("utf-8")
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


@pytest.mark.parametrize("language", abuse.LANGUAGES)
def test_every_entry_of_both_lists_is_found_in_a_sentence(language):
    listed = [e for e in entries(language) if not e.startswith("!")]
    assert len(listed) >= 80
    for entry in listed:
        assert entry in find(f"So: {entry}, then."), entry


@pytest.mark.parametrize("language", abuse.LANGUAGES)
def test_every_innocent_word_stays_innocent(language):
    for entry in entries(language):
        if entry.startswith("!"):
            assert find(entry[1:]) == (), entry


def test_the_hebrew_list_is_in_hebrew_script():
    listed = [e.lstrip("!") for e in entries("he")]
    assert all(any("\u05d0" <= c <= "\u05ea" for c in e) for e in listed)
    assert not [e for e in listed if any("a" <= c.lower() <= "z" for c in e)]


def test_a_list_reads_comments_phrases_and_innocent_words():
    wordlist = Wordlist.parse(
        ["# a comment", "", "  Jerk  ", "jerk", "go away now", "!ajerk", "   # indented comment"]
    )
    assert wordlist.shown == {("jerk",): "Jerk", ("go", "away", "now"): "go away now"}
    assert wordlist.innocent == frozenset({"ajerk"})
    assert wordlist.find("You jerk, go away now! JERK") == ["Jerk", "go away now", "Jerk"]
    assert wordlist.find("go away, now") == ["go away now"]  # punctuation is not a word
    assert wordlist.find("go now away") == []


def test_normalising_folds_case_marks_invisibles_and_final_letters():
    assert normalise("ＡbC\u200b") == "abc"
    assert normalise("שָׁלוֹם") == "שלומ"
    assert normalise("ךםןףץ") == "כמנפצ"
