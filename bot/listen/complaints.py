"""What counts as a complaint: the detector's verdict, unless a person said otherwise.

Staff have the last word on a mention. `brandbot triage flag` (or "Flag as complaint" on the
dashboard's Mentions page) opens a triage item labelled `complaint` for a mention the detector
missed; `triage label ID not-complaint` says a mention the detector flagged is not one. The latest
label sits on the mention's triage item (`TriageItem.label`); where there is none, the detector's
verdict (`Classification.complaint`) stands. `brandbot stats`, the crisis watch and the dashboard's
overview all count complaints this way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from bot.domain import TriageLabel
from bot.store.models import Classification, Mention, TriageItem

_Stmt = TypeVar("_Stmt", bound=Select[Any])


def with_verdicts(stmt: _Stmt) -> _Stmt:
    """`stmt` (over `Mention`) with each mention's classification and triage item outer-joined, for `is_complaint`."""
    return (stmt.outerjoin(Classification, col(Classification.mention_id) == col(Mention.id))
            .outerjoin(TriageItem, col(TriageItem.mention_id) == col(Mention.id)))


def is_complaint() -> ColumnElement[bool]:
    """SQL condition over `with_verdicts`: staff labelled the mention a complaint, or the detector flagged it
    and staff did not label it not-complaint."""
    label = col(TriageItem.label)
    detector_said_so = and_(col(Classification.complaint).is_(True),
                            or_(label.is_(None), label != TriageLabel.NOT_COMPLAINT.value))
    return or_(label == TriageLabel.COMPLAINT.value, detector_said_so)


@dataclass(frozen=True, slots=True)
class StaffCorrections:
    """Where staff's latest label disagrees with the detector."""

    added: int  # complaints the detector missed (flagged by staff, or labelled complaint)
    removed: int  # mentions the detector flagged that staff labelled not-complaint


def staff_corrections(session: Session) -> StaffCorrections:
    """How many complaints staff added to and removed from the detector's."""
    label = col(TriageItem.label)
    detector = col(Classification.complaint)
    stmt = (
        select(
            func.count().filter(and_(label == TriageLabel.COMPLAINT.value,
                                     or_(detector.is_(None), detector.is_(False)))),
            func.count().filter(and_(label == TriageLabel.NOT_COMPLAINT.value, detector.is_(True))),
        )
        .select_from(TriageItem)
        .outerjoin(Classification, col(Classification.mention_id) == col(TriageItem.mention_id))
        .where(label.is_not(None))
    )
    added, removed = session.exec(stmt).one()
    return StaffCorrections(added=int(added), removed=int(removed))
