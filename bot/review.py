"""The leads' review, read from the store: what each view needs, and nothing more.

Each view reads through the store's read side (`Store.open_for_review`,
`Store.person_history`: the window's cases of the person, only the fields the view reads);
a client and the change requests read `Store.case_history`: what it reads of each case
(`handlers.fit.ReviewCase`) with what its timeline tells (reopens, the last resolution),
which the store keeps beside the case, so no timeline and no whole case is read for the
history, whatever it holds. The portfolio reads only each client's totals of that history
(`Store.client_totals`), so its cost does not grow with the cases in the window.
The views themselves are built in the core (`handlers.review`); an adapter draws them,
and `complaintbot review --json` writes them with `view_json`.

A view is read and built with Python's cyclic garbage collector paused (`cycles_paused`):
a client's history of thousands of cases is tens of thousands of small objects and no
cycles, and the collector would otherwise walk the whole heap every other view (half the
time of `/review client` at 100k cases, scenario g). Reference counting frees them as ever.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import Any

from handlers import review, trend
from handlers.directory import Directory
from handlers.messages import Markup, plain
from handlers.review_request import ReviewRequest
from storage.base import Store

_pausing = 0  # views being loaded while `cycles_paused` holds the collector


@contextmanager
def cycles_paused() -> Iterator[None]:
    """The cyclic collector paused until the last overlapping view is loaded (views of
    several requests interleave at their awaits); one it finds paused is left to whoever
    paused it."""
    global _pausing
    if not _pausing and not gc.isenabled():
        yield
        return
    gc.disable()
    _pausing += 1
    try:
        yield
    finally:
        _pausing -= 1
        if not _pausing:
            gc.enable()


async def load_view(
    store: Store,
    directory: Directory,
    request: ReviewRequest,
    now: datetime,
    language: str | None = None,
) -> review.View:
    """The view `request` asks for, as of `now`."""
    with cycles_paused():
        return await _read_view(store, directory, request, now, language)


async def _read_view(
    store: Store, directory: Directory, request: ReviewRequest, now: datetime, language: str | None
) -> review.View:
    span = review.window(directory, now)
    if request.kind == "open":
        return review.open_review(await store.open_for_review(), directory, now, language)
    if request.kind == "changes":
        history = await store.case_history(span.since, span.until)
        return review.changes_review([f.case for f in history], directory, now, language)
    if request.kind == "person":
        assert request.subject is not None
        cases = await store.person_history(request.subject, span.since, span.until)
        return review.person_review(request.subject, cases, directory, now, language)
    if request.kind == "client":
        assert request.subject is not None
        history = await store.case_history(span.since, span.until, request.subject)
        return review.client_review(request.subject, history, directory, now, language)
    by_client, still_open = await asyncio.gather(
        store.client_totals(span.since, span.until), store.open_for_review()
    )
    return review.portfolio(by_client, still_open, directory, now, language)


async def load_trend(
    store: Store,
    directory: Directory,
    request: ReviewRequest,
    now: datetime,
    language: str | None = None,
) -> trend.Trend | None:
    """The chart's series for the views a picture helps (the portfolio, one client), from
    the totals of each client's cases by month, counted where the cases are
    (`Store.monthly_totals`): at 100k cases a portfolio's chart counts some 20,000."""
    if request.kind not in ("portfolio", "client"):
        return None
    span = review.window(directory, now)
    monthly = await store.monthly_totals(span.since, span.until, request.subject)
    return trend.trend(monthly, directory, span, language)


# --- JSON, for the firm's own dashboards ----------------------------------------------------


def view_json(view: review.View, directory: Directory) -> dict[str, Any]:
    """A view as JSON data: its fields by name, texts as plain text with people by name
    (their ids are in the fields beside them), times in ISO 8601, numbers as numbers."""

    name = directory.person_name

    def encode(value: Any) -> Any:
        if isinstance(value, Markup):
            return plain(value, name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, dict):
            return {str(k): encode(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [encode(v) for v in value]
        return value

    kind = {
        review.PortfolioView: "portfolio",
        review.ClientView: "client",
        review.PersonView: "person",
        review.OpenView: "open",
        review.ChangesView: "changes",
    }[type(view)]
    return {"view": kind, **encode(view)}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
