"""Cross-process coordination through the database: named leases, counters and the audit log."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.errors import XApiError
from bot.store.db import session_scope
from bot.store.models import AuditLog, Counter, Lease


def acquire_lease(session: Session, *, name: str, owner: str, ttl_seconds: float, now: datetime) -> bool:
    """Take or renew the lease `name` for `owner`; False while another owner holds it unexpired.

    The conditional UPDATE makes this safe for several processes on one PostgreSQL database.
    """
    until = now + timedelta(seconds=ttl_seconds)
    may_take = (col(Lease.owner) == owner) | (col(Lease.until) < now)
    holder = session.get(Lease, name)
    if holder is not None and holder.owner != owner and dead_local_owner(holder.owner):
        may_take = may_take | (col(Lease.owner) == holder.owner)  # its holder died on this host
    result = session.execute(
        update(Lease)
        .where(col(Lease.name) == name)
        .where(may_take)
        .values(owner=owner, until=until)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        session.commit()
        return True
    if session.get(Lease, name) is not None:
        session.rollback()
        return False
    try:
        session.add(Lease(name=name, owner=owner, until=until))
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def dead_local_owner(owner: str) -> bool:
    """Whether `owner` ("host:pid", see `App.worker_id`) is a process of this host that no longer runs.

    A bot restarted after a crash takes its predecessor's leases at once instead of waiting
    for them to expire; owners on other hosts are only ever superseded by expiry.
    """
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    return not pid_alive(int(pid))


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` runs on this host (in this PID namespace: a container sees its own)."""
    if pid <= 0:  # 0 and negative numbers name process groups, not one process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def release_lease(session: Session, *, name: str, owner: str) -> None:
    """Give the lease back (only if `owner` holds it)."""
    lease = session.get(Lease, name)
    if lease is not None and lease.owner == owner:
        session.delete(lease)
        session.commit()


#: The shared count of 429 responses from the X API, whoever received them (`brandbot stats`, `/metrics`).
X_429_COUNTER = "x_429"


def increment(session: Session, name: str, by: int = 1) -> None:
    """Add `by` to the shared counter `name` (created at 0)."""
    result = session.execute(update(Counter).where(col(Counter.name) == name).values(value=Counter.value + by))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=by))
        except IntegrityError:
            session.execute(update(Counter).where(col(Counter.name) == name).values(value=Counter.value + by))


def record_429(engine: Engine, error: XApiError) -> None:
    """Count `error` in `X_429_COUNTER` if X answered 429, in a transaction of its own.

    A `RateLimited` the budget keeper raised (nothing was sent, no status) is not counted.
    """
    if error.status != 429:
        return
    with session_scope(engine) as session:
        increment(session, X_429_COUNTER)


def set_counter(session: Session, name: str, value: int) -> None:
    """Set the shared counter (or flag) `name` to `value`."""
    result = session.execute(update(Counter).where(col(Counter.name) == name).values(value=value))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=value))
        except IntegrityError:
            session.execute(update(Counter).where(col(Counter.name) == name).values(value=value))


def counter_value(session: Session, name: str) -> int:
    """The current value of counter `name` (0 if never incremented)."""
    row = session.get(Counter, name)
    return row.value if row else 0


def audit(session: Session, *, at: datetime, actor: str, action: str, target: str = "", detail: str = "") -> AuditLog:
    """Record who did what (not committed: part of the caller's transaction)."""
    entry = AuditLog(at=at, actor=actor, action=action, target=target, detail=detail)
    session.add(entry)
    return entry


def recent_audit(session: Session, *, limit: int = 200) -> list[AuditLog]:
    """The newest audit entries first."""
    return list(session.exec(select(AuditLog).order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)))
