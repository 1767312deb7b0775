"""A thread part that fails or is cancelled cancels the parts after it: when the publisher fails it, when a person
cancels it, and for parts already left waiting in the database; on the in-memory X and on the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.crisis import set_crisis
from bot.domain import PostKind, PostState
from bot.errors import BadRequest
from bot.publish.publisher import Publisher
from bot.publish.queue import PostStateError, cancel_post, enqueue_post, list_posts
from bot.publish.threads import cancel_stranded
from bot.sandbox import BRAND_USER_ID, SandboxConfig, SandboxServer
from bot.sandbox.testing import SandboxAdmin, sandbox_credentials
from bot.store.db import session_scope
from bot.store.models import AuditLog, Post
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.fake import FakeXClient
from bot.xapi.tweepy_client import TweepyXClient

BRAND = "1000"
REFUSED = "BadRequest: 400 text refused"


def _thread(engine: Engine, clock: ManualClock, *texts: str, priority: int = 0) -> list[int]:
    with session_scope(engine) as session:
        posts = enqueue_post(session, texts=list(texts), now=clock.now(), kind=PostKind.MANUAL, priority=priority)
        return [p.id or 0 for p in posts]


def _publisher(engine: Engine, x: FakeXClient, clock: ManualClock, budget: BudgetKeeper | None = None) -> Publisher:
    return Publisher(engine=engine, x=x, budget=budget or BudgetKeeper("enterprise", clock), clock=clock,
                     worker_id="w1", brand_user_id=BRAND)


def _parts(engine: Engine, ids: list[int]) -> list[tuple[str, str | None]]:
    """(state, last_error) of each post in `ids`, in that order."""
    with Session(engine) as session:
        posts = {p.id: p for p in session.exec(select(Post).where(col(Post.id).in_(ids)))}
        return [(posts[i].state, posts[i].last_error) for i in ids]


def _cancel_rows(engine: Engine) -> list[tuple[str, str, str]]:
    """(actor, target, detail) of every `post.cancelled` audit row, oldest first."""
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(col(AuditLog.action) == "post.cancelled").order_by(col(AuditLog.id)))
        return [(r.actor, r.target, r.detail) for r in rows]


def _strand(engine: Engine, post_id: int, error: str) -> None:
    """Fail `post_id` as a version without the cascade did: its later parts stay queued."""
    with session_scope(engine) as session:
        post = session.get(Post, post_id)
        assert post is not None
        post.state, post.last_error = PostState.FAILED.value, error
        session.add(post)


class TestPublisherFailure:
    def test_a_failed_post_no_longer_says_it_was_deferred(self, engine: Engine, clock: ManualClock) -> None:
        """A post deferred by the quota that X then refuses ends failed with only the refusal, not the old deferral."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        (one,) = _thread(engine, clock, "a single post")
        with session_scope(engine) as session:
            post = session.get(Post, one)
            assert post is not None
            post.deferred_reason = "daily post cap reached"
            session.add(post)
        x.fail_next("create_tweet", BadRequest("400 text refused", status=400, endpoint=tiers.POST_TWEET))
        assert _publisher(engine, x, clock).run_once().failed == [one]
        with Session(engine) as session:
            post = session.get(Post, one)
            assert post is not None
            assert (post.state, post.last_error, post.deferred_reason) == ("failed", REFUSED, None)

    def test_a_refused_first_part_cancels_every_later_part(self, engine: Engine, clock: ManualClock) -> None:
        """X refuses part 1 for good: nothing is sent, parts 2 and 3 are cancelled saying why, one audit row each."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        one, two, three = _thread(engine, clock, "a (1/3)", "b (2/3)", "c (3/3)")
        x.fail_next("create_tweet", BadRequest("400 text refused", status=400, endpoint=tiers.POST_TWEET))
        report = _publisher(engine, x, clock).run_once()
        assert (report.failed, report.cancelled) == ([one], [two, three])
        assert x.posted == []
        why = f"earlier part 1/3 (post {one}) failed: {REFUSED}"
        assert _parts(engine, [one, two, three]) == [("failed", REFUSED), ("cancelled", why), ("cancelled", why)]
        assert _cancel_rows(engine) == [("system", f"post {two}", why), ("system", f"post {three}", why)]
        with Session(engine) as session:
            assert list_posts(session) == []  # `brandbot queue list` and the dashboard no longer show them queued

    def test_a_duplicate_middle_part_cancels_the_last_one(self, engine: Engine, clock: ManualClock) -> None:
        """Part 1 goes out, X refuses part 2 as duplicate content: part 3 is cancelled, part 1 stays posted."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        x.add_tweet("brandbot", "b (2/3)")
        one, two, three = _thread(engine, clock, "a (1/3)", "b (2/3)", "c (3/3)")
        report = _publisher(engine, x, clock).run_once()
        assert (report.posted, report.failed, report.cancelled) == ([one], [two], [three])
        assert [t.text for t in x.posted] == ["a (1/3)"]
        duplicate = "duplicate content: X refuses a post identical to a recent one; edit the text"
        assert _parts(engine, [one, two, three]) == [
            ("posted", None), ("failed", duplicate),
            ("cancelled", f"earlier part 2/3 (post {two}) failed: {duplicate}")]
        assert _publisher(engine, x, clock).run_once().cancelled == []


class TestManualCancel:
    def test_cancelling_the_first_part_says_why_on_every_part(self, session: Session, clock: ManualClock) -> None:
        """`queue cancel` of part 1: the later parts are cancelled naming it, who and why, an audit row each."""
        one, two, three = enqueue_post(session, texts=["a (1/3)", "b (2/3)", "c (3/3)"], now=clock.now(),
                                       kind=PostKind.EVENT)
        session.commit()
        assert cancel_post(session, one.id or 0, actor="ana", now=clock.now(), reason="typo") == [one, two, three]
        session.commit()
        why = f"earlier part 1/3 (post {one.id}) cancelled by ana: typo"
        assert [(p.state, p.last_error) for p in (one, two, three)] == [
            ("cancelled", "typo"), ("cancelled", why), ("cancelled", why)]
        rows = session.exec(select(AuditLog).where(col(AuditLog.action) == "post.cancelled").order_by(col(AuditLog.id)))
        assert [(r.actor, r.target, r.detail) for r in rows] == [
            ("ana", f"post {one.id}", "typo"), ("ana", f"post {two.id}", why), ("ana", f"post {three.id}", why)]

    def test_cancelling_a_later_part_keeps_what_went_out(self, engine: Engine, clock: ManualClock) -> None:
        """Part 1 is out; cancelling part 2 cancels part 3 too, and the publisher sends nothing more."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        one, two, three = _thread(engine, clock, "a (1/3)", "b (2/3)", "c (3/3)")
        assert _publisher(engine, x, clock).run_once(limit=1).posted == [one]
        with session_scope(engine) as session:
            cancel_post(session, two, actor="ana", now=clock.now())
        assert _parts(engine, [one, two, three]) == [
            ("posted", None), ("cancelled", None), ("cancelled", f"earlier part 2/3 (post {two}) cancelled by ana")]
        assert _publisher(engine, x, clock).run_once().posted == []
        assert [t.text for t in x.posted] == ["a (1/3)"]

    def test_cancelling_clears_held_and_deferred_reasons(self, session: Session, clock: ManualClock) -> None:
        """A thread held in a crisis, one part deferred before: cancelled, no part still says held or deferred."""
        set_crisis(session, active=True, reason="outage", actor="ops", now=clock.now())
        one, two = enqueue_post(session, texts=["a (1/2)", "b (2/2)"], now=clock.now(), kind=PostKind.EVENT)
        two.deferred_reason = "quota: 0 post(s) left for 2 due"
        session.commit()
        assert [(p.state, p.held_reason) for p in (one, two)] == [("held", "crisis: outage")] * 2
        cancel_post(session, one.id or 0, actor="ana", now=clock.now(), reason="off-message")
        session.commit()
        assert [(p.state, p.held_reason, p.deferred_reason, p.last_error) for p in (one, two)] == [
            ("cancelled", None, None, "off-message"),
            ("cancelled", None, None, f"earlier part 1/2 (post {one.id}) cancelled by ana: off-message")]

    def test_a_part_already_ended_cannot_be_cancelled(self, session: Session, clock: ManualClock) -> None:
        """Cancelling a failed part is refused, and writes nothing."""
        [one, _] = enqueue_post(session, texts=["a (1/2)", "b (2/2)"], now=clock.now(), kind=PostKind.EVENT)
        one.state = PostState.FAILED.value
        session.commit()
        with pytest.raises(PostStateError, match="is failed; only queued posts can be cancelled"):
            cancel_post(session, one.id or 0, actor="ana", now=clock.now())


class TestStrandedParts:
    def test_the_publisher_cancels_parts_left_behind_a_failed_part(self, engine: Engine, clock: ManualClock) -> None:
        """A database from before the cascade: part 1 failed, parts 2 and 3 scheduled; one run cancels them, once."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        one, two, three = _thread(engine, clock, "a (1/3)", "b (2/3)", "c (3/3)")
        _strand(engine, one, REFUSED)
        assert _publisher(engine, x, clock).run_once().cancelled == [two, three]
        why = f"earlier part 1/3 (post {one}) failed: {REFUSED}"
        assert _parts(engine, [two, three]) == [("cancelled", why), ("cancelled", why)]
        assert _cancel_rows(engine) == [("system", f"post {two}", why), ("system", f"post {three}", why)]
        assert _publisher(engine, x, clock).run_once().cancelled == []
        assert len(_cancel_rows(engine)) == 2
        assert x.calls == []

    def test_only_parts_behind_an_ended_part_are_cancelled(self, session: Session, clock: ManualClock) -> None:
        """A healthy thread is left alone; a part behind a posted-then-failed part is cancelled naming that part."""
        healthy = enqueue_post(session, texts=["h (1/2)", "h (2/2)"], now=clock.now(), kind=PostKind.EVENT)
        posted, failed, waiting = enqueue_post(session, texts=["p (1/3)", "p (2/3)", "p (3/3)"], now=clock.now(),
                                               kind=PostKind.EVENT)
        posted.state, posted.tweet_id = PostState.POSTED.value, "77"
        failed.state = PostState.FAILED.value
        session.add_all([posted, failed])
        session.commit()
        assert cancel_stranded(session, now=clock.now()) == [waiting.id]
        session.commit()
        assert (waiting.state, waiting.last_error) == (
            "cancelled", f"earlier part 2/3 (post {failed.id}) failed: no reason recorded")
        assert [p.state for p in healthy] == ["scheduled", "scheduled"]


class TestQuota:
    def test_a_stranded_part_no_longer_takes_the_last_post_left(self, engine: Engine, clock: ManualClock) -> None:
        """One post left on the tier: a high-priority part stuck behind a failed part used to defer the real post."""
        x = FakeXClient(brand_id=BRAND, clock=clock, tier="free")
        budget = BudgetKeeper("free", clock)
        for _ in range(16):
            budget.acquire(tiers.POST_TWEET)  # 17 a day on free: 1 left
        one, two = _thread(engine, clock, "a (1/2)", "b (2/2)", priority=9)
        _strand(engine, one, REFUSED)
        [news] = _thread(engine, clock, "news")
        report = _publisher(engine, x, clock, budget=budget).run_once()
        assert (report.cancelled, report.deferred, report.posted) == ([two], [], [news])
        assert [t.text for t in x.posted] == ["news"]


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[SandboxServer]:
    """A Basic-tier sandbox with no scenario."""
    server = SandboxServer(SandboxConfig(tier="basic", scenario="quiet"), clock).start()
    yield server
    server.stop()


class TestOnSandbox:
    def test_a_reply_thread_to_a_deleted_post_is_failed_and_cancelled(self, engine: Engine, clock: ManualClock,
                                                                      sandbox: SandboxServer) -> None:
        """Over HTTP: the answered post is gone, so part 1 fails 'tweet deleted', part 2 is cancelled; nothing sent."""
        admin = SandboxAdmin(sandbox.url)
        mention_id = admin.mention("ada", "@brandbot my bag is lost")
        admin.delete(mention_id)
        with session_scope(engine) as session:
            one, two = (p.id or 0 for p in enqueue_post(
                session, texts=["@ada so sorry (1/2)", "we are on it (2/2)"], now=clock.now(), kind=PostKind.REPLY,
                in_reply_to_tweet_id=mention_id))
        budget = BudgetKeeper("basic", clock)
        x = TweepyXClient(sandbox_credentials(), base_url=sandbox.url, budget=budget, clock=clock)
        publisher = Publisher(engine=engine, x=x, budget=budget, clock=clock, worker_id="w1",
                              brand_user_id=BRAND_USER_ID)
        report = publisher.run_once()
        assert (report.failed, report.cancelled) == ([one], [two])
        assert admin.posts() == []
        assert admin.usage().get(tiers.POST_TWEET, 0) == 0
        admin.close()
        [(state, error)] = _parts(engine, [one])
        assert (state, (error or "").startswith("tweet deleted")) == ("failed", True)
        assert _parts(engine, [two]) == [("cancelled", f"earlier part 1/2 (post {one}) failed: {error}")]
