"""Every name the Slack app registers, in one place.

`manifest.yml` must declare exactly these (a test compares them), and the
adapter registers its listeners from them, so the two cannot drift apart.
"""

from __future__ import annotations

COMMAND = "/complaint"
SHORTCUT_LOG = "log_complaint"  # message shortcut "Log as complaint"

# Bot events the app subscribes to, as named in the manifest. Bolt listens to
# "message" for both message.channels and message.groups.
EVENTS = ("app_mention", "message.channels", "message.groups", "reaction_added")

# Buttons: on the internal card ...
ACTION_ACCOUNT = "case_account"
ACTION_ASSESS = "case_assess"
ACTION_RESOLVE = "case_resolve"
ACTION_WITHDRAW = "case_withdraw"
ACTION_REOPEN = "case_reopen"
# ... and under the feedback question in the client thread.
ACTION_FEEDBACK_YES = "feedback_yes"
ACTION_FEEDBACK_NO = "feedback_no"

# Modal callback ids.
VIEW_OPEN = "open_case"
VIEW_ACCOUNT = "account"
VIEW_ASSESS = "assess"
VIEW_RESOLVE = "resolve"
VIEW_WITHDRAW = "withdraw"
VIEW_REOPEN = "reopen"
VIEW_FEEDBACK = "feedback"

# Which core step each card button asks for (see handlers.rules.authorize).
BUTTON_STEPS = {
    ACTION_ACCOUNT: ("account", VIEW_ACCOUNT),
    ACTION_ASSESS: ("assess", VIEW_ASSESS),
    ACTION_RESOLVE: ("resolve", VIEW_RESOLVE),
    ACTION_WITHDRAW: ("withdraw", VIEW_WITHDRAW),
    ACTION_REOPEN: ("reopen", VIEW_REOPEN),
    ACTION_FEEDBACK_YES: ("feedback", VIEW_FEEDBACK),
    ACTION_FEEDBACK_NO: ("feedback", VIEW_FEEDBACK),
}

# Input fields: each input block's block_id and its element's action_id are this name.
FIELD_AFFECTED = "affected"
FIELD_CATEGORY = "category"
FIELD_SEVERITY = "severity"
FIELD_SUMMARY = "summary"
FIELD_ACCOUNT = "account"
FIELD_VERDICT = "verdict"
FIELD_NOTE = "note"
FIELD_ABUSIVE = "abusive"
FIELD_RESOLUTION = "resolution"
FIELD_CHANGE_REQUESTS = "change_requests"
FIELD_REASON = "reason"
FIELD_COMMENT = "comment"
