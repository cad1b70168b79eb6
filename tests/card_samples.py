"""The small firm and the case that the card renderers are tested with, on any platform.

Each platform's tests address the firm their own way (`Directory.addressed`) and take
the same case, so Block Kit and Adaptive Cards are checked against one set of facts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.directory import Actor, Client, Directory, Person
from handlers.model import Case, MessageRef, Severity, Statement, Status

NOW = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)

FIRM = Directory(
    people={
        "dana": Person("dana", "Dana Levi", manager="maya"),
        "eli": Person("eli", "Eli Shani", manager="maya"),
        "maya": Person("maya", "Maya Cohen", manager="ron"),
        "ron": Person("ron", "Ron Bar", roles=frozenset({"lead"})),
        "avi": Person("avi", "Avi Katz", manager="ron"),
    },
    clients={"acme": Client("acme", "Acme Corp", account_manager="avi")},
)


def make_case(source: MessageRef, reporter: Actor, client: Actor, **changes: Any) -> Case:
    """Case C-0042: Acme's client says a report came late; Dana is named, Maya manages her."""
    case = Case(
        id="C-0042",
        client_id="acme",
        source=source,
        reporter=reporter,
        raised_by=client,
        affected=("dana",),
        managers=("maya",),
        account_manager="avi",
        category="delay",
        severity=Severity.HIGH,
        summary="The quarterly report came two weeks late.",
        status=Status.INVESTIGATING,
        created_at=NOW,
        updated_at=NOW,
        due_at=NOW + timedelta(days=2),
        client_statements=(Statement(client, "It was late and wrong.", NOW),),
    )
    return replace(case, **changes)
