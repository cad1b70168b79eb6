"""A person's own record in the core: only the cases that name them, and what they say."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from handlers.commands import Assess, WaiveAccount
from handlers.directory import Actor, Directory
from handlers.messages import mention, text
from handlers.model import Case, Verdict
from handlers.outcome import Outcome
from handlers.record import my_record
from tests.handlers.conftest import ACCOUNT_TEXT, SOURCE_TEXT


def test_the_record_shows_the_named_persons_case_with_the_backing(
    heard: Case, run: Callable[..., Outcome], maya: Actor, directory: Directory
) -> None:
    backed = run(Assess(heard.id, maya, Verdict.NOT_RIGHT, "agreed in writing"), heard).case
    record = my_record("dana", [backed], directory)
    assert record.startswith(text("en", "record.title", count=1))
    assert heard.id in record and "Acme Corp" in record and ACCOUNT_TEXT in record
    assert SOURCE_TEXT.strip() in record
    assert text("en", "record.backed", by=mention("maya")) in record
    assert my_record("eli", [backed], directory) == text("en", "record.none")  # not named
    assert my_record("maya", [backed], directory) == text("en", "record.none")  # manager only


def test_a_waived_account_and_hebrew(
    opened: Case, run: Callable[..., Outcome], maya: Actor, directory: Directory
) -> None:
    waived = run(WaiveAccount(opened.id, maya, "dana", "on leave"), opened).case
    hebrew = replace(directory, language="he")
    record = my_record("dana", [waived], hebrew)
    assert text("he", "record.waived", by=mention("maya"), text="on leave") in record
    assert text("he", "record.no_verdict") in record
