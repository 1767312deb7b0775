"""Keyset paging: the rows after (or just before) an anchor row in a fixed sort order.

A page continues from the sort key of the row it starts from, not from an OFFSET, so it never
repeats or skips a row when rows are added or removed ahead of it. The sort key must end with a
unique column (the id) so that the order is total. One row more than the page is fetched to
learn whether another page follows in the direction of travel, without a second query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_
from sqlalchemy.sql.expression import Select

T = TypeVar("T")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])  # sqlmodel's Select and SelectOfScalar are both SQLAlchemy Selects


def beyond(order: Sequence[SQLColumnExpression[Any]], anchor: Sequence[object], *,
           descending: bool = False) -> ColumnElement[bool]:
    """SQL condition: the row comes after `anchor` (its values of the `order` columns) in that order.

    Ascending: `(a, b, id) > (a0, b0, id0)` written out column by column, as
    `a > a0 OR (a = a0 AND b > b0) OR (a = a0 AND b = b0 AND id > id0)`; `descending` turns every
    `>` into `<`. The condition with `descending` flipped is "comes before the anchor".
    """
    if len(order) != len(anchor) or not order:
        raise ValueError("give one anchor value for each column of the order")
    terms = []
    for i, column in enumerate(order):
        equal = [c == v for c, v in zip(order[:i], anchor[:i], strict=True)]
        past = column < anchor[i] if descending else column > anchor[i]
        terms.append(and_(*equal, past))
    return or_(*terms)


@dataclass(frozen=True, slots=True)
class KeysetPage(Generic[T]):
    """One page of rows in the list's order, and whether the list goes on before and after it.

    The flag in the direction the page was read is exact (one row more was fetched). The other
    one is true when the page starts from an anchor row: that row, and so a page, lies that way.
    """

    rows: list[T]
    more_before: bool
    more_after: bool


@dataclass(frozen=True, slots=True)
class Keyset:
    """A page to read: the sort order, where it starts, which way, and how many rows.

    `order` columns are all ascending, or all descending with `descending`. `anchor` holds the
    values of `order` of the row to page from (None: the start of the list); the page is the
    `limit` rows after it, or with `backwards` the `limit` rows just before it (still returned in
    the list's order). No `limit`: every row that way.
    """

    order: tuple[SQLColumnExpression[Any], ...]
    descending: bool = False
    anchor: tuple[object, ...] | None = None
    backwards: bool = False
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise ValueError("limit must not be negative")

    @property
    def _reverse(self) -> bool:
        """Read against the list's order (the page before the anchor)."""
        return self.backwards and self.anchor is not None

    def apply(self, stmt: S) -> S:
        """`stmt` limited to the page: rows beyond the anchor, in the order of reading, one row over the limit."""
        descending = self.descending != self._reverse
        if self.anchor is not None:
            stmt = stmt.where(beyond(self.order, self.anchor, descending=descending))
        stmt = stmt.order_by(*(c.desc() if descending else c for c in self.order))
        if self.limit is not None:
            stmt = stmt.limit(self.limit + 1)
        return stmt

    def page(self, rows: Sequence[T]) -> KeysetPage[T]:
        """The page from the rows `apply`'s statement returned."""
        more = self.limit is not None and len(rows) > self.limit
        kept = list(rows[: self.limit] if self.limit is not None else rows)
        anchored = self.anchor is not None
        if self._reverse:
            return KeysetPage(kept[::-1], more_before=more, more_after=anchored)
        return KeysetPage(kept, more_before=anchored, more_after=more)
