"""A round-robin HTTP reverse proxy in front of several `complaintbot serve` replicas.

`python -m benchmarks.proxy --ready-file F --upstream http://127.0.0.1:P1 --upstream ...`
listens on a free loopback port and writes `{"url": ...}` to F once it does. Each request
goes to the next upstream in turn; its method, path, query, headers and body are passed on
unchanged (Slack's `X-Slack-Signature` and `X-Slack-Request-Timestamp` included, and the
body byte for byte, so Bolt's signature check passes or fails exactly as it would without
the proxy). Only hop-by-hop headers (RFC 9110 §7.6.1) are dropped, and `Content-Length` is
set again to the same length. Answers come back the same way. An upstream that cannot be
reached answers 502.

`GET /_proxy/stats` (answered by the proxy itself) counts requests and errors per upstream.

It runs in a process of its own, not in the load generator's: on a 2-CPU machine the
generator's clock (which times every ack) must not wait behind forwarding work, and a real
deployment's load balancer is a separate hop too. Its cost shows in the floor measured
behind the same proxy.

`python -m benchmarks.proxy --self-check` starts two echo upstreams and the proxy in one
process and checks that a signed Slack request reaches an upstream unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",  # set again from the body, which is unchanged
    }
)
UPSTREAMS = web.AppKey("upstreams", list)
STATE = web.AppKey("state", dict)


def _forwardable(headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> CIMultiDict[str]:
    """The headers minus hop-by-hop ones (and any named in `Connection`), order and
    repeats kept."""
    named = {
        token.strip().lower()
        for value in headers.getall("Connection", [])
        for token in value.split(",")
    }
    out: CIMultiDict[str] = CIMultiDict()
    for key, value in headers.items():
        low = key.lower()
        if low not in HOP_BY_HOP and low not in named:
            out.add(key, value)
    return out


async def forward(request: web.Request) -> web.StreamResponse:
    app = request.app
    state = app[STATE]
    upstream: str = next(state["turn"])
    body = await request.read()
    session: aiohttp.ClientSession = state["session"]
    headers = _forwardable(request.headers)
    try:
        async with session.request(
            request.method,
            upstream + request.rel_url.raw_path_qs,
            headers=headers,
            data=body if body else None,
            allow_redirects=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        ) as answer:
            payload = await answer.read()
            out = web.Response(status=answer.status, reason=answer.reason, body=payload)
            out.headers.clear()
            out.headers.extend(_forwardable(answer.headers))
    except (aiohttp.ClientError, TimeoutError) as err:
        state["errors"][upstream] += 1
        return web.Response(status=502, text=f"proxy: {upstream}: {type(err).__name__}\n")
    state["requests"][upstream] += 1
    return out


async def stats(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return web.json_response(
        {
            "upstreams": request.app[UPSTREAMS],
            "requests": dict(state["requests"]),
            "errors": dict(state["errors"]),
        }
    )


async def _session(app: web.Application) -> AsyncIterator[None]:
    state = app[STATE]
    state["session"] = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30),
        timeout=aiohttp.ClientTimeout(total=60),
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    yield
    await state["session"].close()


def build(upstreams: list[str]) -> web.Application:
    if not upstreams:
        raise ValueError("the proxy needs at least one upstream")
    upstreams = [u.rstrip("/") for u in upstreams]
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app[UPSTREAMS] = upstreams
    app[STATE] = {
        "turn": itertools.cycle(upstreams),
        "requests": Counter(),
        "errors": Counter(),
    }
    app.cleanup_ctx.append(_session)
    app.router.add_get("/_proxy/stats", stats)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


async def start(upstreams: list[str], port: int = 0) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(build(upstreams), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def serve(ready_file: Path, upstreams: list[str]) -> None:
    runner, url = await start(upstreams)
    partial = ready_file.with_suffix(".part")
    partial.write_text(json.dumps({"url": url}), encoding="utf-8")
    os.replace(partial, ready_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------ self-check


async def self_check() -> None:
    """Two echo upstreams behind the proxy: a signed Slack request arrives unchanged,
    requests alternate, and the answer's status, headers and body come back."""
    from tests.slackkit.signing import JSON_CONTENT, sign

    seen: list[tuple[str, str, str, CIMultiDict[str], bytes]] = []

    def echo(name: str) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            seen.append(
                (name, request.method, request.rel_url.raw_path_qs,
                 CIMultiDict(request.headers), await request.read())
            )  # fmt: skip
            return web.Response(status=201, body=b"\x00ok\xff", headers={"X-Echo": name})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        return app

    runners = []
    urls = []
    for name in ("one", "two"):
        runner = web.AppRunner(echo(name), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        urls.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
    proxy, url = await start(urls)
    body = '{"type":"event_callback","event":{"text":"שלום \\u00e9"}}'.encode()
    signed = sign(body, "secret")
    try:
        async with aiohttp.ClientSession() as session:
            for n in range(4):
                headers = {"Content-Type": JSON_CONTENT, **signed, "X-Extra": f"x{n}"}
                async with session.post(
                    f"{url}/slack/events?a=1&b=%20", data=body, headers=headers
                ) as answer:
                    assert answer.status == 201, answer.status
                    assert await answer.read() == b"\x00ok\xff"
                    assert answer.headers["X-Echo"] == ("one", "two")[n % 2]
            async with session.get(f"{url}/_proxy/stats") as answer:
                counted = (await answer.json())["requests"]
    finally:
        await proxy.cleanup()
        for runner in runners:
            await runner.cleanup()
    assert [s[0] for s in seen] == ["one", "two", "one", "two"], seen
    for n, (_, method, path, headers, got) in enumerate(seen):
        assert method == "POST" and path == "/slack/events?a=1&b=%20", (method, path)
        assert got == body, got
        for key, value in signed.items():
            assert headers[key] == value, (key, headers.get(key))
        assert headers["Content-Type"] == JSON_CONTENT
        assert headers["X-Extra"] == f"x{n}"
        assert headers["Content-Length"] == str(len(body))
    assert counted == {urls[0]: 2, urls[1]: 2}, counted
    print("proxy self-check: ok (4 signed requests forwarded unchanged, round robin)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-file", type=Path)
    parser.add_argument("--upstream", action="append", default=[], help="base URL, repeatable")
    parser.add_argument("--self-check", action="store_true")
    args = parser.parse_args()
    if args.self_check:
        asyncio.run(self_check())
        return
    if not args.ready_file or not args.upstream:
        parser.error("--ready-file and at least one --upstream are required")
    asyncio.run(serve(args.ready_file, args.upstream))


if __name__ == "__main__":
    sys.exit(main())
