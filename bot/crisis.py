"""Crisis mode: one switch that holds every automatic path (posts, follows).

What it holds is one explicit policy, `held_by_crisis`: every post except a staff member's
answer to a customer (a reply tied to a triage item). A complaint storm is exactly when crisis
mode trips and when customers most need their answers, so those keep flowing; event posts,
anecdotes, promotional and manual posts wait until the pause ends.

Every toggle is a `CrisisChange` row; the last row written (highest id) is the state, whatever
its `created_at` says: a sped-up run or a host with a skewed clock may stamp a toggle ahead of
real time, and a later toggle must still win. A pause with an `auto_resume_at` ends by itself
once that time passes (and a row records the resume).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import ColumnElement, and_, not_, update
from sqlmodel import Session, col, select

from bot.domain import PostKind, PostState
from bot.store.coordination import audit
from bot.store.models import CrisisChange, Post

log = structlog.get_logger()

#: Reason prefix of posts held by crisis mode (released when the pause ends).
CRISIS_HOLD = "crisis"


def held_by_crisis(*, kind: str, triage_item_id: int | None) -> bool:
    """Whether crisis mode holds a post of `kind`: all but staff replies to a triage item."""
    return not (kind == PostKind.REPLY.value and triage_item_id is not None)


def exempt_from_crisis() -> ColumnElement[bool]:
    """`held_by_crisis` as SQL: true for the posts crisis mode does not hold."""
    return and_(col(Post.kind) == PostKind.REPLY.value, col(Post.triage_item_id).is_not(None))


@dataclass(frozen=True, slots=True)
class CrisisState:
    """The crisis switch as it stands."""

    active: bool
    reason: str = ""
    actor: str = ""
    automatic: bool = False
    since: datetime | None = None
    auto_resume_at: datetime | None = None


def _latest(session: Session) -> CrisisChange | None:
    """The last toggle written (insertion order, not `created_at`: clocks of writers may disagree)."""
    stmt = select(CrisisChange).order_by(col(CrisisChange.id).desc()).limit(1)
    return session.exec(stmt).first()


def crisis_state(session: Session, *, now: datetime) -> CrisisState:
    """The current state; a pause whose auto-resume time has passed counts as over."""
    row = _latest(session)
    if row is None or not row.active:
        return CrisisState(active=False, reason=row.reason if row else "", actor=row.actor if row else "",
                           since=row.created_at if row else None)
    if row.auto_resume_at is not None and row.auto_resume_at <= now:
        return CrisisState(active=False, reason="auto-resumed", actor="system", since=row.auto_resume_at)
    return CrisisState(
        active=True,
        reason=row.reason,
        actor=row.actor,
        automatic=row.automatic,
        since=row.created_at,
        auto_resume_at=row.auto_resume_at,
    )


def set_crisis(
    session: Session,
    *,
    active: bool,
    reason: str,
    actor: str,
    now: datetime,
    automatic: bool = False,
    auto_resume_at: datetime | None = None,
) -> CrisisChange:
    """Record a toggle and hold (on) or release (off) the queued posts, in the caller's transaction.

    Turning on while on updates the reason. Scheduled posts that `held_by_crisis` become `held`
    with the reason; posts held by a crisis go back on the schedule when it ends.
    """
    if active and not reason.strip():
        raise ValueError("a crisis pause needs a reason")
    change = CrisisChange(
        active=active,
        reason=reason.strip() or ("resumed" if not active else ""),
        actor=actor,
        automatic=automatic,
        auto_resume_at=auto_resume_at if active else None,
        created_at=now,
    )
    session.add(change)
    audit(session, at=now, actor=actor, action="crisis.on" if active else "crisis.off", detail=change.reason)
    moved = _hold_posts(session, change.reason, now) if active else _release_posts(session, now)
    log.warning("crisis.on" if active else "crisis.off", reason=change.reason, actor=actor, automatic=automatic,
                posts_held=moved if active else 0, posts_released=0 if active else moved)
    return change


def _hold_posts(session: Session, reason: str, now: datetime) -> int:
    result = session.execute(
        update(Post)
        .where(col(Post.state) == PostState.SCHEDULED.value, not_(exempt_from_crisis()))
        .values(state=PostState.HELD.value, held_reason=f"{CRISIS_HOLD}: {reason}", updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _release_posts(session: Session, now: datetime) -> int:
    result = session.execute(
        update(Post)
        .where(col(Post.state) == PostState.HELD.value, col(Post.held_reason).startswith(CRISIS_HOLD))
        .values(state=PostState.SCHEDULED.value, held_reason=None, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def settle_auto_resume(session: Session, *, now: datetime) -> bool:
    """Write the resume row for a pause whose auto-resume time has passed; True if it did."""
    row = _latest(session)
    if row is None or not row.active or row.auto_resume_at is None or row.auto_resume_at > now:
        return False
    set_crisis(session, active=False, reason="auto-resume time reached", actor="system", now=now, automatic=True)
    return True
