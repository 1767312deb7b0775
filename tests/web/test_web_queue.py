"""The publish queue page: time order in local time, approve/edit/cancel, dead letters, the crisis switch."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from bot.app import App
from bot.clock import ManualClock
from bot.crisis import held_by_crisis
from bot.domain import PostKind
from bot.errors import BadRequest
from bot.publish.publisher import Publisher
from bot.publish.queue import enqueue_post
from bot.store.models import AuditLog, CrisisChange, DeadLetter, Post
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.fake import FakeXClient
from tests.web.conftest import csrf_token, post_form, refused_form


def _queue(bot: App) -> dict[str, int]:
    """A post needing approval at 14:00 UTC and a scheduled one at 13:00 UTC (clock: 12:00 UTC)."""
    now = bot.clock.now()
    with bot.session() as session:
        pending = enqueue_post(session, texts=["Launch day! 🚀"], now=now, kind=PostKind.EVENT,
                               scheduled_at=now + timedelta(hours=2), requires_approval=True)
        scheduled = enqueue_post(session, texts=["Sol 42: ice in the trench"], now=now, kind=PostKind.EVENT,
                                 scheduled_at=now + timedelta(hours=1))
        return {"pending": pending[0].id or 0, "scheduled": scheduled[0].id or 0}


def _post(bot: App, post_id: int) -> Post:
    with bot.session() as session:
        post = session.get(Post, post_id)
        assert post is not None
        return post


def _actions(bot: App) -> list[tuple[str, str, str]]:
    with bot.session() as session:
        rows = session.exec(select(AuditLog).where(col(AuditLog.actor) == "pat")
                            .where(~col(AuditLog.action).startswith("login.")).order_by(col(AuditLog.id)))
        return [(r.action, r.target, r.detail) for r in rows]


class TestQueuePage:
    def test_pending_and_upcoming_in_local_time(self, bot: App, editor: TestClient) -> None:
        """Pending and upcoming posts are listed with Paris times (UTC+1 in March)."""
        ids = _queue(bot)
        page = editor.get("/queue").text
        assert "2026-03-01 15:00 CET" in page
        assert "2026-03-01 14:00 CET" in page
        assert page.index(f'data-post="{ids["pending"]}"') < page.index(f'data-post="{ids["scheduled"]}"')
        assert f'action="/queue/posts/{ids["pending"]}/approve"' in page
        assert f'action="/queue/posts/{ids["scheduled"]}/approve"' not in page
        assert 'value="2026-03-01T14:00"' in page  # the edit form's local time

    def test_deferred_posts_say_why_and_until_when(self, bot: App, editor: TestClient) -> None:
        """A post the quota could not cover tells the PR team the reason and the new time."""
        ids = _queue(bot)
        with bot.session() as session:
            post = session.get(Post, ids["scheduled"])
            assert post is not None
            post.deferred_reason = "quota: 0 post(s) left for 3 due"
            post.next_attempt_at = bot.clock.now() + timedelta(hours=5)
            session.add(post)
        page = editor.get("/queue").text
        assert "deferred: quota: 0 post(s) left for 3 due (until 2026-03-01 18:00 CET)" in page

    def test_dead_letters_show_their_reason(self, bot: App, editor: TestClient) -> None:
        """Open dead letters are listed with the reason and the (escaped) raw input."""
        with bot.session() as session:
            session.add(DeadLetter(source="ops-webhook", received_at=bot.clock.now(), raw='{"id": "<b>x</b>"}',
                                   reason="occurred_at must be an ISO 8601 string"))
            session.add(DeadLetter(source="rss", received_at=bot.clock.now(), raw="old", reason="gone",
                                   status="discarded"))
        page = editor.get("/queue").text
        assert "occurred_at must be an ISO 8601 string" in page
        assert "&lt;b&gt;x&lt;/b&gt;" in page
        assert ">gone<" not in page

    def test_recently_published_lists_the_latest_publication_first(self, bot: App, editor: TestClient) -> None:
        """A post held through a crisis and published late heads the list, even among 20 later-scheduled ones."""
        now = bot.clock.now()
        with bot.session() as session:
            for n in range(21):
                at = now - timedelta(hours=30 - n)
                session.add(Post(kind="event", state="posted", text=f"on time {n}", created_at=at, updated_at=at,
                                 scheduled_at=at, posted_at=at))
            late = now - timedelta(hours=40)
            session.add(Post(kind="event", state="posted", text="held then posted", created_at=late,
                             updated_at=now, scheduled_at=late, posted_at=now - timedelta(minutes=5)))
        page = editor.get("/queue").text
        recent = page[page.index("Recently published"):page.index("Dead letters")]
        assert recent.count('<tr class="post') == 20
        assert recent.index("held then posted") < recent.index("on time 20") < recent.index("on time 19")
        assert "on time 2<" in recent
        assert "on time 1<" not in recent


class TestPostActions:
    def test_approve(self, bot: App, editor: TestClient) -> None:
        """Approving schedules the post, records who approved it and writes post.approved."""
        ids = _queue(bot)
        assert f"Post {ids['pending']} approved." in post_form(editor, f"/queue/posts/{ids['pending']}/approve")
        post = _post(bot, ids["pending"])
        assert (post.state, post.approved_by, post.approved_at) == ("scheduled", "pat", bot.clock.now())
        assert _actions(bot) == [("post.approved", f"post {ids['pending']}", "")]

    def test_approving_twice_shows_why_not(self, bot: App, editor: TestClient) -> None:
        """A post that is no longer pending cannot be approved; the reason is shown."""
        ids = _queue(bot)
        page = post_form(editor, f"/queue/posts/{ids['scheduled']}/approve")
        assert f"post {ids['scheduled']} is scheduled, not pending approval" in page

    def test_edit_text_and_local_time(self, bot: App, editor: TestClient) -> None:
        """An edit re-validates the text and reads the time in the deployment's zone."""
        ids = _queue(bot)
        post_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                  {"text": "  Sol 42: ice!  ", "scheduled_at": "2026-03-01T18:30"})
        post = _post(bot, ids["scheduled"])
        assert (post.text, post.scheduled_at.isoformat()) == ("Sol 42: ice!", "2026-03-01T17:30:00+00:00")
        assert _actions(bot) == [("post.edited", f"post {ids['scheduled']}",
                                  "text, time 2026-03-01T17:30:00+00:00")]

    def test_edit_too_long_shows_the_validation_reason(self, bot: App, editor: TestClient) -> None:
        """Text over 280 weighted characters is refused with the reason and the post is unchanged."""
        ids = _queue(bot)
        page = refused_form(editor, f"/queue/posts/{ids['scheduled']}/edit", {"text": "é" * 150 + "字" * 70})
        assert "290 weighted characters &gt; 280; shorten it or post a thread" in page
        assert _post(bot, ids["scheduled"]).text == "Sol 42: ice in the trench"
        bad_time = refused_form(editor, f"/queue/posts/{ids['scheduled']}/edit", {"text": "ok", "scheduled_at": "soon"})
        assert "time must look like 2026-03-01T14:30" in bad_time

    def test_editing_the_text_keeps_the_time_to_the_second(self, bot: App, editor: TestClient) -> None:
        """The form resubmits the time it shows (no seconds): unchanged, it is left alone and not audited."""
        now = bot.clock.now()
        with bot.session() as session:
            [post] = enqueue_post(session, texts=["Sol 42"], now=now, kind=PostKind.MANUAL,
                                  scheduled_at=now + timedelta(hours=1, seconds=37))
        post_form(editor, f"/queue/posts/{post.id}/edit", {"text": "Sol 42!", "scheduled_at": "2026-03-01T14:00"})
        edited = _post(bot, post.id or 0)
        assert (edited.text, edited.scheduled_at) == ("Sol 42!", now + timedelta(hours=1, seconds=37))
        assert _actions(bot) == [("post.edited", f"post {post.id}", "text")]

    def test_a_past_time_is_refused_unless_unchanged(self, bot: App, editor: TestClient, clock: ManualClock) -> None:
        """A new time already gone is refused with the reason; an overdue post's own time may be sent back."""
        ids = _queue(bot)
        page = refused_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                            {"text": "Sol 42: ice in the trench", "scheduled_at": "2026-03-01T12:59"})
        assert "2026-03-01 12:59 CET is in the past (it is now 2026-03-01 13:00 CET); pick a later time" in page
        assert _post(bot, ids["scheduled"]).scheduled_at == clock.now() + timedelta(hours=1)
        assert _actions(bot) == []
        post_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                  {"text": "Sol 42: ice in the trench", "scheduled_at": "2026-03-01T13:00"})
        assert _actions(bot) == [("post.edited", f"post {ids['scheduled']}", "time 2026-03-01T12:00:00+00:00")]
        clock.advance(3 * 3600)  # now 15:00 UTC: the post is overdue (held, say)
        page = post_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                         {"text": "Sol 42: ice!", "scheduled_at": "2026-03-01T13:00"})
        assert f"Post {ids['scheduled']} saved." in page
        assert _actions(bot)[-1] == ("post.edited", f"post {ids['scheduled']}", "text")

    def test_an_edit_that_changes_nothing_says_so(self, bot: App, editor: TestClient) -> None:
        """The same text and time back again is reported and writes no audit row."""
        ids = _queue(bot)
        page = refused_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                            {"text": "Sol 42: ice in the trench", "scheduled_at": "2026-03-01T14:00"})
        assert f"post {ids['scheduled']}: nothing to change, the text and time are as they were" in page
        assert _actions(bot) == []

    def test_edit_without_text_is_a_message_on_the_queue(self, bot: App, editor: TestClient) -> None:
        """A form with no text at all comes back to the queue with the reason (not a bare 422 page)."""
        ids = _queue(bot)
        page = refused_form(editor, f"/queue/posts/{ids['scheduled']}/edit", {"scheduled_at": "2026-03-01T16:00"},
                            page="/queue")
        assert '<p class="flash flash-error" role="status">a post cannot be empty</p>' in page
        assert "<h1>Publish queue</h1>" in page
        assert _post(bot, ids["scheduled"]).text == "Sol 42: ice in the trench"
        assert f'id="edit-{ids["scheduled"]}-text" autofocus></textarea>' in page

    def test_cancel(self, bot: App, editor: TestClient) -> None:
        """Cancelling removes the post from the queue, with an audit row."""
        ids = _queue(bot)
        post_form(editor, f"/queue/posts/{ids['scheduled']}/cancel", {"reason": "wrong photo"})
        assert _post(bot, ids["scheduled"]).state == "cancelled"
        assert _actions(bot) == [("post.cancelled", f"post {ids['scheduled']}", "wrong photo")]
        assert f'data-post="{ids["scheduled"]}"' not in editor.get("/queue").text

    def test_cancelled_posts_are_listed_with_who_and_why(self, bot: App, editor: TestClient) -> None:
        """A cancelled post leaves the queue for the Cancelled list: when, who cancelled it and the reason."""
        ids = _queue(bot)
        page = editor.get("/queue").text
        assert "Nothing cancelled." in page
        assert f'data-confirm="Cancel post {ids["scheduled"]}? It will not go out."' in page
        page = post_form(editor, f"/queue/posts/{ids['scheduled']}/cancel", {"reason": "wrong photo"})
        cancelled = page[page.index('id="cancelled"'):page.index("Dead letters")]
        row = re.search(rf'<tr data-cancelled="{ids["scheduled"]}">(.*?)</tr>', cancelled, re.S)
        assert row is not None
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
        assert cells == [str(ids["scheduled"]), "2026-03-01 13:00 CET", "event", "Sol 42: ice in the trench",
                         "system", "pat", "wrong photo"]


    def _cancelled_row(self, page: str, post_id: int) -> list[str]:
        """The cells of `post_id`'s row in the Cancelled list, tags stripped."""
        cancelled = page[page.index('id="cancelled"'):page.index("Dead letters")]
        row = re.search(rf'<tr data-cancelled="{post_id}">(.*?)</tr>', cancelled, re.S)
        assert row is not None, f"post {post_id} is not listed as cancelled"
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]

    def test_cancelling_a_thread_says_why_on_each_later_part(self, bot: App, editor: TestClient) -> None:
        """Cancelling part 1 from the dashboard lists part 2 as cancelled by the same person, naming part 1."""
        with bot.session() as session:
            one, two = (p.id or 0 for p in enqueue_post(session, texts=["Sol 43 (1/2)", "more ice (2/2)"],
                                                        now=bot.clock.now(), kind=PostKind.EVENT))
        page = post_form(editor, f"/queue/posts/{one}/cancel", {"reason": "wrong photo"})
        assert self._cancelled_row(page, one)[4:] == ["system", "pat", "wrong photo"]
        assert self._cancelled_row(page, two) == [
            f"{two} part 2/2", "2026-03-01 13:00 CET", "event", "more ice (2/2)", "system", "pat",
            f"earlier part 1/2 (post {one}) cancelled by pat: wrong photo"]

    def test_parts_after_a_failed_part_are_listed_as_cancelled(self, bot: App, editor: TestClient,
                                                               clock: ManualClock) -> None:
        """X refuses part 1 of a thread: part 2 leaves Upcoming for the Cancelled list, by the system, saying why."""
        with bot.session() as session:
            one, two = (p.id or 0 for p in enqueue_post(session, texts=["Sol 43 (1/2)", "more ice (2/2)"],
                                                        now=clock.now(), kind=PostKind.EVENT))
        x = FakeXClient(brand_id="1000", clock=clock)
        x.fail_next("create_tweet", BadRequest("400 text refused", status=400, endpoint=tiers.POST_TWEET))
        Publisher(engine=bot.engine, x=x, budget=BudgetKeeper("enterprise", clock), clock=clock, worker_id="w1",
                  brand_user_id="1000").run_once()
        page = editor.get("/queue").text
        assert f'data-post="{two}"' not in page
        assert self._cancelled_row(page, two)[4:] == [
            "system", "system", f"earlier part 1/2 (post {one}) failed: BadRequest: 400 text refused"]


def _edit_form(page: str, post_id: int) -> str:
    """The Edit part of one post's row (its <details> element)."""
    row = re.search(rf'<tr class="post[^"]*" data-post="{post_id}">.*?</tr>', page, re.S)
    assert row is not None, f"no row for post {post_id}"
    details = re.search(r"<details.*?</details>", row.group(0), re.S)
    assert details is not None
    return details.group(0)


class TestRefusedEditKeepsTheText:
    def test_the_form_opens_again_with_what_was_typed(self, bot: App, editor: TestClient) -> None:
        """Too long: that post's form opens filled in as sent, with the reason and the count; the post is unchanged."""
        ids = _queue(bot)
        typed = "Sol 42 <b>ice</b> " + "字" * 140  # 18 + 280 = 298 weighted
        page = refused_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                            {"text": typed, "scheduled_at": "2026-03-01T19:15"}, page="/queue")
        form = _edit_form(page, ids["scheduled"])
        assert form.startswith("<details open>")
        assert (f'id="edit-{ids["scheduled"]}-text" autofocus>{html.escape(typed, quote=False)}</textarea>'
                in form)
        assert 'name="scheduled_at" value="2026-03-01T19:15"' in form
        assert "Not saved: 298 weighted characters &gt; 280; shorten it or post a thread" in form
        assert f'<span class="counter over" id="edit-{ids["scheduled"]}-text-count"' in form
        assert ">298 / 280</span>" in form
        other = _edit_form(page, ids["pending"])
        assert other.startswith("<details>")
        assert ">Launch day! 🚀</textarea>" in other
        assert (_post(bot, ids["scheduled"]).text, _actions(bot)) == ("Sol 42: ice in the trench", [])

    def test_a_post_that_can_no_longer_be_edited_shows_the_text_to_copy(self, bot: App, editor: TestClient) -> None:
        """Cancelled meanwhile: there is no form to fill in, so the refused text is shown on its own."""
        ids = _queue(bot)
        post_form(editor, f"/queue/posts/{ids['scheduled']}/cancel", {"reason": "wrong photo"})
        page = refused_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                            {"text": "Sol 42: ice, at last", "scheduled_at": "2026-03-01T14:00"}, page="/queue")
        unsaved = page[page.index('id="unsaved-edit"'):page.index("</section>", page.index('id="unsaved-edit"'))]
        assert f"Your edit of post {ids['scheduled']} was not saved" in unsaved
        assert f"post {ids['scheduled']} is cancelled" in unsaved
        assert 'id="unsaved-edit-text">Sol 42: ice, at last</textarea>' in unsaved

    def test_a_saved_edit_shows_no_leftover(self, bot: App, editor: TestClient) -> None:
        """After a save the queue page has every Edit form closed and no unsaved text."""
        ids = _queue(bot)
        page = post_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                         {"text": "Sol 42: ice!", "scheduled_at": "2026-03-01T14:00"}, page="/queue")
        assert "<details open>" not in page
        assert 'id="unsaved-edit"' not in page


class TestLineBreaks:
    """Browsers send a textarea's line breaks as CRLF; the page, its counter and X count one character."""

    def test_a_post_of_280_with_line_breaks_is_queued_with_them(self, bot: App, editor: TestClient) -> None:
        """280 as typed with two line breaks (282 as the browser sends it): queued, with plain LFs."""
        typed = "a" * 138 + "\r\n" + "b" * 139 + "\r\n!"
        post_form(editor, "/queue/posts", {"text": typed}, page="/queue")
        with bot.session() as session:
            assert [p.text for p in session.exec(select(Post))] == ["a" * 138 + "\n" + "b" * 139 + "\n!"]

    def test_an_edit_keeps_one_character_per_line_break(self, bot: App, editor: TestClient) -> None:
        """An edited text of 280 with a line break is saved with LF (with CRLF it would be 281 and refused)."""
        ids = _queue(bot)
        post_form(editor, f"/queue/posts/{ids['scheduled']}/edit",
                  {"text": "x" * 140 + "\r\n" + "y" * 139, "scheduled_at": "2026-03-01T14:00"}, page="/queue")
        assert _post(bot, ids["scheduled"]).text == "x" * 140 + "\n" + "y" * 139

    def test_a_full_textarea_with_line_breaks_becomes_a_thread(self, bot: App, editor: TestClient) -> None:
        """4,960 characters as typed (within the textarea's 5,000) are 5,080 as sent with CRLF: still queued."""
        typed = "\n".join(["Sol 42 was a long day on the crater rim."] * 121)
        post_form(editor, "/queue/posts", {"text": typed.replace("\n", "\r\n"), "thread": "true"}, page="/queue")
        with bot.session() as session:
            assert len(session.exec(select(Post)).all()) == 19

    def test_a_text_over_the_limit_as_typed_keeps_the_form(self, bot: App, editor: TestClient) -> None:
        """5,001 characters as typed: refused with the reason and the form filled in, not a bare error page."""
        page = refused_form(editor, "/queue/posts", {"text": "a" * 5001, "thread": "true"}, page="/queue")
        assert "the text is 5001 characters; at most 5000; nothing was queued" in page
        assert f'id="add-post-text">{"a" * 5001}</textarea>' in page


class TestCounters:
    def test_each_text_that_becomes_a_post_shows_its_weighted_count(self, bot: App, editor: TestClient) -> None:
        """The add form starts at 0 / 280 (tied to the thread box); each Edit form counts its post's text."""
        ids = _queue(bot)
        page = editor.get("/queue").text
        assert ('<span class="counter" id="add-post-text-count" data-count-for="add-post-text" '
                'data-thread-box="add-post-thread">0 / 280</span> weighted characters') in page
        assert (f'<span class="counter" id="edit-{ids["pending"]}-text-count" '
                f'data-count-for="edit-{ids["pending"]}-text">14 / 280</span>') in page

    def test_a_long_text_for_a_thread_is_not_marked_over(self, bot: App, editor: TestClient) -> None:
        """Refused for its time, a 300-character text counts 300; red only when it is not to be split."""
        token = csrf_token(editor, "/queue")
        form = {"text": "z" * 300, "scheduled_at": "2026-03-01T12:00", "csrf_token": token}
        as_thread = editor.post("/queue/posts", data={**form, "thread": "true"}).text
        single = editor.post("/queue/posts", data=form).text
        assert '<span class="counter" id="add-post-text-count"' in as_thread
        assert '<span class="counter over" id="add-post-text-count"' in single
        assert all(">300 / 280</span>" in page for page in (as_thread, single))


class TestAddPost:
    def test_an_editor_queues_a_post_for_a_local_time(self, bot: App, editor: TestClient) -> None:
        """The form queues a manual post by the signed-in editor at the given Paris time, audited."""
        page = post_form(editor, "/queue/posts", {"text": "  Live from Jezero at 18:30!  ",
                                                  "scheduled_at": "2026-03-01T18:30"})
        with bot.session() as session:
            [post] = session.exec(select(Post)).all()
        assert (post.text, post.kind, post.state, post.created_by, post.scheduled_at.isoformat()) == (
            "Live from Jezero at 18:30!", "manual", "scheduled", "pat", "2026-03-01T17:30:00+00:00")
        assert f"Post {post.id} queued: scheduled, for 2026-03-01 18:30 CET." in page
        assert f'data-post="{post.id}"' in page
        assert _actions(bot) == [("post.queued", f"post {post.id}", "manual scheduled at 2026-03-01T17:30:00+00:00")]

    def test_no_time_is_now_and_approval_waits(self, bot: App, editor: TestClient, clock: ManualClock) -> None:
        """Without a time the post is due now; the checkbox sends it to 'Waiting for approval'."""
        page = post_form(editor, "/queue/posts", {"text": "Check with legal", "requires_approval": "true"})
        with bot.session() as session:
            [post] = session.exec(select(Post)).all()
        assert (post.state, post.scheduled_at) == ("pending_approval", clock.now())
        assert f"Post {post.id} queued: waiting for approval, for 2026-03-01 13:00 CET." in page

    def test_a_long_text_can_become_a_thread(self, bot: App, editor: TestClient) -> None:
        """With 'thread' ticked a long text is split into numbered parts, as `brandbot queue add --thread` does."""
        text = " ".join(["Sol 42 was a long day on the crater rim."] * 10)
        page = post_form(editor, "/queue/posts", {"text": text, "thread": "true"})
        with bot.session() as session:
            parts = session.exec(select(Post).order_by(col(Post.thread_index))).all()
        assert [p.thread_size for p in parts] == [2, 2]
        assert [p.text[-5:] for p in parts] == ["(1/2)", "(2/2)"]
        assert f"Post {parts[0].id} (a thread of 2) queued" in page

    @pytest.mark.parametrize(("form", "message"), [
        ({"text": "é" * 150 + "字" * 70}, "290 weighted characters &gt; 280; shorten it or post a thread"),
        ({"text": "   "}, "a post cannot be empty"),
        ({}, "a post cannot be empty"),
        ({"text": "Too late", "scheduled_at": "2026-03-01T12:00"},
         "2026-03-01 12:00 CET is in the past (it is now 2026-03-01 13:00 CET); pick a later time, or leave the time "
         "out to post it now; nothing was queued"),
        ({"text": "When?", "scheduled_at": "tomorrow"}, "time must look like 2026-03-01T14:30"),
        ({"text": "Spring forward", "scheduled_at": "2026-03-29T02:30"}, "does not exist in Europe/Paris"),
        ({"text": "Long ago", "scheduled_at": "0001-01-01T00:00"},
         "0001-01-01T00:00 is out of range: the year must be from 2 to 9998"),
    ])
    def test_refused_posts_keep_the_form(self, bot: App, editor: TestClient, form: dict[str, str],
                                         message: str) -> None:
        """A refused post queues nothing, says why and shows the form again as it was filled in."""
        token = csrf_token(editor, "/queue")
        response = editor.post("/queue/posts", data={**form, "csrf_token": token, "requires_approval": "true"})
        assert response.status_code == 400
        assert message in response.text
        assert "nothing was queued" in response.text
        assert f'id="add-post-text">{html.escape(form.get("text", ""))}</textarea>' in response.text
        assert 'name="requires_approval" value="true" checked' in response.text
        with bot.session() as session:
            assert session.exec(select(Post)).all() == []
        assert _actions(bot) == []

    def test_agents_cannot_queue_posts(self, bot: App, agent: TestClient) -> None:
        """The form is for editors and admins: an agent gets 403 and nothing is queued."""
        token = csrf_token(agent, "/triage")
        assert agent.post("/queue/posts", data={"text": "hi", "csrf_token": token}).status_code == 403
        with bot.session() as session:
            assert session.exec(select(Post)).all() == []


class TestCrisis:
    def test_on_holds_posts_and_shows_a_banner_on_every_page(self, bot: App, editor: TestClient) -> None:
        """Turning crisis mode on holds scheduled posts; every page shows the reason; off releases them."""
        ids = _queue(bot)
        post_form(editor, "/crisis", {"active": "on", "reason": "outage <b>statement</b> pending"})
        assert _post(bot, ids["scheduled"]).state == "held"
        for path in ("/queue", "/overview", "/follows", "/audit"):
            page = editor.get(path).text
            assert 'id="crisis-banner"' in page, path
            assert "outage &lt;b&gt;statement&lt;/b&gt; pending" in page, path
        post_form(editor, "/crisis", {"active": "off"})
        assert _post(bot, ids["scheduled"]).state == "scheduled"
        assert 'id="crisis-banner"' not in editor.get("/queue").text
        assert [a for a, _, _ in _actions(bot)] == ["crisis.on", "crisis.off"]

    def test_texts_say_staff_replies_still_go_out(self, bot: App, editor: TestClient) -> None:
        """The card and the banner describe `held_by_crisis`: posts and follows wait, complaint replies do not."""
        assert held_by_crisis(kind=PostKind.REPLY.value, triage_item_id=1) is False
        off = editor.get("/queue").text
        assert ("Turning it on holds every scheduled post and follow until it is turned off; staff replies to "
                "complaints still go out.") in off
        on = post_form(editor, "/crisis", {"active": "on", "reason": "outage"})
        assert ("Queued posts are held and nothing is followed; staff replies to complaints still go out."
                in on)
        assert "replies are held" not in on
        assert "post, reply and follow" not in off

    def test_auto_resume(self, bot: App, editor: TestClient, clock: ManualClock) -> None:
        """A pause with auto-resume ends by itself after the given minutes."""
        post_form(editor, "/crisis", {"active": "on", "reason": "quiet hour", "resume_after_minutes": "60"})
        with bot.session() as session:
            (change,) = session.exec(select(CrisisChange)).all()
        assert change.auto_resume_at == clock.now() + timedelta(minutes=60)
        assert "resumes by itself at 2026-03-01 14:00 CET" in editor.get("/queue").text
        clock.advance(3601)
        assert 'id="crisis-banner"' not in editor.get("/queue").text

    def test_on_needs_a_reason_and_sane_minutes(self, bot: App, editor: TestClient) -> None:
        """No reason, or a silly auto-resume, is refused with the reason and changes nothing."""
        assert "a crisis pause needs a reason" in post_form(editor, "/crisis", {"active": "on", "reason": " "})
        page = post_form(editor, "/crisis", {"active": "on", "reason": "x", "resume_after_minutes": "-5"})
        assert "auto-resume: between 1 and 10080 minutes" in page
        with bot.session() as session:
            assert session.exec(select(CrisisChange)).all() == []
