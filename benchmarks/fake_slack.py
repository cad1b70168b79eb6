"""The fake Slack Web API (`tests/fakes/slack_api.py`) in its own process, so the load
generator's CPU does not slow it, with a small control API the benchmark reads it through.

`python -m benchmarks.fake_slack --ready-file F [--latency S]` listens on two loopback ports
and writes `{"base_url", "control_url", "latency_mode"}` to F once both are up:

* the fake itself, populated with the workspace of `tests/slack/harness.py`;
* `GET /calls?since=N`: the recorded calls from index N on, in a compact form
  (method, channel, thread_ts, text, metadata key, whether it failed, time on this machine's
  monotonic clock, the same clock as `time.perf_counter` in every process on Linux), up to
  the first call the fake has not answered yet;
* `GET /info`: the DM channel ids of the workspace's people.

`--latency` uses the fake's own `latency` setting when it has one; an older fake gets the
delay from a wrapper around its request handler ("emulated" in the report).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import itertools
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.slack.checks import blocks_text
from tests.slack.harness import CLIENT, INTERNAL, INTERNAL_PEOPLE, populate

JSON = dict[str, Any]
EFFECT_EVENT_TYPE = "complaintbot_effect"
FAKE = web.AppKey("fake", FakeSlackAPI)
UNSETTLED_AFTER = 1.0  # seconds


def make_fake(latency: float) -> tuple[FakeSlackAPI, str]:
    """The fake with `latency` seconds added to every call, and how that was done."""
    if "latency" in inspect.signature(FakeSlackAPI).parameters:
        return FakeSlackAPI(latency=latency), "fake" if latency else "none"  # type: ignore[call-arg]
    fake = FakeSlackAPI()
    if latency <= 0:
        return fake, "none"
    handle = fake._handle_api

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(latency)
        return await handle(request)

    setattr(fake, "_handle_api", slow)  # noqa: B010 - routes bind it in start()
    return fake, "emulated"


def effect_key(params: JSON) -> str | None:
    """The key of Slack message metadata {"event_type": "complaintbot_effect", ...}, if any."""
    metadata = params.get("metadata")
    if isinstance(metadata, dict) and metadata.get("event_type") == EFFECT_EVENT_TYPE:
        payload = metadata.get("event_payload") or {}
        key = payload.get("key") if isinstance(payload, dict) else None
        return str(key) if key is not None else None
    return None


def to_monotonic(at: float) -> float:
    """The fake stamps calls with time.time(); turn that into perf_counter's clock."""
    wall, mono = time.time(), time.perf_counter()
    return at - (wall - mono) if abs(at - wall) < abs(at - mono) else at


def answered(call: Call) -> bool:
    """Whether the fake has settled the call (a fake without `status` settles at once); a
    call left unsettled for a second (its handler failed) does not hold back later ones."""
    return getattr(call, "status", 0) is not None or time.time() - call.at > UNSETTLED_AFTER


def did_not_work(call: Call) -> bool:
    """A scripted failure, or (fakes that record answers) an answer that was not ok."""
    return call.failed or (hasattr(call, "answer") and not getattr(call, "ok", True))


def compact(call: Call) -> JSON:
    params = call.params
    text = str(params.get("text") or "")
    if params.get("channel") == INTERNAL and not params.get("thread_ts"):
        text += "\n" + blocks_text(params.get("blocks"))  # the card: its summary is in blocks
    return {
        "method": call.method,
        "channel": params.get("channel"),
        "thread_ts": params.get("thread_ts"),
        "text": text,
        "key": effect_key(params),
        "at": to_monotonic(call.at),
        "failed": did_not_work(call),
    }


async def calls(request: web.Request) -> web.Response:
    fake = request.app[FAKE]
    since = int(request.query.get("since", "0"))
    recorded = list(itertools.takewhile(answered, fake.calls[since:]))  # later ones next time
    return web.json_response(
        {"calls": [compact(c) for c in recorded], "next": since + len(recorded)}
    )


async def info(request: web.Request) -> web.Response:
    fake = request.app[FAKE]
    people = (*INTERNAL_PEOPLE, CLIENT)
    return web.json_response({"dm": {user: fake.dm_id(user) for user in people}})


async def serve(ready_file: Path, latency: float) -> None:
    fake, mode = make_fake(latency)
    populate(fake)
    await fake.start()
    control = web.Application()
    control[FAKE] = fake
    control.router.add_get("/calls", calls)
    control.router.add_get("/info", info)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    ready = {
        "base_url": fake.base_url,
        "control_url": f"http://127.0.0.1:{port}/",
        "latency_mode": mode,
    }
    partial = ready_file.with_suffix(".part")
    partial.write_text(json.dumps(ready), encoding="utf-8")
    os.replace(partial, ready_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every call")
    args = parser.parse_args()
    asyncio.run(serve(args.ready_file, args.latency))


if __name__ == "__main__":
    main()
