"""The shapes of what Slack sends, checked before anything is dispatched.

A valid signature says who sent a body, not that it is shaped as Slack shapes it. Each
payload kind the adapter reads has one check here, which refuses (`Malformed`) a body in
which a field the adapter reads has the wrong type or a field it needs is missing; the
adapter answers such a request 400 and runs no listener. What the checks let through,
the listeners can read without guarding every field. Fields nobody reads are not checked,
and kinds nobody listens to pass untouched (Bolt answers them).

Shapes are Slack's (Events API, slash commands, interactivity payloads): ids, timestamps
and texts are strings; Slack leaves a field out rather than send it as null, except
where noted (an empty text input's `value`, a modal's `channel`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from bot.slack import ids
from handlers import forms

Payload = Mapping[str, Any]


class Malformed(ValueError):
    """A body that is not what Slack sends; `str()` says what is wrong with it."""


def parse(body: str, content_type: str | None) -> object:
    """A request body as Bolt reads it: JSON, or a form (an interaction's in its `payload`)."""
    try:
        if content_type == "application/json" or body.startswith("{"):
            return json.loads(body) if body else {}
        fields = dict(parse_qsl(body, keep_blank_values=True))
        return json.loads(fields["payload"]) if "payload" in fields else fields
    except ValueError as err:
        raise Malformed(f"not JSON: {err}") from None


def check(body: object) -> None:
    """Refuse `body` (Malformed) unless it has the shape of what Slack sends."""
    payload = _object(body, "$")
    _strings(payload, "$", optional=("type",))
    kind = payload.get("type")
    if kind == "event_callback":
        event_callback(payload)
    elif kind == "block_actions":
        block_actions(payload)
    elif kind == "view_submission":
        view_submission(payload)
    elif kind == "message_action":
        message_action(payload)
    elif kind is None and "command" in payload:
        slash_command(payload)


# --- one check per payload kind -------------------------------------------------------------


def event_callback(body: Payload) -> None:
    _strings(body, "$", optional=("event_id", "team_id"))
    event = _object(body.get("event"), "$.event")
    _strings(event, "$.event", required=("type",))
    check_event = EVENTS.get(event["type"])
    if check_event:
        check_event(event)


def message(event: Payload) -> None:
    """`message` and `app_mention`: what the adapter reads of a message."""
    _strings(
        event,
        "$.event",
        required=("channel", "ts"),
        optional=(
            "user",
            "text",
            "thread_ts",
            "subtype",
            "bot_id",
            "team",
            "user_team",
            "source_team",
        ),
    )
    if "edited" in event:
        _object(event["edited"], "$.event.edited")
    for number, shared in enumerate(_list(event.get("files", []), "$.event.files")):
        _strings(
            _object(shared, f"$.event.files[{number}]"),
            f"$.event.files[{number}]",
            optional=("name", "title", "permalink"),
        )


def reaction(event: Payload) -> None:
    _strings(event, "$.event", required=("user", "reaction"), optional=("item_user",))
    item = _object(event.get("item"), "$.event.item")
    _strings(item, "$.event.item", required=("type",))
    if item["type"] == "message":
        _strings(item, "$.event.item", required=("channel", "ts"))


def home_opened(event: Payload) -> None:
    _strings(event, "$.event", required=("user",), optional=("tab", "channel"))


EVENTS: dict[str, Callable[[Payload], None]] = {
    "app_mention": message,
    "message": message,
    "reaction_added": reaction,
    "app_home_opened": home_opened,
}


def slash_command(body: Payload) -> None:
    _strings(
        body,
        "$",
        required=("command", "user_id", "channel_id", "trigger_id"),
        optional=("text", "team_id"),
    )


def block_actions(body: Payload) -> None:
    _user(body)
    actions = _list(body.get("actions"), "$.actions")
    if not actions:
        raise Malformed("$.actions is empty")
    for number, action in enumerate(actions):
        where = f"$.actions[{number}]"
        _strings(_object(action, where), where, required=("action_id",), optional=("value",))
        if action["action_id"] in ids.BUTTONS:  # ours: the case id, and a form to open
            _strings(action, where, required=("value",))
            _strings(body, "$", required=("trigger_id",))
    if body.get("channel") is not None:
        _strings(_object(body["channel"], "$.channel"), "$.channel", required=("id",))
    if body.get("container") is not None:
        _strings(_object(body["container"], "$.container"), "$.container", optional=("channel_id",))


def view_submission(body: Payload) -> None:
    _user(body)
    view = _object(body.get("view"), "$.view")
    _strings(view, "$.view", required=("id", "callback_id"), optional=("private_metadata",))
    values = _object(
        _object(view.get("state"), "$.view.state").get("values"), "$.view.state.values"
    )
    for block_id, block in values.items():
        for action_id, element in _object(block, f"$.view.state.values.{block_id}").items():
            _object(element, f"$.view.state.values.{block_id}.{action_id}")
    form = ids.VIEWS.get(view["callback_id"])
    if form is None:
        return
    for field in form.fields:
        element = values.get(field.name, {}).get(field.name)
        if element is not None:
            FIELDS[field.kind](element, f"$.view.state.values.{field.name}.{field.name}")
    _metadata(form, view.get("private_metadata") or "")


def message_action(body: Payload) -> None:
    _user(body)
    _strings(body, "$", required=("callback_id", "trigger_id"))
    _strings(_object(body.get("channel"), "$.channel"), "$.channel", required=("id",))
    _strings(
        _object(body.get("message"), "$.message"),
        "$.message",
        required=("ts",),
        optional=("text", "user", "thread_ts", "team", "user_team"),
    )


# --- parts ---------------------------------------------------------------------------------


def _user(body: Payload) -> None:
    _strings(_object(body.get("user"), "$.user"), "$.user", required=("id",), optional=("team_id",))


def _metadata(form: forms.Form, raw: str) -> None:
    """The private metadata the adapter put in its own modal (see `SlackAdapter`)."""
    try:
        metadata = _object(json.loads(raw or "{}"), "$.view.private_metadata")
    except ValueError:
        raise Malformed("$.view.private_metadata is not JSON") from None
    if form in (forms.OPEN, forms.LOG):
        _strings(
            metadata,
            "$.view.private_metadata",
            required=("channel",),
            optional=("author", "text"),
        )
        for nullable in ("ts", "author_team"):  # None: a slash command's, a team unknown
            if metadata.get(nullable) is not None:
                _strings(metadata, "$.view.private_metadata", required=(nullable,))
        if metadata.get("trigger", "shortcut") not in ("shortcut", "command"):
            raise Malformed("$.view.private_metadata.trigger is not one the bot sets")
    else:
        _strings(metadata, "$.view.private_metadata", required=("case_id",))
        if metadata.get("channel") is not None:
            _strings(metadata, "$.view.private_metadata", required=("channel",))


def _text_field(element: Payload, where: str) -> None:
    if element.get("value") is not None:  # Slack sends null for an empty input
        _strings(element, where, required=("value",))


def _choice_field(element: Payload, where: str) -> None:
    if element.get("selected_option") is not None:
        chosen = _object(element["selected_option"], f"{where}.selected_option")
        _strings(chosen, f"{where}.selected_option", required=("value",))


def _people_field(element: Payload, where: str) -> None:
    users = _list(element.get("selected_users", []), f"{where}.selected_users")
    if not all(isinstance(user, str) for user in users):
        raise Malformed(f"{where}.selected_users holds something other than user ids")


def _flag_field(element: Payload, where: str) -> None:
    _list(element.get("selected_options", []), f"{where}.selected_options")


FIELDS: dict[forms.FieldKind, Callable[[Payload, str], None]] = {
    "text": _text_field,
    "choice": _choice_field,
    "people": _people_field,
    "flag": _flag_field,
}


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{where} is not an object")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(f"{where} is not a list")
    return value


def _strings(
    payload: Payload, where: str, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> None:
    """Each `required` field a non-empty string, each `optional` one absent or a string."""
    for name in required:
        if not isinstance(payload.get(name), str) or not payload[name]:
            raise Malformed(f"{where}.{name} is missing or not a string")
    for name in optional:
        if name in payload and not isinstance(payload[name], str):
            raise Malformed(f"{where}.{name} is not a string")
