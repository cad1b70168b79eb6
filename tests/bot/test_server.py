"""The server's own routes: /healthz and /metrics, one registry per runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.server import Runtime, build_app
from bot.settings import Settings
from handlers.directory import Directory
from handlers.model import Status
from storage.tinydb_store import TinyDBStore
from tests.storage.samples import T0, make_case, make_effects, make_event


class Failing:
    """An adapter with one route that breaks, to see a 500 counted."""

    platform = "failing"
    sink = None
    finishers: dict[str, object] = {}

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/boom", self.boom)

    async def boom(self, request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@pytest.fixture
async def runtime(store: TinyDBStore, directory: Directory) -> Runtime:
    runtime = Runtime(Settings(), directory, store)
    runtime.add(Failing())  # type: ignore[arg-type]
    return runtime


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(build_app(runtime))) as client:
        yield client


async def test_healthz_counts_every_case_final_ones_included(
    client: TestClient[web.Request, web.Application], store: TinyDBStore
) -> None:
    live, done = make_case(1), make_case(2)
    await store.create_case(live, [make_event(live)], make_effects(live))
    await store.create_case(done, [make_event(done)], [])
    await store.save_case(done.evolve(T0, status=Status.CLOSED), 0, [], [])
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["ok"] is True and body["cases"] == 2 and body["final"] == 1
    assert body["store"]["backend"] == "tinydb"


async def test_healthz_is_503_when_the_store_is_closed(
    client: TestClient[web.Request, web.Application], store: TinyDBStore
) -> None:
    await store.close()
    response = await client.get("/healthz")
    assert response.status == 503
    assert (await response.json())["ok"] is False


async def test_metrics_count_requests_and_time_them_by_route(
    client: TestClient[web.Request, web.Application], store: TinyDBStore
) -> None:
    case = make_case(1)
    await store.create_case(case, [], make_effects(case))
    await client.get("/healthz")
    await client.get("/healthz")
    assert (await client.get("/boom")).status == 500
    assert (await client.get("/nowhere")).status == 404
    response = await client.get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    text = await response.text()
    assert 'complaintbot_http_requests_total{method="GET",route="/healthz",status="200"} 2' in text
    assert 'complaintbot_http_requests_total{method="GET",route="/boom",status="500"} 1' in text
    assert 'route="unmatched",status="404"} 1' in text
    duration = "complaintbot_http_request_duration_seconds"
    assert f'{duration}_count{{method="GET",route="/healthz"}} 2' in text
    assert f'{duration}_bucket{{le="3.0",method="GET",route="/healthz"}} 2' in text
    assert "complaintbot_effects_pending 3.0" in text
    assert "complaintbot_effects_failed 0" in text
    assert "complaintbot_cases_opened_total 0.0" in text
    assert "_created" not in text


async def test_each_runtime_has_its_own_registry(
    runtime: Runtime, directory: Directory, tmp_path: Path
) -> None:
    other_store = TinyDBStore(tmp_path / "other.json")
    await other_store.open()
    other = Runtime(Settings(), directory, other_store)
    async with TestClient(TestServer(build_app(runtime))) as first:
        await first.get("/healthz")
    async with TestClient(TestServer(build_app(other))) as second:
        text = await (await second.get("/metrics")).text()
    assert 'route="/healthz"' not in text
    requests = "complaintbot_http_requests_total"
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    assert runtime.metrics.value(requests, **labels) == 1
    assert other.metrics.value(requests, **labels) == 0
    await other_store.close()
