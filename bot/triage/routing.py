"""Opening a triage item for a complaint (called by the listener in its transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain import SLA_BY_SEVERITY, Severity, TriageStatus
from bot.store.coordination import audit
from bot.store.models import TriageAction, TriageItem

SYSTEM_ACTOR = "system"


def parse_severity(value: str) -> Severity:
    """`value` as a `Severity`; anything unknown counts as medium."""
    try:
        return Severity(value.lower())
    except ValueError:
        return Severity.MEDIUM


def open_triage_item(
    session: Session, *, mention_id: str, author_id: str, severity: str, score: float, now: datetime
) -> TriageItem:
    """A NEW item due at `now` + the severity's SLA, with its 'created' action (not committed)."""
    sev = parse_severity(severity)
    item = TriageItem(
        mention_id=mention_id,
        author_id=author_id,
        severity=sev.value,
        severity_rank=sev.rank,
        score=score,
        status=TriageStatus.NEW.value,
        sla_due_at=now + SLA_BY_SEVERITY[sev],
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    session.add(TriageAction(item_id=item.id, actor=SYSTEM_ACTOR, action="created",
                             detail=f"severity {sev.value}, score {score:.2f}", created_at=now))
    audit(session, at=now, actor=SYSTEM_ACTOR, action="triage.created", target=f"triage:{item.id}",
          detail=f"mention {mention_id}")
    return item
