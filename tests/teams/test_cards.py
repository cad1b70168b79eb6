"""Adaptive Cards built by bot/teams/cards.py: well formed, within Teams' limits, in the
directory's language, and showing what clients typed as text.

No Adaptive Card JSON schema ships with the project or its packages, so `assert_valid_card`
checks the structure the schema (1.5) and Teams ask for: the element and action types in use
with their required keys and value types, unique input ids, mentions that match the text, and
the size of the payload.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.teams import cards
from bot.teams.cards import People
from handlers import forms
from handlers.card import case_card
from handlers.commands import Assess
from handlers.directory import Actor, Person
from handlers.messages import EN, HE
from handlers.model import Case, Feedback, MessageRef, Severity, Statement, Status, Verdict
from tests import card_samples
from tests.card_samples import FIRM, NOW

JSON = dict[str, Any]

LINK = "https://teams.microsoft.com/l/message/19:acme@thread.tacv2/1709542800000"
CLIENT = Actor("teams", "29:carol", "Carol Client")
DANA = Actor("teams", "29:dana", "Dana Levi", "dana")
AVI = Actor("teams", "29:avi", "Avi Katz", "avi")

DIRECTORY = FIRM.addressed(
    "teams",
    {p: f"29:{p}" for p in FIRM.people if p != "eli"},  # Eli is not on Teams
    {"acme": ("19:acme",)},
    "19:internal",
)
PEOPLE = People(DIRECTORY)
HEBREW = People(replace(DIRECTORY, language="he"))

HOSTILE = "<at>Dana Levi</at> said [a](http://evil) is **x**; {{DATE(2024-01-01T00:00:00Z)}} &amp;"

ELEMENTS = {"TextBlock", "ColumnSet", "Column", "Container"}
INPUTS = {"Input.Text", "Input.ChoiceSet", "Input.Toggle"}
ACTION_STYLES = {"default", "positive", "destructive"}
TEAMS_MESSAGE_BYTES = 28 * 1024


def make_case(**changes: Any) -> Case:
    source = MessageRef("teams", "19:acme", "1709542800000")
    return card_samples.make_case(source, AVI, CLIENT, **changes)


def card_of(case: Case, people: People = PEOPLE, **options: Any) -> JSON:
    view = case_card(case, people.directory)
    return cards.case_card(view, people, **options)


# --- structural validation ------------------------------------------------------------------


def walk(node: Any) -> Iterator[JSON]:
    """Every element of a card's body, nested ones too."""
    for element in node:
        yield element
        if element["type"] == "ColumnSet":
            yield from walk(element["columns"])
        elif element["type"] in ("Column", "Container"):
            yield from walk(element["items"])


def texts(content: JSON) -> list[str]:
    return [e["text"] for e in walk(content["body"]) if e["type"] == "TextBlock"]


def all_text(content: JSON) -> str:
    return "\n".join(texts(content))


def assert_valid_action(action: JSON) -> None:
    assert action["type"] == "Action.Execute"
    assert isinstance(action["title"], str) and action["title"]
    assert isinstance(action["verb"], str) and action["verb"]
    assert isinstance(action["data"], dict)
    assert action.get("style", "default") in ACTION_STYLES
    assert action.get("associatedInputs", "auto") in ("auto", "none")


def assert_valid_card(content: JSON) -> None:
    """What the Adaptive Card 1.5 schema and Teams require of the cards this module makes."""
    assert json.loads(json.dumps(content)) == content  # plain JSON
    assert cards.size(content) <= TEAMS_MESSAGE_BYTES
    assert content["type"] == "AdaptiveCard"
    assert content["version"] == "1.5"
    assert content["$schema"] == cards.SCHEMA
    assert isinstance(content["rtl"], bool)
    assert isinstance(content["body"], list) and content["body"]
    ids = []
    for element in walk(content["body"]):
        kind = element["type"]
        assert kind in ELEMENTS | INPUTS, kind
        if kind == "TextBlock":
            assert isinstance(element["text"], str) and element["text"]
            assert element["wrap"] is True
        elif kind == "ColumnSet":
            assert all(c["type"] == "Column" for c in element["columns"])
        elif kind in ("Column", "Container"):
            assert isinstance(element["items"], list) and element["items"]
        else:
            assert isinstance(element["id"], str) and element["id"]
            assert isinstance(element["label"], str) and element["label"]
            ids.append(element["id"])
        if kind == "Input.ChoiceSet":
            assert element["choices"] or element.get("isMultiSelect")
            assert all(set(c) == {"title", "value"} for c in element["choices"])
            assert all(isinstance(c["value"], str) and c["title"] for c in element["choices"])
            if "value" in element:
                chosen = (
                    element["value"].split(",")
                    if element.get("isMultiSelect")
                    else [element["value"]]
                )
                assert set(chosen) <= {c["value"] for c in element["choices"]}
    assert len(ids) == len(set(ids))
    for action in content.get("actions", []):
        assert_valid_action(action)
    assert content.get("actions", True)  # absent rather than empty
    if "refresh" in content:
        assert_valid_action({"title": "refresh", **content["refresh"]["action"]})
        assert len(content["refresh"]["userIds"]) <= cards.REFRESH_USERS
    # Every <at> tag is a listed mention, and every listed mention is in the text.
    entities = content["msteams"].get("entities", [])
    tags = set(re.findall(r"<at>.*?</at>", all_text(content)))
    assert tags == {e["text"] for e in entities}
    for entity in entities:
        assert entity["type"] == "mention"
        assert entity["text"] == f"<at>{entity['mentioned']['name']}</at>"
        assert entity["mentioned"]["id"]


def formatting(markdown: str) -> str:
    """What Markdown reads as syntax: the text without its escaped characters."""
    return re.sub(r"\\.", "", markdown)


def unescape(markdown: str) -> str:
    """What CommonMark shows for text without formatting: escapes dropped, paragraphs as lines."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\n\n", "\n")


# --- the Markdown escape ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        HOSTILE,
        "*bold* _it_ ~strike~ `code` # head | table",
        "- a list\n+ another\n1. numbered\n  2. indented",
        "back\\slash \\*not escaped\\* {{{{DATE(x)}}}}",
        "line one\r\nline two\rline three",
        "שלום **עולם** [קישור](http://evil)",
    ],
)
def test_escape_shows_exactly_what_was_typed(raw: str) -> None:
    escaped = cards.escape_markdown(raw)
    assert unescape(escaped) == raw.replace("\r\n", "\n").replace("\r", "\n")
    for syntax in ("<at>", "](", "**", "{{", "`", "~~", "&"):
        assert syntax not in formatting(escaped)
    assert not re.search(r"^\s*([-+]|\d+\.)\s", escaped, re.MULTILINE)  # no list item


def test_escape_leaves_plain_words_alone() -> None:
    assert cards.escape_markdown("Case C-0042 is late.") == "Case C-0042 is late."


def test_date_is_the_card_function_in_utc() -> None:
    at = datetime(2024, 3, 4, 11, 0, tzinfo=UTC).astimezone()
    assert cards.date(at) == "{{DATE(2024-03-04T11:00:00Z, SHORT)}} {{TIME(2024-03-04T11:00:00Z)}}"


# --- the case card ----------------------------------------------------------------------------


def test_card_is_valid_and_shows_the_case() -> None:
    content = card_of(make_case())
    assert_valid_card(content)
    text = all_text(content)
    assert texts(content)[0] == "Case C-0042 · Acme Corp"
    assert content["fallbackText"] == "Case C-0042 · Acme Corp: investigating"
    for key in ("card.status", "card.due", "card.client_statements", "status.investigating"):
        assert EN[key] in unescape(text)
    assert "It was late and wrong." in text
    assert content["msteams"]["width"] == "Full"


def test_due_date_is_shown_in_each_readers_time() -> None:
    content = card_of(make_case())
    assert "{{DATE(2024-03-06T09:00:00Z, SHORT)}}" in all_text(content)


def test_people_are_teams_mentions() -> None:
    content = card_of(make_case())
    mentioned = {
        e["mentioned"]["id"]: e["mentioned"]["name"] for e in content["msteams"]["entities"]
    }
    assert mentioned == {"29:dana": "Dana Levi", "29:maya": "Maya Cohen", "29:avi": "Avi Katz"}
    assert "<at>Dana Levi</at>" in all_text(content)


def test_client_and_people_without_teams_are_names_not_mentions() -> None:
    case = make_case(affected=("dana", "eli"))
    content = card_of(case)
    assert_valid_card(content)
    text = all_text(content)
    assert "Carol Client" in text and "Eli Shani" in text
    ids = {e["mentioned"]["id"] for e in content["msteams"]["entities"]}
    assert "29:carol" not in ids
    assert "<at>Eli Shani</at>" not in text


def test_a_namesake_is_named_not_mentioned() -> None:
    twin = Person("dana2", "Dana Levi", manager="maya", addresses={"teams": "29:dana2"})
    directory = replace(DIRECTORY, people={**DIRECTORY.people, "dana2": twin})
    content = card_of(make_case(affected=("dana", "dana2")), People(directory))
    assert_valid_card(content)
    ids = [e["mentioned"]["id"] for e in content["msteams"]["entities"]]
    assert "29:dana" in ids and "29:dana2" not in ids
    assert "<at>Dana Levi</at>, Dana Levi" in all_text(content)


def test_platform_users_outside_the_directory_show_by_their_name() -> None:
    contact = Actor("teams", "29:zed", "<user:29:zed>")
    people = People(DIRECTORY, names={"29:zed": "Zed *Client*"})
    content = card_of(make_case(raised_by=contact), people)
    assert_valid_card(content)
    assert "Zed \\*Client\\*" in all_text(content)


@pytest.mark.parametrize("hostile", [HOSTILE, "<at>x</at>", "[a](b)", "**x**"])
def test_client_text_stays_text(hostile: str) -> None:
    case = make_case(
        client_statements=(Statement(CLIENT, hostile, NOW),),
        summary=hostile,
        accounts={"dana": Statement(DANA, hostile, NOW)},
        verdict=Verdict.NOT_RIGHT,
        verdict_note=hostile,
        verdict_by="maya",
        resolution=hostile,
        change_requests=(hostile, hostile),
        feedback=(Feedback(False, hostile, CLIENT, NOW),),
    )
    content = card_of(case)
    assert_valid_card(content)  # the <at> typed by a client made no mention
    shown = [t for t in texts(content) if unescape(t).endswith(hostile)]
    assert len(shown) >= 6  # summary, statement, account, verdict, resolution, feedback
    for text in shown:
        assert not [s for s in ("<at>", "](", "**", "{{") if s in formatting(text)]
    names = [e["mentioned"]["name"] for e in content["msteams"]["entities"]]
    assert sorted(names) == ["Avi Katz", "Dana Levi", "Maya Cohen"]  # the directory's only


def test_actions_open_the_forms_the_case_allows() -> None:
    case = make_case()
    content = card_of(case)
    actions = {a["verb"]: a for a in content["actions"]}
    assert list(actions) == [f.name for f in forms.card_buttons(case)]
    assert all(a["data"] == {"case_id": "C-0042"} for a in actions.values())
    assert actions["withdraw"]["style"] == "destructive"
    assert actions["resolve"]["style"] == "positive"
    assert "style" not in actions["assess"]
    assert actions["assess"]["title"] == EN["button.assess"]


@pytest.mark.parametrize("status", [Status.CLOSED, Status.WITHDRAWN])
def test_a_final_case_has_no_actions(status: Status) -> None:
    content = card_of(make_case(status=status))
    assert_valid_card(content)
    assert "actions" not in content


def test_the_card_speaks_hebrew() -> None:
    case = make_case(status=Status.RESOLVED, resolution="הדוח נשלח מחדש.")
    content = card_of(case, HEBREW)
    assert_valid_card(content)
    assert content["rtl"] is True and content["lang"] == "he"
    text = unescape(all_text(content))
    for key in ("card.client_statements", "card.resolution", "card.due", "status.resolved"):
        assert HE[key] in text
        assert EN[key] not in text
    titles = {a["title"] for a in content["actions"]}
    assert titles == {HE["button.reopen"], HE["button.withdraw"]}
    assert content["fallbackText"].startswith("פנייה C-0042")


def test_statements_link_to_the_original_message() -> None:
    content = card_of(make_case(), source_link=LINK + ")")
    heading = next(t for t in texts(content) if EN["card.client_statements"] in unescape(t))
    assert heading.endswith(f"[{EN['card.original_message']}]({LINK}%29)")


def test_a_huge_hebrew_case_stays_well_under_the_teams_limit() -> None:
    people = {
        f"p{n}": Person(f"p{n}", f"עובד {n}", "maya", addresses={"teams": f"29:p{n}"})
        for n in range(20)
    }
    directory = replace(DIRECTORY, language="he", people={**DIRECTORY.people, **people})
    long = "הלקוח כתב *** [קישור](http://evil) " * 300
    statements = tuple(Statement(CLIENT, f"הודעה {n}: {long}", NOW) for n in range(200))
    case = make_case(
        affected=tuple(people),
        client_statements=statements,
        accounts={p: Statement(DANA, long, NOW) for p in people},
        summary=long[:300],
        verdict=Verdict.RIGHT,
        verdict_note=long,
        verdict_by="maya",
        resolution=long[:500],
        change_requests=tuple(long for _ in range(30)),
        feedback=tuple(Feedback(False, long, CLIENT, NOW) for _ in range(30)),
    )
    content = card_of(case, People(directory))
    assert_valid_card(content)
    assert cards.size(content) <= cards.CARD_BYTES
    activity = {"type": "message", "attachments": [cards.attachment(content)]}
    assert len(json.dumps(activity).encode()) < TEAMS_MESSAGE_BYTES
    shown = [t for t in texts(content) if t.startswith("הודעה")]
    assert len(shown) == cards.RECENT_STATEMENTS
    assert shown[-1].startswith("הודעה 199")  # the latest ones
    assert all(t.endswith(cards.ELLIPSIS) for t in shown)  # cut
    text = all_text(content)
    assert f"… +{200 - cards.RECENT_STATEMENTS}" in text
    _, fewest = cards.BUDGETS[-1]  # the card had to shrink to the last budget
    assert f"… +{20 - fewest}" in text  # accounts
    assert f"… +{30 - fewest}" in text  # change requests, feedback


def test_an_ordinary_case_shows_ten_entries_a_section() -> None:
    feedback = tuple(Feedback(n % 2 == 0, f"comment {n}", CLIENT, NOW) for n in range(12))
    content = card_of(make_case(feedback=feedback, change_requests=("one", "two")))
    assert_valid_card(content)
    text = all_text(content)
    assert "comment 9" in text and "comment 10" not in text
    assert "… +2" in text
    assert "• one\n\n• two" in texts(content)  # change requests: one list


def test_a_cut_never_splits_a_mention() -> None:
    markup = case_card(make_case(), DIRECTORY).sections[0].items[0].text
    writer = cards._Writer(PEOPLE)
    long = f"{'a' * 20}<person:dana>{'b' * 20}"
    for limit in range(15, 50):
        cut = writer.text(long, limit)
        assert cut.count("<at>") == cut.count("</at>")
        assert len(unescape(cut.replace("<at>Dana Levi</at>", "D" * 9))) <= limit + 1
    assert writer.text(markup) == markup  # short text is left whole


# --- refresh: each viewer's own card --------------------------------------------------------


def test_refresh_limits_the_actions_to_the_viewers_own() -> None:
    view = case_card(make_case(), DIRECTORY)
    mine = cards.case_card(cards.for_viewer(view, {"account", "withdraw"}), PEOPLE)
    assert_valid_card(mine)
    assert [a["verb"] for a in mine["actions"]] == ["account", "withdraw"]
    nothing = cards.case_card(cards.for_viewer(view, set()), PEOPLE)
    assert "actions" not in nothing
    assert texts(nothing) == texts(card_of(make_case()))  # the same facts for everyone


def test_refresh_block_names_at_most_sixty_users_once() -> None:
    users = ["29:dana", "29:dana", *(f"29:u{n}" for n in range(100))]
    block = cards.refresh_block("C-0042", users)
    assert block["action"] == {
        "type": "Action.Execute",
        "verb": cards.REFRESH,
        "data": {"case_id": "C-0042"},
    }
    assert block["userIds"][:2] == ["29:dana", "29:u0"]
    assert len(block["userIds"]) == cards.REFRESH_USERS


def test_card_carries_its_refresh_when_asked() -> None:
    content = card_of(make_case(), refresh_users=["29:dana", "29:maya"])
    assert_valid_card(content)
    assert content["refresh"] == cards.refresh_block("C-0042", ["29:dana", "29:maya"])
    assert "refresh" not in card_of(make_case())


# --- the feedback question ------------------------------------------------------------------


def test_feedback_question_has_one_button_per_answer() -> None:
    content = cards.feedback_card(EN["client.feedback_request"], "C-0042", PEOPLE)
    assert_valid_card(content)
    verbs = [a["verb"] for a in content["actions"]]
    assert verbs == [f.name for f in forms.FEEDBACK] == ["feedback_yes", "feedback_no"]
    assert all(a["data"] == {"case_id": "C-0042"} for a in content["actions"])
    assert [a["title"] for a in content["actions"]] == [
        EN["button.feedback_yes"],
        EN["button.feedback_no"],
    ]


def test_feedback_question_in_hebrew() -> None:
    content = cards.feedback_card(HE["client.feedback_request"], "C-0042", HEBREW)
    assert content["rtl"] is True
    assert [a["title"] for a in content["actions"]] == [
        HE["button.feedback_yes"],
        HE["button.feedback_no"],
    ]


def test_answered_card_has_the_answer_and_no_buttons() -> None:
    text = "Has this resolved your complaint? <person:dana> answered: **yes**. Thank you."
    content = cards.answered_card(text, PEOPLE)
    assert_valid_card(content)
    assert "actions" not in content
    assert texts(content) == [
        "Has this resolved your complaint? <at>Dana Levi</at> answered: \\*\\*yes\\*\\*. Thank you."
    ]


# --- forms ------------------------------------------------------------------------------------


def inputs(content: JSON) -> dict[str, JSON]:
    return {e["id"]: e for e in walk(content["body"]) if e["type"] in INPUTS}


def submit(content: JSON, answers: dict[str, str]) -> tuple[str, JSON]:
    """What Teams sends for the save button: its verb, and its data with every input's value
    as a string (an input left alone sends its initial value)."""
    action = content["actions"][0]
    values = {name: i.get("value", "") for name, i in inputs(content).items()}
    return action["verb"], {**action["data"], **values, **answers}


@pytest.mark.parametrize("form", list(forms.FORMS.values()), ids=list(forms.FORMS))
@pytest.mark.parametrize("people", [PEOPLE, HEBREW], ids=["en", "he"])
def test_every_form_is_a_valid_card(form: forms.Form, people: People) -> None:
    shown = forms.for_case(form, make_case(), DIRECTORY)
    if form is forms.LOG:  # drawn with the client channels it offers
        shown = forms.log_form([("19:acme@thread.tacv2", "Acme <at>Ron</at> & Co · channel x")])
    content = cards.form_card(shown, people, "C-0042")
    assert_valid_card(content)
    assert list(inputs(content)) == [f.name for f in shown.fields]
    save, cancel = content["actions"]
    assert save["verb"] == f"submit:{form.name}"
    assert cards.submitted_form(save["verb"]) is form
    assert save["data"] == cancel["data"] == {"case_id": "C-0042"}
    assert cancel["verb"] == cards.CANCEL and cancel["associatedInputs"] == "none"
    assert content["rtl"] is (people is HEBREW)


def test_inputs_by_kind() -> None:
    assess = inputs(cards.form_card(forms.ASSESS, PEOPLE, "C-0042"))
    assert assess["verdict"]["type"] == "Input.ChoiceSet"
    assert assess["verdict"]["style"] == "expanded"  # a deliberate answer: every option in view
    assert assess["verdict"]["isRequired"] is True and "value" not in assess["verdict"]
    assert [c["title"] for c in assess["verdict"]["choices"]] == [
        EN[f"verdict.{v.value}"] for v in Verdict
    ]
    assert assess["note"]["type"] == "Input.Text" and assess["note"]["isMultiline"] is True
    assert assess["note"]["maxLength"] == forms.TEXT_LIMIT
    assert assess["abusive"]["type"] == "Input.Toggle"
    assert assess["abusive"]["title"] == EN["label.abusive_option"]
    assert assess["abusive"]["value"] == "false"

    opening = inputs(cards.form_card(forms.OPEN, PEOPLE, "", context={"channel": "19:acme"}))
    assert opening["category"]["style"] == "compact" and opening["category"]["value"] == "other"
    assert opening["summary"]["maxLength"] == 300
    affected = opening["affected"]
    assert affected["isMultiSelect"] is True
    assert {c["value"] for c in affected["choices"]} == {"29:dana", "29:maya", "29:ron", "29:avi"}

    resolve = inputs(cards.form_card(forms.RESOLVE, PEOPLE, "C-0042"))
    assert resolve["resolution"]["label"] == EN["label.resolution"].format(limit=500)

    # The log form's client channel: a drop-down however few, none chosen, labels as they are.
    label = "Acme <at>Ron</at> & Co · channel x"
    logging = inputs(cards.form_card(forms.log_form([("19:acme", label)]), PEOPLE, ""))
    channel = logging["channel"]
    assert channel["style"] == "compact" and channel["isRequired"] and "value" not in channel
    assert channel["choices"] == [{"title": label, "value": "19:acme"}]


def test_form_prefills_and_shows_errors_in_the_forms_language() -> None:
    content = cards.form_card(
        forms.OPEN,
        HEBREW,
        "",
        initial={"affected": ["29:dana", "29:maya"], "summary": "x" * 400, "severity": "high"},
        errors={"summary": "נא לקצר <person:dana>"},
    )
    assert_valid_card(content)
    fields = inputs(content)
    assert fields["affected"]["value"] == "29:dana,29:maya"
    assert fields["summary"]["value"] == "x" * 300
    assert fields["severity"]["value"] == "high"
    assert fields["category"]["label"] == HE["label.category"]
    error = next(e for e in walk(content["body"]) if e.get("color") == "Attention")
    assert error["text"] == "נא לקצר <at>Dana Levi</at>"
    assert content["actions"][0]["title"] == HE["form.submit"]


def test_context_cannot_hide_an_answer() -> None:
    with pytest.raises(ValueError, match="summary"):
        cards.form_card(forms.OPEN, PEOPLE, "", context={"summary": "forged"})


def test_submitted_assess_form_becomes_its_command() -> None:
    content = cards.form_card(forms.ASSESS, PEOPLE, "C-0042")
    verb, data = submit(content, {"verdict": "not_right", "note": "**ok**", "abusive": "true"})
    form = cards.submitted_form(verb)
    assert form is forms.ASSESS
    values = cards.read_values(form, data)
    assert values == {"verdict": "not_right", "note": "**ok**", "abusive": True}
    command = forms.command(form, data["case_id"], DANA, values)
    assert isinstance(command, Assess)
    assert (command.verdict, command.abusive) == (Verdict.NOT_RIGHT, True)


def test_submitted_open_form_reads_as_the_slack_shapes() -> None:
    content = cards.form_card(forms.OPEN, PEOPLE, "", context={"channel": "19:acme"})
    _, data = submit(content, {"affected": "29:dana,29:maya", "summary": "Late again"})
    assert data["channel"] == "19:acme"
    values = cards.read_values(forms.OPEN, data)
    assert values == {
        "affected": ["29:dana", "29:maya"],
        "category": "other",
        "severity": "medium",
        "summary": "Late again",
    }
    opened = forms.opening({**values, "affected": ["dana", "maya"]})
    assert opened["severity"] is Severity.MEDIUM


def test_missing_or_forged_values_read_as_empty() -> None:
    forged = {"verdict": ["right"], "note": 5, "abusive": "yes"}
    assert cards.read_values(forms.ASSESS, forged) == {
        "verdict": None,
        "note": "",
        "abusive": False,
    }
    assert cards.read_values(forms.OPEN, {}) == {
        "affected": [],
        "category": None,
        "severity": None,
        "summary": "",
    }
    assert cards.read_values(forms.ASSESS, {"verdict": "", "abusive": True})["verdict"] is None


def test_only_submit_verbs_name_a_form() -> None:
    assert cards.submitted_form("submit:waive") is forms.WAIVE
    assert cards.submitted_form("submit:nothing") is None
    assert cards.submitted_form("assess") is None
    assert cards.submitted_form(cards.REFRESH) is None


def test_cards_need_no_botbuilder() -> None:
    """The cards are plain JSON, so building and checking them needs no Bot Framework."""
    tree = ast.parse(Path(cards.__file__).read_text())
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m.split(".")[0] for m in modules} & {"botbuilder", "botframework"}
