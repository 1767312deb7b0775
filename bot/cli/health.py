"""`brandbot health`: is the bot running on this host alive? The container's HEALTHCHECK.

It asks `/healthz` where the bot's web server really listens, as `brandbot run` recorded it in the
database (`bot.web.listeners`), not where `WEB_PORT` says it might. Exit 0 with the URL on stdout,
else 1 with one line on stderr saying what failed: Docker reads 0 as healthy and 1 as unhealthy
(2 is reserved there), so a bad configuration is 1 here too, not the usual 2. Needs no X credentials.
"""

from __future__ import annotations

import socket
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from bot.cli.context import database_unreachable, fail
from bot.errors import ConfigError
from bot.settings import load_settings
from bot.store.coordination import pid_alive


def health_cmd(
    timeout: Annotated[int, typer.Option(min=1, help="Seconds to wait for the database, and for /healthz.")] = 3,
) -> None:
    """Exit 0 if this host's running bot answers /healthz on the port it bound, else 1 saying why."""
    from bot.web.health_probe import Unhealthy, check_running_bot

    try:
        settings = load_settings(require_x_credentials=False)
    except ConfigError as exc:
        fail("invalid configuration: " + "; ".join(exc.problems))
    try:
        url = check_running_bot(settings.database_url, hostname=socket.gethostname(), alive=pid_alive,
                                timeout=timeout)
    except Unhealthy as exc:
        fail(str(exc))
    except OperationalError as exc:
        database_unreachable(exc)
    except SQLAlchemyError as exc:  # a corrupt file, a permission refused: still one line, never a traceback
        fail(f"database error: {str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines()[0]}")
    typer.echo(f"healthy: {url}")
