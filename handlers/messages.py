"""Every text a person sees, in English and Hebrew, in one catalog.

Keys are grouped by where the text appears: `client.*` goes to the client
thread (the client reads it: polite, nothing internal), `dm.*` to a person of
the firm, `event.*` is a timeline line on the internal card, `refuse.*` and
`notice.*` answer the acting user alone, `card.*`/`button.*`/`label.*` are for
the adapters' cards and forms.

Every text the catalog makes is in the core's own small markup (`Markup`):
`<person:ID>` names a person of the directory, `<user:ID>` a platform user
outside it, and `&amp;`, `&lt;`, `&gt;` stand for the three characters the
markup reserves. Whatever else goes into a text (what a client wrote, a name,
a summary) is escaped on the way in, so text from outside can never become a
mention, a link or a broadcast: each adapter turns the markers into its own
syntax (`render_people`) and shows the rest as the plain text it is.
Invisible characters that can disguise text (bidirectional overrides and
isolates, zero-width spaces) are removed from it on the way in too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_MARKER = re.compile(r"<(person|user):([A-Za-z0-9_.:-]+)>")
_USER = re.compile(r"<user:[A-Za-z0-9_.:-]+>")
# U+202A..U+202E and U+2066..U+2069 reorder text; U+200B, U+2060, U+FEFF hide in it.
# (Joiners and the LRM/RLM marks stay: Hebrew, Persian and emoji need them.)
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}


class Markup(str):
    """A text in the core's markup: safe to hand to any adapter's renderer."""


def clean(raw: str) -> str:
    """Text from outside without the invisible characters that can disguise it."""
    return _INVISIBLE.sub("", raw)


def escape(raw: str) -> Markup:
    """Outside text as Markup that shows exactly what was typed, and nothing more."""
    if isinstance(raw, Markup):
        return raw
    return Markup(clean(raw).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def mention(person_id: str) -> Markup:
    return Markup(f"<person:{person_id}>")


def mentions(person_ids: list[str] | tuple[str, ...]) -> Markup:
    return Markup(", ".join(mention(p) for p in person_ids))


def user(platform_user_id: str) -> Markup:
    """A platform user outside the directory (a client contact), as the platform shows them."""
    return Markup(f"<user:{platform_user_id}>")


def actor_markup(display: str) -> Markup:
    """An actor's display as Markup: a `user(...)` marker as it is, anything else escaped."""
    return Markup(display) if _USER.fullmatch(display) else escape(display)


def render_people(
    text: str, person: Callable[[str], str], platform_user: Callable[[str], str] = str
) -> str:
    """The markers as a platform's own syntax; the escapes stay (for markups, like Slack's
    mrkdwn, that use the same three)."""

    def marker(found: re.Match[str]) -> str:
        kind, ident = found.groups()
        return person(ident) if kind == "person" else platform_user(ident)

    return _MARKER.sub(marker, text)


def plain(
    text: str, person: Callable[[str], str], platform_user: Callable[[str], str] = str
) -> str:
    """The markers as names and the escapes undone: for a surface that shows plain text."""
    rendered = render_people(text, person, platform_user)
    return re.sub("&(?:amp|lt|gt);", lambda m: _ENTITIES[m.group()], rendered)


EN: dict[str, str] = {
    # client thread
    "client.ack": (
        "Thank you for raising this. We have opened case {case_id} and we are on it.\n"
        "So that everyone works from the same facts, please reply in this thread with:\n"
        "1. What happened?\n"
        "2. What outcome would make it right?\n"
        "3. By when do you need it?"
    ),
    "client.included": "Included in this case: {people}.",
    "client.included_none": "Your account manager {people} is following this case.",
    "client.investigating": "Update on case {case_id}: we are looking into it with everyone involved.",
    "client.resolution": "Resolution of case {case_id}:\n{summary}",
    "client.feedback_request": "Has this resolved your complaint? Your answer helps us improve.",
    "client.feedback_answered": "Has this resolved your complaint? {actor} answered: {answer}. Thank you.",
    "client.closed": "Thank you for your feedback. Case {case_id} is closed.",
    "client.reopened": (
        "Thank you for telling us. Case {case_id} is open again and your account manager "
        "is following up."
    ),
    "client.withdrawn": "Case {case_id} has been withdrawn.",
    "client.logged": "{actor} logged a complaint here for follow-up. We will answer in this thread.",
    # DMs
    "dm.affected": (
        "A complaint from {client} names you (case {case_id}). Nobody is judged in their "
        "absence: please add your account of what happened. Both threads are linked below."
    ),
    "dm.manager": (
        "{employees} is named in a complaint from {client} (case {case_id}). Please hear "
        "both sides, then record whether the client is right in this case."
    ),
    "dm.account_manager": (
        "A complaint from your client {client} was opened as case {case_id}. You steer it: "
        "see that the client is heard and write the resolution."
    ),
    "dm.backed": (
        "Case {case_id}: {manager} assessed that the client was not right in this case. "
        "{manager} backs you, and this is on the record."
    ),
    "dm.abuse": (
        "Case {case_id}: {manager} flagged abusive treatment of {employees} by {client}. "
        "Please review the case."
    ),
    "dm.abuse_detected": (
        "Case {case_id}: a message from {client} in the client thread is abusive toward "
        "{employees} ({terms}). The case is flagged; the client has not been told. Please "
        "review it, and back your people."
    ),
    "dm.abuse_support": (
        "Case {case_id}: how {client} treated you in this case is flagged as abusive. That is "
        "not acceptable, and it is not on you: your manager and the leads know and will follow "
        "up. You do not have to answer abuse."
    ),
    "dm.reopened": (
        "{client} says case {case_id} is not resolved. The case is reopened. Comment: {comment}"
    ),
    "dm.client_post_failed": (
        "I could not post in the client thread of case {case_id} ({error}). The case is kept; "
        "please check that I am still in the client channel."
    ),
    "link.client_thread": "Client thread",
    "link.case_card": "Internal case card",
    "dm.invite_refused": (
        "I could not add {person} to the client channel for case {case_id} ({error}). "
        "Please add them by hand."
    ),
    "dm.dm_unreachable": (
        "I could not write to {person} about case {case_id} ({error}). Please install the app "
        "for {person} (or ask them to add it), so that I can reach them; meanwhile, tell them "
        "about the case yourself."
    ),
    # timeline
    "event.opened": "{actor} opened case {case_id} ({trigger}).",
    "event.statement": "{actor} (client) wrote: {text}",
    "event.reply": "{actor} replied in the client thread: {text}",
    "event.file": "{actor} shared a file in the client thread: {name} {link}",
    "event.acknowledged": "{actor} acknowledged the case.",
    "event.investigating": "The case is being investigated.",
    "event.account": "{actor} gave their account: {text}",
    "event.waiver": "{actor} waived the account of {person}: {text}",
    "event.verdict": "{actor} assessed: {verdict}. {note}",
    "event.abuse": "{actor} flagged abusive treatment of staff.",
    "event.abusive_language": "The client's message is abusive toward staff: {terms}.",
    "event.resolved": "{actor} resolved the case: {summary}",
    "event.change_request": "Change request recorded for leads: {text}",
    "event.feedback_yes": "{actor} (client) confirmed it is resolved. {comment}",
    "event.feedback_no": "{actor} (client) said it is not resolved. {comment}",
    "event.reopened": "{actor} reopened the case. {reason}",
    "event.closed": "The case is closed.",
    "event.withdrawn": "{actor} withdrew the case. {reason}",
    "event.client_post_failed": "I could not post in the client thread ({error}); {told} told.",
    "event.invite_failed": "I could not add {person} to the client channel ({error}); {told} told.",
    "event.dm_failed": "I could not write to {person} ({error}); {told} told.",
    # deadlines: reminders, escalations, the daily digest (handlers.deadlines)
    "dm.remind_acknowledge": "Case {case_id} is waiting for a first answer to the client, due by {due}. Please reply in the client thread: the client should hear from a person, not only from me.",
    "dm.remind_account": "Case {case_id}: your account is due by {due}. Nobody is judged in their absence, so please add your side of what happened.",
    "dm.remind_verdict": "Case {case_id} is due to be resolved by {due} and waits for your assessment: is the client right in this case?",
    "dm.remind_resolve": "Case {case_id} is due to be resolved by {due}. Please write the resolution for the client.",
    "dm.escalated": "Case {case_id} ({client}) is past its deadline for {step} ({due}). It waits on {people}.",
    "dm.digest": "Your daily digest. Open cases: {count}; overdue: {overdue}.\n{lines}",
    "digest.line": "• {case_id} · {client} · {status} · due {due}",
    "digest.overdue": "• {case_id} · {client} · {status} · overdue: {steps} (since {due})",
    "step.acknowledge": "the first answer to the client",
    "step.account": "the employee's account",
    "step.resolve": "the resolution",
    "event.reminded": "Reminder sent to {people}: {step} is due by {due}.",
    "event.escalated": "The deadline for {step} ({due}) passed, held by {holders}; leads told: {people}.",
    "event.digest": "Listed first in the daily digest to {lead} (open cases: {count}).",
    "refuse.nothing_due": "Nothing is due on case {case_id} now.",
    # answers to the acting user
    "notice.opened": "Case {case_id} is open for {client}.",
    "notice.logging": "Logging it in {client}'s channel. You will be told here when the case is open.",
    "notice.already_open": "This message already has case {case_id}; nothing new was opened.",
    "notice.account": "Thank you, your account is on case {case_id}.",
    "notice.waiver": "The waiver is recorded on case {case_id}.",
    "notice.verdict": "Your assessment of case {case_id} is recorded.",
    "notice.resolved": "Case {case_id} is resolved; the client has been asked for feedback.",
    "notice.feedback": "Thank you for your feedback.",
    "notice.reopened": "Case {case_id} is reopened.",
    "notice.withdrawn": "Case {case_id} is withdrawn.",
    "notice.reply": "Recorded on case {case_id}.",
    "notice.delivery_failed": "The failure is recorded on case {case_id}.",
    "notice.form_failed": "Slack could not open the form. If it did not appear, please try again.",
    "refuse.not_client_channel": (
        "Complaints are opened in a client channel. This channel is not listed for any client "
        "in the directory."
    ),
    "refuse.reaction_by_client": "Only people of the firm can open a case with a reaction.",
    "refuse.flag_internal_message": (
        "That message was written by a colleague, not a client; a reaction does not open a case."
    ),
    "refuse.unknown_person": "{person} is not in the directory.",
    "refuse.unknown_case": "There is no case {case_id}.",
    "refuse.final": "Case {case_id} is {status}; it can no longer change.",
    "refuse.not_internal": "Only people of the firm can do this.",
    "refuse.not_affected": "Only the people named in case {case_id} can add their own account.",
    "refuse.not_waiver": "Only a manager of {person}, or a lead, can waive their account.",
    "refuse.not_named": "{person} is not named in case {case_id}.",
    "refuse.nothing_to_waive": "Everyone named in case {case_id} has given their account.",
    "refuse.not_waiver_any": (
        "Only a manager of someone named in case {case_id}, or a lead, can waive an account; "
        "nobody waives their own."
    ),
    "refuse.not_assessor": (
        "Only a manager of someone named in case {case_id}, or a lead, can assess it; "
        "and nobody assesses a case that names them."
    ),
    "refuse.not_resolver": (
        "Only the account manager, a manager on case {case_id}, or a lead can resolve it."
    ),
    "refuse.no_verdict": (
        "Case {case_id} cannot be resolved before a verdict: is the client right in this case?"
    ),
    "refuse.missing_account": (
        "Case {case_id} cannot be resolved before {people} has given their account "
        "(or their manager records a waiver)."
    ),
    "refuse.summary_empty": "Please write a short resolution summary for the client.",
    "refuse.summary_too_long": (
        "The summary has {length} characters; keep it to {limit} so it fits one screen."
    ),
    "refuse.text_empty": "Please write something first.",
    "refuse.nothing_said": 'Tell me what happened in the same message, e.g. "@complaintbot the report was late again", and I will open a case.',
    "refuse.already_resolved": "Case {case_id} is already resolved; reopen it to change the resolution.",
    "refuse.not_resolved_yet": "Case {case_id} is not resolved yet, so there is nothing to confirm.",
    "refuse.feedback_client_only": "Only the client can answer this question.",
    "refuse.feedback_other_channel": "Case {case_id} can only be answered in its own thread, by its client.",
    "refuse.everyone_named": 'Case {case_id} names everyone who could assess it, and nobody judges their own case. Ask an ombudsperson to assess it (the directory role "ombudsperson"; add one if you have none).',
    "refuse.not_withdrawer": (
        "Only the account manager, a manager on case {case_id}, a lead, or the client who raised "
        "it can withdraw it."
    ),
    "refuse.not_reopener": "Only the account manager or a lead can reopen case {case_id}.",
    "refuse.not_reopenable": "Only a resolved case can be reopened; case {case_id} is {status}.",
    "refuse.unknown_choice": "{value} is not one of: {choices}.",
    # statuses, verdicts, severities, categories, triggers
    "status.open": "open",
    "status.acknowledged": "acknowledged",
    "status.investigating": "investigating",
    "status.resolved": "resolved",
    "status.reopened": "reopened",
    "status.closed": "closed",
    "status.withdrawn": "withdrawn",
    "verdict.right": "the client is right",
    "verdict.partly_right": "the client is partly right",
    "verdict.not_right": "the client is not right",
    "verdict.misunderstanding": "a misunderstanding of what was agreed",
    "severity.low": "low",
    "severity.medium": "medium",
    "severity.high": "high",
    "category.quality": "quality of work",
    "category.delay": "delay",
    "category.communication": "communication",
    "category.billing": "billing",
    "category.scope": "scope",
    "category.conduct": "conduct",
    "category.other": "other",
    "trigger.mention": "mention",
    "trigger.reaction": "reaction",
    "trigger.shortcut": "message shortcut",
    "trigger.command": "slash command",
    "trigger.playground": "playground",
    # internal card and forms
    "card.title": "Case {case_id} · {client}",
    "card.status": "Status",
    "card.severity": "Severity",
    "card.category": "Category",
    "card.due": "Due",
    "card.reporter": "Opened by",
    "card.raised_by": "Raised by",
    "card.affected": "Named",
    "card.managers": "Managers",
    "card.account_manager": "Account manager",
    "card.summary": "Summary",
    "card.client_statements": "The client's statements",
    "card.accounts": "Accounts",
    "card.account_missing": "not given yet",
    "card.verdict": "Verdict",
    "card.none": "none yet",
    "card.resolution": "Resolution",
    "card.change_requests": "Change requests",
    "card.feedback": "Client feedback",
    "card.feedback_yes": "resolved",
    "card.feedback_no": "not resolved",
    "card.abuse": "Abusive treatment of staff flagged",
    "card.original_message": "Original message",
    "button.add_account": "Add my account",
    "button.waive": "Waive an account",
    "button.assess": "Assess",
    "button.resolve": "Resolve",
    "button.withdraw": "Withdraw",
    "button.reopen": "Reopen",
    "button.feedback_yes": "Resolved",
    "button.feedback_no": "Not resolved",
    "form.open_title": "Log as complaint",
    "form.log_title": "Log a complaint",
    "form.account_title": "Your account",
    "form.assess_title": "Assess the case",
    "form.resolve_title": "Resolve the case",
    "form.withdraw_title": "Withdraw the case",
    "form.reopen_title": "Reopen the case",
    "form.waive_title": "Waive an account",
    "form.feedback_title": "Your feedback",
    "form.submit": "Save",
    "form.cancel": "Cancel",
    "label.channel": "Which client channel it is for",
    "label.channel_choice": "{client} · channel {channel}",
    "label.affected": "Who is named",
    "label.category": "Category",
    "label.severity": "Severity",
    "label.summary": "Short summary",
    "label.account": "What happened, in your words",
    "label.verdict": "Is the client right in this case?",
    "label.note": "Note (internal)",
    "label.abusive": "Conduct towards our staff",
    "label.abusive_option": "The client treated our staff abusively",
    "label.resolution": "Summary for the client (at most {limit} characters)",
    "label.change_requests": "Change requests for leads, one per line (optional)",
    "label.reason": "Reason",
    "label.person": "Whose account is not needed",
    "label.comment": "Comment (optional)",
    "usage.complaint": (
        "Usage: /complaint [@person ...] [what happened]. In a client channel it opens a form "
        "to log the complaint there; anywhere else (a complaint by phone or mail), the same "
        "form asks which client channel it is for. /complaint mine shows the cases that name you."
    ),
    # the leads' review (handlers.review, handlers.review_request) and the fit score
    "usage.review": "Usage: review (the portfolio) · review client NAME · review person @someone · review open · review changes. On Slack: /review ...",
    "refuse.review_leads_only": "The review is for leads. If you need something from it, a lead of your firm can help.",
    "refuse.review_extra_words": "{command} takes nothing after it.",
    "refuse.review_unknown_subcommand": "I do not know {word} after review.",
    "refuse.review_client_missing": "Which client? Name it, e.g. review client Acme Corp.",
    "refuse.review_person_missing": "Whom? Mention the person, e.g. review person @Dana.",
    "refuse.review_unknown_client": "There is no client {name} in the directory.",
    "refuse.review_unknown_person": "There is no person {name} in the directory.",
    "review.did_you_mean": "Did you mean: {names}?",
    "review.title.portfolio": "Portfolio review · last {days} days",
    "review.title.open": "Open cases ({count})",
    "review.title.client": "{client} · last {days} days",
    "review.title.person": "{person} · last {days} days",
    "review.title.changes": "Change requests by theme · last {days} days",
    "review.chart.title": "Cases per client per month, by verdict · last {days} days",
    "review.chart_failed": "The chart could not be uploaded just now; the review itself is complete.",
    "review.more": "…and {count} more",
    "review.none": "None.",
    "review.days": "{count} days",
    "review.hours": "{hours} h",
    "review.feedback_tally": "{resolved} resolved, {not_resolved} not resolved",
    "review.flag.reopened": "reopened {count}×",
    "review.flag.abuse": "abusive language flagged",
    "review.flag.counts_against": "counts against them",
    "review.label.cases": "Cases",
    "review.label.judged": "Judged",
    "review.label.unjudged": "Not judged yet",
    "review.label.median_resolve": "Median time to resolve",
    "review.label.feedback": "Feedback",
    "review.label.fit": "Fit",
    "review.label.score": "Score",
    "review.label.band": "Band",
    "review.label.owner": "Owner",
    "review.label.age": "Open for",
    "review.label.due": "Due",
    "review.label.overdue": "Overdue",
    "review.label.status": "Status",
    "review.label.severity": "Severity",
    "review.label.client": "Client",
    "review.label.category": "Category",
    "review.label.themes": "Themes",
    "review.label.change_requests": "Change requests",
    "review.label.history": "History",
    "review.label.weight": "Weight",
    "review.label.value": "Value",
    "review.label.contribution": "Contribution",
    "review.label.recommendation": "Recommendation",
    "review.label.backing": "Backing",
    "review.label.support": "Support needed",
    "review.label.valid": "Valid complaints",
    "review.label.role": "Role",
    "review.label.requests": "Requests",
    "review.label.clients": "Clients",
    "review.label.open": "Open",
    "review.label.verdict": "Verdict",
    "review.verdict.right": "Right",
    "review.verdict.partly_right": "Partly right",
    "review.verdict.not_right": "Not right",
    "review.verdict.misunderstanding": "Misunderstanding",
    "review.unjudged": "not judged yet",
    "review.no_owner": "no owner",
    "review.role.named": "named",
    "review.role.manager": "manager",
    "review.role.account_manager": "account manager",
    "review.backing.manager": "{case_id}: backed by {by}, their manager, on the record.",
    "review.backing.other": "{case_id}: backed by {by} on the record.",
    "review.backing.missing": "{case_id}: no backing on the record.",
    "review.support.not_right": "Support needed: complaints about them judged not right in the last {days} days: {count}.",
    "review.support.abuse": "Support needed: abusive treatment by a client was flagged in {cases}.",
    "review.person_note": "Only valid complaints (the client right or partly right) count against a person; complaints judged not right or a misunderstanding count against the client's fit.",
    "review.changes_note": "Themes are ordered by how many clients ask, not by how often one client does.",
    # the review's words on Teams and in the playground (bot/review_layout.py)
    "review.overdue_by": "{days} days overdue",
    "review.label.part": "Part",
    "review.label.involved": "Involved as",
    "review.label.comments": "Latest comments",
    "review.label.owners": "By owner",
    "fit.part.valid": "Valid complaints",
    "fit.part.not_right": "Not-right complaints",
    "fit.part.misunderstanding": "Misunderstandings",
    "fit.part.abuse": "Abusive incidents",
    "fit.part.reopens": "Reopened cases",
    "fit.part.feedback": "Feedback",
    "fit.detail.valid": "{count} of {total} judged complaints were right or partly right",
    "fit.detail.not_right": "{count} of {total} judged complaints were not right",
    "fit.detail.misunderstanding": "{count} of {total} judged complaints were a misunderstanding of what was agreed",
    "fit.detail.abuse": "cases with abusive treatment of staff flagged: {count}",
    "fit.detail.reopens": "{count} of {total} resolved cases were reopened",
    "fit.detail.feedback": "{count} of {total} feedback answers said resolved",
    "fit.detail.none": "nothing to measure yet, so left out",
    "fit.band.keep": "keep",
    "fit.band.watch": "watch",
    "fit.band.frank_conversation": "a frank conversation",
    "fit.band.part_ways": "consider parting ways",
    "fit.recommend.keep": "Keep: the history shows a good fit.",
    "fit.recommend.watch": "Watch: keep an eye on how the next cases go.",
    "fit.recommend.frank_conversation": "Have a frank conversation about expectations and what was agreed.",
    "fit.recommend.part_ways": "Consider parting ways: this client may be better served by another provider.",
    "fit.reason.no_history": "No cases in the last {days} days.",
    "fit.reason.score": "Fit score {score}: {band} by the score (keep from {keep}, watch from {watch}, a frank conversation from {frank}).",
    "fit.reason.invalid": "{count} of {total} judged complaints were not right or a misunderstanding: they count against the client's fit, never against our people.",
    "fit.reason.valid": "{count} of {total} judged complaints were valid: ours to fix, and never on their own a reason to part ways.",
    "fit.reason.abuse": "Cases with abusive treatment of staff flagged: {count}.",
    "fit.reason.reopens": "{count} of {total} resolved cases were reopened.",
    "fit.reason.feedback": "{count} of {total} feedback answers said it was not resolved.",
    "fit.reason.little_history": "Fewer than {count} judged cases: too little history to judge, so no worse than watch.",
    "fit.reason.abuse_cap": "An abusive incident keeps a client off keep: we back our people.",
    "fit.reason.valid_only": "No complaint was judged not right or a misunderstanding, and valid complaints alone never make a client a poor fit: no worse than watch.",
    # the people's record (handlers.record, handlers.redaction)
    "record.title": "Your record, for you alone. Cases that name you: {count}.",
    "record.none": "Your record, for you alone: no case names you.",
    "record.case": "{case_id} · {client} · {status} · opened {opened}",
    "record.verdict": "Verdict: {verdict}.",
    "record.no_verdict": "No verdict yet.",
    "record.backed": "Your manager's backing is on the record ({by}).",
    "record.not_backed": "No backing by your manager is recorded.",
    "record.account": "Your account: {text}",
    "record.waived": "Your account was waived by {by}: {text}",
    "record.account_missing": "Your account: not given yet.",
    "record.client_said": "The client said: {text}",
    "refuse.mine_staff_only": "The record is for people of the firm: the directory does not list you.",
    "refuse.mine_own_only": "mine shows your own record only, and takes nothing after it. A lead sees someone else's with /review person.",
    "notice.redacted": "Case {case_id}: the text is removed.",
    "redacted.retention": "(removed after the retention period)",
    "redacted.erased": "(erased on request)",
    "redacted.deleted": "(deleted by its writer)",
    "event.retention": "Personal text removed: closed cases are kept for {days} days ({count} texts).",
    "event.erased": "{actor} erased the text of {subject} on request ({count} texts).",
    "event.message_deleted": "{actor} deleted a message; its text was removed from the case.",
    "subject.person": "person {id}",
    "subject.client": "client {id}",
}


HE: dict[str, str] = {
    "client.ack": (
        "תודה שפניתם אלינו. פתחנו את פנייה {case_id} ואנחנו מטפלים בה.\n"
        "כדי שכולם יעבדו מאותן עובדות, נשמח לתשובה בשרשור הזה:\n"
        "1. מה קרה?\n"
        "2. מה יתקן את המצב מבחינתכם?\n"
        "3. עד מתי אתם צריכים את זה?"
    ),
    "client.included": "מצורפים לפנייה: {people}.",
    "client.included_none": "מנהל/ת הלקוח {people} עוקב/ת אחרי הפנייה.",
    "client.investigating": "עדכון בפנייה {case_id}: אנחנו בודקים את העניין עם כל המעורבים.",
    "client.resolution": "סיכום הטיפול בפנייה {case_id}:\n{summary}",
    "client.feedback_request": "האם הפנייה שלכם טופלה? התשובה שלכם עוזרת לנו להשתפר.",
    "client.feedback_answered": "האם הפנייה שלכם טופלה? {actor} ענה/תה: {answer}. תודה.",
    "client.closed": "תודה על המשוב. פנייה {case_id} נסגרה.",
    "client.reopened": "תודה שעדכנתם אותנו. פנייה {case_id} נפתחה מחדש, ומנהל/ת הלקוח ימשיכו לטפל בה.",
    "client.withdrawn": "פנייה {case_id} בוטלה.",
    "client.logged": "{actor} רשם/ה כאן תלונה להמשך טיפול. נענה בשרשור הזה.",
    "dm.affected": (
        "לקוח {client} הגיש תלונה שמזכירה אותך (פנייה {case_id}). איש לא נשפט שלא בפניו: "
        "נשמח שתוסיף/י את הגרסה שלך למה שקרה. הקישורים לשני השרשורים מופיעים למטה."
    ),
    "dm.manager": (
        "{employees} מוזכר/ת בתלונה של {client} (פנייה {case_id}). כדאי לשמוע את שני הצדדים, "
        "ואז לתעד האם הלקוח צודק במקרה הזה."
    ),
    "dm.account_manager": (
        "תלונה של הלקוח שלך {client} נפתחה כפנייה {case_id}. ההובלה אצלך: לוודא שהלקוח "
        "נשמע ולכתוב את סיכום הטיפול."
    ),
    "dm.backed": (
        "פנייה {case_id}: {manager} קבע/ה שהלקוח לא צודק במקרה הזה. "
        "{manager} עומד/ת מאחוריך, וזה מתועד."
    ),
    "dm.abuse": (
        "פנייה {case_id}: {manager} סימן/ה יחס פוגעני של {client} כלפי {employees}. "
        "כדאי לעבור על הפנייה."
    ),
    "dm.abuse_detected": (
        "פנייה {case_id}: הודעה של {client} בשרשור הלקוח פוגענית כלפי {employees} ({terms}). "
        "הפנייה סומנה; הלקוח לא קיבל על כך הודעה. כדאי לעבור על הפנייה ולגבות את העובדים."
    ),
    "dm.abuse_support": (
        "פנייה {case_id}: היחס של {client} כלפיך בפנייה הזו סומן כפוגעני. זה לא מקובל, וזה לא "
        "באשמתך: המנהל/ת שלך וראשי הצוות יודעים על כך וימשיכו לטפל. אין חובה להשיב לדברים פוגעניים."
    ),
    "dm.reopened": "{client} מסר שפנייה {case_id} לא טופלה עד הסוף, והיא נפתחה מחדש. הערה: {comment}",
    "dm.client_post_failed": (
        "לא הצלחתי לפרסם בשרשור הלקוח של פנייה {case_id} ({error}). הפנייה שמורה; "
        "כדאי לבדוק שאני עדיין חבר בערוץ הלקוח."
    ),
    "link.client_thread": "שרשור הלקוח",
    "link.case_card": "כרטיס הפנייה הפנימי",
    "dm.invite_refused": (
        "לא הצלחתי לצרף את {person} לערוץ הלקוח של פנייה {case_id} ({error}). נא לצרף ידנית."
    ),
    "dm.dm_unreachable": (
        "לא הצלחתי לכתוב ל{person} על פנייה {case_id} ({error}). נא להתקין את האפליקציה "
        "עבור {person} (או לבקש ממנו/ה להוסיף אותה), כדי שאוכל להגיע אליו/ה; בינתיים, "
        "כדאי לספר לו/ה על הפנייה בעצמך."
    ),
    "event.opened": "{actor} פתח/ה את פנייה {case_id} ({trigger}).",
    "event.statement": "{actor} (לקוח) כתב/ה: {text}",
    "event.reply": "{actor} ענה/תה בשרשור הלקוח: {text}",
    "event.file": "{actor} שיתף/ה קובץ בשרשור הלקוח: {name} {link}",
    "event.acknowledged": "{actor} אישר/ה קבלת הפנייה.",
    "event.investigating": "הפנייה בבדיקה.",
    "event.account": "{actor} מסר/ה את הגרסה שלו/ה: {text}",
    "event.waiver": "{actor} ויתר/ה על הגרסה של {person}: {text}",
    "event.verdict": "{actor} קבע/ה: {verdict}. {note}",
    "event.abuse": "{actor} סימן/ה יחס פוגעני כלפי העובדים.",
    "event.abusive_language": "הודעת הלקוח פוגענית כלפי העובדים: {terms}.",
    "event.resolved": "{actor} סיכם/ה את הטיפול: {summary}",
    "event.change_request": "בקשת שינוי נרשמה לבחינת ההנהלה: {text}",
    "event.feedback_yes": "{actor} (לקוח) אישר/ה שהפנייה טופלה. {comment}",
    "event.feedback_no": "{actor} (לקוח) מסר/ה שהפנייה לא טופלה. {comment}",
    "event.reopened": "{actor} פתח/ה את הפנייה מחדש. {reason}",
    "event.closed": "הפנייה נסגרה.",
    "event.withdrawn": "{actor} ביטל/ה את הפנייה. {reason}",
    "event.client_post_failed": "לא הצלחתי לפרסם בשרשור הלקוח ({error}); הודעתי ל{told}.",
    "event.invite_failed": "לא הצלחתי לצרף את {person} לערוץ הלקוח ({error}); הודעתי ל{told}.",
    "event.dm_failed": "לא הצלחתי לכתוב ל{person} ({error}); הודעתי ל{told}.",
    "dm.remind_acknowledge": "פנייה {case_id} ממתינה לתשובה ראשונה ללקוח, עד {due}. נא לענות בשרשור הלקוח: הלקוח צריך לשמוע מאדם, לא רק ממני.",
    "dm.remind_account": "פנייה {case_id}: הגרסה שלך נדרשת עד {due}. איש לא נשפט שלא בפניו, אז נשמח שתוסיף/י את הצד שלך למה שקרה.",
    "dm.remind_verdict": "את פנייה {case_id} יש לסכם עד {due}, והיא ממתינה להערכה שלך: האם הלקוח צודק במקרה הזה?",
    "dm.remind_resolve": "את פנייה {case_id} יש לסכם עד {due}. נא לכתוב ללקוח את סיכום הטיפול.",
    "dm.escalated": "פנייה {case_id} ({client}) חרגה מהיעד של {step} ({due}). היא ממתינה ל-{people}.",
    "dm.digest": "הסיכום היומי שלך. פניות פתוחות: {count}; באיחור: {overdue}.\n{lines}",
    "digest.line": "• {case_id} · {client} · {status} · יעד {due}",
    "digest.overdue": "• {case_id} · {client} · {status} · באיחור: {steps} (מאז {due})",
    "step.acknowledge": "התשובה הראשונה ללקוח",
    "step.account": "הגרסה של העובד/ת",
    "step.resolve": "סיכום הטיפול",
    "event.reminded": "נשלחה תזכורת ל-{people}: היעד של {step} הוא {due}.",
    "event.escalated": "היעד של {step} ({due}) עבר, באחריות {holders}; הודעתי לראשי הצוות: {people}.",
    "event.digest": "הופיעה ראשונה בסיכום היומי של {lead} (פניות פתוחות: {count}).",
    "refuse.nothing_due": "אין כרגע מה להזכיר בפנייה {case_id}.",
    "notice.opened": "פנייה {case_id} נפתחה עבור {client}.",
    "notice.logging": "התלונה נרשמת בערוץ של {client}. נעדכן כאן כשהפנייה תיפתח.",
    "notice.already_open": "להודעה הזו כבר יש פנייה {case_id}; לא נפתחה פנייה חדשה.",
    "notice.account": "תודה, הגרסה שלך נוספה לפנייה {case_id}.",
    "notice.waiver": "הוויתור נרשם בפנייה {case_id}.",
    "notice.verdict": "ההערכה שלך לפנייה {case_id} נרשמה.",
    "notice.resolved": "פנייה {case_id} טופלה; ביקשנו מהלקוח משוב.",
    "notice.feedback": "תודה על המשוב.",
    "notice.reopened": "פנייה {case_id} נפתחה מחדש.",
    "notice.withdrawn": "פנייה {case_id} בוטלה.",
    "notice.reply": "נרשם בפנייה {case_id}.",
    "notice.delivery_failed": "התקלה נרשמה בפנייה {case_id}.",
    "notice.form_failed": "סלאק לא הצליח לפתוח את הטופס. אם הוא לא הופיע, נא לנסות שוב.",
    "refuse.not_client_channel": (
        "פניות נפתחות בערוץ של לקוח. הערוץ הזה לא משויך לאף לקוח בספר הכתובות."
    ),
    "refuse.reaction_by_client": "רק אנשי החברה יכולים לפתוח פנייה בתגובת אימוג'י.",
    "refuse.flag_internal_message": "את ההודעה הזו כתב/ה עמית/ה, לא לקוח; תגובה עליה לא פותחת פנייה.",
    "refuse.unknown_person": "{person} לא מופיע/ה בספר הכתובות.",
    "refuse.unknown_case": "אין פנייה {case_id}.",
    "refuse.final": "פנייה {case_id} במצב {status} ולא ניתן לשנות אותה עוד.",
    "refuse.not_internal": "רק אנשי החברה יכולים לעשות זאת.",
    "refuse.not_affected": "רק מי שמוזכר/ת בפנייה {case_id} יכול/ה להוסיף את הגרסה שלו/ה.",
    "refuse.not_waiver": "רק מנהל/ת של {person}, או ראש צוות, יכולים לוותר על הגרסה שלו/ה.",
    "refuse.not_named": "{person} לא מוזכר/ת בפנייה {case_id}.",
    "refuse.nothing_to_waive": "כל מי שמוזכר/ת בפנייה {case_id} כבר מסר/ה את הגרסה שלו/ה.",
    "refuse.not_waiver_any": (
        "רק מנהל/ת של מי שמוזכר/ת בפנייה {case_id}, או ראש צוות, יכולים לוותר על גרסה; "
        "אף אחד לא מוותר על הגרסה של עצמו."
    ),
    "refuse.not_assessor": (
        "רק מנהל/ת של מי שמוזכר/ת בפנייה {case_id}, או ראש צוות, יכולים להעריך אותה; "
        "ואף אחד לא מעריך פנייה שמזכירה אותו."
    ),
    "refuse.not_resolver": "רק מנהל/ת הלקוח, מנהל/ת בפנייה {case_id} או ראש צוות יכולים לסכם אותה.",
    "refuse.no_verdict": "אי אפשר לסכם את פנייה {case_id} לפני שנקבע: האם הלקוח צודק במקרה הזה?",
    "refuse.missing_account": (
        "אי אפשר לסכם את פנייה {case_id} לפני ש-{people} מסר/ה את הגרסה שלו/ה "
        "(או שהמנהל/ת רושמים ויתור)."
    ),
    "refuse.summary_empty": "נא לכתוב ללקוח סיכום קצר של הטיפול.",
    "refuse.summary_too_long": "בסיכום יש {length} תווים; נא לקצר עד {limit} כדי שייכנס במסך אחד.",
    "refuse.text_empty": "נא לכתוב משהו קודם.",
    "refuse.nothing_said": 'כתבו לי מה קרה באותה הודעה, למשל "@complaintbot הדוח שוב איחר", ואפתח פנייה.',
    "refuse.already_resolved": "פנייה {case_id} כבר סוכמה; כדי לשנות את הסיכום יש לפתוח אותה מחדש.",
    "refuse.not_resolved_yet": "פנייה {case_id} עוד לא סוכמה, אז אין מה לאשר.",
    "refuse.feedback_client_only": "רק הלקוח יכול לענות על השאלה הזו.",
    "refuse.feedback_other_channel": "על פנייה {case_id} אפשר לענות רק בשרשור שלה, ורק הלקוח שלה.",
    "refuse.everyone_named": 'פנייה {case_id} מזכירה את כל מי שיכול להעריך אותה, ואף אחד לא שופט את עניינו. בקשו מנציב/ת תלונות להעריך אותה (התפקיד "ombudsperson" במדריך; הוסיפו אחד אם אין).',
    "refuse.not_withdrawer": (
        "רק מנהל/ת הלקוח, מנהל/ת בפנייה {case_id}, ראש צוות או הלקוח שפתח אותה יכולים לבטל אותה."
    ),
    "refuse.not_reopener": "רק מנהל/ת הלקוח או ראש צוות יכולים לפתוח מחדש את פנייה {case_id}.",
    "refuse.not_reopenable": "אפשר לפתוח מחדש רק פנייה שסוכמה; פנייה {case_id} במצב {status}.",
    "refuse.unknown_choice": "{value} אינו אחד מאלה: {choices}.",
    "status.open": "פתוחה",
    "status.acknowledged": "התקבלה",
    "status.investigating": "בבדיקה",
    "status.resolved": "טופלה",
    "status.reopened": "נפתחה מחדש",
    "status.closed": "סגורה",
    "status.withdrawn": "בוטלה",
    "verdict.right": "הלקוח צודק",
    "verdict.partly_right": "הלקוח צודק בחלקו",
    "verdict.not_right": "הלקוח לא צודק",
    "verdict.misunderstanding": "אי הבנה לגבי מה שסוכם",
    "severity.low": "נמוכה",
    "severity.medium": "בינונית",
    "severity.high": "גבוהה",
    "category.quality": "איכות העבודה",
    "category.delay": "עיכוב",
    "category.communication": "תקשורת",
    "category.billing": "חיוב",
    "category.scope": "היקף העבודה",
    "category.conduct": "התנהלות",
    "category.other": "אחר",
    "trigger.mention": "אזכור",
    "trigger.reaction": "תגובת אימוג'י",
    "trigger.shortcut": "קיצור דרך להודעה",
    "trigger.command": "פקודה",
    "trigger.playground": "סביבת ההדגמה",
    "card.title": "פנייה {case_id} · {client}",
    "card.status": "מצב",
    "card.severity": "חומרה",
    "card.category": "קטגוריה",
    "card.due": "יעד לטיפול",
    "card.reporter": "נפתחה על ידי",
    "card.raised_by": "הועלתה על ידי",
    "card.affected": "מוזכרים",
    "card.managers": "מנהלים",
    "card.account_manager": "מנהל/ת לקוח",
    "card.summary": "תקציר",
    "card.client_statements": "דברי הלקוח",
    "card.accounts": "גרסאות העובדים",
    "card.account_missing": "טרם נמסרה",
    "card.verdict": "הכרעה",
    "card.none": "עדיין אין",
    "card.resolution": "סיכום הטיפול",
    "card.change_requests": "בקשות שינוי",
    "card.feedback": "משוב הלקוח",
    "card.feedback_yes": "טופלה",
    "card.feedback_no": "לא טופלה",
    "card.abuse": "סומן יחס פוגעני כלפי העובדים",
    "card.original_message": "ההודעה המקורית",
    "button.add_account": "הוספת הגרסה שלי",
    "button.waive": "ויתור על גרסה",
    "button.assess": "הערכה",
    "button.resolve": "סיכום טיפול",
    "button.withdraw": "ביטול הפנייה",
    "button.reopen": "פתיחה מחדש",
    "button.feedback_yes": "טופלה",
    "button.feedback_no": "לא טופלה",
    "form.open_title": "רישום כתלונה",
    "form.log_title": "רישום תלונה",
    "form.account_title": "הגרסה שלך",
    "form.assess_title": "הערכת הפנייה",
    "form.resolve_title": "סיכום הטיפול",
    "form.withdraw_title": "ביטול הפנייה",
    "form.reopen_title": "פתיחת הפנייה מחדש",
    "form.waive_title": "ויתור על גרסה",
    "form.feedback_title": "המשוב שלך",
    "form.submit": "שמירה",
    "form.cancel": "ביטול",
    "label.channel": "לאיזה ערוץ לקוח היא שייכת",
    "label.channel_choice": "{client} · ערוץ {channel}",
    "label.affected": "מי מוזכר/ת",
    "label.category": "קטגוריה",
    "label.severity": "חומרה",
    "label.summary": "תקציר קצר",
    "label.account": "מה קרה, במילים שלך",
    "label.verdict": "האם הלקוח צודק במקרה הזה?",
    "label.note": "הערה (פנימית)",
    "label.abusive": "התנהגות כלפי העובדים שלנו",
    "label.abusive_option": "הלקוח התייחס לעובדים שלנו באופן פוגעני",
    "label.resolution": "סיכום ללקוח (עד {limit} תווים)",
    "label.change_requests": "בקשות שינוי לבחינת ההנהלה, אחת בכל שורה (לא חובה)",
    "label.reason": "סיבה",
    "label.person": "של מי הגרסה שאינה נדרשת",
    "label.comment": "הערה (לא חובה)",
    "usage.complaint": (
        "שימוש: ‎/complaint [@אדם ...] [מה קרה]. בערוץ של לקוח הפקודה פותחת טופס לרישום התלונה שם; "
        "בכל מקום אחר (תלונה בטלפון או בדואר) אותו טופס שואל לאיזה ערוץ לקוח היא שייכת. "
        "‎/complaint mine מציג את הפניות שמזכירות אותך."
    ),
    "usage.review": "שימוש: review (תיק הלקוחות) · review client שם · review person @מישהו · review open · review changes. בסלאק: ‎/review ...",
    "refuse.review_leads_only": "הסקירה מיועדת לראשי צוותים. אם צריך ממנה משהו, ראש צוות בחברה יוכל לעזור.",
    "refuse.review_extra_words": "אחרי {command} אין צורך להוסיף דבר.",
    "refuse.review_unknown_subcommand": "אני לא מכיר את {word} אחרי review.",
    "refuse.review_client_missing": "איזה לקוח? נא לציין את שמו, למשל review client Acme Corp.",
    "refuse.review_person_missing": "את מי? נא לאזכר את האדם, למשל review person @Dana.",
    "refuse.review_unknown_client": "אין לקוח {name} בספר הכתובות.",
    "refuse.review_unknown_person": "אין אדם בשם {name} בספר הכתובות.",
    "review.did_you_mean": "אולי התכוונת ל: {names}?",
    "review.title.portfolio": "סקירת תיק הלקוחות · {days} הימים האחרונים",
    "review.title.open": "פניות פתוחות ({count})",
    "review.title.client": "{client} · {days} הימים האחרונים",
    "review.title.person": "{person} · {days} הימים האחרונים",
    "review.title.changes": "בקשות שינוי לפי נושא · {days} הימים האחרונים",
    "review.chart.title": "פניות לכל לקוח בכל חודש, לפי הכרעה · {days} הימים האחרונים",
    "review.chart_failed": "לא ניתן היה להעלות את התרשים כרגע; הסקירה עצמה מלאה.",
    "review.more": "…ועוד {count}",
    "review.none": "אין.",
    "review.days": "{count} ימים",
    "review.hours": "{hours} שעות",
    "review.feedback_tally": "{resolved} נפתרו, {not_resolved} לא נפתרו",
    "review.flag.reopened": "נפתחה מחדש {count} פעמים",
    "review.flag.abuse": "סומנה שפה פוגענית",
    "review.flag.counts_against": "נזקפת לחובתו",
    "review.label.cases": "פניות",
    "review.label.judged": "הוכרעו",
    "review.label.unjudged": "טרם הוכרעו",
    "review.label.median_resolve": "זמן טיפול חציוני",
    "review.label.feedback": "משוב",
    "review.label.fit": "התאמה",
    "review.label.score": "ציון",
    "review.label.band": "דרגת התאמה",
    "review.label.owner": "אחראי/ת",
    "review.label.age": "פתוחה מזה",
    "review.label.due": "יעד לטיפול",
    "review.label.overdue": "באיחור",
    "review.label.status": "מצב",
    "review.label.severity": "חומרה",
    "review.label.client": "לקוח",
    "review.label.category": "קטגוריה",
    "review.label.themes": "נושאים",
    "review.label.change_requests": "בקשות שינוי",
    "review.label.history": "היסטוריה",
    "review.label.weight": "משקל",
    "review.label.value": "ערך",
    "review.label.contribution": "תרומה לציון",
    "review.label.recommendation": "המלצה",
    "review.label.backing": "גיבוי",
    "review.label.support": "נדרשת תמיכה",
    "review.label.valid": "תלונות מוצדקות",
    "review.label.role": "תפקיד בפנייה",
    "review.label.requests": "בקשות",
    "review.label.clients": "לקוחות",
    "review.label.open": "פתוחות",
    "review.label.verdict": "הכרעה",
    "review.verdict.right": "צודק",
    "review.verdict.partly_right": "צודק בחלקו",
    "review.verdict.not_right": "לא צודק",
    "review.verdict.misunderstanding": "אי הבנה",
    "review.unjudged": "טרם הוכרעה",
    "review.no_owner": "אין אחראי/ת",
    "review.role.named": "מוזכר/ת",
    "review.role.manager": "מנהל/ת",
    "review.role.account_manager": "מנהל/ת לקוח",
    "review.backing.manager": "{case_id}: {by}, המנהל/ת, עומד/ת מאחוריו/ה, וזה מתועד.",
    "review.backing.other": "{case_id}: {by} עומד/ת מאחוריו/ה, וזה מתועד.",
    "review.backing.missing": "{case_id}: לא תועד גיבוי.",
    "review.support.not_right": "נדרשת תמיכה: תלונות עליו/ה שנקבעו כלא מוצדקות ב-{days} הימים האחרונים: {count}.",
    "review.support.abuse": "נדרשת תמיכה: סומן יחס פוגעני של לקוח בפניות {cases}.",
    "review.person_note": "רק תלונות מוצדקות (הלקוח צודק או צודק בחלקו) נזקפות לחובתו של אדם; תלונות שנקבעו כלא מוצדקות או כאי הבנה נזקפות להתאמת הלקוח.",
    "review.changes_note": "הנושאים מסודרים לפי מספר הלקוחות שמבקשים, ולא לפי מספר הפעמים שלקוח אחד ביקש.",
    "review.overdue_by": "באיחור של {days} ימים",
    "review.label.part": "רכיב",
    "review.label.involved": "מעורבות בתור",
    "review.label.comments": "הערות אחרונות",
    "review.label.owners": "לפי אחראי/ת",
    "fit.part.valid": "תלונות מוצדקות",
    "fit.part.not_right": "תלונות לא מוצדקות",
    "fit.part.misunderstanding": "אי הבנות",
    "fit.part.abuse": "אירועי יחס פוגעני",
    "fit.part.reopens": "פניות שנפתחו מחדש",
    "fit.part.feedback": "משוב",
    "fit.detail.valid": "{count} מתוך {total} התלונות שהוכרעו היו מוצדקות או מוצדקות בחלקן",
    "fit.detail.not_right": "{count} מתוך {total} התלונות שהוכרעו לא היו מוצדקות",
    "fit.detail.misunderstanding": "{count} מתוך {total} התלונות שהוכרעו נבעו מאי הבנה לגבי מה שסוכם",
    "fit.detail.abuse": "פניות שבהן סומן יחס פוגעני כלפי העובדים: {count}",
    "fit.detail.reopens": "{count} מתוך {total} הפניות שטופלו נפתחו מחדש",
    "fit.detail.feedback": "{count} מתוך {total} תשובות המשוב אישרו שהפנייה טופלה",
    "fit.detail.none": "עדיין אין מה למדוד, ולכן לא נספר",
    "fit.band.keep": "להמשיך",
    "fit.band.watch": "לעקוב",
    "fit.band.frank_conversation": "שיחה גלויה",
    "fit.band.part_ways": "לשקול פרידה",
    "fit.recommend.keep": "להמשיך: ההיסטוריה מראה התאמה טובה.",
    "fit.recommend.watch": "לעקוב: כדאי לשים לב איך יתנהלו הפניות הבאות.",
    "fit.recommend.frank_conversation": "לקיים שיחה גלויה על הציפיות ועל מה שסוכם.",
    "fit.recommend.part_ways": "לשקול פרידה: ייתכן שספק אחר ישרת את הלקוח הזה טוב יותר.",
    "fit.reason.no_history": "אין פניות ב-{days} הימים האחרונים.",
    "fit.reason.score": "ציון התאמה {score}: לפי הציון, {band} (להמשיך מ-{keep}, לעקוב מ-{watch}, שיחה גלויה מ-{frank}).",
    "fit.reason.invalid": "{count} מתוך {total} התלונות שהוכרעו לא היו מוצדקות או נבעו מאי הבנה: הן נזקפות להתאמת הלקוח, ולעולם לא לחובת העובדים שלנו.",
    "fit.reason.valid": "{count} מתוך {total} התלונות שהוכרעו היו מוצדקות: עלינו לתקן, והן לבדן אף פעם אינן סיבה להיפרד.",
    "fit.reason.abuse": "פניות שבהן סומן יחס פוגעני כלפי העובדים: {count}.",
    "fit.reason.reopens": "{count} מתוך {total} הפניות שטופלו נפתחו מחדש.",
    "fit.reason.feedback": "{count} מתוך {total} תשובות המשוב אמרו שהפנייה לא טופלה.",
    "fit.reason.little_history": "פחות מ-{count} פניות שהוכרעו: מעט מדי היסטוריה כדי לשפוט, ולכן ההמלצה לא תהיה חמורה מ'לעקוב'.",
    "fit.reason.abuse_cap": "אירוע של יחס פוגעני מונע את ההמלצה 'להמשיך': אנחנו עומדים מאחורי העובדים שלנו.",
    "fit.reason.valid_only": "אף תלונה לא נקבעה כלא מוצדקת או כאי הבנה, ותלונות מוצדקות לבדן אינן הופכות לקוח ללא מתאים: ההמלצה לא תהיה חמורה מ'לעקוב'.",
    # the people's record (handlers.record, handlers.redaction)
    "record.title": "התיק שלך, רק בשבילך. פניות שמזכירות אותך: {count}.",
    "record.none": "התיק שלך, רק בשבילך: אף פנייה לא מזכירה אותך.",
    "record.case": "{case_id} · {client} · {status} · נפתחה {opened}",
    "record.verdict": "הכרעה: {verdict}.",
    "record.no_verdict": "עדיין אין הכרעה.",
    "record.backed": "הגיבוי של המנהל/ת שלך רשום ({by}).",
    "record.not_backed": "לא נרשם גיבוי של המנהל/ת שלך.",
    "record.account": "הגרסה שלך: {text}",
    "record.waived": "{by} ויתר/ה על הגרסה שלך: {text}",
    "record.account_missing": "הגרסה שלך: עדיין לא נמסרה.",
    "record.client_said": "הלקוח כתב: {text}",
    "refuse.mine_staff_only": "התיק מיועד לאנשי החברה: ספר הכתובות לא מכיר אותך.",
    "refuse.mine_own_only": "mine מציג רק את התיק שלך, ובלי מילים אחריו. ראש צוות רואה תיק של אחרים ב-‎/review person.",
    "notice.redacted": "פנייה {case_id}: הטקסט הוסר.",
    "redacted.retention": "(הוסר בתום תקופת השמירה)",
    "redacted.erased": "(נמחק לבקשה)",
    "redacted.deleted": "(נמחק על ידי הכותב/ת)",
    "event.retention": "טקסט אישי הוסר: פניות סגורות נשמרות {days} ימים ({count} טקסטים).",
    "event.erased": "{actor} מחק/ה לבקשה את הטקסט של {subject} ({count} טקסטים).",
    "event.message_deleted": "{actor} מחק/ה הודעה; הטקסט שלה הוסר מהפנייה.",
    "subject.person": "האדם {id}",
    "subject.client": "הלקוח {id}",
}

CATALOG: dict[str, dict[str, str]] = {"en": EN, "he": HE}


def text(language: str, key: str, **params: Any) -> Markup:
    """The catalog text for `key`, filled in; every text parameter that is not Markup is
    escaped. Falls back to English for a missing key."""
    return fill(CATALOG.get(language, EN).get(key) or EN[key], params)


def fill(template: str, params: dict[str, Any]) -> Markup:
    """`template` filled in; every text parameter that is not Markup is escaped."""
    safe = {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}
    return Markup(template.format(**safe).strip())


# Parameters that hold a stored value (e.g. "not_right", a deadline's "resolve") and are
# shown by their label.
LABELLED = ("status", "verdict", "trigger", "step")


def localized(language: str, key: str, params: dict[str, Any]) -> Markup:
    """Like `text`, showing stored values (status, verdict, trigger) by their label."""
    shown = dict(params)
    for name in LABELLED:
        if name in shown and shown[name]:
            shown[name] = text(language, f"{name}.{shown[name]}")
    return text(language, key, **shown)
