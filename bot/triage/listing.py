"""Reading the triage queue: items most urgent first (keyset pages), counts, one item and its history.

Read-only; staff actions that change an item are in `bot.triage.queue`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, func
from sqlmodel import Session, col, select

from bot.domain import TriageStatus
from bot.store.models import TriageAction, TriageItem
from bot.store.paging import Keyset, KeysetPage, beyond
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
    after: str | None = None,
    before: str | None = None,
) -> list[TriageItem]:
    """Open items (or those in `status`), most urgent first: severity rank, then SLA due time; all unless `limit`.

    Keyset paging (`bot.store.paging`, `page_items`): `after` (a page's `cursor_after`) continues
    with the items less urgent than that page, `before` (a page's `cursor_before`) gives the `limit`
    items just more urgent than it (the page before; the first page if it reaches the most urgent),
    still most urgent first. A text that is not such a cursor is ignored (the first page).
    """
    return page_items(session, status=status, limit=limit, after=after, before=before).rows


def page_items(
    session: Session,
    *,
    status: TriageStatus | None = None,
    limit: int | None = None,
    after: str | None = None,
    before: str | None = None,
) -> KeysetPage[TriageItem]:
    """`list_items` as a page, with the cursors to the more urgent (`cursor_before`) and less urgent pages.

    A cursor holds the item's severity rank, due time and id, so a page still starts in the right
    place when the item it was taken from has been closed since.
    """
    keyset = Keyset(order=_urgency(), limit=limit).from_cursors(forward=after, backward=before,
                                                                names=("after", "before"))
    stmt = select(TriageItem).where(_status_filter(status))
    return keyset.read(stmt, lambda page: list(session.exec(page)), key=_urgency_of)


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
