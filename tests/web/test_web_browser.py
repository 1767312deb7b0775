"""The dashboard in Debian's Chromium (Playwright): a real uvicorn server, the X API sandbox, real clicks.

One browser and one server per module; each test gets a fresh browser context (its own cookies).
Screenshots of the main pages are saved to docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from bot.app import App
from bot.clock import ManualClock
from bot.domain import FollowStatus, PostKind
from bot.follow.decisions import mark_manual_done
from bot.listen.poller import MENTIONS, poll_mentions
from bot.publish.publisher import Publisher
from bot.publish.queue import enqueue_post
from bot.sandbox import (
    SandboxConfig,
    SandboxServer,
)
from bot.sandbox.testing import SandboxAdmin, sandbox_credentials
from bot.store.coordination import audit
from bot.store.db import upgrade
from bot.store.models import Author, Classification, FollowDecision, Mention, Post, TriageItem
from bot.text.weighted import weighted_length
from bot.triage.routing import NewComplaint, open_triage_items
from bot.triage.sla import is_sla_breached
from bot.web.app import create_web_app
from tests.web.conftest import (
    CHEAP_HASHER,
    REPO,
    add_staff,
    browser_page,
    make_settings,
    serve,
)
from tests.web.conftest import browser_sign_in as sign_in

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OAUTH1 = sandbox_credentials()
COMPLAINT = "@brandbot my order never arrived and support ignores me. This is terrible, I want a refund"
HOSTILE = ("@brandbot <script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> "
           "your app crashed again and lost my booking, worst service ever")


@dataclass
class Stack:
    """The bot, its dashboard on a free loopback port, and the X API sandbox it talks to."""

    app: App
    base_url: str
    sandbox: SandboxServer
    x_admin: SandboxAdmin
    clock: ManualClock

    def poll(self) -> None:
        result = poll_mentions(engine=self.app.engine, x=self.app.x, budget=self.app.budget, clock=self.clock,
                               settings=self.app.settings, detector_for=self.app.detector,
                               brand_user_id=self.app.me().id, worker_id=self.app.worker_id, sources=(MENTIONS,))
        assert result.sources[0].error is None, result

    def publish(self) -> list[int]:
        report = Publisher(engine=self.app.engine, x=self.app.x, budget=self.app.budget, clock=self.clock,
                           worker_id=self.app.worker_id, brand_user_id=self.app.me().id).run_once()
        return report.posted

    def item_for(self, mention_id: str) -> TriageItem:
        with self.app.session() as session:
            return session.exec(select(TriageItem).where(col(TriageItem.mention_id) == mention_id)).one()


def _seed_history(app: App) -> None:
    """A day of earlier activity, so the overview has something to draw (deterministic)."""
    now = app.clock.now()
    with app.session() as session:
        session.add(Author(id="500", username="regular_rita", name="Rita", followers_count=830, first_seen_at=now,
                           last_seen_at=now))
        session.flush()
        n = 0
        for hour in range(1, 24):
            at = now - timedelta(hours=hour, minutes=7)
            complaints: list[NewComplaint] = []
            for k in range(2 + (hour * 7) % 6):
                n += 1
                mention_id = str(10_000 + n)
                is_complaint = (hour + k) % 4 == 0
                text = "still waiting on my refund" if is_complaint else "nice shot"
                session.add(Mention(id=mention_id, author_id="500", created_at=at, seen_at=at,
                                    text=f"@brandbot {text} #{n}"))
                session.flush()
                session.add(Classification(mention_id=mention_id, complaint=is_complaint, score=0.8,
                                           severity="medium", reasons=["rule: refund"], created_at=at))
                if is_complaint:
                    complaints.append(NewComplaint(mention_id, "500", ["critical", "high", "medium", "low"][n % 4],
                                                   0.8))
            for item_id in open_triage_items(session, complaints, now=at).values():
                if hour in (2, 5):
                    continue  # a few recent ones are still open
                item = session.get(TriageItem, item_id)
                assert item is not None
                item.first_response_at = at + timedelta(minutes=4 + (item_id * 7) % 40)
                item.resolved_at = item.first_response_at + timedelta(minutes=10)
                item.status = "resolved"
                session.add(item)
            if hour % 3 == 0:
                session.add(Post(kind="event", state="posted", text=f"Sol {hour}: dust devil spotted", created_at=at,
                                 updated_at=at, scheduled_at=at, posted_at=at + timedelta(minutes=2)))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    clock = ManualClock(START)
    sandbox = SandboxServer(SandboxConfig(tier="basic", scenario="quiet"), clock).start()
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'brandbot.db'}"
    upgrade(url)
    app = App(make_settings(url, x_api_base_url=sandbox.url, credentials=OAUTH1, sandbox=True), clock=clock)
    with serve(create_web_app(app, password_hasher=CHEAP_HASHER)) as base_url:
        for name, role in (("sam", "agent"), ("pat", "editor"), ("root", "admin")):
            add_staff(app, name, role)
        _seed_history(app)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield Stack(app, base_url, sandbox, SandboxAdmin(sandbox.url), clock)
    sandbox.stop()
    app.engine.dispose()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    with browser_page(browser, stack.base_url) as page:
        yield page


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


class TestAgent:
    def test_triage_a_complaint_end_to_end(self, page: Page, stack: Stack) -> None:
        """Claim, reply with a template (live preview), publish, resolve: the reply is in the sandbox as a reply."""
        mention_id = stack.x_admin.mention("dave", COMPLAINT)
        hostile_id = stack.x_admin.mention("mallory", HOSTILE)
        stack.poll()
        item = stack.item_for(mention_id)
        assert stack.item_for(hostile_id).severity == "high"
        sign_in(page, "sam")
        expect(page).to_have_url(f"{stack.base_url}/triage")
        row = page.locator(f'tr[data-item="{item.id}"]')
        expect(row.locator("td.text")).to_have_text(COMPLAINT)
        breached = [i.id for i in _open_items(stack) if is_sla_breached(i, now=stack.clock.now())]
        assert breached  # the seeded history leaves a few old complaints open
        expect(page.locator("tr.breached")).to_have_count(len(breached))
        shoot(page, "triage")

        row.get_by_role("button", name="Claim").click()
        expect(page).to_have_url(f"{stack.base_url}/triage/{item.id}")
        expect(page.locator(".flash-ok")).to_have_text(f"Item {item.id} is yours.")
        page.select_option("#reply-template", "dm_us")
        expected = "dave, my team would like to help directly. Could you send us a direct message? ^sam"
        expect(page.locator("#preview-text")).to_have_text(expected)
        expect(page.locator("#preview-count")).to_have_text(f"{weighted_length(expected)} / 280")
        shoot(page, "triage-item")
        page.get_by_role("button", name="Send reply").click()
        expect(page.locator(".flash-ok")).to_have_text(f"Reply queued for item {item.id}.")

        assert len(stack.publish()) == 1
        page.locator("#resolve").click()
        expect(page.locator(".flash-ok")).to_have_text(f"Item {item.id} resolved.")
        replies = [p for p in stack.x_admin.posts() if p["in_reply_to_tweet_id"] == mention_id]
        assert [p["text"] for p in replies] == [expected]
        done = stack.item_for(mention_id)
        assert (done.status, done.assignee, done.first_response_at) == ("resolved", "sam", stack.clock.now())

    def test_script_in_a_mention_is_shown_as_text(self, page: Page, stack: Stack) -> None:
        """A mention carrying <script> and an onerror handler is displayed literally and never runs."""
        item = next(i for i in _open_items(stack) if i.author_id != "500" and i.status == "new")
        sign_in(page, "sam")
        expect(page.locator(f'tr[data-item="{item.id}"] td.text')).to_have_text(HOSTILE)
        page.goto(f"/triage/{item.id}")
        expect(page.locator("#tweet-text")).to_have_text(HOSTILE)
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("#tweet-text script, #tweet-text img").count() == 0


def _open_items(stack: Stack) -> list[TriageItem]:
    with stack.app.session() as session:
        return list(session.exec(select(TriageItem).where(col(TriageItem.status) == "new")))


class TestEditor:
    def test_approve_then_crisis_holds_the_queue(self, page: Page, stack: Stack) -> None:
        """Approve a pending post; crisis mode holds every scheduled post with a banner; resuming releases them."""
        now = stack.clock.now()
        with stack.app.session() as session:
            pending = enqueue_post(session, texts=["Big news at noon tomorrow. Stay tuned!"], now=now,
                                   kind=PostKind.EVENT, scheduled_at=now + timedelta(hours=2), requires_approval=True,
                                   created_by="feed:ops-webhook")[0].id
            later = enqueue_post(session, texts=["Sol 43: the arm dug a new trench"], now=now, kind=PostKind.EVENT,
                                 scheduled_at=now + timedelta(hours=1), created_by="feed:ops-webhook")[0].id
        sign_in(page, "pat")
        expect(page).to_have_url(f"{stack.base_url}/queue")
        page.locator(f'tr[data-post="{pending}"]').get_by_role("button", name="Approve").click()
        expect(page.locator(".flash-ok")).to_have_text(f"Post {pending} approved.")
        assert _states(stack, pending, later) == ["scheduled", "scheduled"]

        page.locator("#crisis-reason").fill("Outage: statement pending")
        page.locator("#crisis-on").click()
        expect(page.locator("#crisis-banner")).to_contain_text("Outage: statement pending")
        expect(page.locator(f'tr[data-post="{later}"] .badge')).to_have_text("held")
        assert _states(stack, pending, later) == ["held", "held"]
        shoot(page, "queue")
        page.goto("/follows")
        expect(page.locator("#crisis-banner")).to_be_visible()

        page.goto("/queue")
        questions: list[str] = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        page.locator("#crisis-off").click()
        expect(page.locator("#crisis-banner")).to_be_visible()
        assert questions == ["Resume posting? Every held post goes out as scheduled (overdue ones at once)."]
        assert _states(stack, pending, later) == ["held", "held"]
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#crisis-off").click()
        expect(page.locator("#crisis-banner")).to_have_count(0)
        assert _states(stack, pending, later) == ["scheduled", "scheduled"]

    def test_queue_a_post_then_cancel_it_after_confirming(self, page: Page, stack: Stack) -> None:
        """The form queues a post by the signed-in editor; Cancel asks first and the post moves to Cancelled."""
        sign_in(page, "pat")
        page.locator("#add-post-text").fill("Rover selfie at 16:00, stay tuned")
        page.locator("#add-post-time").fill("2026-03-01T16:00")
        page.locator("#add-post-submit").click()
        with stack.app.session() as session:
            post = session.exec(select(Post).where(col(Post.text) == "Rover selfie at 16:00, stay tuned")).one()
        assert (post.created_by, post.kind, post.state) == ("pat", "manual", "scheduled")
        expect(page.locator(".flash-ok")).to_have_text(f"Post {post.id} queued: scheduled, for 2026-03-01 16:00 CET.")
        row = page.locator(f'tr[data-post="{post.id}"]')
        page.once("dialog", lambda dialog: dialog.dismiss())
        row.get_by_role("button", name="Cancel").click()
        expect(row).to_be_visible()
        assert _states(stack, post.id) == ["scheduled"]
        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Cancel").click()
        expect(page.locator(".flash-ok")).to_have_text(f"Post {post.id} cancelled.")
        expect(page.locator(f'tr[data-cancelled="{post.id}"]')).to_contain_text("pat")
        assert _states(stack, post.id) == ["cancelled"]


def _states(stack: Stack, *post_ids: int | None) -> list[str]:
    with stack.app.session() as session:
        return [p.state for p in (session.get(Post, i) for i in post_ids) if p is not None]


class TestAdmin:
    def test_overview_follows_and_audit(self, page: Page, stack: Stack) -> None:
        """The overview draws six SVG charts; a manual follow is marked done once; the audit log shows it."""
        now = stack.clock.now()
        with stack.app.session() as session:
            session.add(Author(id="600", username="nasa_fan_42", name="Jo <3 Mars", followers_count=15400,
                               first_seen_at=now, last_seen_at=now))
            session.flush()
            decision = FollowDecision(author_id="600", status=FollowStatus.MANUAL.value, created_at=now,
                                      reason="positive mention; basic tier cannot follow through the API")
            session.add(decision)
            session.flush()
            decision_id = decision.id
        page.goto("/login")
        shoot(page, "login")
        sign_in(page, "root")
        expect(page).to_have_url(f"{stack.base_url}/overview")
        expect(page.locator("figure.chart svg")).to_have_count(6)
        assert page.locator("svg rect.bar").count() == 4 * 24
        shoot(page, "overview")

        page.goto("/follows")
        row = page.locator(f'tr[data-decision="{decision_id}"]')
        expect(row).to_contain_text("@nasa_fan_42")
        shoot(page, "follows")
        row.get_by_role("button", name="Mark done").click()
        expect(page.locator(".flash-ok")).to_have_text("Marked as followed.")
        expect(page.locator(f'tr[data-decision="{decision_id}"]')).to_have_count(0)

        page.goto("/audit")
        expect(page.locator("table.audit tbody tr").first).to_contain_text("follow.manual_done")
        shoot(page, "audit")


MISSED = "@brandbot day two and the zip on the tent has come off in my hand"


class TestMissedComplaint:
    def test_an_agent_flags_a_complaint_the_detector_missed(self, page: Page, stack: Stack) -> None:
        """The mentions page shows a post the detector let through; flagging it opens its item in the queue."""
        mention_id = stack.x_admin.mention("erin", MISSED)
        stack.poll()
        with stack.app.session() as session:
            assert session.exec(select(TriageItem).where(col(TriageItem.mention_id) == mention_id)).first() is None
        sign_in(page, "sam")
        page.get_by_role("link", name="Mentions").click()
        expect(page).to_have_url(f"{stack.base_url}/mentions")
        row = page.locator(f'tr[data-mention="{mention_id}"]')
        expect(row.locator("td.text")).to_have_text(MISSED)
        expect(row.locator("td.verdict")).to_contain_text("not a complaint")
        row.locator("summary").click()
        shoot(page, "mentions", full_page=False)  # the top of a 100-row page, one flag form open
        row.get_by_label("Severity").select_option("high")
        row.get_by_placeholder("Note (optional)").fill("broken zip")
        row.get_by_role("button", name="Flag as complaint").click()
        item = stack.item_for(mention_id)
        expect(page).to_have_url(f"{stack.base_url}/triage/{item.id}")
        expect(page.locator(".flash-ok")).to_have_text(f"Mention {mention_id} flagged as a complaint: it is in the "
                                                       "triage queue.")
        expect(page.locator("#tweet-text")).to_have_text(MISSED)
        assert (item.severity, item.status, item.label) == ("high", "new", "complaint")


@dataclass
class Paged:
    """A dashboard of its own (no sandbox) with 150 people waiting and 201 audit entries by "importer"."""

    app: App
    base_url: str
    clock: ManualClock
    waiting: list[int]  # decision ids, oldest first


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paged]:
    clock = ManualClock(START)
    url = f"sqlite:///{tmp_path_factory.mktemp('paged') / 'brandbot.db'}"
    upgrade(url)
    app = App(make_settings(url), clock=clock)
    add_staff(app, "root", "admin")
    with app.session() as session:
        for n in range(150):
            session.add(Author(id=str(7000 + n), username=f"fan{n:03d}", first_seen_at=START, last_seen_at=START))
        session.flush()
        decisions = [FollowDecision(author_id=str(7000 + n), status=FollowStatus.MANUAL.value, reason="r",
                                    created_at=START + timedelta(minutes=n)) for n in range(150)]
        session.add_all(decisions)
        for n in range(201):
            audit(session, at=START + timedelta(seconds=n), actor="importer", action=f"import.row{n:03d}")
        session.flush()
        waiting = [d.id or 0 for d in decisions]
    with serve(create_web_app(app, password_hasher=CHEAP_HASHER)) as base_url:
        yield Paged(app, base_url, clock, waiting)
    app.engine.dispose()


class TestPagingLinks:
    def test_newer_after_its_anchor_was_followed(self, browser: Browser, paged: Paged) -> None:
        """On page 2 of people to follow, the first one is followed (elsewhere) meanwhile: '← Newer' still shows
        the 100 newer people, then 'Older →' page 2 without them."""
        with browser_page(browser, paged.base_url) as page:
            sign_in(page, "root")
            page.goto("/follows")
            rows = page.locator("tr[data-decision]")
            expect(rows).to_have_count(100)
            page.locator("#older").click()
            expect(rows).to_have_count(50)
            expect(rows.first).to_contain_text("@fan049")
            paged.clock.advance(3 * 3600)
            with paged.app.session() as session:
                mark_manual_done(session, decision_id=paged.waiting[49], actor="kim", now=paged.clock.now())
            page.locator("#newer").click()
            expect(rows).to_have_count(100)
            expect(rows.first).to_contain_text("@fan149")
            expect(rows.last).to_contain_text("@fan050")
            expect(page.locator("#newer")).to_have_count(0)
            page.locator("#older").click()
            expect(rows).to_have_count(49)
            expect(rows.first).to_contain_text("@fan048")

    def test_audit_newer_keeps_the_filter(self, browser: Browser, paged: Paged) -> None:
        """The audit log filtered by "importer": 'Older entries →' shows the oldest entry, '← Newer entries' goes
        back to the newest 200, the filter kept all the way."""
        with browser_page(browser, paged.base_url) as page:
            sign_in(page, "root")
            page.goto("/audit")
            page.get_by_label("Who").fill("importer")
            page.get_by_role("button", name="Filter").click()
            rows = page.locator("table.audit tbody tr")
            expect(rows).to_have_count(200)
            expect(page.get_by_role("link", name="← Newer entries")).to_have_count(0)
            page.get_by_role("link", name="Older entries →").click()
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("import.row000")
            page.get_by_role("link", name="← Newer entries").click()
            expect(rows).to_have_count(200)
            expect(rows.first).to_contain_text("import.row200")
            expect(page.get_by_label("Who")).to_have_value("importer")
            expect(page.get_by_role("link", name="← Newer entries")).to_have_count(0)


#: The pages of the dashboard as an admin sees them (every nav entry, plus one triage item).
NARROW_PAGES = ("/overview", "/triage", "/mentions", "/queue", "/follows", "/audit", "/users", "/account/password")
PHONE = {"width": 390, "height": 844}


class TestNarrowScreen:
    def test_no_page_is_wider_than_a_phone(self, page: Page, stack: Stack) -> None:
        """At 390 px no page scrolls sideways (tables scroll in their own box) and every nav link is on screen."""
        item = _open_items(stack)[0]
        page.set_viewport_size(PHONE)
        page.goto("/login")
        widths = {"/login": page.evaluate("() => document.documentElement.scrollWidth")}
        sign_in(page, "root")
        for path in (*NARROW_PAGES, f"/triage/{item.id}"):
            page.goto(path)
            widths[path] = page.evaluate("() => document.documentElement.scrollWidth")
        assert {path: width for path, width in widths.items() if width > PHONE["width"]} == {}
        page.goto("/users")
        for link in page.locator(".top nav a").all():
            box = link.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= PHONE["width"], link.text_content()
        expect(page.locator(".top nav a", has_text="Users")).to_be_in_viewport()
