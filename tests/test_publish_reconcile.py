"""Reconciling from the own timeline: which tweet is a post's, and settling stale posts within the timeline budget."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.domain import PostKind
from bot.publish.publisher import Publisher
from bot.publish.queue import enqueue_post
from bot.publish.reconcile import Settled, StaleReconciler, find_own_tweet
from bot.store.db import session_scope
from bot.store.models import Post, PostAttempt
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import XTweet
from bot.xapi.fake import FakeXClient

BRAND = "1000"


def _queue(engine: Engine, clock: ManualClock, *texts: str) -> list[int]:
    with session_scope(engine) as session:
        return [p.id or 0 for t in texts
                for p in enqueue_post(session, texts=[t], now=clock.now(), kind=PostKind.MANUAL)]


class TestFindOwnTweet:
    def test_skips_tweets_too_old_or_owned_by_another_post(self, engine: Engine, clock: ManualClock) -> None:
        """Same text three times: the one before `since` and the one another post owns are not this post's."""
        mine, other = _queue(engine, clock, "hello", "hello again")
        since = clock.now()
        with session_scope(engine) as session:
            other_post = session.get(Post, other)
            assert other_post is not None
            other_post.tweet_id = "t2"
            session.add(other_post)
        tweets = [
            XTweet(id="t0", text="something else", created_at=since + timedelta(minutes=2)),
            XTweet(id="t1", text="hello", created_at=since - timedelta(seconds=1)),
            XTweet(id="t2", text="hello", created_at=since + timedelta(minutes=1)),
            XTweet(id="t3", text="hello", created_at=since + timedelta(minutes=1)),
        ]
        with Session(engine) as session:
            post = session.get(Post, mine)
            assert post is not None
            assert find_own_tweet(session, post, tweets, since) == "t3"
            assert find_own_tweet(session, post, tweets[:3], since) is None


class TestStaleReconciler:
    def test_settle_waits_while_the_timeline_budget_is_spent(self, engine: Engine, clock: ManualClock) -> None:
        """No GET of the own timeline without budget: the stale post stays in flight until the window clears."""
        x = FakeXClient(brand_id=BRAND, clock=clock, tier="free")
        budget = BudgetKeeper("free", clock)
        budget.acquire(tiers.GET_USER_TWEETS)  # 1 per 15 minutes on Free
        [pid] = _queue(engine, clock, "in flight")
        dead = Publisher(engine=engine, x=x, budget=budget, clock=clock, worker_id="dead", brand_user_id=BRAND)
        assert dead._claim_next() is not None
        clock.advance(300)  # the lease (120 s) has expired
        reconciler = StaleReconciler(engine=engine, x=x, budget=budget, clock=clock, brand_user_id=BRAND)
        assert (reconciler.settle(), x.calls) == (Settled(), [])
        with Session(engine) as session:
            post = session.get(Post, pid)
            assert post is not None
            assert post.state == "publishing"
        clock.advance(15 * 60)
        assert reconciler.settle() == Settled(requeued=[pid])
        assert [name for name, _ in x.calls] == ["own_recent_tweets"]
        with Session(engine) as session:
            post = session.get(Post, pid)
            assert post is not None
            assert (post.state, post.lease_owner) == ("scheduled", None)
            attempts = session.exec(select(PostAttempt).where(col(PostAttempt.post_id) == pid)).all()
            assert [(a.outcome, a.finished_at) for a in attempts] == [("abandoned", clock.now())]
