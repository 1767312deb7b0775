"""`bot.follow.decisions` on both stores: the people-to-follow list and what a person does with it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.clock import ManualClock
from bot.domain import FollowStatus
from bot.follow.decisions import list_follows
from bot.store.models import Author, FollowDecision


def _decision(session: Session, n: int, status: FollowStatus, *, at: datetime,
              done_at: datetime | None = None) -> int:
    author_id = str(5000 + n)
    session.add(Author(id=author_id, username=f"fan{n:03d}", first_seen_at=at, last_seen_at=at))
    session.flush()
    row = FollowDecision(author_id=author_id, status=status.value, reason="test", created_at=at, done_at=done_at,
                         done_by="sam" if done_at else None)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


class TestListFollows:
    def test_everything_of_a_status_newest_first(self, session: Session, clock: ManualClock) -> None:
        """600 manual decisions over a day: all are listed (no hidden cap), newest decision first."""
        start = clock.now()
        ids = [_decision(session, n, FollowStatus.MANUAL, at=start + timedelta(minutes=2 * n)) for n in range(600)]
        _decision(session, 999, FollowStatus.SKIPPED, at=start)
        session.commit()
        rows = list_follows(session, status=FollowStatus.MANUAL)
        assert [d.id for d, _ in rows] == ids[::-1]
        assert rows[0][1].username == "fan599"

    def test_limit_keeps_the_newest(self, session: Session, clock: ManualClock) -> None:
        """`limit=3` returns the three newest decisions, not the three oldest."""
        ids = [_decision(session, n, FollowStatus.MANUAL, at=clock.now() + timedelta(minutes=n)) for n in range(10)]
        session.commit()
        assert [d.id for d, _ in list_follows(session, status=FollowStatus.MANUAL, limit=3)] == ids[:-4:-1]

    def test_done_entries_by_when_they_were_done(self, session: Session, clock: ManualClock) -> None:
        """Followed-by-hand rows come newest `done_at` first, whatever order they were decided in."""
        t = clock.now()
        early = _decision(session, 1, FollowStatus.MANUAL_DONE, at=t, done_at=t + timedelta(hours=5))
        late = _decision(session, 2, FollowStatus.MANUAL_DONE, at=t + timedelta(hours=1),
                         done_at=t + timedelta(hours=2))
        middle = _decision(session, 3, FollowStatus.MANUAL_DONE, at=t + timedelta(hours=2),
                           done_at=t + timedelta(hours=3))
        session.commit()
        rows = list_follows(session, status=FollowStatus.MANUAL_DONE, limit=2)
        assert [d.id for d, _ in rows] == [early, middle]
        assert [d.id for d, _ in list_follows(session, status=FollowStatus.MANUAL_DONE)] == [early, middle, late]
