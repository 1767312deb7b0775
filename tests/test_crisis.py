"""`crisis_state` and `set_crisis` on both stores: the newest toggle by insertion order is the state."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from bot.clock import ManualClock
from bot.crisis import crisis_state, set_crisis
from bot.store.models import CrisisChange


class TestCrisisState:
    def test_a_later_toggle_wins_over_a_row_dated_in_the_future(self, session: Session, clock: ManualClock) -> None:
        """An ON row written by a sped-up run 16 minutes ahead is overridden by an OFF written after it."""
        set_crisis(session, active=True, reason="storm", actor="system", now=clock.now() + timedelta(minutes=16),
                   automatic=True)
        session.commit()
        set_crisis(session, active=False, reason="", actor="cli", now=clock.now())
        session.commit()
        state = crisis_state(session, now=clock.now())
        assert (state.active, state.actor, state.reason) == (False, "cli", "resumed")

    def test_an_on_written_after_an_off_dated_in_the_future_is_on(self, session: Session, clock: ManualClock) -> None:
        """Clock skew the other way: OFF stamped ahead by another host, then ON here: the pause holds."""
        session.add(CrisisChange(active=False, reason="resumed", actor="host-b", created_at=clock.now()
                                 + timedelta(hours=1)))
        session.commit()
        set_crisis(session, active=True, reason="outage", actor="ops", now=clock.now())
        session.commit()
        state = crisis_state(session, now=clock.now())
        assert (state.active, state.reason, state.since) == (True, "outage", clock.now())
