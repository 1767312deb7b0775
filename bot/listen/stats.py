"""`compute_stats`: the figures behind `brandbot stats` and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain import FollowStatus, PostState
from bot.listen.complaints import staff_corrections
from bot.store.coordination import X_429_COUNTER, counter_value
from bot.store.models import Cursor, FollowDecision, Post
from bot.triage.sla import breached_items, count_by_status


@dataclass(frozen=True, slots=True)
class Stats:
    """Listening, triage, follow and publishing figures at one instant.

    `complaints` is what customer service would call the complaints: the detector's, plus those
    staff flagged (or labelled complaint) that it missed, minus those it flagged that staff labelled
    not-complaint (`bot.listen.complaints`). `complaints_by_detector` is the detector's alone (the
    `complaints` counter the listener increments, also exported as `brandbot_complaints`).
    """

    mentions_seen: int
    complaints: int
    x_429: int
    complaints_by_detector: int = 0
    complaints_added_by_staff: int = 0
    complaints_removed_by_staff: int = 0
    triage_by_status: dict[str, int] = field(default_factory=dict)
    sla_breached: int = 0
    follows_by_status: dict[str, int] = field(default_factory=dict)
    posts_by_state: dict[str, int] = field(default_factory=dict)
    last_poll_success_at: datetime | None = None
    poll_lag_seconds: float | None = None  # now - newest Cursor.last_success_at; None if never polled
    poll_errors: dict[str, str] = field(default_factory=dict)  # cursor name -> last error
    #: cursor name -> seconds since that source last succeeded (a failing source shows here, not in the lag above)
    poll_lag_by_source: dict[str, float | None] = field(default_factory=dict)

    @property
    def follows_done(self) -> int:
        """Follows made, by the bot through the API or by a person from the "to follow" list."""
        return sum(self.follows_by_status.get(s.value, 0) for s in (FollowStatus.DONE, FollowStatus.MANUAL_DONE))

    @property
    def follows_waiting_for_a_person(self) -> int:
        return self.follows_by_status.get(FollowStatus.MANUAL.value, 0)


def _grouped(session: Session, column: object, keys: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(keys, 0)
    for key, n in session.exec(select(column, func.count()).group_by(column)):  # type: ignore[call-overload]
        counts[str(key)] = int(n)
    return counts


def compute_stats(session: Session, *, now: datetime) -> Stats:
    """Counters, per-status counts and poll lag."""
    cursors = list(session.exec(select(Cursor)))
    successes = [c.last_success_at for c in cursors if c.last_success_at is not None]
    last = max(successes) if successes else None

    def lag(at: datetime | None) -> float | None:
        # never negative: a sped-up sandbox run (`--speed`) records poll times ahead of the wall clock
        return None if at is None else max(0.0, (now - at).total_seconds())

    by_detector = counter_value(session, "complaints")
    corrections = staff_corrections(session)
    return Stats(
        mentions_seen=counter_value(session, "mentions_seen"),
        complaints=by_detector + corrections.added - corrections.removed,
        x_429=counter_value(session, X_429_COUNTER),
        complaints_by_detector=by_detector,
        complaints_added_by_staff=corrections.added,
        complaints_removed_by_staff=corrections.removed,
        triage_by_status=count_by_status(session),
        sla_breached=len(breached_items(session, now=now)),
        follows_by_status=_grouped(session, col(FollowDecision.status), [s.value for s in FollowStatus]),
        posts_by_state=_grouped(session, col(Post.state), [s.value for s in PostState]),
        last_poll_success_at=last,
        poll_lag_seconds=lag(last),
        poll_errors={c.name: c.last_error for c in cursors if c.last_error},
        poll_lag_by_source={c.name: lag(c.last_success_at) for c in cursors},
    )
