"""Crisis mode: one switch that holds every automatic path (posts, follows, replies).

Every toggle is a `CrisisChange` row; the newest row is the state. A pause with an
`auto_resume_at` ends by itself once that time passes (and a row records the resume).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlmodel import Session, col, select

from bot.store.coordination import audit
from bot.store.models import CrisisChange

log = structlog.get_logger()


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
    stmt = select(CrisisChange).order_by(col(CrisisChange.created_at).desc(), col(CrisisChange.id).desc()).limit(1)
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
    """Record a toggle (the caller commits). Turning on while on updates the reason."""
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
    log.warning("crisis.on" if active else "crisis.off", reason=change.reason, actor=actor, automatic=automatic)
    return change


def settle_auto_resume(session: Session, *, now: datetime) -> bool:
    """Write the resume row for a pause whose auto-resume time has passed; True if it did."""
    row = _latest(session)
    if row is None or not row.active or row.auto_resume_at is None or row.auto_resume_at > now:
        return False
    set_crisis(session, active=False, reason="auto-resume time reached", actor="system", now=now, automatic=True)
    return True
