"""The first-response SLA: met when answered in time, breached when answered late or unanswered past due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import ManualClock
from bot.store.db import session_scope
from bot.store.models import Author, Mention, TriageItem
from bot.triage import queue
from bot.triage.listing import get_item
from bot.triage.sla import breached_items, is_sla_breached
from tests.conftest import open_items

DUE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EARLY, LATE = DUE - timedelta(minutes=5), DUE + timedelta(minutes=5)
AFTER = DUE + timedelta(hours=2)


def _item(n: int, *, status: str, first_response_at: datetime | None) -> TriageItem:
    return TriageItem(id=n, mention_id=str(n), author_id="7", severity="high", severity_rank=1, score=0.9,
                      status=status, assignee="sam", sla_due_at=DUE, created_at=DUE - timedelta(hours=1),
                      updated_at=DUE, first_response_at=first_response_at)


#: (status, first_response_at) → breached at AFTER (two hours past due).
CASES: dict[int, tuple[str, datetime | None, bool]] = {
    1: ("replied", EARLY, False),  # answered in time, still open
    2: ("claimed", EARLY, False),  # answered in time, then reopened: the first response stands
    3: ("replied", LATE, True),  # answered after the due time
    4: ("claimed", None, True),  # unanswered past due
    5: ("new", None, True),
    6: ("resolved", EARLY, False),
    7: ("dismissed", None, False),  # closed without needing an answer
    8: ("resolved", LATE, True),
}


class TestIsSlaBreached:
    def test_answered_in_time_is_met_even_after_the_due_time(self) -> None:
        """An item whose first reply went out before its due time is not breached once the due time passes."""
        assert is_sla_breached(_item(1, status="replied", first_response_at=EARLY), now=AFTER) is False
        assert is_sla_breached(_item(1, status="replied", first_response_at=DUE), now=AFTER) is False

    def test_unanswered_is_breached_only_after_the_due_time(self) -> None:
        """An unanswered open item is within its SLA until `sla_due_at`, then breached."""
        item = _item(1, status="claimed", first_response_at=None)
        assert is_sla_breached(item, now=DUE - timedelta(seconds=1)) is False
        assert is_sla_breached(item, now=DUE + timedelta(seconds=1)) is True

    def test_every_case(self) -> None:
        """Late answers and unanswered open items breach; closed unanswered items do not."""
        got = {n: is_sla_breached(_item(n, status=s, first_response_at=f), now=AFTER) for n, (s, f, _) in CASES.items()}
        assert got == {n: want for n, (_, _, want) in CASES.items()}


class TestBreachedItems:
    def test_query_agrees_with_the_predicate_for_open_items(self, engine: Engine) -> None:
        """The dashboard/stats query lists exactly the open items `is_sla_breached` calls breached."""
        with session_scope(engine) as session:
            session.add(Author(id="7", username="ada", first_seen_at=DUE, last_seen_at=DUE))
            session.flush()
            for n in CASES:
                session.add(Mention(id=str(n), author_id="7", text="x", created_at=DUE, seen_at=DUE))
            session.flush()
            for n, (status, first, _) in CASES.items():
                session.add(_item(n, status=status, first_response_at=first))
        with Session(engine) as session:
            assert sorted(i.id or 0 for i in breached_items(session, now=AFTER)) == [3, 4, 5]


class TestThroughStaffActions:
    def test_sla_breach(self, engine: Engine, clock: ManualClock) -> None:
        """A critical item is breached 15 minutes after creation while open, never once resolved."""
        critical, low = open_items(engine, clock, ["critical", "low"])
        clock.advance(16 * 60)
        with Session(engine) as session:
            assert [i.id for i in breached_items(session, now=clock.now())] == [critical]
        with session_scope(engine) as session:
            queue.resolve(session, item_id=critical, actor="sam", now=clock.now())
        with Session(engine) as session:
            assert breached_items(session, now=clock.now()) == []
            item = get_item(session, low)
            assert is_sla_breached(item, now=clock.now() + timedelta(hours=24)) is True
