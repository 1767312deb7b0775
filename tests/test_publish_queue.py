"""The publish queue: enqueue (validated, threads, approval, crisis holds), approve, edit, cancel."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.crisis import set_crisis
from bot.domain import PostKind, PostState
from bot.errors import ValidationError
from bot.publish.queue import (
    PostNotFoundError,
    PostStateError,
    approve_post,
    cancel_post,
    edit_post,
    enqueue_manual,
    enqueue_post,
    list_posts,
)
from bot.store.models import AuditLog, Author, Mention, Post
from bot.triage import queue as triage
from bot.triage.listing import get_item, history
from bot.triage.routing import NewComplaint, open_triage_items

PARIS = ZoneInfo("Europe/Paris")


def _add(session: Session, clock: ManualClock, text: str = "Hello from Mars", **kw: object) -> list[Post]:
    posts = enqueue_post(session, texts=[text], now=clock.now(), kind=PostKind.MANUAL, **kw)  # type: ignore[arg-type]
    session.commit()
    return posts


class TestEnqueue:
    def test_a_post_is_scheduled_now_with_an_audit_row(self, session: Session, clock: ManualClock) -> None:
        [post] = _add(session, clock, created_by="ana")
        assert post.state == PostState.SCHEDULED
        assert post.scheduled_at == clock.now()
        assert session.exec(select(AuditLog).where(AuditLog.action == "post.queued")).one().actor == "ana"

    @pytest.mark.parametrize("text", ["", "   ", "x" * 281, "é" * 281])
    def test_empty_or_too_long_text_is_refused_and_nothing_is_queued(
        self, session: Session, clock: ManualClock, text: str
    ) -> None:
        with pytest.raises(ValidationError) as info:
            enqueue_post(session, texts=[text], now=clock.now(), kind=PostKind.MANUAL)
        assert info.value.reason
        session.rollback()
        assert session.exec(select(Post)).all() == []

    def test_a_thread_is_one_row_per_part_sharing_a_key(self, session: Session, clock: ManualClock) -> None:
        posts = enqueue_post(session, texts=["1/2 first", "2/2 second"], now=clock.now(), kind=PostKind.EVENT)
        session.commit()
        assert [p.thread_index for p in posts] == [0, 1]
        assert {p.thread_key for p in posts} != {None}
        assert len({p.thread_key for p in posts}) == 1
        assert all(p.thread_size == 2 for p in posts)

    def test_approval_required_waits(self, session: Session, clock: ManualClock) -> None:
        [post] = _add(session, clock, requires_approval=True)
        assert post.state == PostState.PENDING_APPROVAL

    def test_in_a_crisis_new_posts_are_held(self, session: Session, clock: ManualClock) -> None:
        set_crisis(session, active=True, reason="outage", actor="ops", now=clock.now())
        session.commit()
        [post] = _add(session, clock)
        assert post.state == PostState.HELD
        assert post.held_reason == "crisis: outage"


#: Ten sentences of 42 characters: too long for one post, two parts as a thread.
LONG = " ".join(["Sol 42 was a long day on the crater rim."] * 10)


class TestEnqueueManual:
    def test_a_manual_post_by_a_person_with_its_audit_row(self, session: Session, clock: ManualClock) -> None:
        """The text is stripped, the kind is manual, the time and the options are kept, the audit row names who."""
        due = clock.now() + timedelta(hours=3)
        [post] = enqueue_manual(session, text="  Live from Jezero!  ", now=clock.now(), tz=UTC, created_by="pat",
                                scheduled_at=due, priority=2, promotional=True)
        session.commit()
        assert (post.text, post.kind, post.state, post.scheduled_at, post.priority, post.promotional,
                post.created_by, post.thread_size) == (
            "Live from Jezero!", "manual", "scheduled", due, 2, True, "pat", 1)
        rows = session.exec(select(AuditLog).where(AuditLog.action == "post.queued")).all()
        assert [(r.actor, r.target, r.detail) for r in rows] == [
            ("pat", f"post {post.id}", f"manual scheduled at {due.isoformat()}")]

    def test_a_past_time_is_refused_naming_both_times_in_the_zone(self, session: Session, clock: ManualClock) -> None:
        """A time whose minute has gone by queues nothing and says so in `tz`; the current minute is accepted."""
        past = ("2026-03-01 12:58 CET is in the past (it is now 2026-03-01 13:00 CET); pick a later time, or leave "
                "the time out to post it now")
        with pytest.raises(ValidationError, match=f"^{re.escape(past)}$"):
            enqueue_manual(session, text="Too late", now=clock.now(), tz=PARIS, created_by="pat",
                           scheduled_at=clock.now() - timedelta(seconds=61))
        session.rollback()
        assert (session.exec(select(Post)).all(), session.exec(select(AuditLog)).all()) == ([], [])
        just = clock.now() - timedelta(seconds=59)
        [post] = enqueue_manual(session, text="Just now", now=clock.now(), tz=PARIS, created_by="pat",
                                scheduled_at=just)
        assert (post.state, post.scheduled_at) == ("scheduled", just)

    def test_no_time_is_now_and_approval_waits(self, session: Session, clock: ManualClock) -> None:
        """Without `scheduled_at` the post is due now; `requires_approval` sends it to pending approval."""
        [post] = enqueue_manual(session, text="Check with legal", now=clock.now(), tz=UTC, created_by="pat",
                                requires_approval=True)
        assert (post.state, post.scheduled_at, post.requires_approval) == ("pending_approval", clock.now(), True)

    def test_a_long_text_is_a_thread_only_when_asked(self, session: Session, clock: ManualClock) -> None:
        """`thread` splits a long text into numbered parts; without it the text is refused and nothing is queued."""
        with pytest.raises(ValidationError, match="weighted characters > 280; shorten it or post a thread"):
            enqueue_manual(session, text=LONG, now=clock.now(), tz=UTC, created_by="pat")
        session.rollback()
        assert session.exec(select(Post)).all() == []
        parts = enqueue_manual(session, text=f"  {LONG}  ", now=clock.now(), tz=UTC, created_by="pat", thread=True)
        assert [(p.thread_index, p.thread_size, p.text[-5:]) for p in parts] == [(0, 2, "(1/2)"), (1, 2, "(2/2)")]
        assert parts[0].text.startswith("Sol 42 was")
        assert len({p.thread_key for p in parts} - {None}) == 1
        [short] = enqueue_manual(session, text="Short enough", now=clock.now(), tz=UTC, created_by="pat", thread=True)
        assert (short.text, short.thread_size) == ("Short enough", 1)

    @pytest.mark.parametrize("thread", [False, True])
    def test_a_blank_text_is_refused(self, session: Session, clock: ManualClock, thread: bool) -> None:
        """Whitespace alone is an empty post, split into a thread or not."""
        with pytest.raises(ValidationError, match="a post cannot be empty"):
            enqueue_manual(session, text="   ", now=clock.now(), tz=UTC, created_by="pat", thread=thread)

    def test_in_a_crisis_it_is_held(self, session: Session, clock: ManualClock) -> None:
        """A person's post waits out crisis mode like any other automatic or manual post."""
        set_crisis(session, active=True, reason="outage", actor="ops", now=clock.now())
        [post] = enqueue_manual(session, text="Promo", now=clock.now(), tz=UTC, created_by="pat")
        assert (post.state, post.held_reason) == ("held", "crisis: outage")


class TestCrisisSwitch:
    def test_on_holds_scheduled_and_off_releases_them(self, session: Session, clock: ManualClock) -> None:
        [scheduled] = _add(session, clock, text="one")
        [pending] = _add(session, clock, text="two", requires_approval=True)
        set_crisis(session, active=True, reason="outage", actor="ops", now=clock.now())
        session.commit()
        session.refresh(scheduled)
        session.refresh(pending)
        assert scheduled.state == PostState.HELD
        assert pending.state == PostState.PENDING_APPROVAL
        set_crisis(session, active=False, reason="", actor="ops", now=clock.now())
        session.commit()
        session.refresh(scheduled)
        assert scheduled.state == PostState.SCHEDULED
        assert scheduled.held_reason is None


class TestChanges:
    def test_approve_schedules_a_pending_post(self, session: Session, clock: ManualClock) -> None:
        [post] = _add(session, clock, requires_approval=True)
        approve_post(session, post.id or 0, actor="ed", now=clock.now())
        session.commit()
        session.refresh(post)
        assert (post.state, post.approved_by) == (PostState.SCHEDULED, "ed")

    def test_approving_a_scheduled_post_is_a_state_error(self, session: Session, clock: ManualClock) -> None:
        [post] = _add(session, clock)
        with pytest.raises(PostStateError):
            approve_post(session, post.id or 0, actor="ed", now=clock.now())

    def test_edit_revalidates(self, session: Session, clock: ManualClock) -> None:
        [post] = _add(session, clock)
        with pytest.raises(ValidationError):
            edit_post(session, post.id or 0, actor="ed", now=clock.now(), tz=UTC, text="y" * 300)
        session.rollback()
        later = clock.now() + timedelta(hours=2)
        edit_post(session, post.id or 0, actor="ed", now=clock.now(), tz=UTC, text=" New text ", scheduled_at=later)
        session.commit()
        session.refresh(post)
        assert (post.text, post.scheduled_at) == ("New text", later)

    def test_edit_refuses_a_new_time_in_the_past(self, session: Session, clock: ManualClock) -> None:
        """A time whose minute has gone by is refused; the current minute and the post's own time are not."""
        [post] = _add(session, clock, scheduled_at=clock.now() - timedelta(hours=1))
        refused = "2026-03-01 12:58 CET is in the past (it is now 2026-03-01 13:00 CET); pick a later time"
        with pytest.raises(ValidationError, match=f"^{re.escape(refused)}$"):
            edit_post(session, post.id or 0, actor="ed", now=clock.now(), tz=PARIS,
                      scheduled_at=clock.now() - timedelta(seconds=61))
        session.rollback()
        edit_post(session, post.id or 0, actor="ed", now=clock.now(), tz=UTC, text="new",
                  scheduled_at=clock.now() - timedelta(hours=1))
        edit_post(session, post.id or 0, actor="ed", now=clock.now(), tz=UTC,
                  scheduled_at=clock.now() - timedelta(seconds=59))
        session.commit()
        details = [a.detail for a in session.exec(select(AuditLog).where(AuditLog.action == "post.edited"))]
        assert details == ["text", f"time {(clock.now() - timedelta(seconds=59)).isoformat()}"]

    def test_cancel_cancels_the_whole_thread_and_only_open_posts(self, session: Session, clock: ManualClock) -> None:
        posts = enqueue_post(session, texts=["a 1/2", "b 2/2"], now=clock.now(), kind=PostKind.EVENT)
        session.commit()
        cancel_post(session, posts[0].id or 0, actor="ed", now=clock.now(), reason="wrong")
        session.commit()
        assert {p.state for p in session.exec(select(Post))} == {PostState.CANCELLED.value}
        with pytest.raises(PostStateError):
            cancel_post(session, posts[0].id or 0, actor="ed", now=clock.now())

    def test_unknown_id(self, session: Session, clock: ManualClock) -> None:
        with pytest.raises(PostNotFoundError):
            approve_post(session, 999, actor="ed", now=clock.now())

    def test_list_is_in_time_order_of_open_states(self, session: Session, clock: ManualClock) -> None:
        _add(session, clock, text="later", scheduled_at=clock.now() + timedelta(hours=3))
        _add(session, clock, text="sooner", scheduled_at=clock.now() + timedelta(hours=1))
        [gone] = _add(session, clock, text="gone")
        cancel_post(session, gone.id or 0, actor="ed", now=clock.now())
        session.commit()
        assert [p.text for p in list_posts(session)] == ["sooner", "later"]


    def test_latest_outcome_first_orders_by_publication_not_schedule(self, session: Session,
                                                                     clock: ManualClock) -> None:
        """A post scheduled early but published late (held through a crisis) is listed first."""
        start = clock.now()
        [held] = _add(session, clock, text="held", scheduled_at=start)
        [ontime] = _add(session, clock, text="on time", scheduled_at=start + timedelta(hours=1))
        [failed] = _add(session, clock, text="failed", scheduled_at=start + timedelta(hours=2))
        ontime.state, ontime.posted_at = PostState.POSTED.value, start + timedelta(hours=1)
        failed.state, failed.updated_at = PostState.FAILED.value, start + timedelta(hours=2)
        held.state, held.posted_at = PostState.POSTED.value, start + timedelta(hours=5)
        session.add_all([held, ontime, failed])
        session.commit()
        done = [PostState.POSTED, PostState.FAILED]
        assert [p.text for p in list_posts(session, states=done, latest_outcome_first=True)] == [
            "held", "failed", "on time"]
        assert [p.text for p in list_posts(session, states=done, newest_first=True)] == ["failed", "on time", "held"]
        assert [p.text for p in list_posts(session, states=done, latest_outcome_first=True, limit=1)] == ["held"]


@pytest.mark.parametrize("text", ["caf\udce9 ouvert", "nul\x00byte", "\ud800"])
def test_text_that_is_not_valid_unicode_is_refused_with_a_reason(session: Session, clock: ManualClock,
                                                                 text: str) -> None:
    with pytest.raises(ValidationError, match="not valid UTF-8"):
        enqueue_post(session, texts=[text], now=clock.now(), kind=PostKind.MANUAL)


def _triage_reply(session: Session, clock: ManualClock) -> tuple[int, int]:
    """A complaint claimed and answered by sam: (item id, reply post id)."""
    now = clock.now()
    session.add(Author(id="7", username="ada", first_seen_at=now, last_seen_at=now))
    session.flush()
    session.add(Mention(id="55", author_id="7", text="@brandbot my bag", created_at=now, seen_at=now))
    session.flush()
    item_id = open_triage_items(session, [NewComplaint("55", "7", "high", 0.9)], now=now)["55"]
    [post] = triage.reply(session, item_id=item_id, actor="sam", now=now, renderer=None, locale="en", text="sorry")
    session.commit()
    return item_id, post.id or 0


class TestTriageReplies:
    def test_cancelling_a_reply_puts_the_item_back_to_claimed(self, session: Session, clock: ManualClock) -> None:
        """An editor cancels a staff reply: the item gets a reply_failed row and is claimed by sam again."""
        item_id, post_id = _triage_reply(session, clock)
        cancel_post(session, post_id, actor="ed", now=clock.now(), reason="wrong tone")
        session.commit()
        item = get_item(session, item_id)
        assert (item.status, item.assignee) == ("claimed", "sam")
        assert [(a.actor, a.action, a.detail) for a in history(session, item_id)][-1] == (
            "ed", "reply_failed", f"post {post_id} cancelled: wrong tone; back to claimed (was replied)")

    def test_in_a_crisis_a_staff_reply_is_scheduled_not_held(self, session: Session, clock: ManualClock) -> None:
        """Crisis mode holds manual posts but lets a reply tied to a triage item through (bot.crisis.held_by_crisis)."""
        set_crisis(session, active=True, reason="storm", actor="ops", now=clock.now())
        [manual] = _add(session, clock)
        _, post_id = _triage_reply(session, clock)
        untied = enqueue_post(session, texts=["@x hi"], now=clock.now(), kind=PostKind.REPLY,
                              in_reply_to_tweet_id="55")
        states = {p.id: p.state for p in session.exec(select(Post))}
        assert states == {manual.id: "held", post_id: "scheduled", untied[0].id: "held"}
