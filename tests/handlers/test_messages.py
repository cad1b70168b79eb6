"""The message catalog: both languages complete and alike, every key the core uses present."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest

from handlers import commands
from handlers.messages import (
    CATALOG,
    EN,
    HE,
    actor_markup,
    clean,
    escape,
    mention,
    mentions,
    plain,
    render_people,
    text,
    user,
)
from handlers.model import CATEGORIES, Severity, Status, Verdict
from tests.catalogs import assert_both_languages, placeholders

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ROOT / "handlers"
KEY = re.compile(r"^(refuse|notice|client|dm|event|link|usage)\.[a-z_]+$")


def core_sources() -> dict[str, ast.Module]:
    """Every module of the core and the shell except the catalog itself (which would vouch
    for its own keys): adapters use catalog keys too."""
    paths = [*HANDLERS.glob("*.py"), *(ROOT / "bot").rglob("*.py")]
    return {
        str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(paths)
        if path.name != "messages.py"
    }


def literal_keys() -> set[str]:
    return {
        node.value
        for tree in core_sources().values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value)
    }


def event_kinds() -> set[str]:
    """The kinds passed to `change.event(...)`/`change.bot_event(...)`: each is `event.<kind>`."""
    kinds = set()
    flows = {name: tree for name, tree in core_sources().items() if name.startswith("handlers")}
    for tree in flows.values():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("event", "bot_event")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                kinds.add(node.args[0].value)
    return kinds


# --- both languages alike ---------------------------------------------------------------


def test_the_catalog_has_english_and_hebrew():
    assert CATALOG == {"en": EN, "he": HE}


def test_english_and_hebrew_keep_the_same_keys_placeholders_and_scripts():
    assert_both_languages(EN, HE)


def test_client_texts_take_nothing_internal():
    """The client thread is filled only from the case id, the people included, the summary
    and the client's own answer."""
    for key, template in EN.items():
        if key.startswith("client."):
            assert placeholders(template) <= {"case_id", "people", "summary", "actor", "answer"}, (
                key
            )


# --- every key the core uses exists -----------------------------------------------------


def test_the_source_scan_finds_the_keys_it_should():
    keys = literal_keys()
    assert {"refuse.final", "notice.opened", "client.ack", "dm.backed"} <= keys
    assert len(keys) >= 40
    assert {"opened", "verdict", "abuse", "closed"} <= event_kinds()


@pytest.mark.parametrize("key", sorted(literal_keys()))
def test_every_key_literal_in_the_core_is_in_the_catalog(key):
    assert key in EN and key in HE


@pytest.mark.parametrize("kind", sorted(event_kinds()))
def test_every_event_kind_has_a_timeline_line(kind):
    assert f"event.{kind}" in EN and f"event.{kind}" in HE


@pytest.mark.parametrize(
    "key",
    [f"status.{s.value}" for s in Status]
    + [f"verdict.{v.value}" for v in Verdict]
    + [f"severity.{s.value}" for s in Severity]
    + [f"category.{c}" for c in CATEGORIES]
    + [f"trigger.{t}" for t in typing.get_args(commands.Trigger)],
)
def test_every_label_built_from_a_value_is_in_the_catalog(key):
    assert key in EN and key in HE


# --- rendering --------------------------------------------------------------------------


def test_text_fills_placeholders_and_trims():
    assert text("en", "notice.opened", case_id="C-0042", client="Acme Corp") == (
        "Case C-0042 is open for Acme Corp."
    )
    assert text("he", "notice.opened", case_id="C-0042", client="Acme Corp") == (
        "פנייה C-0042 נפתחה עבור Acme Corp."
    )
    assert text("en", "event.closed") == "The case is closed."
    assert (
        text("en", "event.reopened", actor="Avi Katz", reason="") == "Avi Katz reopened the case."
    )


def test_an_unknown_language_falls_back_to_english():
    assert text("fr", "refuse.text_empty") == EN["refuse.text_empty"]


def test_a_missing_placeholder_is_an_error_not_a_silent_blank():
    with pytest.raises(KeyError):
        text("en", "notice.opened", case_id="C-0042")


def test_mentions_are_platform_neutral_markers():
    assert mention("dana") == "<person:dana>"
    assert mentions(["dana", "maya"]) == "<person:dana>, <person:maya>"
    assert mentions(()) == ""


def test_render_people_replaces_every_marker():
    names = {"dana": "Dana Levi", "maya": "Maya Cohen"}
    rendered = render_people(
        "Included in this case: <person:dana>, <person:maya>.", lambda pid: f"<@{names[pid]}>"
    )
    assert rendered == "Included in this case: <@Dana Levi>, <@Maya Cohen>."


def test_render_people_leaves_other_text_alone():
    seen = []
    rendered = render_people("a <person:Bad Id> b <@U0DANA> <person:>", seen.append)
    assert rendered == "a <person:Bad Id> b <@U0DANA> <person:>"
    assert seen == []


def test_render_people_handles_ids_with_digits_dashes_and_underscores():
    rendered = render_people("<person:j_doe-2>", str.upper)
    assert rendered == "J_DOE-2"


# text from outside stays inert --------------------------------------------------------------


def test_outside_text_in_a_catalog_text_is_escaped_and_markers_are_kept() -> None:
    said = text("en", "event.statement", actor="Carol", text="<person:ron> <@U0RON> a & b")
    assert "<person:ron>" not in said and "&lt;person:ron&gt;" in said
    assert "&lt;@U0RON&gt;" in said and "a &amp; b" in said
    assert render_people(said, lambda p: f"@{p}") == said, "no marker came from the client"
    included = text("en", "client.included", people=mentions(("dana", "maya")))
    assert render_people(included, str.upper).count("DANA") == 1


def test_invisible_characters_that_disguise_text_are_removed() -> None:
    tricky = "invoice\u202egpj.exe\u200b\u2066x\u2069\ufeff"
    assert clean(tricky) == "invoicegpj.exex"
    assert escape("שלום\u200fworld") == "שלום\u200fworld", "RLM stays: Hebrew needs it"


def test_plain_undoes_the_escapes_after_naming_people() -> None:
    said = text("en", "event.statement", actor="Carol & Co", text="1 < 2")
    shown = plain(said, lambda p: p)
    assert "Carol & Co" in shown and "1 < 2" in shown


def test_an_actor_display_is_markup_only_when_it_is_a_platform_user_marker() -> None:
    assert actor_markup(user("U0CLIENT")) == "<user:U0CLIENT>"
    assert actor_markup("<person:ron>") == "&lt;person:ron&gt;"
    assert actor_markup("Ron <ceo>") == "Ron &lt;ceo&gt;"
