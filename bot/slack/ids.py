"""Every name the Slack app registers, in one place.

`manifest.yml` must declare the command, the shortcut and the events (a test compares them),
and the adapter registers its listeners from this module, so the two cannot drift apart.

Buttons and forms take their names from `handlers.forms`, so Slack and the playground call
them the same: a button's `action_id` and a modal's `callback_id` are the form's name, and
each input block's `block_id` and its element's `action_id` are the field's name.
"""

from __future__ import annotations

from handlers import forms

PLATFORM = "slack"  # how the directory, the store and the outbox name Slack
COMMAND = "/complaint"
REVIEW = "/review"  # the leads' review (handlers.review_request)
COMMANDS = (COMMAND, REVIEW)
SHORTCUT_LOG = "log_complaint"  # message shortcut "Log as complaint"

# Bot events the app subscribes to, as named in the manifest. Bolt listens to
# "message" for both message.channels and message.groups.
EVENTS = ("app_mention", "message.channels", "message.groups", "reaction_added", "app_home_opened")

# The open form alone keeps the callback id it has always had.
VIEW_OPEN = "open_case"


def callback_id(form: forms.Form) -> str:
    """The callback id of the modal that shows `form`."""
    return VIEW_OPEN if form is forms.OPEN else form.name


# Modal callback id -> the form it shows.
VIEWS: dict[str, forms.Form] = {callback_id(f): f for f in forms.FORMS.values()}
# Button action ids: every form a button opens (the card's and the feedback question's).
BUTTONS: tuple[str, ...] = tuple(name for name, f in forms.FORMS.items() if f.button)
