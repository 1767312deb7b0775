"""`bot.store.paging` on both stores: keyset pages both ways, ties on the sort key, and the more-rows flags."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, col, select

from bot.store.models import AuditLog, Mention
from bot.store.paging import CursorError, Keyset, KeysetPage, beyond

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Minutes past T0 of the seven entries, in insertion (id) order: two pairs share a time.
MINUTES = (3, 0, 5, 3, 1, 5, 2)
#: Their positions (0-based insertion order) by time, then id.
ASCENDING = (1, 4, 6, 0, 3, 2, 5)
ORDER = (col(AuditLog.at), col(AuditLog.id))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture
def ids(session: Session) -> list[int]:
    rows = [AuditLog(at=T0 + timedelta(minutes=m), actor="x", action=f"a{n}") for n, m in enumerate(MINUTES)]
    session.add_all(rows)
    session.commit()
    return [r.id or 0 for r in rows]


def _key(entry: AuditLog) -> tuple[object, ...]:
    return entry.at, entry.id


def _read(session: Session, keyset: Keyset) -> KeysetPage[AuditLog]:
    return keyset.page(list(session.exec(keyset.apply(select(AuditLog)))), _key)


def _anchor(session: Session, entry_id: int) -> tuple[object, ...]:
    entry = session.get(AuditLog, entry_id)
    assert entry is not None
    return _key(entry)


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


def _fetch(session: Session, keyset: Keyset) -> KeysetPage[AuditLog]:
    """`Keyset.read`: the page, with the first page for a backwards read that reaches the start."""
    return keyset.read(select(AuditLog), lambda stmt: list(session.exec(stmt)), _key)


class TestCursors:
    def test_a_page_hands_out_the_cursors_of_its_first_and_last_rows(self, session: Session, ids: list[int]) -> None:
        """The middle page's cursors hold its first and last rows' (time, id); the first page has none before."""
        whole = [ids[i] for i in ASCENDING]
        keyset = Keyset(order=ORDER, limit=3)
        first = _fetch(session, keyset)
        assert first.cursor_before is None
        assert first.cursor_after is not None
        assert keyset.decode(first.cursor_after) == (T0 + timedelta(minutes=2), whole[2])
        second = _fetch(session, keyset.from_cursor(first.cursor_after))
        assert _ids(second) == (whole[3:6], True, True)
        assert (second.cursor_before, second.cursor_after) == (keyset.cursor(_anchor(session, whole[3])),
                                                               keyset.cursor(_anchor(session, whole[5])))
        assert second.cursor_after is not None
        third = _fetch(session, keyset.from_cursor(second.cursor_after))
        assert (_ids(third), third.cursor_after) == ((whole[6:], True, False), None)
        assert third.cursor_before is not None
        assert _ids(_fetch(session, keyset.from_cursor(third.cursor_before, backwards=True))) == _ids(second)

    def test_a_cursor_outlives_its_row(self, session: Session, ids: list[int]) -> None:
        """The row a cursor came from is deleted: the pages either side still start where it was."""
        whole = [ids[i] for i in ASCENDING]
        keyset = Keyset(order=ORDER, limit=2)
        cursor = keyset.cursor(_anchor(session, whole[3]))
        gone = session.get(AuditLog, whole[3])
        session.delete(gone)
        session.commit()
        assert _ids(_fetch(session, keyset.from_cursor(cursor))) == (whole[4:6], True, True)
        assert _ids(_fetch(session, keyset.from_cursor(cursor, backwards=True))) == (whole[1:3], True, True)

    def test_backwards_to_the_start_is_the_first_page(self, session: Session, ids: list[int]) -> None:
        """Reading back from the 3rd row with a limit of 5 reaches the start: the first 5 rows, flags exact."""
        whole = [ids[i] for i in ASCENDING]
        keyset = Keyset(order=ORDER, limit=5)
        back = _fetch(session, keyset.from_cursor(keyset.cursor(_anchor(session, whole[2])), backwards=True))
        assert _ids(back) == (whole[:5], False, True)
        assert back.cursor_before is None
        before_all = _fetch(session, keyset.from_cursor(keyset.cursor(_anchor(session, whole[0])), backwards=True))
        assert _ids(before_all) == (whole[:5], False, True)
        everything = Keyset(order=ORDER, limit=7)
        assert _ids(_fetch(session, everything.from_cursor(everything.cursor(_anchor(session, whole[0])),
                                                           backwards=True))) == (whole, False, False)

    def test_an_empty_page_past_the_end_links_back_from_its_anchor(self, session: Session, ids: list[int]) -> None:
        """Nothing after the anchor: no rows, and the cursor before is the anchor's (the rows before it)."""
        whole = [ids[i] for i in ASCENDING]
        keyset = Keyset(order=ORDER, limit=3)
        cursor = keyset.cursor(_anchor(session, whole[6]))
        page = _fetch(session, keyset.from_cursor(cursor))
        assert (_ids(page), page.cursor_before, page.cursor_after) == (([], True, False), cursor, None)

    def test_values_round_trip(self) -> None:
        """Aware times (any zone), 64-bit ints and any text come back as they went in; the cursor is URL-safe."""
        order = (col(Mention.created_at), col(Mention.id), col(AuditLog.id))
        keyset = Keyset(order=order)
        paris = datetime(2026, 3, 1, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
        key = (paris, "12,3 é/+=&", 2**63 - 1)
        cursor = keyset.cursor(key)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
        assert keyset.decode(cursor) == key

    @pytest.mark.parametrize("cursor", [
        "", "not base64!", "99999999999999999999", "-1", "x" * 501,
        _b64("{}"), _b64("[1]"), _b64('["2026-03-01T12:00:00+00:00", "7"]'),
        _b64('["2026-03-01T12:00:00", 7]'), _b64('["yesterday", 7]'), _b64(f'["2026-03-01T12:00:00+00:00", {2**63}]'),
        _b64('["2026-03-01T12:00:00+00:00", true]'), _b64('[17, 7]'),
        _b64('["0001-01-01T00:00:00+01:00", 7]'), _b64('["9999-12-31T23:59:59-01:00", 7]'),
    ])
    def test_anything_else_is_no_cursor(self, session: Session, ids: list[int], cursor: str) -> None:
        """Not ours (bad base64 or JSON, wrong count or type of values, naive time, int beyond 64 bits): refused by
        `decode`, and `from_cursor` reads the start of the list instead."""
        keyset = Keyset(order=ORDER, limit=2)
        with pytest.raises(CursorError):
            keyset.decode(cursor)
        assert _ids(_fetch(session, keyset.from_cursor(cursor, backwards=True))) == (
            [ids[ASCENDING[0]], ids[ASCENDING[1]]], False, True)

    @pytest.mark.parametrize("text", ["\\ud800", "a\\u0000b"])
    def test_text_no_database_can_compare_is_no_cursor(self, text: str) -> None:
        """A lone surrogate (SQLite cannot encode it) or a NUL (PostgreSQL refuses it) is refused, not sent."""
        keyset = Keyset(order=(col(Mention.created_at), col(Mention.id)))
        with pytest.raises(CursorError):
            keyset.decode(_b64(f'["2026-03-01T12:00:00+00:00", "{text}"]'))

    def test_what_a_cursor_cannot_hold(self) -> None:
        """A naive time, a float or the wrong number of values is a caller's mistake, not a cursor."""
        keyset = Keyset(order=ORDER)
        with pytest.raises(ValueError, match="aware datetimes only"):
            keyset.cursor((datetime(2026, 3, 1), 1))  # noqa: DTZ001 - the naive time is the point
        with pytest.raises(TypeError, match=r"not 1\.5"):
            keyset.cursor((T0, 1.5))
        with pytest.raises(ValueError, match="one value for each column"):
            keyset.cursor((T0,))
