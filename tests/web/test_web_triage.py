"""The triage page: order, untrusted text, the refresh fragment, the reply preview, and every action."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from bot.app import App
from bot.clock import ManualClock
from bot.store.models import AuditLog, Mention, Post, TrainingLabel, TriageItem
from bot.text.weighted import weighted_length
from bot.triage import listing, queue
from bot.triage.routing import NewComplaint, open_triage_items
from bot.web.pages.triage import sla_phrase
from tests.web.conftest import add_staff, csrf_token, link, post_form, refused_form, seed_complaints

SCRIPT = "@brandbot <script>alert('x')</script> your app ate my order"


def _low_items(bot: App, tweet_ids: range) -> dict[str, int]:
    """A low-severity open item for each of these mentions by author 7 (seeded by `_seed`): tweet id -> item id."""
    with bot.session() as session:
        now = bot.clock.now()
        for n in tweet_ids:
            session.add(Mention(id=str(n), author_id="7", text=f"@brandbot {n}", created_at=now, seen_at=now))
        session.flush()
        return open_triage_items(session, [NewComplaint(str(n), "7", "low", 0.5) for n in tweet_ids], now=now)


def _seed(bot: App) -> dict[str, int]:
    with bot.session() as session:
        return seed_complaints(session, bot.clock.now(), [
            ("101", "low", "@brandbot meh, slow delivery"),
            ("102", "critical", SCRIPT),
            ("103", "high", "@brandbot refund please"),
        ])


def _audit(bot: App, prefix: str) -> list[tuple[str, str, str]]:
    with bot.session() as session:
        rows = session.exec(select(AuditLog).where(col(AuditLog.action).startswith(prefix)).order_by(col(AuditLog.id)))
        return [(r.actor, r.action, r.target) for r in rows]


def _mark_posted(bot: App, post_id: int) -> None:
    """As if the publisher had sent the reply post."""
    with bot.session() as session:
        post = session.get(Post, post_id)
        assert post is not None
        post.state = "posted"
        session.add(post)


def _item(bot: App, item_id: int) -> TriageItem:
    with bot.session() as session:
        item = session.get(TriageItem, item_id)
        assert item is not None
        return item


class TestTriageList:
    def test_most_urgent_first_with_reasons_and_escaped_text(self, bot: App, agent: TestClient) -> None:
        """Critical before high before low; the detector's reasons show; `<script>` is text, never markup."""
        ids = _seed(bot)
        page = agent.get("/triage").text
        order = [page.index(f'data-item="{ids[m]}"') for m in ("102", "103", "101")]
        assert order == sorted(order)
        assert "keyword:critical" in page
        assert "<script>alert" not in page
        assert html.escape(SCRIPT, quote=False) in page.replace("&#39;", "'")
        assert 'data-refresh="/triage/items?status=open"' in page

    def test_sla_breach_is_visible(self, bot: App, agent: TestClient, clock: ManualClock) -> None:
        """Sixteen minutes on, the critical item shows as breached and late."""
        _seed(bot)
        clock.advance(16 * 60)
        page = agent.get("/triage/items").text
        assert page.count("SLA breached") == 1
        assert "1 min late" in page

    def test_lateness_stops_growing_once_answered(self, bot: App, agent: TestClient, clock: ManualClock) -> None:
        """Answered 1 min after its SLA then resolved: still "answered 1 min late" 100 minutes on, list and page."""
        ids = _seed(bot)
        critical = ids["102"]
        with bot.session() as session:
            item = listing.get_item(session, critical)
            item.first_response_at = item.sla_due_at + timedelta(minutes=1)
            item.status = "replied"
            session.add(item)
        clock.advance(17 * 60)
        with bot.session() as session:
            queue.resolve(session, item_id=critical, actor="sam", now=clock.now())
        clock.advance(100 * 60)
        listed = agent.get("/triage/items?status=resolved").text
        assert "SLA breached</span><br>answered 1 min late" in listed
        assert " late" not in listed.replace("answered 1 min late", "")
        assert '(<span id="item-sla">answered 1 min late</span>)' in agent.get(f"/triage/{critical}").text

    def test_fragment_is_the_list_alone(self, bot: App, agent: TestClient) -> None:
        """The refresh URL answers the list without the page around it."""
        ids = _seed(bot)
        fragment = agent.get("/triage/items", headers={"X-Requested-With": "fetch"}).text
        assert "<html" not in fragment
        assert fragment.count("data-item=") == 3
        assert f'action="/triage/{ids["102"]}/claim"' in fragment

    def test_closed_items_have_their_own_tab(self, bot: App, agent: TestClient) -> None:
        """A resolved item leaves the open list and shows under ?status=resolved."""
        ids = _seed(bot)
        post_form(agent, f"/triage/{ids['101']}/resolve", page="/triage")
        assert f'data-item="{ids["101"]}"' not in agent.get("/triage").text
        assert f'data-item="{ids["101"]}"' in agent.get("/triage?status=resolved").text


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _item_due_at_t0(status: str, first_response_at: datetime | None) -> TriageItem:
    return TriageItem(id=1, mention_id="1", author_id="7", severity="high", severity_rank=1, score=0.9, status=status,
                      sla_due_at=T0, first_response_at=first_response_at, created_at=T0 - timedelta(hours=1),
                      updated_at=T0)


class TestSlaPhrase:
    @pytest.mark.parametrize(("status", "answered", "now", "expected"), [
        ("claimed", None, T0 - timedelta(minutes=12, seconds=30), "12 min left"),
        ("claimed", None, T0 + timedelta(seconds=20), "1 min late"),
        ("new", None, T0 + timedelta(minutes=99), "1 h 39 min late"),
        ("replied", T0 - timedelta(minutes=3), T0 + timedelta(hours=5), "answered in time"),
        ("replied", T0, T0 + timedelta(hours=5), "answered in time"),
        ("resolved", T0 + timedelta(minutes=1), T0 + timedelta(minutes=100), "answered 1 min late"),
        ("resolved", T0 + timedelta(minutes=1), T0 + timedelta(days=3), "answered 1 min late"),
        ("dismissed", None, T0 + timedelta(hours=2), ""),
    ])
    def test_answered_items_are_measured_at_their_first_response(
        self, status: str, answered: datetime | None, now: datetime, expected: str
    ) -> None:
        """Once answered the phrase is fixed at the first response; only unanswered open items count against now."""
        assert sla_phrase(_item_due_at_t0(status, answered), now=now) == expected


class TestTriageActions:
    def test_claim(self, bot: App, agent: TestClient) -> None:
        """Claiming makes the agent the assignee, with a triage.claimed audit row."""
        ids = _seed(bot)
        page = post_form(agent, f"/triage/{ids['102']}/claim", page="/triage")
        assert f"Item {ids['102']} is yours." in page
        item = _item(bot, ids["102"])
        assert (item.status, item.assignee) == ("claimed", "sam")
        assert _audit(bot, "triage.claimed") == [("sam", "triage.claimed", f"triage:{ids['102']}")]

    def test_claim_held_by_someone_else_shows_the_reason(self, bot: App, agent: TestClient) -> None:
        """A conflict is a message on the page, not an error page."""
        ids = _seed(bot)
        add_staff(bot, "kim", "agent")
        with bot.session() as session:
            queue.claim(session, item_id=ids["102"], actor="kim", now=bot.clock.now())
        page = post_form(agent, f"/triage/{ids['102']}/claim", page="/triage")
        assert f"triage item {ids['102']} is already claimed by kim" in page
        assert _item(bot, ids["102"]).assignee == "kim"

    def test_assign_to_a_colleague_only(self, bot: App, agent: TestClient) -> None:
        """Assigning to an active agent works; to an unknown name it is refused."""
        ids = _seed(bot)
        add_staff(bot, "kim", "agent")
        post_form(agent, f"/triage/{ids['103']}/assign", {"assignee": "kim"}, page="/triage")
        assert _item(bot, ids["103"]).assignee == "kim"
        page = post_form(agent, f"/triage/{ids['101']}/assign", {"assignee": "mallory"}, page="/triage")
        assert "&#39;mallory&#39; is not an active agent or admin" in page
        assert _item(bot, ids["101"]).assignee is None

    def test_preview_json(self, bot: App, agent: TestClient) -> None:
        """The preview renders the template for this author and agent, with its weighted length and the limit."""
        ids = _seed(bot)
        body = agent.get(f"/triage/{ids['103']}/preview", params={"template": "apology"}).json()
        text = "Sorry about that, ada. Even robots get things wrong sometimes. We're fixing it. ^sam"
        assert body == {"template": "apology", "text": text, "length": weighted_length(text), "limit": 280,
                        "over": False, "error": None}
        missing = agent.get(f"/triage/{ids['103']}/preview", params={"template": "nope"})
        assert (missing.status_code, missing.json()) == (404, {"error": "no reply template 'nope'"})

    def test_preview_json_is_not_cached(self, bot: App, agent: TestClient) -> None:
        """The preview holds the customer's name and words, so it is `no-store` like the pages."""
        ids = _seed(bot)
        response = agent.get(f"/triage/{ids['103']}/preview", params={"template": "apology"})
        assert response.headers["cache-control"] == "no-store"

    def test_detail_page_shows_the_preview_and_templates(self, bot: App, agent: TestClient) -> None:
        """Without script, the item page shows the chosen template's preview and count."""
        ids = _seed(bot)
        page = agent.get(f"/triage/{ids['103']}?template=dm_us").text
        text = "ada, my team would like to help directly. Could you send us a direct message? ^sam"
        assert text in page
        assert f"{weighted_length(text)} / 280" in page
        assert '<option value="dm_us" selected>' in page

    def test_reply_queues_a_post_and_waits_for_it_to_go_out(self, bot: App, agent: TestClient,
                                                            clock: ManualClock) -> None:
        """A template reply is a queued reply post to the mention; the item is replied, not yet first-responded."""
        ids = _seed(bot)
        clock.advance(120)
        page = post_form(agent, f"/triage/{ids['103']}/reply", {"template": "apology"}, page="/triage")
        assert f"Reply queued for item {ids['103']}." in page
        with bot.session() as session:
            posts = session.exec(select(Post)).all()
        assert [(p.kind, p.state, p.in_reply_to_tweet_id, p.triage_item_id, p.created_by) for p in posts] == [
            ("reply", "scheduled", "103", ids["103"], "sam")
        ]
        item = _item(bot, ids["103"])
        assert (item.status, item.first_response_at) == ("replied", None)
        assert [a for _, a, _ in _audit(bot, "triage.")][-2:] == ["triage.claimed", "triage.replied"]

    def test_resolve_and_dismiss(self, bot: App, agent: TestClient) -> None:
        """Resolve and dismiss close items with the note in the history; closing twice is refused."""
        ids = _seed(bot)
        post_form(agent, f"/triage/{ids['101']}/resolve", {"note": "refunded"}, page="/triage")
        post_form(agent, f"/triage/{ids['103']}/dismiss", {"note": "spam"}, page="/triage")
        assert (_item(bot, ids["101"]).status, _item(bot, ids["103"]).status) == ("resolved", "dismissed")
        page = post_form(agent, f"/triage/{ids['101']}/dismiss", page="/triage")
        assert f"triage item {ids['101']} is already resolved" in page
        detail = agent.get(f"/triage/{ids['101']}").text
        assert "refunded" in detail
        assert 'action="/triage/' + str(ids["101"]) + '/reply"' not in detail

    def test_label(self, bot: App, agent: TestClient) -> None:
        """Labelling teaches the detector (a TrainingLabel row) and is audited; a bad label is refused."""
        ids = _seed(bot)
        post_form(agent, f"/triage/{ids['101']}/label", {"label": "not-complaint"}, page="/triage")
        page = post_form(agent, f"/triage/{ids['101']}/label", {"label": "maybe"}, page="/triage")
        assert "label must be one of complaint, not-complaint" in page
        with bot.session() as session:
            labels = [(t.mention_id, t.label, t.actor) for t in session.exec(select(TrainingLabel))]
        assert labels == [("101", 0, "sam")]
        assert _item(bot, ids["101"]).label == "not-complaint"
        assert _audit(bot, "triage.labelled") == [("sam", "triage.labelled", f"triage:{ids['101']}")]

    def test_unknown_item(self, agent: TestClient) -> None:
        """An unknown item is a 404 page, and an action on it a message."""
        assert agent.get("/triage/999").status_code == 404
        token = csrf_token(agent, "/triage")
        response = agent.post("/triage/999/resolve", data={"csrf_token": token})
        assert (response.status_code, "no triage item 999" in response.text) == (404, True)

    def test_csrf_token_is_the_sessions(self, agent: TestClient) -> None:
        """The token on the triage page is the one the login page showed after sign-in (one per session)."""
        assert csrf_token(agent, "/triage") == csrf_token(agent, "/overview")


class TestReplyOnceOnTheWeb:
    def test_the_reply_form_is_gone_while_a_reply_is_queued_and_a_double_submit_is_refused(
        self, bot: App, agent: TestClient
    ) -> None:
        """After replying the page shows the reply post's state, no reply form; a second submit queues nothing."""
        ids = _seed(bot)
        item = ids["103"]
        post_form(agent, f"/triage/{item}/reply", {"template": "apology"}, page="/triage")
        detail = agent.get(f"/triage/{item}").text
        assert 'id="reply-form"' not in detail
        assert "Reply post 1:\n    <strong>scheduled</strong>" in detail
        page = refused_form(agent, f"/triage/{item}/reply", {"template": "dm_us"}, page="/triage")
        assert f"triage item {item} already has reply post 1 (scheduled)" in page
        with bot.session() as session:
            assert [p.id for p in session.exec(select(Post))] == [1]
        assert "reply scheduled" in agent.get("/triage/items").text

    def test_a_posted_reply_needs_the_follow_up_box(self, bot: App, agent: TestClient) -> None:
        """Once posted, the form comes back with a required follow-up box; without it the reply is refused."""
        ids = _seed(bot)
        item = ids["103"]
        post_form(agent, f"/triage/{item}/reply", {"template": "apology"}, page="/triage")
        _mark_posted(bot, 1)
        detail = agent.get(f"/triage/{item}").text
        assert 'id="reply-form"' in detail
        assert 'name="follow_up" value="true" id="reply-follow-up" required' in detail
        refused = refused_form(agent, f"/triage/{item}/reply", {"template": "dm_us"}, page="/triage")
        assert (f"triage item {item} was already answered by reply post 1 (posted); another reply must be sent as "
                "a follow-up: tick &#34;Send a follow-up&#34; and send it again") in refused
        assert '<option value="dm_us" selected>' in refused
        assert "--follow-up" not in refused
        post_form(agent, f"/triage/{item}/reply", {"template": "dm_us", "follow_up": "true"}, page="/triage")
        with bot.session() as session:
            assert [(p.id, p.state) for p in session.exec(select(Post).order_by(col(Post.id)))] == [
                (1, "posted"), (2, "scheduled")]

    def test_a_reply_in_the_agents_own_words(self, bot: App, agent: TestClient) -> None:
        """The free-text form queues exactly that text as the reply post, noted as custom text."""
        ids = _seed(bot)
        item = ids["103"]
        detail = agent.get(f"/triage/{item}").text
        assert 'id="reply-text-form"' in detail
        assert '<textarea name="text" id="reply-text" rows="4" maxlength="5000" required>' in detail
        page = post_form(agent, f"/triage/{item}/reply", {"text": "  @ada so sorry, refund on its way  "},
                         page="/triage")
        assert f"Reply queued for item {item}." in page
        with bot.session() as session:
            posts = [(p.text, p.template, p.in_reply_to_tweet_id, p.created_by) for p in session.exec(select(Post))]
        assert posts == [("@ada so sorry, refund on its way", None, "103", "sam")]
        with bot.session() as session:
            assert listing.history(session, item)[-1].detail == "post 1 custom text"

    @pytest.mark.parametrize(("form", "message"), [
        ({"text": "x" * 281}, "the reply is 281 weighted characters; one post holds at most 280: shorten it"),
        ({"text": "   "}, "choose a reply template or write your own reply"),
        ({}, "choose a reply template or write your own reply"),
        ({"template": "apology", "text": "sorry"}, "send either a reply template or your own text, not both"),
    ])
    def test_a_reply_is_exactly_one_template_or_text_that_fits(
        self, bot: App, agent: TestClient, form: dict[str, str], message: str
    ) -> None:
        """Too long, blank, neither or both: the item page says why and nothing is queued or claimed."""
        ids = _seed(bot)
        page = refused_form(agent, f"/triage/{ids['103']}/reply", form, page="/triage")
        assert f'<h1>Complaint {ids["103"]}' in page
        assert message in page
        with bot.session() as session:
            assert session.exec(select(Post)).all() == []
        assert _item(bot, ids["103"]).status == "new"

    def test_the_own_words_form_needs_the_follow_up_box_too(self, bot: App, agent: TestClient) -> None:
        """After a posted reply the free-text form also asks for the follow-up box."""
        ids = _seed(bot)
        item = ids["103"]
        post_form(agent, f"/triage/{item}/reply", {"text": "@ada sorry"}, page="/triage")
        _mark_posted(bot, 1)
        detail = agent.get(f"/triage/{item}").text
        assert 'name="follow_up" value="true" id="reply-text-follow-up" required' in detail
        post_form(agent, f"/triage/{item}/reply", {"text": "@ada all fixed now", "follow_up": "true"}, page="/triage")
        with bot.session() as session:
            assert [p.text for p in session.exec(select(Post).order_by(col(Post.id)))] == ["@ada sorry",
                                                                                          "@ada all fixed now"]

    def test_a_failed_reply_shows_and_the_form_returns(self, bot: App, agent: TestClient) -> None:
        """A cancelled reply puts the item back to claimed; the page says why and offers the form again."""
        from bot.publish.queue import cancel_post

        ids = _seed(bot)
        item = ids["103"]
        post_form(agent, f"/triage/{item}/reply", {"template": "apology"}, page="/triage")
        with bot.session() as session:
            cancel_post(session, 1, actor="pat", now=bot.clock.now(), reason="wrong tone")
        detail = agent.get(f"/triage/{item}").text
        assert '<strong id="item-status">claimed</strong>' in detail
        assert "<strong>cancelled</strong> — wrong tone" in detail
        assert 'id="reply-form"' in detail
        assert "reply_failed" in detail


class TestRefusedReplyKeepsTheText:
    def test_the_agents_words_come_back_in_the_form(self, bot: App, agent: TestClient) -> None:
        """Too long: the item page again, the words in the textarea with their count (red), nothing queued."""
        ids = _seed(bot)
        typed = "@ada <so> sorry 😞 " + "é" * 262  # 17 + an emoji (2) + 262 = 281 weighted
        page = refused_form(agent, f"/triage/{ids['103']}/reply", {"text": typed}, page="/triage")
        assert "the reply is 281 weighted characters; one post holds at most 280: shorten it" in page
        shown = html.escape(typed, quote=False)
        assert f'id="reply-text" rows="4" maxlength="5000" required autofocus>{shown}</textarea>' in page
        assert '<span class="counter over" id="reply-text-count" data-count-for="reply-text">281 / 280</span>' in page
        with bot.session() as session:
            assert session.exec(select(Post)).all() == []

    def test_a_ticked_follow_up_box_stays_ticked(self, bot: App, agent: TestClient) -> None:
        """After a posted reply, a refused follow-up in the agent's words keeps its text and its ticked box."""
        ids = _seed(bot)
        item = ids["103"]
        post_form(agent, f"/triage/{item}/reply", {"template": "apology"}, page="/triage")
        _mark_posted(bot, 1)
        page = refused_form(agent, f"/triage/{item}/reply", {"text": "x" * 281, "follow_up": "true"}, page="/triage")
        assert 'id="reply-text-follow-up" required checked>' in page
        assert 'id="reply-follow-up" required>' in page
        assert f">{'x' * 281}</textarea>" in page

    def test_words_for_an_item_closed_meanwhile_are_shown_to_copy(self, bot: App, agent: TestClient) -> None:
        """Resolved by the time the reply is sent: no reply form, so the words are shown on their own."""
        ids = _seed(bot)
        item = ids["103"]
        post_form(agent, f"/triage/{item}/resolve", page="/triage")
        page = refused_form(agent, f"/triage/{item}/reply", {"text": "@ada all sorted now"}, page="/triage")
        assert 'id="reply-text-form"' not in page
        assert 'id="unsent-reply-text">@ada all sorted now</textarea>' in page

    def test_line_breaks_count_once(self, bot: App, agent: TestClient) -> None:
        """A reply of 280 with a line break (281 as the browser sends it) is queued, with an LF."""
        ids = _seed(bot)
        post_form(agent, f"/triage/{ids['103']}/reply", {"text": "@ada " + "s" * 271 + "\r\nthx"}, page="/triage")
        with bot.session() as session:
            assert [p.text for p in session.exec(select(Post))] == ["@ada " + "s" * 271 + "\nthx"]

    def test_a_full_textarea_with_line_breaks_comes_back_in_the_form(self, bot: App, agent: TestClient) -> None:
        """5,000 characters as typed (the textarea's maxlength) are 5,099 as sent: refused for its length, kept."""
        ids = _seed(bot)
        typed = "\n".join(["y" * 49] * 100)  # 100 lines of 49 + 99 line breaks = 4,999 characters
        page = refused_form(agent, f"/triage/{ids['103']}/reply", {"text": typed.replace("\n", "\r\n")},
                            page="/triage")
        assert "the reply is 4999 weighted characters; one post holds at most 280" in page
        assert f"required autofocus>{typed}</textarea>" in page


class TestCloseOnTheWeb:
    def test_an_agent_cannot_close_a_colleagues_item_but_an_admin_can(self, bot: App, client: TestClient) -> None:
        """sam gets 'claimed by kim'; root (admin) resolves it, noted as an override."""
        from tests.web.conftest import sign_in

        ids = _seed(bot)
        add_staff(bot, "kim", "agent")
        add_staff(bot, "sam", "agent")
        add_staff(bot, "root", "admin")
        with bot.session() as session:
            queue.claim(session, item_id=ids["102"], actor="kim", now=bot.clock.now())
        sign_in(client, "sam")
        page = post_form(client, f"/triage/{ids['102']}/dismiss", page="/triage")
        assert f"triage item {ids['102']} is claimed by kim" in page
        assert _item(bot, ids["102"]).status == "claimed"
        client.cookies.clear()
        sign_in(client, "root")
        post_form(client, f"/triage/{ids['102']}/resolve", {"note": "done"}, page="/triage")
        assert _item(bot, ids["102"]).status == "resolved"
        with bot.session() as session:
            assert listing.history(session, ids["102"])[-1].detail == "done (override: claimed by kim)"

    @pytest.mark.parametrize("action", ["resolve", "dismiss"])
    def test_a_refused_close_stays_on_the_item_and_a_done_one_goes_to_the_list(
        self, bot: App, agent: TestClient, action: str
    ) -> None:
        """sam closing kim's item lands back on the item page with the reason; closing his own goes to /triage."""
        ids = _seed(bot)
        with bot.session() as session:
            queue.claim(session, item_id=ids["102"], actor="kim", now=bot.clock.now())
        token = csrf_token(agent, "/triage")
        refused = agent.post(f"/triage/{ids['102']}/{action}", data={"csrf_token": token}, follow_redirects=False)
        assert (refused.status_code, refused.headers["location"]) == (303, f"/triage/{ids['102']}")
        page = agent.get(refused.headers["location"]).text
        assert f"triage item {ids['102']} is claimed by kim" in page
        assert f"<h1>Complaint {ids['102']}" in page
        done = agent.post(f"/triage/{ids['103']}/{action}", data={"csrf_token": token}, follow_redirects=False)
        assert (done.status_code, done.headers["location"]) == (303, "/triage")

    def test_an_agent_cannot_take_over_a_colleagues_item_by_assigning_it(self, bot: App, client: TestClient) -> None:
        """root holds the item: sam sees no Assign form, a forged assign is refused and Dismiss still is."""
        from tests.web.conftest import sign_in

        ids = _seed(bot)
        add_staff(bot, "sam", "agent")
        add_staff(bot, "root", "admin")
        with bot.session() as session:
            queue.claim(session, item_id=ids["102"], actor="root", now=bot.clock.now())
        sign_in(client, "sam")
        detail = client.get(f"/triage/{ids['102']}").text
        assert 'id="assign-form"' not in detail
        assert "root holds this item: only they or an admin can reassign or close it." in detail
        page = post_form(client, f"/triage/{ids['102']}/assign", {"assignee": "sam"}, page="/triage")
        assert f"triage item {ids['102']} is claimed by root" in page
        post_form(client, f"/triage/{ids['102']}/dismiss", page="/triage")
        assert (_item(bot, ids["102"]).status, _item(bot, ids["102"]).assignee) == ("claimed", "root")
        assert 'id="assign-form"' in client.get(f"/triage/{ids['103']}").text

    def test_an_admin_reassigns_a_colleagues_item(self, bot: App, client: TestClient) -> None:
        """kim holds the item: root sees the Assign form and gives it to sam, noted as an override."""
        from tests.web.conftest import sign_in

        ids = _seed(bot)
        add_staff(bot, "kim", "agent")
        add_staff(bot, "sam", "agent")
        add_staff(bot, "root", "admin")
        with bot.session() as session:
            queue.claim(session, item_id=ids["102"], actor="kim", now=bot.clock.now())
        sign_in(client, "root")
        assert 'id="assign-form"' in client.get(f"/triage/{ids['102']}").text
        post_form(client, f"/triage/{ids['102']}/assign", {"assignee": "sam"}, page="/triage")
        assert _item(bot, ids["102"]).assignee == "sam"
        with bot.session() as session:
            assert listing.history(session, ids["102"])[-1].detail == "to sam (override: claimed by kim)"

    def test_the_list_says_how_many_it_left_out(self, bot: App, agent: TestClient) -> None:
        """Over 200 open items the list shows the 200 most urgent and says how many there are."""
        _seed(bot)
        _low_items(bot, range(1000, 1200))
        assert "Showing the 200 most urgent of 203 items." in agent.get("/triage/items").text

    def test_the_list_pages_on_in_urgency_order(self, bot: App, agent: TestClient) -> None:
        """1097 open items: 200 a page; page 2 continues in order, knows its place, refreshes itself and links back."""
        ids = _seed(bot)
        opened = _low_items(bot, range(2000, 3094))
        with bot.session() as session:
            whole = [i.id for i in listing.list_items(session)]
        assert whole[:3] == [ids["102"], ids["103"], ids["101"]]
        rows = re.compile(r'data-item="(\d+)"')
        first = agent.get("/triage").text
        assert "Showing the 200 most urgent of 1097 items." in first
        assert [int(i) for i in rows.findall(first)] == whole[:200]
        assert 'id="more-urgent"' not in first
        second_url = link(first, "less-urgent")
        assert second_url is not None
        assert second_url.startswith("/triage?status=open&after=")
        second = agent.get(second_url).text
        assert [int(i) for i in rows.findall(second)] == whole[200:400]
        assert "Showing items 201–400 of 1097, most urgent first." in second
        refresh = second_url.replace("/triage?", "/triage/items?")
        assert f'data-refresh="{html.escape(refresh)}"' in second
        assert [int(i) for i in rows.findall(agent.get(refresh).text)] == whole[200:400]
        back_url = link(second, "more-urgent")
        assert back_url is not None
        assert back_url.startswith("/triage?status=open&before=")
        back = agent.get(back_url).text
        assert [int(i) for i in rows.findall(back)] == whole[:200]
        assert (link(back, "more-urgent"), link(back, "less-urgent")) == (None, second_url)
        page = second
        for _ in range(4):
            on = link(page, "less-urgent")
            assert on is not None
            page = agent.get(on.replace("/triage?", "/triage/items?")).text
        last = page
        assert [int(i) for i in rows.findall(last)] == whole[1000:]
        assert ("Showing items 1001–1097 of 1097" in last, 'id="less-urgent"' in last) == (True, False)
        assert opened["3093"] == whole[-1]

    def test_more_urgent_with_nothing_more_urgent_left_is_the_first_page(self, bot: App, agent: TestClient) -> None:
        """203 open; the 200 on page 1 are resolved meanwhile: page 2's 'More urgent' lands on the (new) first
        page, not on an empty one, and so does its refresh."""
        _seed(bot)
        _low_items(bot, range(2000, 2200))
        with bot.session() as session:
            whole = [i.id or 0 for i in listing.list_items(session)]
        rows = re.compile(r'data-item="(\d+)"')
        second_url = link(agent.get("/triage").text, "less-urgent")
        assert second_url is not None
        more_urgent = link(agent.get(second_url).text, "more-urgent")
        assert more_urgent is not None
        with bot.session() as session:
            for item_id in whole[:200]:
                queue.resolve(session, item_id=item_id, actor="kim", now=bot.clock.now())
        page = agent.get(more_urgent).text
        assert [int(i) for i in rows.findall(page)] == whole[200:]
        assert (link(page, "more-urgent"), link(page, "less-urgent"), "Nothing here" in page) == (None, None, False)
        refreshed = agent.get(more_urgent.replace("/triage?", "/triage/items?")).text
        assert [int(i) for i in rows.findall(refreshed)] == whole[200:]
