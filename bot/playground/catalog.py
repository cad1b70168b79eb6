"""The playground's own words (its page, personas, channels), in English and Hebrew.

They are the playground's, not the product's: the core's catalog (`handlers.messages`)
holds what every platform says; these only what this page shows around it. Same rules:
`say` escapes what goes in, and a key missing in one language falls back to English.
"""

from __future__ import annotations

from typing import Any

from handlers.messages import Markup, fill

EN: dict[str, str] = {
    "title": "complaintbot playground",
    "tagline": "Try every flow as anyone in the directory. Nothing leaves this computer.",
    "persona": "Acting as",
    "contacts": "Client contacts",
    "firm": "The firm",
    "contact": "Client contact ({client})",
    "role_client": "client contact",
    "role_employee": "employee",
    "role_manager": "manager",
    "role_account_manager": "account manager",
    "role_lead": "lead",
    "channels": "Channels",
    "direct_messages": "Direct messages",
    "topic_client": "Shared with {client}: the client sees everything here.",
    "topic_internal": "The firm only: case cards and their timelines.",
    "topic_dm": "complaintbot tells you here when a case needs you. Act on it from its card or thread.",
    "members": "Members: {people}",
    "message_label": "Message {channel}",
    "reply_label": "Reply in thread",
    "send": "Send",
    "hint": "To raise a complaint, mention @complaintbot and the people involved (@name), or type /complaint.",
    "hint_dm": "A complaint by phone or mail? Type /complaint (and @name the people involved) to log it in the client's channel.",
    "thread": "Thread",
    "close_thread": "Close thread",
    "open_thread": "Reply",
    "reply_one": "1 reply",
    "replies": "{count} replies",
    "flag": "Flag as a complaint ({emoji})",
    "reacted": "{emoji} by {people}",
    "only_you": "Only visible to you",
    "dismiss": "Dismiss",
    "empty": "No messages yet.",
    "timeline": "Timeline",
    "unread": "{count} new",
    "live": "Live",
    "reconnecting": "Reconnecting…",
    "skip": "Skip to the conversation",
    "bot_badge": "bot",
    "actions": "Actions on case {case_id}",
    "close": "Close",
}

HE: dict[str, str] = {
    "title": "סביבת ההדגמה של complaintbot",
    "tagline": "נסו כל תהליך בתור כל אחד מספר הכתובות. שום דבר לא יוצא מהמחשב הזה.",
    "persona": "פועלים בתור",
    "contacts": "נציגי לקוחות",
    "firm": "החברה",
    "contact": "נציג/ת הלקוח ({client})",
    "role_client": "נציג/ת לקוח",
    "role_employee": "עובד/ת",
    "role_manager": "מנהל/ת",
    "role_account_manager": "מנהל/ת לקוח",
    "role_lead": "ראש צוות",
    "channels": "ערוצים",
    "direct_messages": "הודעות ישירות",
    "topic_client": "משותף עם {client}: הלקוח רואה את כל מה שנכתב כאן.",
    "topic_internal": "לאנשי החברה בלבד: כרטיסי הפניות וציר הזמן שלהן.",
    "topic_dm": "כאן complaintbot מעדכן כשפנייה צריכה אותך. הפעולות נעשות מכרטיס הפנייה או מהשרשור שלה.",
    "members": "חברים בערוץ: {people}",
    "message_label": "הודעה ב-{channel}",
    "reply_label": "תגובה בשרשור",
    "send": "שליחה",
    "hint": "כדי להגיש תלונה, תייגו את ‎@complaintbot ואת המעורבים (‎@שם), או הקלידו ‎/complaint.",
    "hint_dm": "תלונה בטלפון או בדואר? הקלידו ‎/complaint (ותייגו ‎@שם את המעורבים) כדי לרשום אותה בערוץ של הלקוח.",
    "thread": "שרשור",
    "close_thread": "סגירת השרשור",
    "open_thread": "תגובה",
    "reply_one": "תגובה אחת",
    "replies": "{count} תגובות",
    "flag": "סימון כתלונה ({emoji})",
    "reacted": "{emoji} מאת {people}",
    "only_you": "גלוי רק לך",
    "dismiss": "הסתרה",
    "empty": "אין עדיין הודעות.",
    "timeline": "ציר הזמן",
    "unread": "{count} חדשות",
    "live": "מחובר",
    "reconnecting": "מתחבר מחדש…",
    "skip": "דילוג לשיחה",
    "bot_badge": "בוט",
    "actions": "פעולות על פנייה {case_id}",
    "close": "סגירה",
}

CATALOG = {"en": EN, "he": HE}


def say(language: str, key: str, **params: Any) -> Markup:
    """The page's text for `key`, filled in, every parameter escaped."""
    return fill(CATALOG.get(language, EN).get(key) or EN[key], params)


def page_words(language: str) -> dict[str, str]:
    """Every word of the page, unfilled, for its script."""
    return {key: CATALOG.get(language, EN).get(key) or EN[key] for key in EN}
