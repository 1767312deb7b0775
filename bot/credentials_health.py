"""Whether X accepts the bot's credentials, as one shared flag every process and `/readyz` read.

The flag is the counter `x.unauthorized`: 1 from the first 401 until a call succeeds again.
Each flip writes an audit row, so the dashboard shows when posting stopped and resumed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.store.coordination import audit, counter_value, set_counter

UNAUTHORIZED_FLAG = "x.unauthorized"


def mark_unauthorized(session: Session, *, now: datetime, detail: str) -> None:
    """X answered 401: raise the flag (audited once per outage); the caller commits."""
    if not counter_value(session, UNAUTHORIZED_FLAG):
        audit(session, at=now, actor="system", action="x.unauthorized", detail=detail)
    set_counter(session, UNAUTHORIZED_FLAG, 1)


def mark_authorized(session: Session, *, now: datetime, detail: str) -> None:
    """A call succeeded: lower the flag if it was up (audited); the caller commits."""
    if counter_value(session, UNAUTHORIZED_FLAG):
        set_counter(session, UNAUTHORIZED_FLAG, 0)
        audit(session, at=now, actor="system", action="x.credentials_ok", detail=detail)


def is_unauthorized(session: Session) -> bool:
    """Whether the last word from X was a 401."""
    return bool(counter_value(session, UNAUTHORIZED_FLAG))
