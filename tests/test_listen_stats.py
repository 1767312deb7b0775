"""bot.listen.stats: the poll lag and follow counts `brandbot stats` shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.domain import FollowStatus
from bot.listen.stats import compute_stats
from bot.store.models import Author, Cursor, FollowDecision

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


def test_each_source_has_its_own_lag(session: Session) -> None:
    """Search succeeding does not hide mentions failing: each cursor shows its own lag."""
    session.add(Cursor(name="mentions", last_success_at=NOW - timedelta(minutes=45), last_error="Forbidden: 403"))
    session.add(Cursor(name="search", last_success_at=NOW - timedelta(seconds=30)))
    session.add(Cursor(name="search_new", last_success_at=None))
    session.commit()
    stats = compute_stats(session, now=NOW)
    assert stats.poll_lag_by_source == {"mentions": 2700.0, "search": 30.0, "search_new": None}


def test_follows_done_counts_the_ones_a_person_made(session: Session) -> None:
    """On the basic tier every follow is made by hand: "follows done" counts those too."""
    for n, status in enumerate([FollowStatus.DONE, FollowStatus.MANUAL_DONE, FollowStatus.MANUAL_DONE,
                                FollowStatus.MANUAL, FollowStatus.SKIPPED]):
        session.add(Author(id=str(n), username=f"u{n}", first_seen_at=NOW, last_seen_at=NOW))
        session.flush()
        session.add(FollowDecision(author_id=str(n), status=status.value, reason="r", created_at=NOW))
    session.commit()
    stats = compute_stats(session, now=NOW)
    assert (stats.follows_done, stats.follows_waiting_for_a_person) == (3, 1)
