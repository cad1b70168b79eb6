"""Block Kit built by bot/slack/blocks.py: within Slack's limits, in the directory's language.

slack_sdk's models check most limits when a block is serialised, so every message and view is
parsed back into them and serialised again. The limits the SDK leaves to Slack's servers
(50 blocks a message, 2000 characters a section field, 1..3000 for an input's max_length) are
checked here directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack import blocks, ids
from handlers import forms
from handlers.card import case_card
from handlers.directory import Actor, Directory, Person
from handlers.messages import CATALOG
from handlers.model import (
    CATEGORIES,
    Case,
    Feedback,
    MessageRef,
    Statement,
    Status,
    Verdict,
)
from handlers.rules import SUMMARY_LIMIT
from tests import card_samples
from tests.card_samples import FIRM, NOW

LINK = "https://acme-corp.slack.com/archives/C0ACME/p1709542800000100"
CLIENT = Actor("slack", "U0CAROL", "Carol Client")
DANA = Actor("slack", "U0DANA", "Dana Levi", "dana")
MAYA = Actor("slack", "U0MAYA", "Maya Cohen", "maya")
AVI = Actor("slack", "U0AVI", "Avi Katz", "avi")

DIRECTORY = FIRM.addressed(
    "slack",
    {p: f"U0{p.upper()}" for p in FIRM.people},
    {"acme": ("C0ACME",)},
    "C0INTERNAL",
)
SLACK_IDS = {p.id: p.platform_id("slack") for p in DIRECTORY.people.values()}


def mention(person_id: str) -> str:
    return f"<@{SLACK_IDS[person_id]}>"


def make_case(**changes: Any) -> Case:
    source = MessageRef("slack", "C0ACME", "1709542800.000100")
    return card_samples.make_case(source, AVI, CLIENT, **changes)


def card_of(
    case: Case, language: str = "en", link: str | None = LINK, directory: Directory = DIRECTORY
) -> tuple[str, list[dict[str, Any]]]:
    return blocks.case_card(case_card(case, directory, language=language), mention, link)


def card(case: Case, language: str = "en", link: str | None = LINK) -> list[dict[str, Any]]:
    return card_of(case, language, link)[1]


def texts(node: Any) -> Iterator[str]:
    """Every piece of text in a block tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from texts(item)


def all_text(rendered: list[dict[str, Any]]) -> str:
    return "\n".join(texts(rendered))


def assert_valid_message(rendered: list[dict[str, Any]]) -> None:
    """Slack's limits for a message: the SDK's own validation, plus what it leaves unchecked."""
    assert len(rendered) <= 50
    for block in rendered:
        assert Block.parse(block).to_dict() == block  # type: ignore[union-attr]
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75


def buttons(rendered: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    actions = [b for b in rendered if b["type"] == "actions"]
    return {e["action_id"]: e for a in actions for e in a["elements"]}


# --- truncate -------------------------------------------------------------------------------


def test_truncate_leaves_short_text_alone() -> None:
    assert blocks.truncate("short", 10) == "short"
    assert blocks.truncate("x" * 10, 10) == "x" * 10


def test_truncate_cuts_with_an_ellipsis_within_the_limit() -> None:
    cut = blocks.truncate("word " * 100, 50)
    assert len(cut) <= 50
    assert cut.endswith("…")


def test_truncate_links_the_ellipsis_to_the_original() -> None:
    cut = blocks.truncate("y" * 5000, 3000, LINK)
    assert len(cut) <= 3000
    assert cut.endswith(f"<{LINK}|…>")
    assert cut.startswith("y" * 100)


@pytest.mark.parametrize("markup", ["<@U0DANA>", "<https://example.com/a|the report>", "&amp;"])
def test_truncate_never_splits_slack_markup(markup: str) -> None:
    text = "a" * 40 + markup + "b" * 40
    for limit in range(41, 40 + len(markup) + 2):
        cut = blocks.truncate(text, limit)
        assert len(cut) <= limit
        assert cut in (text[:40] + "…", text[: 40 + len(markup)] + "…")


# --- the case card --------------------------------------------------------------------------


def test_fallback_text_names_case_client_and_status() -> None:
    fallback, _ = card_of(make_case())
    assert fallback == "Case C-0042 · Acme Corp: investigating"


def test_card_with_200_long_statements_stays_within_slack_limits() -> None:
    statements = tuple(
        Statement(CLIENT, f"statement {n}: <@U0DANA> " + "far too long. " * 400, NOW)
        for n in range(200)
    )
    rendered = card(make_case(client_statements=statements))

    assert_valid_message(rendered)
    shown = [t for t in texts(rendered) if "statement " in t]
    assert len(shown) == blocks.RECENT_STATEMENTS
    assert "statement 199" in shown[-1]  # the latest ones
    assert all(t.endswith(f"<{LINK}|…>") for t in shown)  # cut, linking to the original
    assert f"… +{200 - blocks.RECENT_STATEMENTS}" in all_text(rendered)  # the rest, counted


def test_card_without_a_permalink_still_cuts_long_statements() -> None:
    statement = Statement(CLIENT, "x" * 5000, NOW)
    rendered = card(make_case(client_statements=(statement,)), link=None)
    assert_valid_message(rendered)
    assert any(t.endswith("x…") for t in texts(rendered))


def test_card_shows_every_side_of_a_full_case() -> None:
    case = make_case(
        affected=("dana", "eli"),
        accounts={"dana": Statement(DANA, "The data arrived late from the client.", NOW)},
        verdict=Verdict.MISUNDERSTANDING,
        verdict_note="The deadline was never agreed in writing.",
        verdict_by="maya",
        abuse_flagged=True,
        resolution="We agreed a fixed monthly date.",
        change_requests=("Weekly status mail",),
        feedback=(Feedback(False, "Still waiting", CLIENT, NOW),),
        status=Status.REOPENED,
    )
    text = all_text(card(case))
    for expected in (
        "Case C-0042 · Acme Corp",
        "*Status*\nreopened",
        "*Severity*\nhigh",
        "*Category*\ndelay",
        "*Raised by*\nCarol Client",
        "*Opened by*\n<@U0AVI>",
        "*Named*\n<@U0DANA>, <@U0ELI>",
        "*Managers*\n<@U0MAYA>",
        "*Account manager*\n<@U0AVI>",
        "The quarterly report came two weeks late.",
        f"<{LINK}|Original message>",
        "It was late and wrong.",
        "*<@U0DANA>* · <!date^",
        "The data arrived late from the client.",
        "*<@U0ELI>*\n_not given yet_",
        "a misunderstanding of what was agreed · <@U0MAYA>",
        "The deadline was never agreed in writing.",
        "Abusive treatment of staff flagged",
        "We agreed a fixed monthly date.",
        "Weekly status mail",
        "not resolved · Carol Client",
        "Still waiting",
    ):
        assert expected in text


def test_card_shows_a_managers_waiver() -> None:
    waiver = Statement(MAYA, "Dana is on leave.", NOW)
    text = all_text(card(make_case(waivers={"dana": waiver})))
    assert "<@U0MAYA> waived the account of <@U0DANA>: Dana is on leave." in text


def test_client_text_cannot_ping_a_channel_or_break_the_card() -> None:
    statement = Statement(CLIENT, "<!channel> costs > budget & <@U0DANA> knows", NOW)
    text = all_text(card(make_case(client_statements=(statement,))))
    assert "&lt;!channel&gt; costs &gt; budget &amp; &lt;@U0DANA&gt; knows" in text
    assert "<!channel>" not in text


def test_the_fullest_possible_card_stays_within_the_block_limit() -> None:
    many = tuple(f"p{n}" for n in range(60))
    directory = replace(
        DIRECTORY, people={**DIRECTORY.people, **{p: Person(p, p.upper()) for p in many}}
    )
    case = make_case(
        affected=many,
        managers=many,
        client_statements=tuple(Statement(CLIENT, "x" * 4000, NOW) for _ in range(80)),
        accounts={p: Statement(DANA, "y" * 4000, NOW) for p in many},
        verdict=Verdict.NOT_RIGHT,
        verdict_note="z" * 4000,
        verdict_by="maya",
        abuse_flagged=True,
        resolution="r" * 4000,
        change_requests=tuple("c" * 500 for _ in range(20)),
        feedback=tuple(Feedback(False, "f" * 500, CLIENT, NOW) for _ in range(20)),
        status=Status.REOPENED,
    )
    _, rendered = blocks.case_card(case_card(case, directory), str, LINK)
    assert_valid_message(rendered)
    assert f"… +{60 - blocks.SHOWN_ITEMS}" in all_text(rendered)


@pytest.mark.parametrize(
    "status", [Status.OPEN, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.REOPENED]
)
def test_an_active_case_can_be_worked_on(status: Status) -> None:
    shown = buttons(card(make_case(status=status)))
    # Dana has not given her account yet, so a manager may also waive it.
    assert list(shown) == ["account", "waive", "assess", "resolve", "withdraw"]
    assert {b["value"] for b in shown.values()} == {"C-0042"}
    assert "style" not in shown["account"] and "style" not in shown["assess"]
    assert shown["resolve"]["style"] == "primary"
    assert shown["withdraw"]["style"] == "danger"
    assert shown["withdraw"]["confirm"]["style"] == "danger"
    assert [k for k, b in shown.items() if "confirm" in b] == ["withdraw"]


def test_a_resolved_case_can_be_reopened_or_withdrawn() -> None:
    shown = buttons(card(make_case(status=Status.RESOLVED, verdict=Verdict.RIGHT)))
    assert list(shown) == ["reopen", "withdraw"]
    assert "confirm" in shown["withdraw"]


@pytest.mark.parametrize("status", [Status.CLOSED, Status.WITHDRAWN])
def test_a_final_case_has_no_buttons(status: Status) -> None:
    rendered = card(make_case(status=status))
    assert buttons(rendered) == {}
    assert_valid_message(rendered)


def test_card_speaks_hebrew() -> None:
    he = CATALOG["he"]
    fallback, rendered = card_of(make_case(), "he")
    assert fallback == f"פנייה C-0042 · Acme Corp: {he['status.investigating']}"
    assert rendered[0]["text"]["text"] == "פנייה C-0042 · Acme Corp"
    labels = {k: b["text"]["text"] for k, b in buttons(rendered).items()}
    assert labels == {
        "account": he["button.add_account"],
        "waive": he["button.waive"],
        "assess": he["button.assess"],
        "resolve": he["button.resolve"],
        "withdraw": he["button.withdraw"],
    }
    text = all_text(rendered)
    assert f"*{he['card.status']}*\n{he['status.investigating']}" in text
    assert he["card.account_missing"] in text
    assert "Status" not in text


def test_withdraw_confirmation_has_distinct_answers_in_every_language() -> None:
    for language in CATALOG:
        confirm = buttons(card(make_case(), language))["withdraw"]["confirm"]
        assert confirm["title"]["text"] == CATALOG[language]["form.withdraw_title"]
        assert confirm["confirm"]["text"] != confirm["deny"]["text"]


# --- the feedback question ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "he"])
def test_feedback_request_offers_both_answers(language: str) -> None:
    question = CATALOG[language]["client.feedback_request"]
    rendered = blocks.feedback_request(question, "C-0042", language)
    assert_valid_message(rendered)
    assert rendered[0]["text"]["text"] == question
    shown = buttons(rendered)
    assert list(shown) == ["feedback_yes", "feedback_no"]
    assert {b["value"] for b in shown.values()} == {"C-0042"}
    assert shown["feedback_yes"]["style"] == "primary"
    assert "style" not in shown["feedback_no"]
    labels = [b["text"]["text"] for b in shown.values()]
    assert labels == [
        CATALOG[language]["button.feedback_yes"],
        CATALOG[language]["button.feedback_no"],
    ]


# --- forms ----------------------------------------------------------------------------------

META = '{"case_id": "C-0042", "channel": "C0INTERNAL"}'
# Each form's modal callback id and its inputs' ids: what Slack sends back, so fixed here.
CALLBACKS = {
    "open": "open_case",
    "log": "log",
    "account": "account",
    "waive": "waive",
    "assess": "assess",
    "resolve": "resolve",
    "withdraw": "withdraw",
    "reopen": "reopen",
    "feedback_yes": "feedback_yes",
    "feedback_no": "feedback_no",
}
FIELDS = {
    "open": ["affected", "category", "severity", "summary"],
    "log": ["channel", "affected", "category", "severity", "summary"],
    "account": ["account"],
    "waive": ["person", "reason"],
    "assess": ["verdict", "note", "abusive"],
    "resolve": ["resolution", "change_requests"],
    "withdraw": ["reason"],
    "reopen": ["reason"],
    "feedback_yes": ["comment"],
    "feedback_no": ["comment"],
}
REQUIRED = {
    "channel",
    "summary",
    "category",
    "severity",
    "account",
    "verdict",
    "resolution",
    "person",
}
# A waiver must say why; elsewhere a reason is optional.
REQUIRED_IN = {("waive", "reason")}


def drawn(name: str) -> forms.Form:
    """The form as the adapter draws it for a case (the waiver picks among its people),
    or, the log form, with the client channels it offers."""
    if name == forms.LOG.name:
        return forms.log_form(LOG_CHANNELS)
    return forms.for_case(forms.FORMS[name], make_case(), DIRECTORY)


LOG_CHANNELS = [("C0ACME", "Acme <@U0RON> & Co · channel #acme"), ("C0GLOBEX", "Globex · #g")]


def test_the_log_forms_channel_is_a_select_of_literal_labels_with_none_chosen() -> None:
    view = blocks.modal(drawn("log"), "en", META)
    channel = inputs(view)[0]["element"]
    assert channel["type"] == "static_select" and "initial_option" not in channel
    assert [(o["value"], o["text"]) for o in channel["options"]] == [
        (value, {"type": "plain_text", "text": label, "emoji": True})
        for value, label in LOG_CHANNELS
    ]


def inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b["type"] == "input"]


def test_every_form_is_drawn_and_named_here() -> None:
    assert set(CALLBACKS) == set(FIELDS) == set(forms.FORMS)
    assert {CALLBACKS[name]: form for name, form in forms.FORMS.items()} == ids.VIEWS


@pytest.mark.parametrize("language", ["en", "he"])
@pytest.mark.parametrize("name", forms.FORMS)
def test_form_is_a_valid_modal(name: str, language: str) -> None:
    form = drawn(name)
    view = blocks.modal(form, language, META)

    assert View(**view).to_dict() == view  # the SDK's validation: title, blocks, metadata...
    assert view["type"] == "modal"
    assert view["callback_id"] == CALLBACKS[name]
    assert view["private_metadata"] == META
    for part in ("title", "submit", "close"):
        assert 1 <= len(view[part]["text"]) <= 24
    assert view["title"]["text"] == blocks.truncate(CATALOG[language][form.title], 24)
    assert view["submit"]["text"] == CATALOG[language]["form.submit"]
    assert view["close"]["text"] == CATALOG[language]["form.cancel"]
    assert [b["block_id"] for b in inputs(view)] == FIELDS[name]
    for block, field in zip(inputs(view), form.fields, strict=True):
        element = block["element"]
        assert element["action_id"] == block["block_id"]
        required = block["block_id"] in REQUIRED or (name, block["block_id"]) in REQUIRED_IN
        assert block["optional"] is not required
        if element["type"] == "plain_text_input":
            assert element["multiline"] is True
            assert 1 <= element["max_length"] <= 3000
            assert element["max_length"] == field.max_length
            assert len(element.get("initial_value", "")) <= element["max_length"]
        for option in element.get("options", []):
            assert len(option["text"]["text"]) <= 75


@pytest.mark.parametrize("language", ["en", "he"])
@pytest.mark.parametrize("name", forms.FORMS)
def test_form_labels_come_from_the_catalog(name: str, language: str) -> None:
    catalog = CATALOG[language]
    labels = {
        b["block_id"]: b["label"]["text"] for b in inputs(blocks.modal(drawn(name), language, META))
    }
    assert labels == {
        f: catalog[f"label.{f}"].format(limit=SUMMARY_LIMIT).strip() for f in FIELDS[name]
    }


@pytest.mark.parametrize("language", ["en", "he"])
def test_the_verdict_shows_every_answer_in_the_catalogs_words(language: str) -> None:
    catalog = CATALOG[language]
    view = blocks.modal(forms.ASSESS, language, META)
    assert view["title"]["text"] == catalog["form.assess_title"]
    verdict = inputs(view)[0]["element"]
    assert verdict["type"] == "radio_buttons"  # no default: each answer read, one picked
    assert "initial_option" not in verdict
    assert [o["text"]["text"] for o in verdict["options"]] == [
        catalog[f"verdict.{v}"] for v in Verdict
    ]


@pytest.mark.parametrize("language", ["en", "he"])
def test_the_abuse_flag_is_one_checkbox_that_says_what_ticking_it_means(language: str) -> None:
    catalog = CATALOG[language]
    abusive = inputs(blocks.modal(forms.ASSESS, language, META))[2]
    assert abusive["label"]["text"] == catalog["label.abusive"]
    assert abusive["element"]["type"] == "checkboxes"
    [option] = abusive["element"]["options"]
    assert option["text"]["text"] == catalog["label.abusive_option"]
    assert "initial_options" not in abusive["element"]
    ticked = inputs(blocks.modal(forms.ASSESS, language, META, {"abusive": True}))[2]
    assert ticked["element"]["initial_options"] == [option]


def test_open_form_starts_from_what_the_message_said() -> None:
    initial = {"affected": ["U0DANA", "U0ELI"], "summary": "x" * 400}
    view = blocks.modal(forms.OPEN, "en", META, initial)
    affected, category, severity, summary = (b["element"] for b in inputs(view))
    assert affected["type"] == "multi_users_select"
    assert affected["initial_users"] == ["U0DANA", "U0ELI"]
    assert inputs(view)[0]["optional"] is True
    assert category["type"] == severity["type"] == "static_select"
    assert category["initial_option"]["value"] == "other"
    assert [o["value"] for o in category["options"]] == list(CATEGORIES)
    assert severity["initial_option"]["value"] == "medium"
    assert [o["value"] for o in severity["options"]] == ["low", "medium", "high"]
    assert summary["multiline"] is True
    assert summary["max_length"] == 300
    assert summary["initial_value"] == "x" * 299 + "…"


def test_open_form_without_a_message_starts_empty() -> None:
    affected, category, _, summary = (
        b["element"] for b in inputs(blocks.modal(forms.OPEN, "en", META))
    )
    assert "initial_users" not in affected and "initial_value" not in summary
    assert category["initial_option"]["value"] == "other"


def test_an_initial_choice_overrides_the_forms_default() -> None:
    view = blocks.modal(forms.OPEN, "en", META, {"category": "delay", "severity": "high"})
    _, category, severity, _ = (b["element"] for b in inputs(view))
    assert (category["initial_option"]["value"], severity["initial_option"]["value"]) == (
        "delay",
        "high",
    )


def test_resolution_input_enforces_the_limit_its_label_names() -> None:
    resolution = inputs(blocks.modal(forms.RESOLVE, "en", META))[0]
    assert resolution["element"]["max_length"] == SUMMARY_LIMIT
    assert str(SUMMARY_LIMIT) in resolution["label"]["text"]
    assert resolution["optional"] is False


@pytest.mark.parametrize("language", ["en", "he"])
@pytest.mark.parametrize("form", forms.FEEDBACK, ids=lambda f: f.name)
def test_feedback_form_shows_the_chosen_answer(form: forms.Form, language: str) -> None:
    intro = blocks.modal(form, language, META)["blocks"][0]
    assert intro["type"] == "section"
    assert intro["text"]["text"] == f"*{CATALOG[language][form.button]}*"


def test_feedback_forms_differ_only_in_their_answer() -> None:
    yes = all_text(blocks.modal(forms.FEEDBACK_YES, "en", META)["blocks"])
    no = all_text(blocks.modal(forms.FEEDBACK_NO, "en", META)["blocks"])
    assert "Resolved" in yes and "Not resolved" not in yes
    assert yes.replace("Resolved", "Not resolved") == no


def test_every_button_opens_its_form() -> None:
    shown = {
        *buttons(card(make_case())),
        *buttons(card(make_case(status=Status.RESOLVED, verdict=Verdict.RIGHT))),
        *buttons(blocks.feedback_request("?", "C-0042", "en")),
    }
    assert shown == set(ids.BUTTONS)
    for action in ids.BUTTONS:
        view = blocks.modal(forms.FORMS[action], "he", META)
        assert view["callback_id"] == action
        View(**view).validate_json()


def test_oversized_private_metadata_is_refused_not_cut() -> None:
    with pytest.raises(SlackObjectFormationError):
        blocks.modal(forms.ACCOUNT, "en", "x" * 3001)


# --- reading submissions --------------------------------------------------------------------


def submitted(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack sends it when the user gave `answers` (the rest left empty).

    Selects and checkboxes report the whole chosen option object, as shown in the view; a
    checkbox answer is True (ticked) or not.
    """
    values: dict[str, Any] = {}
    for block in inputs(view):
        element = block["element"]
        kind, answer = element["type"], answers.get(block["block_id"])
        options = {o["value"]: o for o in element.get("options", [])}
        if kind == "plain_text_input":
            state = {"value": answer}  # null when left empty
        elif kind in ("static_select", "radio_buttons"):
            state = {"selected_option": options[answer] if answer else None}
        elif kind == "multi_users_select":
            state = {"selected_users": answer or []}
        else:
            state = {"selected_options": list(options.values()) if answer else []}
        values[block["block_id"]] = {element["action_id"]: {"type": kind, **state}}
    return values


ROUND_TRIPS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "open",
        {"affected": ["U0DANA"], "category": "billing", "severity": "high", "summary": "Late"},
        {"affected": ["U0DANA"], "category": "billing", "severity": "high", "summary": "Late"},
    ),
    (
        "log",
        {"channel": "C0GLOBEX", "category": "billing", "severity": "high", "summary": "Late"},
        {
            "channel": "C0GLOBEX",
            "affected": [],
            "category": "billing",
            "severity": "high",
            "summary": "Late",
        },
    ),
    (
        "log",
        {},
        {"channel": None, "affected": [], "category": None, "severity": None, "summary": ""},
    ),
    ("account", {"account": "I sent it on time."}, {"account": "I sent it on time."}),
    (
        "assess",
        {"verdict": "not_right", "note": "Agreed date was the 20th", "abusive": True},
        {"verdict": "not_right", "note": "Agreed date was the 20th", "abusive": True},
    ),
    ("assess", {}, {"verdict": None, "note": "", "abusive": False}),
    (
        "resolve",
        {"resolution": "Fixed date each month.", "change_requests": "Weekly mail\nPortal"},
        {"resolution": "Fixed date each month.", "change_requests": "Weekly mail\nPortal"},
    ),
    ("withdraw", {}, {"reason": ""}),
    ("waive", {"person": "dana", "reason": "On leave"}, {"person": "dana", "reason": "On leave"}),
    ("reopen", {"reason": "Client still waiting"}, {"reason": "Client still waiting"}),
    ("feedback_yes", {"comment": "Thanks"}, {"comment": "Thanks"}),
    ("feedback_no", {}, {"comment": ""}),
]


def test_every_form_has_a_round_trip() -> None:
    assert {name for name, _, _ in ROUND_TRIPS} == set(forms.FORMS)


@pytest.mark.parametrize(("name", "answers", "expected"), ROUND_TRIPS)
def test_read_values_round_trips_each_form(
    name: str, answers: dict[str, Any], expected: dict[str, Any]
) -> None:
    form = drawn(name)
    view = blocks.modal(form, "en", META)
    assert blocks.read_values(form, submitted(view, answers)) == expected


def test_read_values_of_an_open_form_as_slack_sends_it() -> None:
    state = {
        "affected": {
            "affected": {"type": "multi_users_select", "selected_users": ["U0DANA", "U0ELI"]}
        },
        "category": {
            "category": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "delay", "emoji": True},
                    "value": "delay",
                },
            }
        },
        "severity": {"severity": {"type": "static_select", "selected_option": None}},
        "summary": {"summary": {"type": "plain_text_input", "value": None}},
    }
    assert blocks.read_values(forms.OPEN, state) == {
        "affected": ["U0DANA", "U0ELI"],
        "category": "delay",
        "severity": None,
        "summary": "",
    }


def test_a_field_missing_from_a_submission_reads_as_left_empty() -> None:
    state = {
        "verdict": {"verdict": {"type": "radio_buttons", "selected_option": {"value": "right"}}}
    }
    assert blocks.read_values(forms.ASSESS, state) == {
        "verdict": "right",
        "note": "",
        "abusive": False,
    }
    assert blocks.read_values(forms.OPEN, {}) == {
        "affected": [],
        "category": None,
        "severity": None,
        "summary": "",
    }


def test_the_waiver_offers_the_people_whose_account_is_missing_by_name() -> None:
    view = blocks.modal(drawn("waive"), "en", META)
    person = inputs(view)[0]["element"]
    assert person["type"] == "radio_buttons"
    assert [(o["value"], o["text"]["text"]) for o in person["options"]] == [("dana", "Dana Levi")]
