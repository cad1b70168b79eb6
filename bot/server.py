"""The one aiohttp server of `complaintbot serve`: health, metrics and the adapters' routes.

Start-up order: store, adapters, HTTP, then the inbox and outbox workers.
Shutdown (SIGTERM or SIGINT) runs it backwards: stop taking requests and let
those in flight finish, let the workers finish what they hold, then close the
adapters and the store. Triggers and effects not finished by then stay in the
store for the next start.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from bot.clock import Clock, clock_for
from bot.inbox import Finish, Inbox
from bot.metrics import CONTENT_TYPE, Metrics
from bot.outbox import Outbox, Sink
from bot.reminders import deadline_jobs
from bot.retention import kept_message_jobs, retention_jobs
from bot.scheduler import Scheduler
from bot.service import CaseService, utcnow
from bot.settings import Settings
from bot.worker import Answering
from handlers.directory import Directory
from storage import open_store
from storage.base import Store

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


class Adapter(Protocol):
    """A platform: its routes on the server, its sink for effects, and its lifetime."""

    @property
    def platform(self) -> str: ...

    @property
    def sink(self) -> Sink: ...

    @property
    def finishers(self) -> dict[str, Finish]:
        """The inbox kinds this adapter accepts, and what finishes each."""

    def mount(self, app: web.Application) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


AdapterFactory = Callable[["Runtime"], Adapter]


@dataclass
class Runtime:
    """Everything one running bot shares; adapters get it and nothing global."""

    settings: Settings
    directory: Directory
    store: Store
    metrics: Metrics = field(default_factory=Metrics)
    adapters: list[Adapter] = field(default_factory=list)
    clock: Clock = utcnow  # what every worker and the core read as now (`bot.clock`)

    def __post_init__(self) -> None:
        self.answering = Answering()
        self.outbox = Outbox(
            self.store,
            {},
            self.metrics,
            clock=self.clock,
            concurrency=self.settings.outbox_concurrency,
            answering=self.answering,
        )
        self.inbox = Inbox(self.store, clock=self.clock)
        self.service = CaseService(
            self.store, self.directory, self.metrics, self.clock, on_effects=self.outbox.wake
        )
        jobs = [
            *deadline_jobs(self.service),
            *retention_jobs(self.service),
            *kept_message_jobs(self.service),
        ]
        self.scheduler = Scheduler(self.store, jobs, clock=self.clock)
        self.outbox.on_failure = self.service.report_failure

    def address(self, platform: Callable[[Directory], Directory]) -> Directory:
        """Give the directory a platform's own addresses (the playground's, by directory
        id) for everyone who reads it from now on, the core's rules included."""
        self.directory = self.service.directory = platform(self.directory)
        return self.directory

    def add(self, adapter: Adapter) -> None:
        self.adapters.append(adapter)
        self.outbox.sinks[adapter.platform] = adapter.sink
        self.inbox.finishers.update(adapter.finishers)

    async def run_workers(self, stop: asyncio.Event) -> None:
        """The inbox, the outbox and the scheduler, until `stop`; each finishes what it holds."""
        await asyncio.gather(self.inbox.run(stop), self.outbox.run(stop), self.scheduler.run(stop))


RUNTIME = web.AppKey("runtime", Runtime)


@web.middleware
async def count_requests(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Count every request by route and status, and time its answer; background work
    gives way while it is answered (`Answering`)."""
    runtime = request.app[RUNTIME]
    metrics = runtime.metrics
    route = request.match_info.route.resource
    name = route.canonical if route else "unmatched"
    started = time.perf_counter()
    status: int | None = None  # stays None if the client went away (cancelled)
    try:
        with runtime.answering.answer():
            response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except Exception:
        status = 500
        raise
    finally:
        if status is not None:
            metrics.request(request.method, name, status, time.perf_counter() - started)


async def healthz(request: web.Request) -> web.Response:
    """The store's health and every case it holds, final ones included; 503 if unreadable."""
    runtime = request.app[RUNTIME]
    try:
        store = await runtime.store.health()
    except Exception as err:  # a health check reports, it does not crash
        store = {"ok": False, "error": str(err)}
    body = {
        "ok": bool(store.get("ok")),
        "cases": store.get("cases"),
        "final": store.get("final"),
        "store": store,
        "platforms": [a.platform for a in runtime.adapters],
    }
    return web.json_response(body, status=200 if body["ok"] else 503)


async def metrics(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    counts = await runtime.store.effect_counts()
    body = runtime.metrics.render(counts.get("pending", 0), counts.get("failed", 0))
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def build_app(runtime: Runtime) -> web.Application:
    app = web.Application(middlewares=[count_requests], client_max_size=MAX_BODY_BYTES)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    for adapter in runtime.adapters:
        adapter.mount(app)
    return app


async def start_runtime(
    settings: Settings,
    directory: Directory,
    adapters: list[AdapterFactory],
    store: Store | None = None,
    clock: Clock | None = None,
) -> Runtime:
    """The runtime, started; `clock` for tests (default: the settings' clock)."""
    store = store or open_store(settings.database_url, pool_size=settings.database_pool_size)
    await store.open()
    runtime = Runtime(settings, directory, store, clock=clock or clock_for(settings.clock_start))
    for factory in adapters:
        runtime.add(factory(runtime))
    for adapter in runtime.adapters:
        await adapter.start()
    return runtime


async def stop_runtime(runtime: Runtime) -> None:
    for adapter in reversed(runtime.adapters):
        try:
            await adapter.stop()
        except Exception:
            log.exception("stopping %s failed", adapter.platform)
    await runtime.store.close()


async def serve(
    runtime: Runtime,
    host: str,
    port: int,
    ready: Callable[[str], None] = print,
) -> None:
    """Serve until SIGTERM/SIGINT, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # No access log: a line per Slack event cost a fifth of the time of each ack, and
    # /metrics counts every request by route and status.
    runner = web.AppRunner(build_app(runtime), shutdown_timeout=10, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    ready(f"complaintbot listening on http://{host}:{port}")
    worker = asyncio.create_task(runtime.run_workers(stop))
    try:
        await stop.wait()
        log.info("shutting down: finishing requests in flight")
        await runner.cleanup()
        await worker
    finally:
        await stop_runtime(runtime)
        log.info("stopped")
