"""The playground's own words, kept apart from the product's catalog."""

from __future__ import annotations

from bot.playground import catalog
from handlers.messages import EN as PRODUCT
from tests.catalogs import assert_both_languages


def test_the_page_speaks_english_and_hebrew_alike() -> None:
    assert_both_languages(catalog.EN, catalog.HE)


def test_the_products_catalog_holds_none_of_the_pages_words() -> None:
    assert [key for key in PRODUCT if key.startswith("playground.")] == []


def test_what_goes_into_a_page_text_is_escaped() -> None:
    said = catalog.say("en", "contact", client="<@U1> & co")
    assert said == "Client contact (&lt;@U1&gt; &amp; co)"
