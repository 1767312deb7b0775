"""bot/triage/mentions.py on both stores: listing stored mentions and flagging a complaint the detector missed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.store.db import session_scope
from bot.store.models import AuditLog, Author, Classification, Mention, TrainingLabel, TriageAction, TriageItem
from bot.triage.errors import TriageConflictError, TriageNotFoundError
from bot.triage.listing import history, list_items
from bot.triage.mentions import flag_mention, flag_notes, page_mentions, recent_mentions
from bot.triage.routing import NewComplaint, open_triage_items


def _seed(engine: Engine, clock: ManualClock) -> int:
    """Mentions 1..4 a minute apart (4 newest): 1 and 2 not complaints, 3 a flagged complaint, 4 never classified.

    Returns the id of mention 3's triage item.
    """
    start = clock.now()
    with session_scope(engine) as session:
        session.add(Author(id="7", username="ada", first_seen_at=start, last_seen_at=start))
        session.flush()
        for n in range(1, 5):
            at = start + timedelta(minutes=n)
            session.add(Mention(id=str(n), author_id="7", text=f"@brandbot mention {n}", created_at=at, seen_at=at))
        session.flush()
        for n, complaint, score in ((1, False, 0.12), (2, False, 0.31), (3, True, 0.87)):
            session.add(Classification(mention_id=str(n), complaint=complaint, score=score,
                                       severity="high" if complaint else "low",
                                       reasons=["rule: refund"] if complaint else [], created_at=start))
        ids = open_triage_items(session, [NewComplaint("3", "7", "high", 0.87)], now=start)
    return ids["3"]


class TestRecentMentions:
    def test_newest_first_with_verdict_and_item(self, engine: Engine, clock: ManualClock) -> None:
        """Every stored mention, newest first, with its author, the detector's score and its triage item."""
        item_id = _seed(engine, clock)
        with Session(engine) as session:
            rows = recent_mentions(session)
            got = [(r.mention.id, r.username, r.verdict.score if r.verdict else None,
                    r.item.id if r.item else None, r.flagged) for r in rows]
        assert got == [("4", "ada", None, None, False), ("3", "ada", 0.87, item_id, True),
                       ("2", "ada", 0.31, None, False), ("1", "ada", 0.12, None, False)]

    def test_unflagged_limit_and_paging(self, engine: Engine, clock: ManualClock) -> None:
        """`unflagged` leaves out mentions with an item; `before`/`after` a page's cursor: older/newer; `limit` caps."""
        _seed(engine, clock)
        with Session(engine) as session:
            assert [r.mention.id for r in recent_mentions(session, unflagged=True)] == ["4", "2", "1"]
            assert [r.mention.id for r in recent_mentions(session, limit=2)] == ["4", "3"]
            after_3 = page_mentions(session, limit=2).cursor_after  # the first page is 4 and 3
            assert [r.mention.id for r in recent_mentions(session, limit=2, before=after_3)] == ["2", "1"]
            assert [r.mention.id for r in recent_mentions(session, before=after_3, unflagged=True)] == ["2", "1"]
            assert [r.mention.id for r in recent_mentions(session, limit=1, before="404")] == ["4"]
            before_2 = page_mentions(session, limit=1, before=after_3).cursor_before
            assert [r.mention.id for r in recent_mentions(session, limit=1, after=before_2)] == ["3"]
            assert [r.mention.id for r in recent_mentions(session, limit=2, after=before_2, unflagged=True)] == [
                "4", "2"]

    def test_a_page_says_exactly_whether_older_mentions_follow(self, engine: Engine, clock: ManualClock) -> None:
        """`more_after` is true only when a mention older than the page's last exists (in the filtered list)."""
        _seed(engine, clock)

        def page(*, limit: int, before: str | None = None, unflagged: bool = False) -> tuple[list[str], bool, bool]:
            got = page_mentions(session, limit=limit, before=before, unflagged=unflagged)
            return [r.mention.id for r in got.rows], got.more_before, got.more_after

        with Session(engine) as session:
            after_3 = page_mentions(session, limit=2).cursor_after
            assert page(limit=4) == (["4", "3", "2", "1"], False, False)
            assert page(limit=3) == (["4", "3", "2"], False, True)
            assert page(limit=3, unflagged=True) == (["4", "2", "1"], False, False)
            assert page(limit=2, before=after_3) == (["2", "1"], True, False)
            assert page(limit=1, before=after_3) == (["2"], True, True)
            assert page(limit=4, before="404") == (["4", "3", "2", "1"], False, False)


def _history(session: Session, item_id: int) -> list[tuple[str, str, str]]:
    return [(a.actor, a.action, a.detail) for a in history(session, item_id)]


class TestFlagMention:
    def test_a_missed_complaint_becomes_a_new_item_with_a_label(self, engine: Engine, clock: ManualClock) -> None:
        """Flagging opens a NEW item due per its severity, records who and why, and stores a complaint label."""
        _seed(engine, clock)
        clock.advance(600)
        now = clock.now()
        with session_scope(engine) as session:
            item = flag_mention(session, mention_id="2", actor="sam", now=now, severity="High",
                                note=" late refund ")
        with Session(engine) as session:
            stored = session.get(TriageItem, item.id)
            assert stored is not None
            assert (stored.mention_id, stored.author_id, stored.status, stored.severity, stored.severity_rank,
                    stored.score, stored.sla_due_at, stored.assignee, stored.label) == (
                "2", "7", "new", "high", 1, 0.31, now + timedelta(hours=1), None, "complaint")
            assert _history(session, item.id or 0) == [
                ("sam", "created", "severity high, score 0.31"),
                ("sam", "flagged", "flagged by sam: late refund"),
                ("sam", "labelled", "complaint"),
            ]
            labels = session.exec(select(TrainingLabel)).all()
            assert [(t.mention_id, t.text, t.label, t.actor, t.created_at) for t in labels] == [
                ("2", "@brandbot mention 2", 1, "sam", now)]
            audit = session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
            assert [(a.actor, a.action, a.target) for a in audit if a.at == now] == [
                ("sam", "triage.created", f"triage:{item.id}"),
                ("sam", "triage.flagged", f"triage:{item.id}"),
                ("sam", "triage.labelled", f"triage:{item.id}"),
            ]
            assert item.id in [i.id for i in list_items(session)]

    def test_defaults_medium_and_no_note(self, engine: Engine, clock: ManualClock) -> None:
        """Without a severity the item is medium (4-hour SLA); a never-classified mention scores 0."""
        _seed(engine, clock)
        now = clock.now()
        with session_scope(engine) as session:
            item = flag_mention(session, mention_id="4", actor="kim", now=now)
        assert (item.severity, item.sla_due_at, item.score) == ("medium", now + timedelta(hours=4), 0.0)
        with Session(engine) as session:
            assert _history(session, item.id or 0)[1] == ("kim", "flagged", "flagged by kim")

    def test_flag_notes_name_who_flagged_and_why(self, engine: Engine, clock: ManualClock) -> None:
        """Only items a person flagged have a note: 'flagged by NAME[: note]'; the detector's own item has none."""
        detected = _seed(engine, clock)
        with session_scope(engine) as session:
            with_note = flag_mention(session, mention_id="1", actor="sam", now=clock.now(), note="wants a refund")
            bare = flag_mention(session, mention_id="4", actor="kim", now=clock.now())
        with Session(engine) as session:
            notes = flag_notes(session, [detected, with_note.id or 0, bare.id or 0])
        assert notes == {with_note.id: "flagged by sam: wants a refund", bare.id: "flagged by kim"}

    def test_unknown_mention(self, engine: Engine, clock: ManualClock) -> None:
        """An unknown mention id is TriageNotFoundError."""
        _seed(engine, clock)
        with session_scope(engine) as session, pytest.raises(TriageNotFoundError) as caught:
            flag_mention(session, mention_id="999", actor="sam", now=clock.now())
        assert str(caught.value) == "no mention 999"

    def test_a_mention_with_an_item_is_a_conflict_naming_it(self, engine: Engine, clock: ManualClock) -> None:
        """Flagging a mention the detector already flagged (or someone flagged) names its item; nothing is written."""
        item_id = _seed(engine, clock)
        with session_scope(engine) as session, pytest.raises(TriageConflictError) as caught:
            flag_mention(session, mention_id="3", actor="sam", now=clock.now())
        assert str(caught.value) == f"mention 3 already has triage item {item_id} (new)"
        with Session(engine) as session:
            assert session.exec(select(TrainingLabel)).all() == []
            assert [a.action for a in session.exec(select(TriageAction))] == ["created"]

    def test_an_unknown_severity_is_refused(self, engine: Engine, clock: ManualClock) -> None:
        """A severity that is not low/medium/high/critical is a ValueError, not a silent medium."""
        _seed(engine, clock)
        message = "severity must be one of low, medium, high, critical, got 'urgent'"
        with session_scope(engine) as session, pytest.raises(ValueError, match=f"^{message}$"):
            flag_mention(session, mention_id="1", actor="sam", now=clock.now(), severity="urgent")
        with Session(engine) as session:
            assert session.exec(select(TriageItem).where(col(TriageItem.mention_id) == "1")).first() is None

    def test_two_people_flagging_at_once_open_one_item(self, engine: Engine, clock: ManualClock) -> None:
        """Two sessions flag the same mention at once: one item, one label; the other gets a conflict naming it."""
        _seed(engine, clock)
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def worker(name: str) -> None:
            barrier.wait()
            try:
                with session_scope(engine) as session:
                    flag_mention(session, mention_id="1", actor=name, now=clock.now())
                outcomes[name] = "won"
            except TriageConflictError as exc:
                outcomes[name] = str(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in ("sam", "kim")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with Session(engine) as session:
            items = session.exec(select(TriageItem).where(col(TriageItem.mention_id) == "1")).all()
            assert len(items) == 1
            lost = f"mention 1 already has triage item {items[0].id} (new)"
            assert sorted(outcomes.values()) == sorted(["won", lost])
            winner = next(n for n, o in outcomes.items() if o == "won")
            assert [(t.mention_id, t.actor) for t in session.exec(select(TrainingLabel))] == [("1", winner)]
