"""bot.listen.stats: the poll lag `brandbot stats` shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.listen.stats import compute_stats
from bot.store.models import Cursor

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_lag_is_time_since_the_newest_successful_poll(session: Session) -> None:
    """The lag counts from the most recent success of any cursor."""
    session.add(Cursor(name="mentions", last_success_at=NOW - timedelta(seconds=90)))
    session.add(Cursor(name="search", last_success_at=NOW - timedelta(seconds=30)))
    session.commit()
    assert compute_stats(session, now=NOW).poll_lag_seconds == 30.0


def test_lag_is_never_negative(session: Session) -> None:
    """A sped-up sandbox run records poll times ahead of the wall clock: the lag shows 0, not -2374 s."""
    session.add(Cursor(name="mentions", last_success_at=NOW + timedelta(minutes=40)))
    session.commit()
    assert compute_stats(session, now=NOW).poll_lag_seconds == 0.0


def test_never_polled(session: Session) -> None:
    """No cursor yet: no lag."""
    assert compute_stats(session, now=NOW).poll_lag_seconds is None
