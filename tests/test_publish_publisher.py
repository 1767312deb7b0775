"""The publisher: exactly once, through crashes, errors, quotas and crisis mode (in-memory X)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.credentials_health import UNAUTHORIZED_FLAG
from bot.crisis import set_crisis
from bot.domain import PostKind, PostState
from bot.errors import RateLimited, TransientError, Unauthorized, UsageCapExceeded
from bot.publish.publisher import Publisher
from bot.publish.queue import enqueue_post
from bot.store.coordination import counter_value
from bot.store.db import session_scope
from bot.store.models import Post, PostAttempt
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.fake import FakeXClient

BRAND = "1000"


def _queue(engine: Engine, clock: ManualClock, *texts: str, priority: int = 0, thread: bool = False) -> list[int]:
    with session_scope(engine) as session:
        groups = [list(texts)] if thread else [[t] for t in texts]
        ids: list[int] = []
        for group in groups:
            ids += [p.id or 0 for p in enqueue_post(session, texts=group, now=clock.now(), kind=PostKind.MANUAL,
                                                   priority=priority)]
        return ids


def _publisher(engine: Engine, x: FakeXClient, clock: ManualClock, worker: str = "w1",
               budget: BudgetKeeper | None = None) -> Publisher:
    return Publisher(engine=engine, x=x, budget=budget or BudgetKeeper("enterprise", clock), clock=clock,
                     worker_id=worker, brand_user_id=BRAND)


def _states(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {p.id or 0: p.state for p in session.exec(select(Post))}


def test_due_posts_are_posted_once_with_their_tweet_ids(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    ids = _queue(engine, clock, "one", "two", "three")
    report = _publisher(engine, x, clock).run_once()
    assert sorted(report.posted) == sorted(ids)
    assert [t.text for t in x.posted] == ["one", "two", "three"]
    assert _publisher(engine, x, clock).run_once().posted == []
    with Session(engine) as session:
        assert all(p.tweet_id for p in session.exec(select(Post)))
        assert {a.outcome for a in session.exec(select(PostAttempt))} == {"posted"}


def test_future_posts_wait_and_higher_priority_goes_first(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    with session_scope(engine) as session:
        enqueue_post(session, texts=["later"], now=clock.now(), kind="manual",
                     scheduled_at=clock.now() + timedelta(hours=1))
    _queue(engine, clock, "low")
    _queue(engine, clock, "high", priority=5)
    _publisher(engine, x, clock).run_once()
    assert [t.text for t in x.posted] == ["high", "low"]
    clock.advance(3600)
    _publisher(engine, x, clock).run_once()
    assert [t.text for t in x.posted][-1] == "later"


def test_a_thread_is_posted_in_order_as_replies(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    _queue(engine, clock, "1/3 a", "2/3 b", "3/3 c", thread=True)
    _publisher(engine, x, clock).run_once()
    first, second, third = x.posted
    assert second.id != first.id
    assert x.tweets[second.id].referenced_tweets == (("replied_to", first.id),)
    assert x.tweets[third.id].referenced_tweets == (("replied_to", second.id),)


def test_transient_errors_back_off_and_retry_until_posted(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    [pid] = _queue(engine, clock, "flaky")
    x.fail_next("create_tweet", TransientError("503", status=503, endpoint=tiers.POST_TWEET))
    report = _publisher(engine, x, clock).run_once()
    assert report.requeued == [pid]
    assert x.posted == []
    assert _publisher(engine, x, clock).run_once().posted == []  # backing off, no tight loop
    clock.advance(60)
    assert _publisher(engine, x, clock).run_once().posted == [pid]
    assert len(x.posted) == 1


def test_rate_limit_waits_for_the_reset(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    [pid] = _queue(engine, clock, "limited")
    x.fail_next("create_tweet", RateLimited("429", reset_at=clock.now() + timedelta(minutes=10),
                                            status=429, endpoint=tiers.POST_TWEET))
    assert _publisher(engine, x, clock).run_once().stopped_by == "rate_limited"
    clock.advance(540)
    assert _publisher(engine, x, clock).run_once().posted == []
    clock.advance(120)
    assert _publisher(engine, x, clock).run_once().posted == [pid]


def test_unauthorized_keeps_the_queue_flags_readiness_and_resumes(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    [pid] = _queue(engine, clock, "needs creds")
    x.fail_next("create_tweet", Unauthorized("401", status=401, endpoint=tiers.POST_TWEET))
    assert _publisher(engine, x, clock).run_once().stopped_by == "unauthorized"
    with Session(engine) as session:
        assert counter_value(session, UNAUTHORIZED_FLAG) == 1
    assert _states(engine)[pid] == PostState.SCHEDULED
    clock.advance(120)
    assert _publisher(engine, x, clock).run_once().posted == [pid]
    with Session(engine) as session:
        assert counter_value(session, UNAUTHORIZED_FLAG) == 0


def test_usage_cap_defers_without_retrying_in_a_loop(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    [pid] = _queue(engine, clock, "capped")
    x.fail_next("create_tweet", UsageCapExceeded("cap", status=429, endpoint=tiers.POST_TWEET))
    report = _publisher(engine, x, clock).run_once()
    assert report.deferred == [pid]
    calls = len(x.calls)
    clock.advance(1800)
    _publisher(engine, x, clock).run_once()
    assert len(x.calls) == calls


def test_duplicate_of_an_unrelated_tweet_fails_with_a_reason(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    x.add_tweet("brandbot", "same words")
    [pid] = _queue(engine, clock, "same words")
    report = _publisher(engine, x, clock).run_once()
    assert report.failed == [pid]
    with Session(engine) as session:
        post = session.get(Post, pid)
        assert post is not None
        assert "duplicate" in (post.last_error or "")


def test_a_crash_after_the_call_is_reconciled_not_reposted(engine: Engine, clock: ManualClock) -> None:
    """The process died between X accepting the post and the commit: the lease expires, the timeline says it is out."""
    x = FakeXClient(brand_id=BRAND, clock=clock)
    [pid] = _queue(engine, clock, "in flight")
    publisher = _publisher(engine, x, clock, worker="dead")
    claim = publisher._claim_next()
    assert claim is not None
    x.create_tweet("in flight")  # the call went through, then the process was killed
    clock.advance(300)
    report = _publisher(engine, x, clock, worker="w2").run_once()
    assert report.reconciled == [pid]
    assert len(x.posted) == 1
    with Session(engine) as session:
        post = session.get(Post, pid)
        assert post is not None
        assert post.state == PostState.POSTED
        assert post.tweet_id == x.posted[0].id


def test_a_crash_before_the_call_requeues_and_posts_once(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    [pid] = _queue(engine, clock, "never sent")
    assert _publisher(engine, x, clock, worker="dead")._claim_next() is not None
    assert _publisher(engine, x, clock, worker="w2").run_once().posted == []  # lease still valid
    clock.advance(300)
    report = _publisher(engine, x, clock, worker="w2").run_once()
    assert report.requeued == [pid]
    assert report.posted == [pid]
    assert len(x.posted) == 1


def test_two_workers_never_claim_the_same_post(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    _queue(engine, clock, *[f"post {i}" for i in range(6)])
    a, b = _publisher(engine, x, clock, "a"), _publisher(engine, x, clock, "b")
    claims = []
    while (claim := (a if len(claims) % 2 else b)._claim_next()) is not None:
        claims.append(claim.post_id)
    assert sorted(claims) == sorted(set(claims))
    assert len(claims) == 6


def test_crisis_stops_publishing_and_a_claimed_post_is_held(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock)
    [pid] = _queue(engine, clock, "promo")
    publisher = _publisher(engine, x, clock)
    claim = publisher._claim_next()
    assert claim is not None
    with session_scope(engine) as session:
        set_crisis(session, active=True, reason="outage", actor="ops", now=clock.now())
    report = publisher.run_once()
    assert report.stopped_by == "crisis"
    from bot.publish.publisher import PublishReport
    assert publisher._publish(claim, PublishReport()) is False
    assert x.posted == []
    assert _states(engine)[pid] == PostState.HELD


def test_quota_shortfall_defers_low_priority_posts_with_a_reason(engine: Engine, clock: ManualClock) -> None:
    x = FakeXClient(brand_id=BRAND, clock=clock, tier="free")
    budget = BudgetKeeper("free", clock)
    for _ in range(15):
        budget.acquire(tiers.POST_TWEET)  # 17 a day on free: 2 left
    high = _queue(engine, clock, "urgent", priority=9)
    low = _queue(engine, clock, "promo a", "promo b")
    report = _publisher(engine, x, clock, budget=budget).run_once()
    assert report.posted[0] == high[0]
    assert len(report.deferred) == 1
    assert report.deferred[0] in low
    with Session(engine) as session:
        deferred = session.get(Post, report.deferred[0])
        assert deferred is not None
        assert "quota" in (deferred.deferred_reason or "")


def test_a_post_left_by_a_dead_process_of_this_host_is_settled_without_waiting(
    engine: Engine, clock: ManualClock
) -> None:
    import socket
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    x = FakeXClient(brand_id=BRAND, clock=clock)
    [pid] = _queue(engine, clock, "killed mid-call")
    assert _publisher(engine, x, clock, worker=f"{socket.gethostname()}:{dead.pid}")._claim_next() is not None
    report = _publisher(engine, x, clock, worker="restarted").run_once()  # no clock advance: lease still valid
    assert report.requeued == [pid]
    assert report.posted == [pid]
    assert len(x.posted) == 1
