"""`bot.follow.decisions` on both stores: the people-to-follow list and what a person does with it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.domain import FollowStatus
from bot.follow.decisions import (
    POLICY_ACTOR,
    FollowCandidate,
    list_follows,
    mark_manual_done,
    mark_manual_skipped,
    page_follows,
    record_follow_decisions,
)
from bot.follow.errors import FollowConflictError, FollowNotFoundError
from bot.store.models import AuditLog, Author, FollowDecision
from bot.store.paging import KeysetPage


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

    def test_keyset_pages_both_ways(self, session: Session, clock: ManualClock) -> None:
        """Seven decisions, two sharing a time: pages of 3 older via `before`, back newer via `after`, none twice."""
        start = clock.now()
        minutes = [0, 1, 2, 3, 3, 4, 5]
        ids = [_decision(session, n, FollowStatus.MANUAL, at=start + timedelta(minutes=m))
               for n, m in enumerate(minutes)]
        session.commit()
        newest_first = [ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]

        def page(**kw: str | None) -> KeysetPage[tuple[FollowDecision, Author]]:
            return page_follows(session, status=FollowStatus.MANUAL, limit=3, **kw)

        def listed(**kw: str | None) -> list[int]:
            return [d.id or 0 for d, _ in list_follows(session, status=FollowStatus.MANUAL, limit=3, **kw)]

        first = page()
        second = page(before=first.cursor_after)
        third = page(before=second.cursor_after)
        assert [[d.id for d, _ in p.rows] for p in (first, second, third)] == [
            newest_first[:3], newest_first[3:6], newest_first[6:]]
        assert listed(after=third.cursor_before) == newest_first[3:6]
        assert listed(after=second.cursor_before) == newest_first[:3]
        assert listed(before="999") == newest_first[:3]
        with pytest.raises(ValueError, match="before or after, not both"):
            listed(before=first.cursor_after, after=first.cursor_after)

    def test_a_cursor_keeps_its_place_when_its_decision_is_acted_on(self, session: Session,
                                                                     clock: ManualClock) -> None:
        """The decision a cursor came from is followed by hand later (so its sort time moves to the newest):
        pages either side of the cursor still start where it was in the waiting list."""
        start = clock.now()
        ids = [_decision(session, n, FollowStatus.MANUAL, at=start + timedelta(minutes=n)) for n in range(7)]
        session.commit()
        second = page_follows(session, status=FollowStatus.MANUAL, limit=3, before=page_follows(
            session, status=FollowStatus.MANUAL, limit=3).cursor_after)
        assert [d.id for d, _ in second.rows] == ids[3:0:-1]
        clock.advance(3600)
        mark_manual_done(session, decision_id=ids[3], actor="kim", now=clock.now())
        mark_manual_done(session, decision_id=ids[1], actor="kim", now=clock.now())
        session.commit()
        newer = page_follows(session, status=FollowStatus.MANUAL, limit=3, after=second.cursor_before)
        older = page_follows(session, status=FollowStatus.MANUAL, limit=3, before=second.cursor_after)
        assert ([d.id for d, _ in newer.rows], [d.id for d, _ in older.rows]) == (ids[6:3:-1], [ids[0]])

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


class TestPageFollows:
    def test_pages_say_whether_newer_and_older_ones_exist(self, session: Session, clock: ManualClock) -> None:
        """Six decisions in pages of 3: the first has only older ones, the last only newer ones, both exact;
        newer than the 2nd newest is the first page."""
        start = clock.now()
        ids = [_decision(session, n, FollowStatus.MANUAL, at=start + timedelta(minutes=n)) for n in range(6)]
        session.commit()
        newest_first = ids[::-1]

        def page(**kw: str | None) -> tuple[list[int], bool, bool]:
            got = page_follows(session, status=FollowStatus.MANUAL, limit=3, **kw)
            return [d.id or 0 for d, _ in got.rows], got.more_before, got.more_after

        first = page_follows(session, status=FollowStatus.MANUAL, limit=3)
        assert ([d.id for d, _ in first.rows], first.more_before, first.more_after) == (newest_first[:3], False, True)
        second = page_follows(session, status=FollowStatus.MANUAL, limit=3, before=first.cursor_after)
        assert ([d.id for d, _ in second.rows], second.more_before, second.more_after) == (
            newest_first[3:], True, False)
        assert page(after=second.cursor_before) == (newest_first[:3], False, True)
        shifted = page_follows(session, status=FollowStatus.MANUAL, limit=2, before=first.cursor_after)
        assert page(after=shifted.cursor_after) == (newest_first[1:4], True, True)
        assert page(before="999") == (newest_first[:3], False, True)

    def test_limit_must_be_positive(self, session: Session) -> None:
        """A limit under 1 is refused (a page of nothing is a caller's mistake)."""
        with pytest.raises(ValueError, match="limit must be at least 1"):
            page_follows(session, limit=0)


class TestMarkManualSkipped:
    def test_manual_becomes_skipped_with_who_why_and_an_audit_row(self, session: Session, clock: ManualClock) -> None:
        """Skipping records the person, the time and the reason on the row, and the old reason in the audit log."""
        decision = _decision(session, 1, FollowStatus.MANUAL, at=clock.now())
        session.commit()
        clock.advance(600)
        row = mark_manual_skipped(session, decision_id=decision, actor="kim", now=clock.now(), reason="a competitor")
        session.commit()
        assert (row.status, row.reason, row.done_by, row.done_at) == (
            "skipped", "skipped by kim: a competitor", "kim", clock.now())
        entries = session.exec(select(AuditLog).where(AuditLog.action == "follow.manual_skipped")).all()
        assert [(e.actor, e.target, e.detail) for e in entries] == [
            ("kim", "author:5001", f"decision {decision}: a competitor (was on the list because: test)")]
        assert list_follows(session, status=FollowStatus.MANUAL) == []

    def test_without_a_reason(self, session: Session, clock: ManualClock) -> None:
        """No reason given: the row says who skipped it."""
        decision = _decision(session, 1, FollowStatus.MANUAL, at=clock.now())
        row = mark_manual_skipped(session, decision_id=decision, actor="kim", now=clock.now())
        assert row.reason == "skipped by kim"

    def test_unknown_id_and_wrong_state(self, session: Session, clock: ManualClock) -> None:
        """An unknown id is not found; a decision already done (or skipped) is a conflict and stays as it was."""
        done = _decision(session, 1, FollowStatus.MANUAL, at=clock.now())
        mark_manual_done(session, decision_id=done, actor="sam", now=clock.now())
        session.commit()
        with pytest.raises(FollowNotFoundError, match="no follow decision 999"):
            mark_manual_skipped(session, decision_id=999, actor="kim", now=clock.now())
        with pytest.raises(FollowConflictError, match=f"^follow decision {done} is already marked followed by sam$"):
            mark_manual_skipped(session, decision_id=done, actor="kim", now=clock.now())
        session.rollback()
        row = session.get(FollowDecision, done)
        assert row is not None
        assert (row.status, row.done_by) == ("manual_done", "sam")


SPAM = "@brandbot 🚀 GAGNEZ 5000€ PAR SEMAINE depuis chez vous, écrivez-moi !!!"
SPAM_REASON = "likely spam: text cue 'gagnez 5000€ par semaine'"


def _record(session: Session, clock: ManualClock, *texts: tuple[int, str], tier: str = "basic") -> list[FollowDecision]:
    """`record_follow_decisions` for mentions (author number, text) of fans made by `_decision`'s numbering."""
    return record_follow_decisions(
        session,
        [FollowCandidate(author_id=str(5000 + n), mention_id=None, complaint=False, text=t) for n, t in texts],
        crisis_active=False, blocklist=(), tier=tier, follow_enabled=True, now=clock.now(),
    )


class TestRecordFollowDecisions:
    def test_a_later_spam_mention_withdraws_a_follow_waiting_for_a_person(self, session: Session,
                                                                          clock: ManualClock) -> None:
        """A fan on the to-follow list who then posts spam is skipped, with the reason, who, when and an audit row."""
        decision = _decision(session, 1, FollowStatus.MANUAL, at=clock.now())
        clock.advance(300)
        assert _record(session, clock, (1, SPAM)) == []
        session.commit()
        row = session.get(FollowDecision, decision)
        assert row is not None
        assert (row.status, row.reason, row.done_by, row.done_at) == (
            "skipped", f"{SPAM_REASON} (a later mention)", POLICY_ACTOR, clock.now())
        entry = session.exec(select(AuditLog).where(AuditLog.action == "follow.withdrawn")).one()
        assert (entry.actor, entry.target, entry.detail) == (
            POLICY_ACTOR, "author:5001", f"decision {decision} was manual (test); mention None: {SPAM_REASON}")
        assert [d.id for d, _ in list_follows(session, status=FollowStatus.MANUAL)] == []

    def test_a_later_ordinary_mention_changes_nothing(self, session: Session, clock: ManualClock) -> None:
        """A second, ordinary mention neither adds a decision nor touches the waiting one."""
        decision = _decision(session, 1, FollowStatus.MANUAL, at=clock.now())
        assert _record(session, clock, (1, "@brandbot my bag never arrived, please follow back so I can DM")) == []
        row = session.get(FollowDecision, decision)
        assert row is not None
        assert (row.status, row.reason) == ("manual", "test")
        assert session.exec(select(AuditLog)).all() == []

    def test_a_pending_follow_is_withdrawn_unless_a_follower_is_on_it(self, session: Session,
                                                                     clock: ManualClock) -> None:
        """An unleased pending follow is skipped; one leased by a follower process (mid-call) is left alone."""
        free = _decision(session, 1, FollowStatus.PENDING, at=clock.now())
        leased = _decision(session, 2, FollowStatus.PENDING, at=clock.now())
        row = session.get(FollowDecision, leased)
        assert row is not None
        row.lease_owner, row.lease_until = "vm:1", clock.now() + timedelta(minutes=1)
        session.commit()
        _record(session, clock, (1, SPAM), (2, SPAM))
        session.commit()
        statuses = {d.id: d.status for d in session.exec(select(FollowDecision))}
        assert statuses == {free: "skipped", leased: "pending"}

    def test_decisions_carried_out_stay_as_they_are(self, session: Session, clock: ManualClock) -> None:
        """Followed (through the API or by hand) and already-skipped decisions are history: spam changes none."""
        ids = [_decision(session, n, status, at=clock.now())
               for n, status in enumerate([FollowStatus.DONE, FollowStatus.MANUAL_DONE, FollowStatus.SKIPPED])]
        _record(session, clock, (0, SPAM), (1, SPAM), (2, SPAM))
        session.commit()
        assert [session.get(FollowDecision, i).status for i in ids] == ["done", "manual_done", "skipped"]  # type: ignore[union-attr]
        assert session.exec(select(AuditLog)).all() == []

    def test_a_new_author_is_decided_on_their_spam_mention(self, session: Session, clock: ManualClock) -> None:
        """Two mentions in one page, an ordinary one then spam: one decision, skipped for the spam."""
        session.add(Author(id="5007", username="promo_deals7", first_seen_at=clock.now(), last_seen_at=clock.now()))
        session.flush()
        rows = _record(session, clock, (7, "@brandbot love the new app"), (7, SPAM))
        assert [(r.author_id, r.status, r.reason) for r in rows] == [("5007", "skipped", SPAM_REASON)]
