"""`brandbot health`'s two steps: find this host's running bot in the database, then ask its `/healthz`.

Read only: nothing is migrated, written or created (a missing SQLite file is reported, not made).
Every wait is bounded by `timeout`, so a container's health check answers within its own limit.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from bot.errors import BotError
from bot.store.db import make_engine, session_scope
from bot.store.models import WebListener
from bot.web.listeners import healthz_url, running_listener


class Unhealthy(BotError):
    """The running bot cannot be found, or its `/healthz` does not answer 200; the message says which."""


def find_listener(database_url: str, *, hostname: str, alive: Callable[[int], bool], timeout: int) -> WebListener:
    """The web server of the bot running on `hostname`, as recorded in the database (see `bot.web.listeners`).

    Raises `Unhealthy` when none is recorded; an unreachable database is SQLAlchemy's `OperationalError`.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path in ("", ":memory:") or not Path(path).is_file():
            raise Unhealthy(f"no database file {path or '(in memory)'!r} (DATABASE_URL): no bot has run here yet")
    engine = make_engine(database_url, wait_seconds=timeout, read_only=True)
    try:
        if not inspect(engine).has_table(WebListener.__tablename__):
            raise Unhealthy("the database has no record of web servers yet: `brandbot run` adds it when it starts "
                            "(schema migration 0003)")
        with session_scope(engine) as session:
            listener = running_listener(session, hostname=hostname, alive=alive)
    finally:
        engine.dispose()
    if listener is None:
        raise Unhealthy(f"no running bot on host {hostname!r} has recorded a web server in the database: is "
                        "`brandbot run` up, with its dashboard (not --no-web)?")
    return listener


def probe_healthz(url: str, *, timeout: float) -> None:
    """GET `url`; returns if it answers 200 within `timeout` seconds, else raises `Unhealthy` saying what happened.

    Proxies are never used (a loopback address through HTTP_PROXY would ask the proxy, not the bot).
    """
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        raise Unhealthy(_failure(url, exc.reason, timeout)) from None
    except (OSError, http.client.HTTPException) as exc:  # timeout while reading, connection reset, not HTTP
        raise Unhealthy(_failure(url, exc, timeout)) from None
    if status != 200:
        raise Unhealthy(f"GET {url} answered {status}, not 200")


def _failure(url: str, reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"GET {url}: no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return f"GET {url}: connection refused (nothing listens there)"
    detail = str(reason) or type(reason).__name__
    return f"GET {url}: {detail}"


def check_running_bot(database_url: str, *, hostname: str, alive: Callable[[int], bool], timeout: int) -> str:
    """The `/healthz` URL of the bot running on `hostname` once it answered 200; else `Unhealthy` says what failed."""
    listener = find_listener(database_url, hostname=hostname, alive=alive, timeout=timeout)
    url = healthz_url(listener)
    try:
        probe_healthz(url, timeout=timeout)
    except Unhealthy as exc:
        since = listener.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        raise Unhealthy(f"{exc} (bot {listener.worker} bound {listener.host}:{listener.port} at {since})") from None
    return url
