"""`/readyz` checks: database, X credentials, a recent successful poll, call budget left.

Each check is a `Check(name, ok, detail)`; the endpoint answers 503 when any fails. Credential
trouble is read from the shared counter `x.unauthorized` (1 while the X API answers 401, 0 once a
call succeeds), so every process reports what the worker saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from bot.credentials_health import UNAUTHORIZED_FLAG
from bot.errors import NotOnTier
from bot.store.coordination import counter_value
from bot.store.models import Cursor
from bot.xapi import tiers
from bot.xapi.budget import NEVER

if TYPE_CHECKING:
    from bot.app import App

UNAUTHORIZED_COUNTER = UNAUTHORIZED_FLAG
MENTIONS_CURSOR_PREFIX = "mentions"
#: Before the first successful poll, how long after start-up the poll check still passes.
STARTUP_GRACE = timedelta(minutes=5)
#: A poll is recent within max(3 × the poll interval, this floor).
POLL_FLOOR = timedelta(minutes=10)
QUOTA_ENDPOINTS = {"quota_post_tweet": tiers.POST_TWEET, "quota_mentions": tiers.GET_MENTIONS}


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def poll_deadline(app: App) -> timedelta:
    """How old the last successful poll may be: 3 × the mentions poll interval, at least `POLL_FLOOR`."""
    try:
        interval = timedelta(seconds=app.budget.poll_interval(tiers.GET_MENTIONS))
    except NotOnTier:
        return POLL_FLOOR
    return max(3 * interval, POLL_FLOOR)


def readiness_checks(app: App, *, now: datetime, started_at: datetime) -> list[Check]:
    """Every check, in a fixed order."""
    checks: list[Check] = []
    try:
        with app.session() as db:
            db.execute(text("SELECT 1"))
            unauthorized = counter_value(db, UNAUTHORIZED_COUNTER)
            successes = [
                c.last_success_at
                for c in db.exec(select(Cursor).where(col(Cursor.name).startswith(MENTIONS_CURSOR_PREFIX)))
                if c.last_success_at is not None
            ]
    except SQLAlchemyError as exc:
        reason = f"database unreachable: {type(exc).__name__}"
        checks += [Check("database", False, reason), Check("credentials", False, reason), Check("poll", False, reason)]
    else:
        checks.append(Check("database", True, "reachable"))
        checks.append(
            Check("credentials", False, "the X API answered 401 Unauthorized: check the credentials")
            if unauthorized
            else Check("credentials", True, "no 401 since the last successful call")
        )
        checks.append(_poll_check(app, successes, now=now, started_at=started_at))
    for name, endpoint in QUOTA_ENDPOINTS.items():
        checks.append(_quota_check(app, name, endpoint, now=now))
    return checks


def _poll_check(app: App, successes: list[datetime], *, now: datetime, started_at: datetime) -> Check:
    deadline = poll_deadline(app)
    if not successes:
        if now - started_at <= STARTUP_GRACE:
            return Check("poll", True, "no successful poll yet (starting up)")
        return Check("poll", False, "no successful poll of mentions yet")
    age = now - max(successes)
    if age > deadline:
        return Check("poll", False, f"last successful poll {int(age.total_seconds())} s ago "
                                    f"(more than {int(deadline.total_seconds())} s)")
    return Check("poll", True, f"last successful poll {int(age.total_seconds())} s ago")


def _quota_check(app: App, name: str, endpoint: str, *, now: datetime) -> Check:
    remaining = app.budget.remaining(endpoint)
    allowed_at = app.budget.next_allowed_at(endpoint)
    if remaining is None or allowed_at == NEVER:
        return Check(name, False, f"{endpoint} is not available on the {app.settings.x_tier} tier")
    if not app.budget.may_call(endpoint):  # (comparing with `now` would race the keeper's own clock read)
        return Check(name, False, f"{endpoint}: budget spent until {allowed_at.isoformat()}")
    return Check(name, True, f"{endpoint}: {remaining} calls left")
