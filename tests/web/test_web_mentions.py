"""The mentions page: newest first with the detector's verdict, paging, roles, and flagging a missed complaint."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlmodel import col, select
from starlette.testclient import TestClient

from bot.app import App
from bot.store.models import AuditLog, Classification, Mention, TrainingLabel, TriageAction, TriageItem
from bot.triage.mentions import flag_mention
from bot.web.pages.mentions import PAGE_SIZE
from tests.web.conftest import csrf_token, link, post_form, seed_complaints

SCRIPT = "@brandbot <script>alert('x')</script> the strap broke"


def _add_newer(bot: App, count: int) -> None:
    """`count` mentions (5000, 5001 …) an hour after the seeded ones, a second apart."""
    start = bot.clock.now() + timedelta(hours=1)
    with bot.session() as session:
        for n in range(count):
            at = start + timedelta(seconds=n)
            session.add(Mention(id=str(5000 + n), author_id="7", text=f"@brandbot hi {n}", created_at=at, seen_at=at))


def _seed(bot: App) -> dict[str, int]:
    """Complaint 101 (with an item) at noon; 102 and 103 (not complaints) one and two minutes later."""
    now = bot.clock.now()
    with bot.session() as session:
        ids = seed_complaints(session, now, [("101", "high", "@brandbot refund please")])
        for n, (mention_id, text, score) in enumerate([("102", SCRIPT, 0.27), ("103", "@brandbot lovely day", 0.04)],
                                                      start=1):
            at = now + timedelta(minutes=n)
            session.add(Mention(id=mention_id, author_id="7", text=text, created_at=at, seen_at=at))
            session.flush()
            session.add(Classification(mention_id=mention_id, complaint=False, score=score, severity="low",
                                       reasons=["mild wording"] if mention_id == "102" else [], created_at=at))
    return ids


def _order(page: str, mention_ids: list[str]) -> list[int]:
    return [page.index(f'data-mention="{m}"') for m in mention_ids]


class TestMentionsList:
    def test_newest_first_with_verdict_and_a_form_only_where_nothing_is_flagged(
        self, bot: App, agent: TestClient
    ) -> None:
        """Newest first in TIMEZONE; score, severity and reasons show; flagged ones link to their item."""
        ids = _seed(bot)
        page = agent.get("/mentions").text
        order = _order(page, ["103", "102", "101"])
        assert order == sorted(order)
        assert "2026-03-01 13:02 CET" in page
        assert "not a complaint · score 0.27" in page
        assert '<span class="reason">mild wording</span>' in page
        assert "complaint · score 0.90" in page
        assert f'<a href="/triage/{ids["101"]}">item {ids["101"]}</a>' in page
        assert 'action="/mentions/102/flag"' in page
        assert 'action="/mentions/103/flag"' in page
        assert 'action="/mentions/101/flag"' not in page
        assert '<a href="/mentions" aria-current="page">Mentions</a>' in page

    def test_untrusted_text_is_escaped(self, bot: App, agent: TestClient) -> None:
        """A `<script>` in a mention is shown as text, never markup."""
        _seed(bot)
        page = agent.get("/mentions").text
        assert "<script>alert" not in page
        assert html.escape(SCRIPT, quote=False) in page.replace("&#39;", "'")

    def test_not_flagged_tab(self, bot: App, agent: TestClient) -> None:
        """?unflagged=true leaves out the mentions that have a triage item."""
        _seed(bot)
        page = agent.get("/mentions?unflagged=true").text
        assert 'data-mention="101"' not in page
        assert _order(page, ["103", "102"]) == sorted(_order(page, ["103", "102"]))

    def test_pages_of_newest_then_older(self, bot: App, agent: TestClient) -> None:
        """More than a page: the newest PAGE_SIZE, then an 'older' link to the rest (no repeats, none lost)."""
        _seed(bot)
        _add_newer(bot, PAGE_SIZE)
        first = agent.get("/mentions").text
        assert first.count("data-mention=") == PAGE_SIZE
        assert 'data-mention="103"' not in first
        older = link(first, "older")
        assert older is not None
        assert older.startswith("/mentions?before=")
        rest = agent.get(older).text
        assert [rest.count(f'data-mention="{m}"') for m in ("103", "102", "101")] == [1, 1, 1]
        assert rest.count("data-mention=") == 3
        assert 'id="older"' not in rest
        newer = link(rest, "newer")
        assert newer is not None
        assert newer.startswith("/mentions?after=")
        assert agent.get(newer).text.count("data-mention=") == PAGE_SIZE

    def test_older_link_only_when_an_older_mention_exists(self, bot: App, agent: TestClient) -> None:
        """A tab holding exactly PAGE_SIZE mentions has no 'older' link; one mention more is on the older page."""
        _seed(bot)  # 101 (flagged, the oldest), 102, 103
        _add_newer(bot, PAGE_SIZE - 2)
        not_flagged = agent.get("/mentions?unflagged=true").text
        assert (not_flagged.count("data-mention="), 'data-mention="102"' in not_flagged) == (PAGE_SIZE, True)
        assert 'id="older"' not in not_flagged
        every = agent.get("/mentions").text
        assert (every.count("data-mention="), 'data-mention="101"' in every) == (PAGE_SIZE, False)
        older_url = link(every, "older")
        assert older_url is not None
        older = agent.get(older_url).text
        assert (older.count("data-mention="), 'data-mention="101"' in older, 'id="older"' in older) == (1, True, False)

    def test_newer_leads_back_even_when_the_newer_ones_left_the_tab(self, bot: App, agent: TestClient) -> None:
        """The 'not flagged' tab's older page links to newer mentions; if every newer one was flagged meanwhile,
        the link lands on the tab's (new) first page, not on an empty one."""
        _seed(bot)  # 101 (flagged, the oldest), 102, 103
        _add_newer(bot, PAGE_SIZE)
        first = agent.get("/mentions?unflagged=true").text
        assert link(first, "newer") is None
        older = link(first, "older")
        assert older is not None
        second = agent.get(older).text
        assert (second.count("data-mention="), 'data-mention="102"' in second) == (2, True)
        newer = link(second, "newer")
        assert newer is not None
        assert "unflagged=true" in newer
        assert agent.get(newer).text.count("data-mention=") == PAGE_SIZE
        with bot.session() as session:
            for n in range(PAGE_SIZE):
                flag_mention(session, mention_id=str(5000 + n), actor="sam", now=bot.clock.now())
        page = agent.get(newer).text
        assert (page.count("data-mention="), 'data-mention="103"' in page, 'data-mention="102"' in page) == (
            2, True, True)
        assert (link(page, "newer"), link(page, "older")) == (None, None)


def _flag(agent: TestClient, mention_id: str, data: dict[str, str]) -> tuple[int, str]:
    body = {"csrf_token": csrf_token(agent, "/mentions"), **data}
    response = agent.post(f"/mentions/{mention_id}/flag", data=body, follow_redirects=False)
    return response.status_code, response.headers.get("location", "")


class TestFlag:
    def test_flagging_opens_an_item_and_goes_to_it(self, bot: App, agent: TestClient) -> None:
        """The form opens a high item with the note on its history and a complaint label; the item page opens."""
        _seed(bot)
        status, location = _flag(agent, "102", {"severity": "high", "note": "strap broke: product fault"})
        with bot.session() as session:
            item = session.exec(select(TriageItem).where(col(TriageItem.mention_id) == "102")).one()
            actions = [(a.actor, a.action, a.detail) for a in
                       session.exec(select(TriageAction).where(col(TriageAction.item_id) == item.id)
                                    .order_by(col(TriageAction.id)))]
            labels = [(t.mention_id, t.label, t.actor) for t in session.exec(select(TrainingLabel))]
            audit = [a.action for a in session.exec(select(AuditLog).where(col(AuditLog.target) == f"triage:{item.id}")
                                                   .order_by(col(AuditLog.id)))]
        assert (status, location) == (303, f"/triage/{item.id}")
        assert (item.severity, item.status, item.score, item.sla_due_at) == (
            "high", "new", 0.27, bot.clock.now() + timedelta(hours=1))
        assert actions == [("sam", "created", "severity high, score 0.27"),
                           ("sam", "flagged", "flagged by sam: strap broke: product fault"),
                           ("sam", "labelled", "complaint")]
        assert labels == [("102", 1, "sam")]
        assert audit == ["triage.created", "triage.flagged", "triage.labelled"]
        page = agent.get(location).text
        assert "Mention 102 flagged as a complaint: it is in the triage queue." in page
        assert "labelled complaint" in page
        assert ('Why flagged: <span id="flagged-by">flagged by sam: strap broke: product fault</span>' in page,
                "no reasons recorded" in page) == (True, False)
        assert ('(the detector missed it: score 0.27; it saw <span class="reason">mild wording</span>)'
                in page)
        listed = agent.get("/triage").text
        assert '<td class="reasons">flagged by sam: strap broke: product fault</td>' in listed
        assert 'action="/mentions/102/flag"' not in agent.get("/mentions").text

    def test_already_in_the_queue_goes_back_with_the_item_named(self, bot: App, agent: TestClient) -> None:
        """Flagging a mention that has an item changes nothing and says which item; the page it came from opens."""
        ids = _seed(bot)
        status, location = _flag(agent, "101", {"severity": "low", "back": "/mentions?unflagged=true"})
        assert (status, location) == (303, "/mentions?unflagged=true")
        assert f"mention 101 already has triage item {ids['101']} (new)" in agent.get(location).text
        with bot.session() as session:
            assert session.exec(select(TrainingLabel)).all() == []

    def test_unknown_mention_bad_severity_and_foreign_back(self, bot: App, agent: TestClient) -> None:
        """An unknown mention or severity is a message on the list; `back` never leaves the site."""
        _seed(bot)
        page = post_form(agent, "/mentions/999/flag", {"severity": "medium"}, page="/mentions")
        assert "no mention 999" in page
        status, location = _flag(agent, "103", {"severity": "urgent", "back": "//evil.example/"})
        assert (status, location) == (303, "/mentions")
        assert "severity must be one of low, medium, high, critical, got &#39;urgent&#39;" in agent.get(location).text
        with bot.session() as session:
            assert session.exec(select(TriageItem).where(col(TriageItem.mention_id) == "103")).first() is None


class TestRoles:
    def test_editor_reads_but_cannot_flag(self, bot: App, editor: TestClient) -> None:
        """An editor sees the list and the nav link, with no flag form and no link to triage; a POST is 403."""
        ids = _seed(bot)
        page = editor.get("/mentions").text
        assert 'data-mention="102"' in page
        assert "flag-form" not in page
        assert f'href="/triage/{ids["101"]}"' not in page
        assert '<a href="/mentions" aria-current="page">Mentions</a>' in page
        token = csrf_token(editor, "/mentions")
        assert editor.post("/mentions/102/flag", data={"csrf_token": token}).status_code == 403
        with bot.session() as session:
            assert session.exec(select(TriageItem).where(col(TriageItem.mention_id) == "102")).first() is None

    def test_admin_can_flag(self, bot: App, admin: TestClient) -> None:
        """Admins work triage too: the form is there and flagging works."""
        _seed(bot)
        assert 'action="/mentions/103/flag"' in admin.get("/mentions").text
        assert _flag(admin, "103", {})[0] == 303
        with bot.session() as session:
            item = session.exec(select(TriageItem).where(col(TriageItem.mention_id) == "103")).one()
        assert (item.severity, item.label) == ("medium", "complaint")
