"""The floor: a bare slack-bolt `AsyncApp` on aiohttp that verifies Slack's signature, acks
and does nothing else. Whatever the bot costs beyond this is the bot's own.

Run like the bot: `python -m benchmarks.floor --port P`, with SLACK_BOT_TOKEN,
SLACK_SIGNING_SECRET and SLACK_API_URL (the fake Web API, for Bolt's one `auth.test`).
Serves POST /slack/events and GET /healthz on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


async def _nothing() -> None:
    """A listener that does nothing, so Bolt answers 200 instead of 404."""


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def build() -> web.Application:
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    bolt = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,  # as the bot does; the listener is empty anyway
    )
    for event in ("message", "app_mention", "reaction_added"):
        bolt.event(event)(_nothing)
    app = bolt.web_app(path="/slack/events")
    app.router.add_get("/healthz", _healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
