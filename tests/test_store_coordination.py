"""The coordination primitives behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import ManualClock
from bot.errors import RateLimited, TransientError
from bot.store.coordination import (
    X_429_COUNTER,
    acquire_lease,
    audit,
    counter_value,
    increment,
    pid_alive,
    recent_audit,
    record_429,
    release_lease,
)


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

    def test_a_crashed_process_of_this_host_is_superseded_at_once(self, engine: Engine, clock: ManualClock) -> None:
        """A restarted bot need not wait for its dead predecessor's lease to expire."""
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        here = socket.gethostname()
        with Session(engine) as s:
            assert acquire_lease(s, name="poll", owner=f"{here}:{dead.pid}", ttl_seconds=300, now=clock.now())
            assert acquire_lease(s, name="poll", owner=f"{here}:{os.getpid()}", ttl_seconds=300, now=clock.now())

    def test_a_live_or_remote_holder_keeps_its_lease(self, engine: Engine, clock: ManualClock) -> None:
        here = socket.gethostname()
        with Session(engine) as s:
            assert acquire_lease(s, name="a", owner=f"{here}:{os.getppid()}", ttl_seconds=300, now=clock.now())
            assert not acquire_lease(s, name="a", owner=f"{here}:{os.getpid()}", ttl_seconds=300, now=clock.now())
            assert acquire_lease(s, name="b", owner="other-host:12345", ttl_seconds=300, now=clock.now())
            assert not acquire_lease(s, name="b", owner=f"{here}:{os.getpid()}", ttl_seconds=300, now=clock.now())


class TestPidAlive:
    def test_this_process_and_its_parent_run(self) -> None:
        """A running process is alive, ours or another's."""
        assert pid_alive(os.getpid()) is True
        assert pid_alive(os.getppid()) is True

    def test_a_finished_process_is_not(self) -> None:
        """A child that exited (and was reaped) is gone."""
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        assert pid_alive(dead.pid) is False

    def test_zero_and_negative_numbers_are_no_process(self) -> None:
        """0 and -1 name process groups for `kill`, never one process: not alive (and nothing is signalled)."""
        assert pid_alive(0) is False
        assert pid_alive(-1) is False


class TestCounters:
    def test_increment_accumulates(self, engine: Engine) -> None:
        """Counters start at zero and add up."""
        with Session(engine) as s:
            assert counter_value(s, "x_429") == 0
            increment(s, "x_429")
            increment(s, "x_429", 2)
            s.commit()
            assert counter_value(s, "x_429") == 3

    def test_record_429_counts_only_what_x_answered_429(self, engine: Engine) -> None:
        """X's 429 is counted (committed on its own); the budget keeper's refusal and a 503 are not."""
        record_429(engine, RateLimited("429 from X", reset_at=None, status=429, endpoint="GET /2/users/:id/mentions"))
        record_429(engine, RateLimited("not sent, budget_spent", reset_at=None, endpoint="GET /2/users/:id/mentions"))
        record_429(engine, TransientError("503", status=503, endpoint="POST /2/tweets"))
        record_429(engine, RateLimited("429 again", reset_at=None, status=429, endpoint="POST /2/tweets"))
        with Session(engine) as s:
            assert counter_value(s, X_429_COUNTER) == 2


class TestAudit:
    def test_newest_entry_first(self, engine: Engine, clock: ManualClock) -> None:
        """The audit log lists the newest entry first."""
        with Session(engine) as s:
            audit(s, at=clock.now(), actor="alice", action="queue.approve", target="post:1")
            audit(s, at=clock.now() + timedelta(seconds=5), actor="bob", action="crisis.on", detail="storm")
            s.commit()
            assert [(e.actor, e.action) for e in recent_audit(s)] == [("bob", "crisis.on"), ("alice", "queue.approve")]
