"""`bot.store.paging` on both stores: keyset pages both ways, ties on the sort key, and the more-rows flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.store.models import AuditLog
from bot.store.paging import Keyset, KeysetPage, beyond

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Minutes past T0 of the seven entries, in insertion (id) order: two pairs share a time.
MINUTES = (3, 0, 5, 3, 1, 5, 2)
#: Their positions (0-based insertion order) by time, then id.
ASCENDING = (1, 4, 6, 0, 3, 2, 5)
ORDER = (col(AuditLog.at), col(AuditLog.id))


@pytest.fixture
def ids(session: Session) -> list[int]:
    rows = [AuditLog(at=T0 + timedelta(minutes=m), actor="x", action=f"a{n}") for n, m in enumerate(MINUTES)]
    session.add_all(rows)
    session.commit()
    return [r.id or 0 for r in rows]


def _read(session: Session, keyset: Keyset) -> KeysetPage[AuditLog]:
    return keyset.page(list(session.exec(keyset.apply(select(AuditLog)))))


def _anchor(session: Session, entry_id: int) -> tuple[object, ...]:
    entry = session.get(AuditLog, entry_id)
    assert entry is not None
    return entry.at, entry.id


def _ids(page: KeysetPage[AuditLog]) -> tuple[list[int], bool, bool]:
    return [r.id or 0 for r in page.rows], page.more_before, page.more_after


class TestKeyset:
    def test_pages_forward_then_back_in_an_ascending_order(self, session: Session, ids: list[int]) -> None:
        """Pages of 3 on from the last row, then back from the first: every row once, flags exact."""
        whole = [ids[i] for i in ASCENDING]
        first = _read(session, Keyset(order=ORDER, limit=3))
        assert _ids(first) == (whole[:3], False, True)
        second = _read(session, Keyset(order=ORDER, anchor=_anchor(session, whole[2]), limit=3))
        assert _ids(second) == (whole[3:6], True, True)
        third = _read(session, Keyset(order=ORDER, anchor=_anchor(session, whole[5]), limit=3))
        assert _ids(third) == (whole[6:], True, False)
        back = _read(session, Keyset(order=ORDER, anchor=_anchor(session, whole[6]), backwards=True, limit=3))
        assert _ids(back) == (whole[3:6], True, True)
        start = _read(session, Keyset(order=ORDER, anchor=_anchor(session, whole[3]), backwards=True, limit=3))
        assert _ids(start) == (whole[:3], False, True)
        before_all = _read(session, Keyset(order=ORDER, anchor=_anchor(session, whole[0]), backwards=True, limit=3))
        assert _ids(before_all) == ([], False, True)

    def test_a_descending_order_is_the_reverse(self, session: Session, ids: list[int]) -> None:
        """Newest first: `descending` lists the same rows the other way round, paging likewise."""
        newest_first = [ids[i] for i in reversed(ASCENDING)]
        assert _ids(_read(session, Keyset(order=ORDER, descending=True))) == (newest_first, False, False)
        second = _read(session, Keyset(order=ORDER, descending=True, anchor=_anchor(session, newest_first[1]),
                                       limit=2))
        assert _ids(second) == (newest_first[2:4], True, True)
        back = _read(session, Keyset(order=ORDER, descending=True, anchor=_anchor(session, newest_first[2]),
                                     backwards=True, limit=5))
        assert _ids(back) == (newest_first[:2], False, True)

    def test_a_page_that_exactly_fills_the_limit_has_nothing_after(self, session: Session, ids: list[int]) -> None:
        """Seven rows, limit 7: all of them and no next page (the row over the limit is what tells)."""
        assert _ids(_read(session, Keyset(order=ORDER, limit=7))) == ([ids[i] for i in ASCENDING], False, False)
        assert _ids(_read(session, Keyset(order=ORDER, limit=6)))[2] is True

    def test_no_limit_reads_every_row_that_way(self, session: Session, ids: list[int]) -> None:
        """Without a limit the page runs to the end of the list from the anchor."""
        whole = [ids[i] for i in ASCENDING]
        assert _ids(_read(session, Keyset(order=ORDER, anchor=_anchor(session, whole[1])))) == (whole[2:], True, False)
        assert _ids(_read(session, Keyset(order=ORDER, anchor=_anchor(session, whole[1]), backwards=True))) == (
            whole[:1], False, True)

    def test_backwards_without_an_anchor_is_the_first_page(self, session: Session, ids: list[int]) -> None:
        """An anchor that was not found (None) gives the start of the list, whichever way was asked."""
        assert _ids(_read(session, Keyset(order=ORDER, backwards=True, limit=2))) == (
            [ids[ASCENDING[0]], ids[ASCENDING[1]]], False, True)

    def test_bad_arguments(self) -> None:
        """A negative limit, or anchor values that do not match the order's columns, are refused."""
        with pytest.raises(ValueError, match="limit must not be negative"):
            Keyset(order=ORDER, limit=-1)
        with pytest.raises(ValueError, match="one anchor value for each column"):
            beyond(ORDER, (T0,))
