"""The coordination primitives behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import ManualClock
from bot.store.coordination import acquire_lease, audit, counter_value, increment, recent_audit, release_lease


class TestLease:
    def test_second_owner_is_refused_while_the_lease_holds(self, engine: Engine, clock: ManualClock) -> None:
        """Only one owner holds a named lease until it expires."""
        with Session(engine) as s:
            assert acquire_lease(s, name="poll", owner="a", ttl_seconds=60, now=clock.now()) is True
            assert acquire_lease(s, name="poll", owner="b", ttl_seconds=60, now=clock.now()) is False
            assert acquire_lease(s, name="poll", owner="a", ttl_seconds=60, now=clock.now()) is True

    def test_expired_lease_can_be_taken_over(self, engine: Engine, clock: ManualClock) -> None:
        """After the ttl passes another owner takes the lease."""
        with Session(engine) as s:
            acquire_lease(s, name="poll", owner="a", ttl_seconds=60, now=clock.now())
            later = clock.now() + timedelta(seconds=61)
            assert acquire_lease(s, name="poll", owner="b", ttl_seconds=60, now=later) is True
            assert acquire_lease(s, name="poll", owner="a", ttl_seconds=60, now=later) is False

    def test_release_lets_the_next_owner_in(self, engine: Engine, clock: ManualClock) -> None:
        """Releasing frees the lease at once."""
        with Session(engine) as s:
            acquire_lease(s, name="poll", owner="a", ttl_seconds=60, now=clock.now())
            release_lease(s, name="poll", owner="a")
            assert acquire_lease(s, name="poll", owner="b", ttl_seconds=60, now=clock.now()) is True


class TestCounters:
    def test_increment_accumulates(self, engine: Engine) -> None:
        """Counters start at zero and add up."""
        with Session(engine) as s:
            assert counter_value(s, "x_429") == 0
            increment(s, "x_429")
            increment(s, "x_429", 2)
            s.commit()
            assert counter_value(s, "x_429") == 3


class TestAudit:
    def test_newest_entry_first(self, engine: Engine, clock: ManualClock) -> None:
        """The audit log lists the newest entry first."""
        with Session(engine) as s:
            audit(s, at=clock.now(), actor="alice", action="queue.approve", target="post:1")
            audit(s, at=clock.now() + timedelta(seconds=5), actor="bob", action="crisis.on", detail="storm")
            s.commit()
            assert [(e.actor, e.action) for e in recent_audit(s)] == [("bob", "crisis.on"), ("alice", "queue.approve")]
