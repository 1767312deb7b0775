"""Where each bot process's web server listens: a row when its socket is bound, closed when it stops.

`brandbot run` records the address its socket actually has, which is what the environment cannot
tell another process: `--web-port` overrides `WEB_PORT`, a `.env` file is read by the bot alone, and
`WEB_PORT=0` lets the OS pick. `brandbot health` (the container's health check) reads it back: the
newest open row of its own host whose process still runs, so several bots, on several hosts or in
several containers, can share one database. Rows are kept after they close (when each bot listened).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, select

from bot.store.models import WebListener

#: A socket bound to every interface is reached on the loopback address of the same family.
_ANY_TO_LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104 - compared, never bound


def record_listener(session: Session, *, worker: str, hostname: str, pid: int, host: str, port: int,
                    now: datetime) -> WebListener:
    """A new open row for the web server of process `pid` on `hostname`, bound to `host`:`port` (flushed, so it
    has its id; the caller's transaction commits it)."""
    row = WebListener(worker=worker, hostname=hostname, pid=pid, host=host, port=port, started_at=now)
    session.add(row)
    session.flush()
    return row


def close_listener(session: Session, *, listener_id: int, now: datetime) -> None:
    """Mark the listener stopped at `now` (in the caller's transaction); a row already closed keeps its first stop
    time."""
    row = session.get(WebListener, listener_id)
    if row is not None and row.stopped_at is None:
        row.stopped_at = now
        session.add(row)


def running_listener(session: Session, *, hostname: str, alive: Callable[[int], bool]) -> WebListener | None:
    """The newest open listener of `hostname` whose process is `alive`, or None.

    Open rows of processes that are gone (killed before they could close theirs) are passed over.
    """
    rows = session.exec(
        select(WebListener)
        .where(col(WebListener.hostname) == hostname)
        .where(col(WebListener.stopped_at).is_(None))
        .order_by(col(WebListener.id).desc())
    )
    return next((row for row in rows if alive(row.pid)), None)


def connect_host(bound: str) -> str:
    """The address to connect to for a socket bound to `bound`: loopback for "every interface"."""
    return _ANY_TO_LOOPBACK.get(bound, bound)


def http_base(host: str, port: int) -> str:
    """`http://HOST:PORT`, an IPv6 address in brackets."""
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:  # a host name
        pass
    return f"http://{host}:{port}"


def healthz_url(listener: WebListener) -> str:
    """Where to ask `listener`'s `/healthz` from its own host."""
    return http_base(connect_host(listener.host), listener.port) + "/healthz"
