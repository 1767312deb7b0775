"""Reading the triage queue, on both stores: most urgent first, keyset pages, counts."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import ManualClock
from bot.domain import TriageStatus
from bot.store.db import session_scope
from bot.store.models import TriageItem
from bot.store.paging import KeysetPage
from bot.triage import queue
from bot.triage.errors import TriageNotFoundError
from bot.triage.listing import count_items, get_item, history, list_items, page_items
from tests.conftest import open_another_item, open_items


class TestListItems:
    def test_most_urgent_first(self, engine: Engine, clock: ManualClock) -> None:
        """Open items come by severity rank, then SLA due time; closed ones are left out."""
        low, critical, high = open_items(engine, clock, ["low", "critical", "high"])
        clock.advance(60)
        late_critical = open_another_item(engine, clock, "critical", mention_id="9")
        with session_scope(engine) as session:
            queue.resolve(session, item_id=high, actor="sam", now=clock.now())
        with Session(engine) as session:
            assert [i.id for i in list_items(session)] == [critical, late_critical, low]
            assert [i.id for i in list_items(session, status=TriageStatus.RESOLVED)] == [high]


class TestListPaging:
    def test_keyset_pages_keep_the_urgency_order(self, engine: Engine, clock: ManualClock) -> None:
        """Seven items (ties on severity and due time): pages of 3 on via `after`, back via `before`, none twice."""
        ids = open_items(engine, clock, ["low", "critical", "high", "low", "critical", "medium", "high"])
        with Session(engine) as session:
            whole = [i.id or 0 for i in list_items(session)]

            def page(**kw: str | None) -> KeysetPage[TriageItem]:
                return page_items(session, limit=3, **kw)

            def listed(**kw: str | None) -> list[int]:
                return [i.id or 0 for i in list_items(session, limit=3, **kw)]

            first = page()
            second = page(after=first.cursor_after)
            third = page(after=second.cursor_after)
            assert whole == [ids[1], ids[4], ids[2], ids[6], ids[5], ids[0], ids[3]]
            assert [[i.id for i in p.rows] for p in (first, second, third)] == [whole[:3], whole[3:6], whole[6:]]
            assert (listed(before=third.cursor_before), listed(before=second.cursor_before)) == (whole[3:6],
                                                                                                 whole[:3])
            assert (first.cursor_before, third.cursor_after) == (None, None)
            anchor = get_item(session, whole[6])
            assert count_items(session, more_urgent_than=anchor) == 6
            with pytest.raises(ValueError, match="after or before, not both"):
                listed(after=first.cursor_after, before=first.cursor_after)

    def test_an_unknown_or_closed_anchor(self, engine: Engine, clock: ManualClock) -> None:
        """Text that is not a cursor gives the first page; a cursor from an item closed since still marks where
        the page starts, and the page before it is the first page."""
        critical, high, low = open_items(engine, clock, ["critical", "high", "low"])
        with Session(engine) as session:
            middle = page_items(session, limit=1, after=page_items(session, limit=1).cursor_after)
            assert [i.id for i in middle.rows] == [high]
        with session_scope(engine) as session:
            queue.resolve(session, item_id=high, actor="sam", now=clock.now())
        with Session(engine) as session:
            assert [i.id for i in list_items(session, limit=2, after="999")] == [critical, low]
            assert [i.id for i in list_items(session, limit=2, before="999")] == [critical, low]
            assert [i.id for i in list_items(session, limit=2, after=middle.cursor_after)] == [low]
            assert [i.id for i in list_items(session, limit=2, before=middle.cursor_before)] == [critical, low]


class TestListLimit:
    def test_all_open_items_by_default_and_a_count(self, engine: Engine, clock: ManualClock) -> None:
        """More than 200 open items are all listed unless a limit is given; count_items says how many."""
        open_items(engine, clock, ["low"] * 205)
        with Session(engine) as session:
            assert len(list_items(session)) == 205
            assert len(list_items(session, limit=10)) == 10
            assert count_items(session) == 205
            assert count_items(session, status=TriageStatus.RESOLVED) == 0


class TestGetItemAndHistory:
    def test_unknown_item_and_history_oldest_first(self, engine: Engine, clock: ManualClock) -> None:
        """An unknown id is `TriageNotFoundError`; an item's history lists its actions oldest first."""
        (item_id,) = open_items(engine, clock, ["low"])
        with session_scope(engine) as session:
            queue.claim(session, item_id=item_id, actor="sam", now=clock.now())
            queue.resolve(session, item_id=item_id, actor="sam", now=clock.now(), note="done")
        with Session(engine) as session:
            with pytest.raises(TriageNotFoundError) as exc:
                get_item(session, 999)
            assert str(exc.value) == "no triage item 999"
            assert [(a.actor, a.action, a.detail) for a in history(session, item_id)] == [
                ("system", "created", "severity low, score 0.90"), ("sam", "claimed", ""), ("sam", "resolved", "done")]
