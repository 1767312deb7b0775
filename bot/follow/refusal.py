"""The shared fact that X refused following through the API, so no process asks again.

X answers NotOnTier to `POST /2/users/:id/following` when the account is not on Enterprise,
whatever `X_TIER` says. The first refusal raises the counter `follow.api_refused` (with an
audit row); every process reads it: the follow job blocks its budget and hands pending rows
to a person, and new decisions go straight to the manual list. `clear_follow_refused` lowers
it (for instance after the account moved to Enterprise).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.store.coordination import audit, counter_value, set_counter

FOLLOW_REFUSED_FLAG = "follow.api_refused"


def follow_refused(session: Session) -> bool:
    """Whether X has refused following through the API (and nobody cleared it since)."""
    return bool(counter_value(session, FOLLOW_REFUSED_FLAG))


def mark_follow_refused(session: Session, *, now: datetime, actor: str, detail: str) -> bool:
    """Raise the flag (audited once); True if this call raised it. The caller commits."""
    if follow_refused(session):
        return False
    set_counter(session, FOLLOW_REFUSED_FLAG, 1)
    audit(session, at=now, actor=actor, action="follow.api_refused", detail=detail)
    return True


def clear_follow_refused(session: Session, *, now: datetime, actor: str) -> bool:
    """Lower the flag (audited) so the follow job tries the API again; True if it was up. The caller commits."""
    if not follow_refused(session):
        return False
    set_counter(session, FOLLOW_REFUSED_FLAG, 0)
    audit(session, at=now, actor=actor, action="follow.api_retry", detail="following through the API allowed again")
    return True
