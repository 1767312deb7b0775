"""Reading the triage queue: items most urgent first (keyset pages), counts, one item and its history.

Read-only; staff actions that change an item are in `bot.triage.queue`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, func
from sqlmodel import Session, col, select

from bot.domain import TriageStatus
from bot.store.models import TriageAction, TriageItem
from bot.store.paging import Keyset, beyond
from bot.triage.errors import TriageNotFoundError
from bot.triage.sla import OPEN_STATUSES


def get_item(session: Session, item_id: int) -> TriageItem:
    """The item `item_id`, or `TriageNotFoundError`."""
    item = session.get(TriageItem, item_id)
    if item is None:
        raise TriageNotFoundError(f"no triage item {item_id}")
    return item


def _status_filter(status: TriageStatus | None) -> ColumnElement[bool]:
    if status is None:
        return col(TriageItem.status).in_(OPEN_STATUSES)
    return col(TriageItem.status) == status.value


def _urgency() -> tuple[SQLColumnExpression[Any], ...]:
    """The queue's order, most urgent first: severity rank, then SLA due time, then id."""
    return col(TriageItem.severity_rank), col(TriageItem.sla_due_at), col(TriageItem.id)


def _urgency_of(item: TriageItem) -> tuple[object, ...]:
    return item.severity_rank, item.sla_due_at, item.id


def list_items(
    session: Session,
    *,
    status: TriageStatus | None = None,
    limit: int | None = None,
    after: int | None = None,
    before: int | None = None,
) -> list[TriageItem]:
    """Open items (or those in `status`), most urgent first: severity rank, then SLA due time; all unless `limit`.

    Keyset paging (`bot.store.paging`): `after` (an item id) continues with the items less urgent
    than it, `before` gives the `limit` items just more urgent than it (the page before), still
    most urgent first. An unknown id is ignored.
    """
    if after is not None and before is not None:
        raise ValueError("give after or before, not both")
    anchor_id = after if after is not None else before
    anchor = session.get(TriageItem, anchor_id) if anchor_id is not None else None
    keyset = Keyset(order=_urgency(), anchor=_urgency_of(anchor) if anchor is not None else None,
                    backwards=before is not None, limit=limit)
    stmt = keyset.apply(select(TriageItem).where(_status_filter(status)))
    return keyset.page(list(session.exec(stmt))).rows


def count_items(session: Session, *, status: TriageStatus | None = None,
                more_urgent_than: TriageItem | None = None) -> int:
    """How many items `list_items` would return without a limit (only those ahead of `more_urgent_than` if given)."""
    stmt = select(func.count()).select_from(TriageItem).where(_status_filter(status))
    if more_urgent_than is not None:
        stmt = stmt.where(beyond(_urgency(), _urgency_of(more_urgent_than), descending=True))
    return int(session.exec(stmt).one())


def history(session: Session, item_id: int) -> list[TriageAction]:
    """The item's actions, oldest first."""
    stmt = select(TriageAction).where(col(TriageAction.item_id) == item_id).order_by(col(TriageAction.id))
    return list(session.exec(stmt))
