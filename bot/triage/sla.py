"""SLA and per-status figures of the triage queue (read-only; used by the dashboard and `brandbot stats`).

The SLA is a first-response SLA: an item is met when its first reply went out (`first_response_at`)
no later than `sla_due_at`, and breached when that reply came late or, for an open item still
unanswered, once `sla_due_at` has passed. `is_sla_breached` (one item) and `breached_items` (the
query behind the dashboard, metrics and `brandbot stats`) apply the same rule.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from bot.domain import OPEN_TRIAGE_STATUSES, TriageStatus
from bot.store.models import TriageItem

OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in OPEN_TRIAGE_STATUSES)


def is_sla_breached(item: TriageItem, *, now: datetime) -> bool:
    """Whether the item missed its first-response SLA.

    Answered: breached only if the first reply was posted after `sla_due_at`. Unanswered: breached
    while open and past `sla_due_at` (a closed item that never needed an answer is not).
    """
    if item.first_response_at is not None:
        return item.first_response_at > item.sla_due_at
    return item.status in OPEN_STATUSES and item.sla_due_at < now


def breached_items(session: Session, *, now: datetime) -> list[TriageItem]:
    """Open items that missed their SLA (`is_sla_breached`), most urgent first."""
    stmt = (
        select(TriageItem)
        .where(col(TriageItem.status).in_(OPEN_STATUSES))
        .where(or_(
            and_(col(TriageItem.first_response_at).is_(None), col(TriageItem.sla_due_at) < now),
            col(TriageItem.first_response_at) > col(TriageItem.sla_due_at),
        ))
        .order_by(col(TriageItem.severity_rank), col(TriageItem.sla_due_at), col(TriageItem.id))
    )
    return list(session.exec(stmt))


def count_by_status(session: Session) -> dict[str, int]:
    """Number of items per status (every status present, zeros included)."""
    counts = {s.value: 0 for s in TriageStatus}
    stmt = select(TriageItem.status, func.count()).group_by(col(TriageItem.status))
    for status, n in session.exec(stmt):
        counts[status] = int(n)
    return counts
