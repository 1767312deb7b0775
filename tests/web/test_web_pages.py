"""People to follow, the overview charts and the audit log."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import select
from starlette.testclient import TestClient

from bot.app import App
from bot.clock import ManualClock
from bot.domain import FollowStatus
from bot.follow.decisions import mark_manual_done
from bot.store.coordination import audit
from bot.store.models import AuditLog, Author, Classification, FollowDecision, Mention, Post, TriageItem
from bot.triage import queue
from bot.triage.mentions import flag_mention
from bot.web.pages.audit import PAGE_SIZE, page_audit
from tests.web.conftest import link, post_form, seed_complaints


def _manual_follow(bot: App) -> int:
    now = bot.clock.now()
    with bot.session() as session:
        session.add(Author(id="9", username="grace", name="<i>Grace</i>", followers_count=4200, first_seen_at=now,
                           last_seen_at=now))
        session.flush()
        row = FollowDecision(author_id="9", status=FollowStatus.MANUAL.value, reason="tier cannot follow via API",
                             created_at=now)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


class TestFollows:
    def test_manual_list_and_mark_done_once(self, bot: App, agent: TestClient) -> None:
        """Waiting people are listed with their profile link; marking done works once, then explains why not."""
        decision = _manual_follow(bot)
        page = agent.get("/follows").text
        assert 'href="https://x.com/grace"' in page
        assert "&lt;i&gt;Grace&lt;/i&gt;" in page
        assert "tier cannot follow via API" in page
        post_form(agent, f"/follows/{decision}/done")
        with bot.session() as session:
            row = session.get(FollowDecision, decision)
            assert row is not None
            assert (row.status, row.done_by, row.done_at) == ("manual_done", "sam", bot.clock.now())
            entries = session.exec(select(AuditLog).where(AuditLog.action == "follow.manual_done")).all()
            assert [(e.actor, e.target) for e in entries] == [("sam", "author:9")]
        again = post_form(agent, f"/follows/{decision}/done")
        assert f"follow decision {decision} is already marked followed by sam" in again
        assert "manual_done" not in again
        assert f'action="/follows/{decision}/done"' not in again

    def test_skip_takes_someone_off_the_list(self, bot: App, agent: TestClient) -> None:
        """The Skip button (optional reason) moves manual → skipped once, audited, and the row leaves the list."""
        decision = _manual_follow(bot)
        page = agent.get("/follows").text
        assert f'action="/follows/{decision}/skip"' in page
        after = post_form(agent, f"/follows/{decision}/skip", {"reason": "brand parody"})
        assert "Skipped: taken off the list without following." in after
        assert f'action="/follows/{decision}/skip"' not in after
        with bot.session() as session:
            row = session.get(FollowDecision, decision)
            assert row is not None
            assert (row.status, row.reason, row.done_by) == ("skipped", "skipped by sam: brand parody", "sam")
            entries = session.exec(select(AuditLog).where(AuditLog.action == "follow.manual_skipped")).all()
            assert [(e.actor, e.target) for e in entries] == [("sam", "author:9")]
        again = post_form(agent, f"/follows/{decision}/skip")
        assert f"follow decision {decision} is already skipped by sam" in again

    def test_the_waiting_list_pages_by_100(self, bot: App, agent: TestClient) -> None:
        """237 waiting: 100, 100 and 37 a page, newest first, with Older/Newer links; an action stays on its page."""
        self._waiting(bot, 237)
        rows = re.compile(r'data-decision="(\d+)"')
        first = agent.get("/follows").text
        assert "237 waiting; 100 on this page." in first
        assert (len(rows.findall(first)), 'id="newer"' in first) == (100, False)
        assert ("@fan236" in first, "@fan136" in first) == (True, False)
        older = link(first, "older")
        assert older is not None
        assert older.startswith("/follows?before=")
        second = agent.get(older).text
        assert (len(rows.findall(second)), "@fan136" in second, "@fan137" in second) == (100, True, False)
        third_link = link(second, "older")
        assert third_link is not None
        third = agent.get(third_link).text
        assert (len(rows.findall(third)), "@fan036" in third, 'id="older"' in third) == (37, True, False)
        newer = link(third, "newer")
        assert newer is not None
        assert newer.startswith("/follows?after=")
        assert rows.findall(agent.get(newer).text) == rows.findall(second)
        decision = rows.findall(second)[0]
        after = post_form(agent, f"/follows/{decision}/done", {"back": older}, page=older)
        assert "Marked as followed." in after
        assert (len(rows.findall(after)), decision in rows.findall(after)) == (100, False)

    def test_the_waiting_list_reads_each_page_in_one_query(self, bot: App, agent: TestClient) -> None:
        """No extra query per page to look for newer or older ones: the page itself says (one row over 100)."""
        self._waiting(bot, 101)
        statements: list[str] = []

        def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            if "follow_decisions" in statement:
                statements.append(statement)

        event.listen(bot.engine, "before_cursor_execute", seen)
        try:
            first = agent.get("/follows").text
            first_queries = len(statements)
            older = link(first, "older")
            assert older is not None
            second = agent.get(older).text
        finally:
            event.remove(bot.engine, "before_cursor_execute", seen)
        # the waiting page, the count and "recently followed"; a later page reads no anchor row (its cursor
        # holds the sort key)
        assert (first_queries, len(statements) - first_queries) == (3, 3)
        assert ('id="newer"' in first, 'id="older"' in second, 'id="newer"' in second) == (False, False, True)

    @staticmethod
    def _waiting(bot: App, count: int) -> list[int]:
        """`count` people waiting, decided a minute apart (fan000 the oldest); their decision ids, oldest first."""
        start = bot.clock.now()
        with bot.session() as session:
            for n in range(count):
                session.add(Author(id=str(6000 + n), username=f"fan{n:03d}", first_seen_at=start, last_seen_at=start))
            session.flush()
            rows = [FollowDecision(author_id=str(6000 + n), status=FollowStatus.MANUAL.value, reason="r",
                                   created_at=start + timedelta(minutes=n)) for n in range(count)]
            session.add_all(rows)
            session.flush()
            return [r.id or 0 for r in rows]

    @staticmethod
    def _done_later(bot: App, clock: ManualClock, decisions: list[int]) -> None:
        """Five hours on (after every decision), someone marks these followed by hand: they leave the waiting
        list, and their sort time becomes that of the follow, newer than any waiting one."""
        clock.advance(5 * 3600)
        with bot.session() as session:
            for decision in decisions:
                mark_manual_done(session, decision_id=decision, actor="kim", now=clock.now())

    def test_newer_still_works_when_its_anchor_left_the_list(
        self, bot: App, agent: TestClient, clock: ManualClock
    ) -> None:
        """150 waiting; page 2's first person is followed meanwhile: its Newer link still shows the 100 newer ones."""
        ids = self._waiting(bot, 150)
        rows = re.compile(r'data-decision="(\d+)"')
        first = agent.get("/follows").text
        second_url = link(first, "older")
        assert second_url is not None
        second = agent.get(second_url).text
        assert rows.findall(second) == [str(i) for i in ids[49::-1]]
        newer = link(second, "newer")
        assert newer is not None
        self._done_later(bot, clock, [ids[49]])
        page = agent.get(newer).text
        assert rows.findall(page) == [str(i) for i in ids[:49:-1]]
        assert (link(page, "newer"), "Nobody to follow" in page) == (None, False)

    def test_newer_with_nothing_newer_left_is_the_first_page(
        self, bot: App, agent: TestClient, clock: ManualClock
    ) -> None:
        """Everyone on page 1 was followed meanwhile: page 2's Newer link lands on the (new) first page, not on
        an empty one."""
        ids = self._waiting(bot, 150)
        rows = re.compile(r'data-decision="(\d+)"')
        second_url = link(agent.get("/follows").text, "older")
        assert second_url is not None
        newer = link(agent.get(second_url).text, "newer")
        assert newer is not None
        self._done_later(bot, clock, ids[50:])
        page = agent.get(newer).text
        assert rows.findall(page) == [str(i) for i in ids[49::-1]]
        assert 'id="waiting-count">50 waiting.</p>' in page
        assert (link(page, "newer"), link(page, "older"), "← Newest" in page) == (None, None, False)

    def test_older_still_works_when_its_anchor_left_the_list(
        self, bot: App, agent: TestClient, clock: ManualClock
    ) -> None:
        """250 waiting; page 1's last person is followed meanwhile: Older continues after it, not from the top."""
        ids = self._waiting(bot, 250)
        rows = re.compile(r'data-decision="(\d+)"')
        older = link(agent.get("/follows").text, "older")
        assert older is not None
        self._done_later(bot, clock, [ids[150]])
        page = agent.get(older).text
        assert rows.findall(page) == [str(i) for i in ids[149:49:-1]]

    def test_recently_done_is_ordered_by_when_it_was_done(self, bot: App, agent: TestClient) -> None:
        """@ada, decided first but followed last, leads the "recently followed by hand" list."""
        now = bot.clock.now()
        with bot.session() as session:
            for author_id, name, decided, done in (("21", "ada", 0, 3), ("22", "bob", 1, 2)):
                session.add(Author(id=author_id, username=name, first_seen_at=now, last_seen_at=now))
                session.flush()
                session.add(FollowDecision(author_id=author_id, status=FollowStatus.MANUAL_DONE.value, reason="r",
                                           created_at=now + timedelta(hours=decided),
                                           done_at=now + timedelta(hours=done), done_by="sam"))
        page = agent.get("/follows").text
        assert page.index("@ada") < page.index("@bob")


class TestOverview:
    def test_figures_and_svg_charts(self, bot: App, admin: TestClient, clock: ManualClock) -> None:
        """Over 24 h: 3 mentions, 2 complaints, a reply after 30 min, one post; past SLA is the unanswered one.

        The high complaint was answered 30 min in, within its 1 h first-response SLA, so it is met
        although its due time has passed; the critical one is unanswered past its 15 min.
        """
        now = clock.now()
        with bot.session() as session:
            ids = seed_complaints(session, now - timedelta(hours=2), [("1", "high", "@brandbot broken"),
                                                                     ("2", "critical", "@brandbot slow")])
            session.add(Mention(id="3", author_id="7", text="@brandbot love it", created_at=now, seen_at=now))
            item = session.get(TriageItem, ids["1"])
            assert item is not None
            item.first_response_at = item.created_at + timedelta(minutes=30)
            session.add(item)
            for kind in ("reply", "event"):
                session.add(Post(kind=kind, state="posted", text=kind, scheduled_at=now, created_at=now,
                                 updated_at=now, posted_at=now - timedelta(minutes=5)))
        page = admin.get("/overview").text
        figures = {label: value for value, label in re.findall(
            r'<span class="value">([^<]+)</span><span class="label">([^<(]+)', page)}
        assert figures == {"mentions": "3", "complaints ": "2", "replies sent": "1", "median first response": "30 min",
                           "posts published": "1", "open complaints": "2", "past SLA": "1", "to follow by hand": "0"}
        assert page.count("<svg") == 6
        assert page.count('<rect class="bar"') == 4 * 24
        assert "Sun 11:00: 2" in page  # the complaints' hour (10:00 UTC = 11:00 Paris)
        assert "Sun 11:00: 100%" in page  # complaint rate of that hour
        week = admin.get("/overview?range=7d").text
        assert week.count('<rect class="bar"') == 4 * 168

    def test_complaints_are_counted_as_staff_corrected_them(self, bot: App, admin: TestClient,
                                                            clock: ManualClock) -> None:
        """Complaints the detector missed, flagged by a person, count in their hour; one it found that a person
        labelled not-complaint does not: of 4 mentions, 2 detector complaints -1 labelled +2 flagged = 3."""
        now = clock.now()
        at = now - timedelta(hours=2)
        with bot.session() as session:
            ids = seed_complaints(session, at, [("1", "high", "@brandbot broken"),
                                                ("2", "high", "@brandbot sick beat")])
            for missed in ("3", "4"):
                session.add(Mention(id=missed, author_id="7", text="@brandbot still waiting", created_at=at,
                                    seen_at=at))
                session.flush()
                session.add(Classification(mention_id=missed, complaint=False, score=0.3, severity="low", reasons=[],
                                           created_at=at))
                session.flush()
                flag_mention(session, mention_id=missed, actor="root", now=now)
            queue.label(session, item_id=ids["2"], label="not-complaint", actor="root", now=now)
        page = admin.get("/overview").text
        figures = {label.strip(): value for value, label in re.findall(
            r'<span class="value">([^<]+)</span><span class="label">([^<(]+)', page)}
        assert (figures["mentions"], figures["complaints"]) == ("4", "3")
        assert "complaints (75%)" in page
        assert "Sun 11:00: 3" in page  # the complaints' hour (10:00 UTC = 11:00 Paris), not the flags' hour


class TestAudit:
    def test_newest_first_and_filters(self, bot: App, admin: TestClient) -> None:
        """The log lists newest first and filters by actor and action prefix; text is escaped."""
        with bot.session() as session:
            for n, (actor, action) in enumerate([("kim", "triage.claimed"), ("sam", "post.approved"),
                                                 ("kim", "triage.resolved")]):
                audit(session, at=bot.clock.now() + timedelta(seconds=n), actor=actor, action=action,
                      target=f"t{n}", detail="<b>why</b>")
        page = admin.get("/audit").text
        assert page.index("triage.resolved") < page.index("post.approved") < page.index("triage.claimed")
        assert "&lt;b&gt;why&lt;/b&gt;" in page
        kim = admin.get("/audit", params={"actor": "kim", "action": "triage."}).text
        assert ("triage.resolved" in kim, "triage.claimed" in kim, "post.approved" in kim) == (True, True, False)

    def test_paging_follows_time_order(self, bot: App, admin: TestClient) -> None:
        """Entries written out of time order are listed by time; 'older' continues where the page ended."""
        with bot.session() as session:
            for n in (3, 1, 2):
                audit(session, at=bot.clock.now() - timedelta(hours=n), actor="x", action=f"a{n}")
        with bot.session() as session:
            first = page_audit(session, actor="x", limit=2)
            rest = page_audit(session, actor="x", before=first.cursor_after, limit=2)
            assert ([r.action for r in first.rows], first.more_after) == (["a1", "a2"], True)
            assert ([r.action for r in rest.rows], rest.more_after) == (["a3"], False)

    @staticmethod
    def _entries(bot: App, count: int) -> None:
        """`count` entries by "x", a second apart: e000 the oldest."""
        with bot.session() as session:
            for n in range(count):
                audit(session, at=bot.clock.now() + timedelta(seconds=n), actor="x", action=f"e{n:03}")

    def test_a_full_last_page_has_no_older_link(self, bot: App, admin: TestClient) -> None:
        """Exactly PAGE_SIZE entries: all on one page, and no 'Older' link to an empty page."""
        self._entries(bot, PAGE_SIZE)
        page = admin.get("/audit", params={"actor": "x"}).text
        assert (page.count("<td>x</td>"), "e000" in page) == (PAGE_SIZE, True)
        assert "Older entries" not in page

    def test_one_entry_more_is_on_the_older_page(self, bot: App, admin: TestClient) -> None:
        """PAGE_SIZE + 1 entries: the 'Older' link leads to a page with just the oldest one, and no link on it."""
        self._entries(bot, PAGE_SIZE + 1)
        page = admin.get("/audit", params={"actor": "x"}).text
        assert (page.count("<td>x</td>"), "e000" in page, "e001" in page) == (PAGE_SIZE, False, True)
        older_url = link(page, "older")
        assert older_url is not None
        assert older_url.startswith("/audit?actor=x&action=&before=")
        assert f'href="{html.escape(older_url)}">Older entries →</a>' in page
        older = admin.get(older_url).text
        assert (older.count("<td>x</td>"), "<td>e000</td>" in older, "Older entries" in older) == (1, True, False)

    def test_newer_leads_back_with_the_filters(self, bot: App, admin: TestClient) -> None:
        """PAGE_SIZE + 1 entries by "x" (and one by "y"): the older page has a Newer link, filters kept, back to
        the first page; the first page has none."""
        self._entries(bot, PAGE_SIZE + 1)
        with bot.session() as session:
            audit(session, at=bot.clock.now() + timedelta(hours=1), actor="y", action="e999")
        first = admin.get("/audit", params={"actor": "x", "action": "e"}).text
        assert (link(first, "newer"), "<td>e999</td>" in first) == (None, False)
        older = link(first, "older")
        assert older is not None
        second = admin.get(older).text
        assert (second.count("<td>x</td>"), "<td>e000</td>" in second, link(second, "older")) == (1, True, None)
        newer = link(second, "newer")
        assert newer is not None
        assert "actor=x" in newer
        assert "action=e" in newer
        back = admin.get(newer).text
        assert (back.count("<td>x</td>"), "<td>e200</td>" in back, "<td>e000</td>" in back) == (PAGE_SIZE, True, False)
        assert (link(back, "newer"), link(back, "older")) == (None, older)
