"""The local playground: every flow in a browser, with no Slack or Teams account.

`complaintbot serve` turns it on when no platform credentials are set. It has no sign-in
(anyone who reaches the page can act as anyone in the directory), so it listens only on
loopback unless `--expose-playground` says otherwise, and then it warns.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from bot.settings import Settings
from handlers.errors import ConfigError


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost may resolve anywhere
        return False


@dataclass(frozen=True)
class Decision:
    on: bool
    line: str  # the one line `serve` prints at start
    warning: str = ""


def decide(settings: Settings, host: str, port: int, *, off: bool, expose: bool) -> Decision:
    """Whether `serve` runs the playground; ConfigError for a public host without the flag."""
    if off:
        return Decision(False, "playground: off (--no-playground)")
    if settings.slack_on or settings.teams_on:
        return Decision(False, "playground: off (platform credentials are set)")
    if not is_loopback(host) and not expose:
        raise ConfigError(
            "--host",
            f"{host} is not a loopback address, and anyone who can reach the playground "
            "can act as anyone in the directory",
            "serve on 127.0.0.1, pass --expose-playground to accept that, "
            "or --no-playground to turn it off",
        )
    shown = f"[{host}]" if ":" in host else host
    warning = ""
    if not is_loopback(host):
        warning = (
            f"warning: the playground is exposed on {host}: anyone who can reach port {port} "
            "can act as anyone in the directory, with no sign-in"
        )
    return Decision(True, f"playground: on at http://{shown}:{port}/", warning)
