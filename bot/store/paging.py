"""Keyset paging: the rows after (or just before) an anchor in a fixed sort order.

A page continues from the sort key of the row it starts from, not from an OFFSET, so it never
repeats or skips a row when rows are added or removed ahead of it. The sort key must end with a
unique column (the id) so that the order is total. One row more than the page is fetched to
learn whether another page follows in the direction of travel, without a second query.

The anchor is the sort key's values, not a row: a page hands out cursors (`KeysetPage.cursor_before`,
`cursor_after`) that hold the values of its first and last rows, and the next page reads from
those values even if that row has since left the list or its sort key has changed (a follow
decision acted on, a triage item closed). A page read backwards that reaches the start of the
list is the first page (`Keyset.read`), never a short or empty page in front of it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, DateTime, Integer, SQLColumnExpression, String, and_, or_, select
from sqlalchemy.sql.expression import Select
from sqlalchemy.types import TypeDecorator, TypeEngine

T = TypeVar("T")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])  # sqlmodel's Select and SelectOfScalar are both SQLAlchemy Selects

#: A cursor longer than this is not one a page handed out (two timestamps and two ids take ~100).
MAX_CURSOR_LENGTH = 500
#: Integers in a cursor must fit a 64-bit SQL INTEGER (SQLite raises OverflowError on a bigger one).
_INT_RANGE = range(-(2**63), 2**63)


class CursorError(ValueError):
    """The text is not a cursor of this list's order (hand-edited, cut short, or from another list)."""


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


def _kind(column: SQLColumnExpression[Any]) -> type:
    """The Python type of a sort column's values: datetime, int or str (the only ones a cursor holds)."""
    sql_type: TypeEngine[Any] = select(column).selected_columns[0].type
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    for base, kind in ((DateTime, datetime), (Integer, int), (String, str)):
        if isinstance(sql_type, base):
            return kind
    raise TypeError(f"keyset paging cannot put a {sql_type!r} column in a cursor")


def _to_json(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a cursor holds aware datetimes only")
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"a cursor holds datetimes, ints and strings, not {value!r}")
    return value


def _storable(text: str) -> bool:
    """Text a database can compare: encodable as UTF-8 (no lone surrogates) and without NUL (PostgreSQL)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _from_json(value: object, kind: type) -> object:
    if kind is datetime and isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise CursorError(f"not a time: {value!r}") from None
        if when.tzinfo is not None:
            try:
                return when.astimezone(UTC)  # as the database compares it; the calendar's ends overflow
            except OverflowError:
                raise CursorError(f"time out of range: {value!r}") from None
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and value in _INT_RANGE:
        return value
    if kind is str and isinstance(value, str) and _storable(value):
        return value
    raise CursorError(f"expected a {kind.__name__}, got {value!r}")


@dataclass(frozen=True, slots=True)
class KeysetPage(Generic[T]):
    """One page of rows in the list's order, whether the list goes on before and after it, and from where.

    The flag in the direction the page was read is exact (one row more was fetched). The other
    one is true when the page starts from an anchor: rows lay that way when the anchor was taken.
    `cursor_before` (when `more_before`) reads the page before this one (`backwards`), from its first
    row, or from the anchor when the page is empty; `cursor_after` (when `more_after`) the page after.
    """

    rows: list[T]
    more_before: bool
    more_after: bool
    cursor_before: str | None = None
    cursor_after: str | None = None


@dataclass(frozen=True, slots=True)
class Keyset:
    """A page to read: the sort order, where it starts, which way, and how many rows.

    `order` columns are all ascending, or all descending with `descending`. `anchor` holds values
    of `order` (None: the start of the list), usually from a cursor (`from_cursor`); the page is the
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

    def cursor(self, key: Sequence[object]) -> str:
        """The cursor for a row whose values of `order` are `key`: URL-safe text (base64 of a JSON list)."""
        if len(key) != len(self.order):
            raise ValueError("give one value for each column of the order")
        data = json.dumps([_to_json(v) for v in key], separators=(",", ":"), ensure_ascii=False)
        return base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii").rstrip("=")

    def decode(self, cursor: str) -> tuple[object, ...]:
        """The `order` values a `cursor` holds; `CursorError` if it is not a cursor of this order."""
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise CursorError("cursor too long")
        try:
            data = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            values = json.loads(data.decode("utf-8"))
        except (binascii.Error, ValueError):  # bad base64, bad UTF-8 and bad JSON are all ValueErrors
            raise CursorError(f"not a cursor: {cursor[:40]!r}") from None
        if not isinstance(values, list) or len(values) != len(self.order):
            raise CursorError(f"not a cursor of this list: {cursor[:40]!r}")
        return tuple(_from_json(v, _kind(c)) for v, c in zip(values, self.order, strict=True))

    def from_cursor(self, cursor: str | None, *, backwards: bool = False) -> Keyset:
        """This keyset read from `cursor` (after it, or before it with `backwards`).

        No cursor, or one that is not a cursor of this order (a hand-edited URL), is the start of
        the list, as a page that no longer exists would be.
        """
        anchor = None
        if cursor is not None:
            try:
                anchor = self.decode(cursor)
            except CursorError:
                anchor = None
        return replace(self, anchor=anchor, backwards=backwards)

    def from_cursors(self, *, forward: str | None, backward: str | None,
                     names: tuple[str, str] = ("before", "after")) -> Keyset:
        """This keyset read after `forward` (the next page) or before `backward` (the page before).

        A list function's two paging arguments, `names` (forward's, then backward's) in its own
        words, only used to refuse both at once (`ValueError`); neither is the start of the list.
        """
        if forward is not None and backward is not None:
            raise ValueError(f"give {names[0]} or {names[1]}, not both")
        return self.from_cursor(forward if forward is not None else backward, backwards=backward is not None)

    def apply(self, stmt: S) -> S:
        """`stmt` limited to the page: rows beyond the anchor, in the order of reading, one row over the limit."""
        descending = self.descending != self._reverse
        if self.anchor is not None:
            stmt = stmt.where(beyond(self.order, self.anchor, descending=descending))
        stmt = stmt.order_by(*(c.desc() if descending else c for c in self.order))
        if self.limit is not None:
            stmt = stmt.limit(self.limit + 1)
        return stmt

    def page(self, rows: Sequence[T], key: Callable[[T], Sequence[object]]) -> KeysetPage[T]:
        """The page from the rows `apply`'s statement returned; `key` gives a row's values of `order` (cursors)."""
        more = self.limit is not None and len(rows) > self.limit
        kept = list(rows[: self.limit] if self.limit is not None else rows)
        anchored = self.anchor is not None
        if self._reverse:
            kept.reverse()
            more_before, more_after = more, anchored
        else:
            more_before, more_after = anchored, more
        anchor = self.cursor(self.anchor) if self.anchor is not None else None
        first = self.cursor(key(kept[0])) if kept else anchor
        last = self.cursor(key(kept[-1])) if kept else anchor
        return KeysetPage(kept, more_before=more_before, more_after=more_after,
                          cursor_before=first if more_before else None, cursor_after=last if more_after else None)

    def read(self, stmt: S, run: Callable[[S], Sequence[T]], key: Callable[[T], Sequence[object]]) -> KeysetPage[T]:
        """The page of `stmt`'s rows: `run` executes a statement, `key` gives a row's values of `order`.

        A page read backwards (with a limit) that reaches the start of the list is the first page:
        the rows before the anchor may have left the list since its cursor was handed out, and a
        short or empty page in front of the first would hide the rows that now start the list.
        That case costs a second query; every other page is one.
        """
        page = self.page(run(self.apply(stmt)), key)
        if self._reverse and self.limit is not None and not page.more_before:
            start = replace(self, anchor=None, backwards=False)
            page = start.page(run(start.apply(stmt)), key)
        return page
