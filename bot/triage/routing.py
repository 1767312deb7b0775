"""Opening a triage item for a complaint (called by the listener in its transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col

from bot.domain import SLA_BY_SEVERITY, Severity, TriageStatus
from bot.store.models import AuditLog, TriageAction, TriageItem

SYSTEM_ACTOR = "system"


def parse_severity(value: str) -> Severity:
    """`value` as a `Severity`; anything unknown counts as medium."""
    try:
        return Severity(value.lower())
    except ValueError:
        return Severity.MEDIUM


@dataclass(frozen=True, slots=True)
class NewComplaint:
    """A complaint to put in front of customer service."""

    mention_id: str
    author_id: str
    severity: str
    score: float


def open_triage_items(
    session: Session, complaints: Sequence[NewComplaint], *, now: datetime, actor: str = SYSTEM_ACTOR
) -> dict[str, int]:
    """NEW items due at `now` + each severity's SLA, each with its 'created' action and audit entry by `actor`.

    `actor` is the listener (`SYSTEM_ACTOR`) or the staff member who flagged a missed complaint.
    Returns item ids by mention id. Not committed: part of the caller's transaction.
    """
    if not complaints:
        return {}
    rows: list[dict[str, Any]] = []
    for c in complaints:
        sev = parse_severity(c.severity)
        rows.append({
            "mention_id": c.mention_id,
            "author_id": c.author_id,
            "severity": sev.value,
            "severity_rank": sev.rank,
            "score": c.score,
            "status": TriageStatus.NEW.value,
            "sla_due_at": now + SLA_BY_SEVERITY[sev],
            "created_at": now,
            "updated_at": now,
        })
    result = session.execute(insert(TriageItem).returning(col(TriageItem.id), col(TriageItem.mention_id)), rows)
    ids = {str(mention_id): int(item_id) for item_id, mention_id in result}
    session.execute(insert(TriageAction), [
        {"item_id": ids[r["mention_id"]], "actor": actor, "action": "created",
         "detail": f"severity {r['severity']}, score {r['score']:.2f}", "created_at": now}
        for r in rows
    ])
    session.execute(insert(AuditLog), [
        {"at": now, "actor": actor, "action": "triage.created", "target": f"triage:{ids[r['mention_id']]}",
         "detail": f"mention {r['mention_id']}"}
        for r in rows
    ])
    return ids


def open_triage_item(
    session: Session,
    *,
    mention_id: str,
    author_id: str,
    severity: str,
    score: float,
    now: datetime,
    actor: str = SYSTEM_ACTOR,
) -> TriageItem:
    """One NEW item (see `open_triage_items`)."""
    ids = open_triage_items(session, [NewComplaint(mention_id, author_id, severity, score)], now=now, actor=actor)
    item = session.get(TriageItem, ids[mention_id])
    assert item is not None
    return item
