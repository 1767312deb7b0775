"""SLA and per-status figures of the triage queue (read-only; used by the dashboard and `brandbot stats`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain import OPEN_TRIAGE_STATUSES, TriageStatus
from bot.store.models import TriageItem

OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in OPEN_TRIAGE_STATUSES)


def is_sla_breached(item: TriageItem, *, now: datetime) -> bool:
    """An item breaches its SLA while it is open and past `sla_due_at`."""
    return item.status in OPEN_STATUSES and item.sla_due_at < now


def breached_items(session: Session, *, now: datetime) -> list[TriageItem]:
    """Open items past their SLA, most urgent first."""
    stmt = (
        select(TriageItem)
        .where(col(TriageItem.status).in_(OPEN_STATUSES))
        .where(col(TriageItem.sla_due_at) < now)
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
