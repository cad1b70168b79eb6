"""The `complaintbot` command: serve, check, export.

Start-up errors (settings, directory, store) print one line naming the key
and the fix, and exit with status 2 (bad configuration) or 1 (store).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.export import export_cases
from bot.logs import setup_logging
from bot.playground import decide
from bot.server import AdapterFactory, serve, start_runtime
from bot.settings import Settings, load_settings
from handlers.directory_file import load_directory
from handlers.errors import ConfigError, StorageError
from storage import open_store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="complaintbot", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the bot (one HTTP server)")
    run.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    run.add_argument("--port", type=int, default=3000)
    run.add_argument("--demo", action="store_true", help="seed demo cases into an empty store")
    run.add_argument("--no-playground", action="store_true", help="do not serve the playground")
    run.add_argument(
        "--expose-playground",
        action="store_true",
        help="allow the playground on a non-loopback --host (anyone there can act as anyone)",
    )
    commands.add_parser("check", help="validate settings and directory, print what is on")
    export = commands.add_parser("export", help="write every case as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    return parser


def adapter_factories(settings: Settings, playground: bool = False) -> list[AdapterFactory]:
    factories: list[AdapterFactory] = []
    if settings.slack_on:
        from bot.slack.adapter import SlackAdapter

        factories.append(SlackAdapter)
    if playground:
        from bot.playground.adapter import PlaygroundAdapter

        factories.append(PlaygroundAdapter)
    return factories


async def _serve(settings: Settings, args: argparse.Namespace) -> None:
    directory = load_directory(settings.directory_path)
    for line in settings.platform_lines():
        print(line, flush=True)
    playground = decide(
        settings, args.host, args.port, off=args.no_playground, expose=args.expose_playground
    )
    print(playground.line, flush=True)
    if playground.warning:
        print(playground.warning, file=sys.stderr, flush=True)
    runtime = await start_runtime(settings, directory, adapter_factories(settings, playground.on))
    if args.demo and playground.on:
        from bot.playground.demo import seed_demo

        await seed_demo(runtime)
    elif args.demo:
        print("demo: not seeded (its cases live in the playground, which is off)", flush=True)
    await serve(runtime, args.host, args.port, ready=lambda line: print(line, flush=True))


async def _export(settings: Settings, args: argparse.Namespace) -> None:
    store = open_store(settings.database_url)
    await store.open()
    try:
        text = await export_cases(store, args.format)
    finally:
        await store.close()
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


def _check(settings: Settings) -> None:
    directory = load_directory(settings.directory_path)
    print(
        f"directory: {settings.directory_path}: {len(directory.people)} people, "
        f"{len(directory.clients)} clients, language {directory.language}"
    )
    print(f"store: {settings.database_url}")
    for line in settings.platform_lines():
        print(line)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(settings.secrets())
        if args.command == "check":
            _check(settings)
        elif args.command == "export":
            asyncio.run(_export(settings, args))
        else:
            asyncio.run(_serve(settings, args))
    except ConfigError as err:
        print(f"complaintbot: {err}", file=sys.stderr)
        return 2
    except StorageError as err:
        print(f"complaintbot: store: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
