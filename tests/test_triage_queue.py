"""Staff actions on the triage queue, on both stores."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.domain import TriageStatus
from bot.store.db import session_scope
from bot.store.models import AuditLog, Author, Mention, TrainingLabel, TriageAction
from bot.triage import queue
from bot.triage.errors import TriageConflictError, TriageNotFoundError
from bot.triage.routing import NewComplaint, open_triage_items


def _items(engine: Engine, clock: ManualClock, severities: list[str], *, summoned: bool = True) -> list[int]:
    now = clock.now()
    with session_scope(engine) as session:
        session.add(Author(id="7", username="ada", first_seen_at=now, last_seen_at=now))
        session.flush()
        for n, _ in enumerate(severities, start=1):
            session.add(Mention(id=str(n), author_id="7", text=f"@brandbot problem {n}", created_at=now, seen_at=now,
                                summoned=summoned))
        session.flush()
        ids = open_triage_items(
            session, [NewComplaint(str(n), "7", sev, 0.9) for n, sev in enumerate(severities, start=1)], now=now)
    return [ids[str(n)] for n in range(1, len(severities) + 1)]


class TestListItems:
    def test_most_urgent_first(self, engine: Engine, clock: ManualClock) -> None:
        """Open items come by severity rank, then SLA due time; closed ones are left out."""
        low, critical, high = _items(engine, clock, ["low", "critical", "high"])
        clock.advance(60)
        (late_critical,) = _items_more(engine, clock, "critical", mention_id="9")
        with session_scope(engine) as session:
            queue.resolve(session, item_id=high, actor="sam", now=clock.now())
        with Session(engine) as session:
            assert [i.id for i in queue.list_items(session)] == [critical, late_critical, low]
            assert [i.id for i in queue.list_items(session, status=TriageStatus.RESOLVED)] == [high]

    def test_sla_breach(self, engine: Engine, clock: ManualClock) -> None:
        """A critical item is breached 15 minutes after creation while open, never once resolved."""
        critical, low = _items(engine, clock, ["critical", "low"])
        clock.advance(16 * 60)
        with Session(engine) as session:
            assert [i.id for i in queue.breached_items(session, now=clock.now())] == [critical]
        with session_scope(engine) as session:
            queue.resolve(session, item_id=critical, actor="sam", now=clock.now())
        with Session(engine) as session:
            assert queue.breached_items(session, now=clock.now()) == []
            item = queue.get_item(session, low)
            assert queue.is_sla_breached(item, now=clock.now() + timedelta(hours=24)) is True


def _items_more(engine: Engine, clock: ManualClock, severity: str, *, mention_id: str) -> list[int]:
    now = clock.now()
    with session_scope(engine) as session:
        session.add(Mention(id=mention_id, author_id="7", text="@brandbot again", created_at=now, seen_at=now))
        session.flush()
        ids = open_triage_items(session, [NewComplaint(mention_id, "7", severity, 0.9)], now=now)
    return [ids[mention_id]]


class TestClaim:
    def test_two_processes_claiming_one_item_exactly_one_wins(self, engine: Engine, clock: ManualClock) -> None:
        """Two workers with their own sessions claim the same item at once: one wins, one gets a conflict."""
        (item_id,) = _items(engine, clock, ["high"])
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def worker(name: str) -> None:
            barrier.wait()
            try:
                with session_scope(engine) as session:
                    queue.claim(session, item_id=item_id, actor=name, now=clock.now())
                outcomes[name] = "won"
            except TriageConflictError:
                outcomes[name] = "conflict"

        threads = [threading.Thread(target=worker, args=(n,)) for n in ("sam", "kim")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes.values()) == ["conflict", "won"]
        winner = next(n for n, o in outcomes.items() if o == "won")
        with Session(engine) as session:
            item = queue.get_item(session, item_id)
            assert (item.status, item.assignee) == ("claimed", winner)
            claims = session.exec(select(TriageAction).where(col(TriageAction.action) == "claimed")).all()
            assert [(a.actor, a.item_id) for a in claims] == [(winner, item_id)]

    def test_claim_conflict_message_and_own_reclaim(self, engine: Engine, clock: ManualClock) -> None:
        """Claiming again is a no-op for the holder and a conflict naming the holder for anyone else."""
        (item_id,) = _items(engine, clock, ["high"])
        with session_scope(engine) as session:
            queue.claim(session, item_id=item_id, actor="sam", now=clock.now())
        with session_scope(engine) as session:
            assert queue.claim(session, item_id=item_id, actor="sam", now=clock.now()).assignee == "sam"
        with session_scope(engine) as session, pytest.raises(TriageConflictError) as exc:
            queue.claim(session, item_id=item_id, actor="kim", now=clock.now())
        assert str(exc.value) == f"triage item {item_id} is already claimed by sam"

    def test_unknown_item(self, engine: Engine) -> None:
        """An unknown id raises TriageNotFoundError."""
        with session_scope(engine) as session, pytest.raises(TriageNotFoundError):
            queue.claim(session, item_id=999, actor="sam", now=ManualClock().now())


class TestCloseAndLabel:
    def test_resolve_then_dismiss_conflicts(self, engine: Engine, clock: ManualClock) -> None:
        """A resolved item cannot be dismissed; history and audit record who did what."""
        (item_id,) = _items(engine, clock, ["medium"])
        with session_scope(engine) as session:
            item = queue.resolve(session, item_id=item_id, actor="sam", now=clock.now(), note="refunded")
            assert (item.status, item.resolved_at) == ("resolved", clock.now())
        with session_scope(engine) as session, pytest.raises(TriageConflictError) as exc:
            queue.dismiss(session, item_id=item_id, actor="kim", now=clock.now())
        assert str(exc.value) == f"triage item {item_id} is already resolved"
        with Session(engine) as session:
            assert [(a.actor, a.action, a.detail) for a in queue.history(session, item_id)] == [
                ("system", "created", "severity medium, score 0.90"), ("sam", "resolved", "refunded")]
            audit = session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
            assert [(a.actor, a.action, a.target) for a in audit] == [
                ("system", "triage.created", f"triage:{item_id}"), ("sam", "triage.resolved", f"triage:{item_id}")]

    def test_label_writes_a_training_label(self, engine: Engine, clock: ManualClock) -> None:
        """'not-complaint' stores label 0 with the mention's text and marks the item."""
        (item_id,) = _items(engine, clock, ["low"])
        with session_scope(engine) as session:
            queue.label(session, item_id=item_id, label="not-complaint", actor="sam", now=clock.now())
        with Session(engine) as session:
            row = session.exec(select(TrainingLabel)).one()
            assert (row.mention_id, row.text, row.label, row.actor) == ("1", "@brandbot problem 1", 0, "sam")
            assert queue.get_item(session, item_id).label == "not-complaint"

    def test_bad_label(self, engine: Engine, clock: ManualClock) -> None:
        """Only complaint and not-complaint are labels."""
        (item_id,) = _items(engine, clock, ["low"])
        with session_scope(engine) as session, pytest.raises(ValueError, match="label must be one of"):
            queue.label(session, item_id=item_id, label="maybe", actor="sam", now=clock.now())

    def test_assign_and_counts(self, engine: Engine, clock: ManualClock) -> None:
        """Assigning a new item claims it for the assignee; counts cover every status."""
        first, _second = _items(engine, clock, ["low", "high"])
        with session_scope(engine) as session:
            item = queue.assign(session, item_id=first, assignee="kim", actor="lead", now=clock.now())
            assert (item.status, item.assignee) == ("claimed", "kim")
        with Session(engine) as session:
            assert queue.count_by_status(session) == {"new": 1, "claimed": 1, "replied": 0, "resolved": 0,
                                                      "dismissed": 0}
