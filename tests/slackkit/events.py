"""Events API ``event`` objects (to wrap with :func:`tests.slackkit.signing.event_body`) for
the traffic that is easy to get wrong: edits, thread replies, files, and Slack Connect.

The shapes follow Slack's Events API reference and what Slack's SDKs model:

* a person's message carries ``team``; in a Slack Connect channel it also carries
  ``user_team`` (the writer's own organisation) and ``source_team`` (where it was sent
  from), which for a writer of the other organisation are not the workspace's team;
* an edit arrives twice: as ``message`` with subtype ``message_changed`` (the new message
  nested in ``message``, the old one in ``previous_message``), and, when the message
  mentions the bot, as ``app_mention`` again with an ``edited`` field (``{user, ts}``) and
  the original ``ts``; a message with replies carries ``thread_ts`` equal to its own ``ts``;
* a file shared with no words is ``message`` with subtype ``file_share``, ``text`` ``""``
  and a ``files`` list (each file with ``id``, ``name``, ``title``, ``permalink`` ...);
* ``reaction_added`` names the message by ``item.channel`` and ``item.ts`` alone, also for
  a reply in a thread (no ``thread_ts``), and carries no team of the reacting user.
"""

from __future__ import annotations

from typing import Any

from tests.slackkit.signing import TEAM_DOMAIN, TEAM_ID

JSON = dict[str, Any]


def _message_fields(
    channel: str,
    ts: str,
    text: str,
    user: str,
    team: str,
    thread_ts: str | None,
) -> JSON:
    fields: JSON = {
        "user": user,
        "text": text,
        "ts": ts,
        "team": team,
        "channel": channel,
        "event_ts": ts,
    }
    if team != TEAM_ID:  # from the other side of a Slack Connect channel
        fields.update(user_team=team, source_team=team)
    if thread_ts:
        fields["thread_ts"] = thread_ts
    return fields


def app_mention(
    channel: str,
    ts: str,
    text: str,
    *,
    user: str,
    team: str = TEAM_ID,
    thread_ts: str | None = None,
    edited_at: str | None = None,
) -> JSON:
    """An ``app_mention``; with ``edited_at`` the one Slack sends again after an edit."""
    event: JSON = {
        "type": "app_mention",
        **_message_fields(channel, ts, text, user, team, thread_ts),
    }
    if edited_at:
        event["edited"] = {"user": user, "ts": edited_at}
    return event


def message(
    channel: str,
    ts: str,
    text: str,
    *,
    user: str,
    team: str = TEAM_ID,
    thread_ts: str | None = None,
) -> JSON:
    """A person's plain message (``message.channels``)."""
    return {
        "type": "message",
        "channel_type": "channel",
        **_message_fields(channel, ts, text, user, team, thread_ts),
    }


def message_changed(before: JSON, text: str, edited_at: str) -> JSON:
    """The ``message_changed`` event for an edit of ``before`` (a :func:`message` or
    :func:`app_mention`) to ``text`` at ``edited_at``."""
    kept = {k: v for k, v in before.items() if k not in ("type", "channel", "event_ts")}
    previous = {"type": "message", **kept}
    after = {**previous, "text": text, "edited": {"user": before["user"], "ts": edited_at}}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": before["channel"],
        "channel_type": "channel",
        "ts": edited_at,
        "event_ts": edited_at,
        "message": after,
        "previous_message": previous,
    }


def shared_file(name: str, file_id: str, *, user: str) -> JSON:
    """A file object as it appears in a message's ``files``."""
    permalink = f"https://{TEAM_DOMAIN}.slack.com/files/{user}/{file_id}/{name}"
    return {
        "id": file_id,
        "created": 1_763_800_000,
        "timestamp": 1_763_800_000,
        "name": name,
        "title": name,
        "mimetype": "application/pdf",
        "filetype": "pdf",
        "pretty_type": "PDF",
        "user": user,
        "user_team": TEAM_ID,
        "editable": False,
        "size": 48_213,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": False,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{file_id}/{name}",
        "url_private_download": f"https://files.slack.com/files-pri/{TEAM_ID}-{file_id}/download/{name}",
        "permalink": permalink,
        "permalink_public": f"https://slack-files.com/{TEAM_ID}-{file_id}-0123456789",
        "has_rich_preview": False,
        "file_access": "visible",
    }


def file_share(
    channel: str,
    ts: str,
    files: list[JSON],
    *,
    user: str,
    text: str = "",
    team: str = TEAM_ID,
    thread_ts: str | None = None,
) -> JSON:
    """A ``message`` with subtype ``file_share``: ``files`` shared, with ``text`` (often none)."""
    return {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "channel",
        "files": files,
        "upload": False,
        "display_as_bot": False,
        **_message_fields(channel, ts, text, user, team, thread_ts),
    }


def reaction_added(
    channel: str, ts: str, *, user: str, item_user: str, reaction: str, event_ts: str
) -> JSON:
    """``user`` reacts to the message ``ts`` (top-level or a reply: Slack says not which)."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": item_user,
        "event_ts": event_ts,
    }
