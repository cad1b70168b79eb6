"""The `complaintbot` command: serve, check, migrate, export, teams-package.

Start-up errors (settings, directory, store, the port) print one line naming the
problem and the fix, and exit with status 2 (bad configuration) or 1 (store).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.export import export_cases
from bot.logs import setup_logging
from bot.playground import decide
from bot.server import AdapterFactory, serve, start_runtime
from bot.settings import (
    DEFAULT_DATABASE,
    DEFAULT_DIRECTORY,
    DEFAULT_OUTBOX_CONCURRENCY,
    DEFAULT_POOL_SIZE,
    DEFAULT_SLACK_API,
    Settings,
    load_settings,
)
from handlers.directory_file import load_directory
from handlers.errors import ConfigError, SettingsError, StorageError
from storage import check_store, display_url, open_store

STDOUT = "-"

ENVIRONMENT = f"""\
settings, from the environment:
  COMPLAINTBOT_DATABASE_URL  the store: a file (TinyDB, one process) or a postgresql://
                             URL that replicas share (default: {DEFAULT_DATABASE})
  COMPLAINTBOT_DATABASE_POOL_SIZE
                             PostgreSQL connections per process (default: {DEFAULT_POOL_SIZE})
  COMPLAINTBOT_OUTBOX_CONCURRENCY
                             effects in flight per process (default: {DEFAULT_OUTBOX_CONCURRENCY})
  COMPLAINTBOT_DIRECTORY     the directory file (default: {DEFAULT_DIRECTORY})
  SLACK_BOT_TOKEN            with SLACK_SIGNING_SECRET: Slack over HTTP (default: unset, off)
  SLACK_APP_TOKEN            Slack over Socket Mode instead of HTTP (default: unset)
  SLACK_API_URL              Slack's Web API (default: {DEFAULT_SLACK_API})
  MICROSOFT_APP_ID           with MICROSOFT_APP_PASSWORD: Teams (default: unset, off)
  MICROSOFT_APP_TENANT_ID    a single-tenant app's tenant (default: unset, multi-tenant)
  TEAMS_LOCAL                1: Teams with no app id, UNAUTHENTICATED, for local emulators
                             (default: unset)
"""
SEE_ENVIRONMENT = "settings come from the environment: see `complaintbot --help`"


def _version() -> str:
    try:
        return version("complaintbot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="complaintbot",
        description="A Slack bot that turns a client's complaint into a fair, short-lived case.",
        epilog=ENVIRONMENT,
        formatter_class=raw,
    )
    parser.add_argument("--version", action="version", version=f"complaintbot {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, about: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=about, description=about, epilog=SEE_ENVIRONMENT, formatter_class=raw
        )

    run = command("serve", "run the bot: one HTTP server for the platforms and the playground")
    run.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)"
    )
    run.add_argument("--port", type=int, default=3000, help="port (default: %(default)s)")
    run.add_argument(
        "--demo", action="store_true", help="seed demo cases into an empty store (default: off)"
    )
    run.add_argument(
        "--no-playground",
        action="store_true",
        help="do not serve the playground (default: on when no platform credentials are set)",
    )
    run.add_argument(
        "--expose-playground",
        action="store_true",
        help="allow the playground on a non-loopback --host, where anyone who reaches it "
        "can act as anyone (default: off)",
    )
    command("check", "validate the settings, the directory and the store; say what is on")
    command(
        "migrate",
        "bring the store's schema up to date (serve does it at start; safe beside replicas)",
    )
    export = command("export", "write every case as CSV or JSON (works while `serve` runs)")
    export.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="what to write (default: %(default)s)",
    )
    export.add_argument(
        "--output",
        "-o",
        default=STDOUT,
        metavar="FILE",
        help="file to write, or - for standard output (default: %(default)s)",
    )
    export.add_argument(
        "--bom",
        action="store_true",
        help="start the CSV with a UTF-8 byte order mark, so Excel shows Hebrew right "
        "(default: off)",
    )
    teams = command(
        "teams-package", "write the Teams app package (manifest.json and icons) to upload to Teams"
    )
    teams.add_argument(
        "--output",
        "-o",
        default="complaintbot-teams.zip",
        metavar="FILE",
        help="the zip to write (default: %(default)s)",
    )
    teams.add_argument(
        "--host", default=None, help="the bot's public host, for validDomains (default: none)"
    )
    return parser


def _teams_package(args: argparse.Namespace) -> None:
    """Needs only MICROSOFT_APP_ID: a package is made where the password may not be."""
    from bot.teams.package import build_package

    app_id = os.environ.get("MICROSOFT_APP_ID", "").strip()
    if not app_id:
        raise SettingsError(
            "MICROSOFT_APP_ID",
            "is not set, and a Teams app package is made for one app id",
            "set it to your Azure Bot's Microsoft App ID (a GUID, on its Configuration page)",
        )
    try:
        path = build_package(app_id, Path(args.output), host=args.host)
    except OSError as err:
        raise ConfigError(
            "--output", f"cannot write {args.output} ({err.strerror or err})", "choose another file"
        ) from err
    print(f"teams package: {path} (upload it to Teams as a custom app)")


def adapter_factories(settings: Settings, playground: bool = False) -> list[AdapterFactory]:
    factories: list[AdapterFactory] = []
    if settings.slack_on:
        from bot.slack.adapter import SlackAdapter

        factories.append(SlackAdapter)
    if settings.teams_on:
        from bot.teams.adapter import TeamsAdapter

        factories.append(TeamsAdapter)
    if playground:
        from bot.playground.adapter import PlaygroundAdapter

        factories.append(PlaygroundAdapter)
    return factories


async def _serve(settings: Settings, args: argparse.Namespace) -> None:
    directory = load_directory(settings.directory_path)
    for line in settings.platform_lines():
        print(line, flush=True)
    if settings.clock_line():
        print(settings.clock_line(), flush=True)
    if settings.teams_unauthenticated:
        from bot.teams.adapter import UNAUTHENTICATED

        print(UNAUTHENTICATED, file=sys.stderr, flush=True)
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
    listening = False

    def ready(line: str) -> None:
        nonlocal listening
        listening = True
        print(line, flush=True)

    try:
        await serve(runtime, args.host, args.port, ready=ready)
    except OSError as err:
        if listening:
            raise
        raise ConfigError(
            f"--host {args.host} --port {args.port}",
            f"cannot listen there ({err.strerror or err})",
            "stop whatever uses that port, or choose another with --port",
        ) from err


async def _export(settings: Settings, args: argparse.Namespace) -> None:
    store = open_store(settings.database_url, read_only=True)
    await store.open()
    try:
        text = await export_cases(store, args.format, bom=args.bom)
    finally:
        await store.close()
    data = text.encode("utf-8")
    if args.output == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with open(args.output, "wb") as out:
            out.write(data)
    except OSError as err:
        raise ConfigError(
            "--output", f"cannot write {args.output} ({err.strerror})", "choose another file"
        ) from err


async def _check(settings: Settings) -> None:
    directory = load_directory(settings.directory_path)
    print(
        f"directory: {settings.directory_path}: {len(directory.people)} people, "
        f"{len(directory.clients)} clients, language {directory.language}"
    )
    where = display_url(settings.database_url)
    print(f"store: {where}: {await check_store(settings.database_url)}")
    for line in settings.platform_lines():
        print(line)


async def _migrate(settings: Settings) -> None:
    """Open the store for writing, which brings its schema (or its files) up to date."""
    store = open_store(settings.database_url, pool_size=1)
    await store.open()
    await store.close()
    where = display_url(settings.database_url)
    print(f"store: {where}: {await check_store(settings.database_url)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "export" and args.bom and args.format != "csv":
        parser.error("--bom is for CSV only (JSON has no byte order mark)")
    try:
        if args.command == "teams-package":  # before the settings: no password needed here
            _teams_package(args)
            return 0
        settings = load_settings()
        setup_logging(settings.secrets())
        if args.command == "check":
            asyncio.run(_check(settings))
        elif args.command == "migrate":
            asyncio.run(_migrate(settings))
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
