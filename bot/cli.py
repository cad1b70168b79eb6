"""The `complaintbot` command: serve, check, migrate, export, erase, review, teams-package.

Start-up errors (settings, directory, store, the port) print one line naming the
problem and the fix, and exit with status 2 (bad configuration) or 1 (store). `erase`
exits with status 3 when triggers still wait in the inbox, whose words it cannot reach
yet (`bot.erasure.waiting`): it is to be run again once the bot has opened them.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.erasure import erase, forget_kept, waiting
from bot.export import EARLIEST, LATEST, export_audit, export_cases
from bot.logs import setup_logging
from bot.playground import decide
from bot.review import dumps, load_view, view_json
from bot.server import AdapterFactory, serve, start_runtime
from bot.service import CaseService
from bot.settings import (
    DEFAULT_DATABASE,
    DEFAULT_DIRECTORY,
    DEFAULT_OUTBOX_CONCURRENCY,
    DEFAULT_POOL_SIZE,
    DEFAULT_SLACK_API,
    Settings,
    load_settings,
)
from handlers.directory import Actor, Directory
from handlers.directory_file import load_directory
from handlers.errors import ConfigError, SettingsError, StorageError
from handlers.messages import plain
from handlers.names import nearest
from handlers.redaction import Reason
from handlers.review_request import ReviewRefused, parse_review
from storage import check_store, display_url, open_store
from storage.base import Store

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
    export.add_argument(
        "--client",
        metavar="ID",
        help="only this client's cases, by its directory id (default: every client)",
    )
    export.add_argument(
        "--since",
        metavar="DATE",
        help="only cases opened on or after this date (YYYY-MM-DD, UTC) or ISO 8601 time "
        "(default: from the first case)",
    )
    export.add_argument(
        "--audit",
        action="store_true",
        help="write every timeline event instead, as JSON Lines: which case, when, who, "
        "what (default: off)",
    )
    erasing = command(
        "erase",
        "erase a person's or a client's words from every case, its timeline and pending "
        "messages, and record who erased them (stop `serve` first on a TinyDB store)",
    )
    subject = erasing.add_mutually_exclusive_group(required=True)
    subject.add_argument(
        "--person", metavar="ID", help="a person's directory id (default: none; this or --client)"
    )
    subject.add_argument(
        "--client", metavar="ID", help="a client's directory id (default: none; this or --person)"
    )
    erasing.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would change, change nothing (default: off)",
    )
    erasing.add_argument(
        "--by",
        default=getpass.getuser(),
        help="who asks for it, for the audit line (default: this user, %(default)s)",
    )
    review = command(
        "review",
        "write the leads' review as JSON for dashboards: the portfolio, or one client, "
        "one person, the open cases or the change requests (works while `serve` runs)",
    )
    review.add_argument(
        "--json",
        action="store_true",
        help="write JSON: required, the review's only form on the command line (default: off)",
    )
    review.add_argument(
        "words",
        nargs="*",
        metavar="client NAME | person ID | open | changes",
        help="which view (default: the portfolio)",
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


def _since(value: str | None) -> datetime | None:
    """--since as an aware time: a date is its midnight in UTC, a time without zone UTC."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            "--since",
            f"{value!r} is not a date",
            "write it as YYYY-MM-DD or an ISO 8601 time, e.g. --since 2024-03-01",
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def _check_client(store: Store, directory: Directory, client_id: str) -> None:
    """A client of the directory, or one removed from it whose cases the store still has."""
    if client_id in directory.clients:
        return
    if await store.cases_opened(EARLIEST, LATEST, client_id):
        return
    names = {c.id: c.id for c in directory.clients.values()}
    names.update({c.name: c.id for c in directory.clients.values()})
    close = [names[n] for n in nearest(client_id, names, n=1)]
    example = close[0] if close else next(iter(directory.clients), "acme")
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ConfigError(
        "--client",
        f"no client {client_id!r} in the directory or the store",
        f"use a client's directory id{hint}, e.g. --client {example}",
    )


async def _export(settings: Settings, args: argparse.Namespace) -> None:
    since = _since(args.since)
    directory = load_directory(settings.directory_path) if args.client is not None else None
    store = open_store(settings.database_url, read_only=True)
    await store.open()
    try:
        if directory is not None:
            await _check_client(store, directory, args.client)
        if args.audit:
            text = await export_audit(store, client_id=args.client, since=since)
        else:
            text = await export_cases(
                store, args.format, bom=args.bom, client_id=args.client, since=since
            )
    finally:
        await store.close()
    _write(text, args.output)


ERASE_INCOMPLETE = 3  # exit status: triggers wait in the inbox, out of the erasure's reach


async def _erase(settings: Settings, args: argparse.Namespace) -> int:
    directory = load_directory(settings.directory_path)
    reason: Reason = "person" if args.person is not None else "client"
    subject = args.person if args.person is not None else args.client
    store = open_store(settings.database_url, pool_size=1, read_only=args.dry_run)
    await store.open()
    try:
        if reason == "client":
            await _check_client(store, directory, subject)
        elif subject not in directory.people and not await store.cases_of_person(subject):
            close = nearest(subject, list(directory.people), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            example = close[0] if close else next(iter(directory.people), "dana")
            raise ConfigError(
                "--person",
                f"no person {subject!r} in the directory or the store",
                f"use a person's directory id{hint}, e.g. --person {example}",
            )
        service = CaseService(store, directory)
        by = Actor("cli", args.by, args.by)
        erased = await erase(service, reason, subject, by, dry_run=args.dry_run)
        kept = await forget_kept(store, directory, reason, subject, dry_run=args.dry_run)
        pending = await waiting(store)
    finally:
        await store.close()
    verb = "would erase" if args.dry_run else "erased"
    for case in erased:
        print(f"{case.case_id}: {verb} the text of {reason} {subject} (texts: {case.texts})")
    print(f"cases: {len(erased)}; {verb} the text of {reason} {subject}")
    print(f"messages kept for a later flag: {kept}; {verb}")
    if not pending:
        return 0
    print(
        "complaintbot: erase: triggers still waiting in the inbox to become cases: "
        f"{len(pending)} (the oldest received "
        f"{pending[0].received_at.isoformat(timespec='seconds')}); "
        "what they carry is not erased yet: run this erase again once the bot has opened "
        "them (serve must be running and reach its platform)",
        file=sys.stderr,
    )
    return ERASE_INCOMPLETE


async def _review(settings: Settings, args: argparse.Namespace) -> None:
    words = " ".join(args.words)
    if not args.json:
        raise ConfigError(
            "--json",
            "the review is written as JSON only here (leads see it in Slack, Teams or the "
            "playground)",
            f"add --json, e.g. complaintbot review --json {words}".rstrip(),
        )
    directory = load_directory(settings.directory_path)
    request = parse_review(words, directory)
    if isinstance(request, ReviewRefused):
        reason, *rest = plain(request.text, directory.person_name).splitlines()
        raise ConfigError(f"review {words}".strip(), reason.rstrip("."), " ".join(rest))
    store = open_store(settings.database_url, read_only=True)
    await store.open()
    try:
        view = await load_view(store, directory, request, datetime.now(UTC))
    finally:
        await store.close()
    _write(dumps(view_json(view, directory)), STDOUT)


def _write(text: str, output: str) -> None:
    data = text.encode("utf-8")
    if output == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with open(output, "wb") as out:
            out.write(data)
    except OSError as err:
        raise ConfigError(
            "--output", f"cannot write {output} ({err.strerror})", "choose another file"
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
        elif args.command == "erase":
            return asyncio.run(_erase(settings, args))
        elif args.command == "review":
            asyncio.run(_review(settings, args))
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
