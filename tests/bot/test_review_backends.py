"""The review reads the same on every store: the seeded firm (tests/history.py) on the
in-memory reference, TinyDB and PostgreSQL gives the same views and the same export."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.export import export_cases
from bot.review import load_view, view_json
from handlers.directory import Directory
from handlers.directory_file import load_directory
from handlers.review_request import ReviewRequest, parse_review
from storage.base import Store
from storage.memory import MemoryStore
from storage.postgres import PostgresStore
from storage.tinydb_store import TinyDBStore
from tests.history import NOW, seed_firm

from .conftest import EXAMPLE

WORDS = ("", "client acme", "client globex", "person dana", "person maya", "open", "changes")


async def everything(store: Store, directory: Directory) -> dict[str, Any]:
    """Every view as JSON, and the exports narrowed by client and date."""
    await store.open()
    try:
        await seed_firm(store, directory)
        views = {}
        for words in WORDS:
            request = parse_review(words, directory)
            assert isinstance(request, ReviewRequest)
            views[words] = view_json(await load_view(store, directory, request, NOW), directory)
        since = NOW - timedelta(days=25)
        exports = {
            "globex": json.loads(await export_cases(store, "json", client_id="globex")),
            "since": json.loads(await export_cases(store, "json", since=since)),
        }
        return {"views": views, "exports": exports}
    finally:
        await store.close()


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    return asyncio.run(everything(MemoryStore(), load_directory(EXAMPLE)))


async def test_tinydb_reads_the_review_as_the_reference(
    tmp_path: Path, reference: dict[str, Any]
) -> None:
    store = TinyDBStore(tmp_path / "complaintbot.json")
    assert await everything(store, load_directory(EXAMPLE)) == reference


async def test_postgres_reads_the_review_as_the_reference(
    pg_url: str, reference: dict[str, Any]
) -> None:
    store = PostgresStore(pg_url, pool_size=2)
    assert await everything(store, load_directory(EXAMPLE)) == reference


def test_the_reference_is_the_seeded_firm(reference: dict[str, Any]) -> None:
    portfolio = reference["views"][""]
    assert [c["band"] for c in portfolio["clients"]] == ["part_ways", "watch", "keep"]
    assert {case["client_id"] for case in reference["exports"]["globex"]["cases"]} == {"globex"}
    assert len(reference["exports"]["globex"]["cases"]) == 6
    since = [case["id"] for case in reference["exports"]["since"]["cases"]]
    assert since == ["C-0005", "C-0006", "C-0007", "C-0011", "C-0015", "C-0016"]  # <= 25 days
