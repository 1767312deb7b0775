"""The publisher: exactly once, through crashes, errors, quotas and crisis mode (in-memory X), and triage
replies: what the item learns, crisis policy, and the reply-target check (also against the sandbox over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.credentials_health import UNAUTHORIZED_FLAG
from bot.crisis import set_crisis
from bot.domain import PostKind, PostState
from bot.errors import BadRequest, NotOnTier, NotVisible, RateLimited, TransientError, Unauthorized, UsageCapExceeded
from bot.publish.publisher import Publisher
from bot.publish.queue import enqueue_post
from bot.publish.reconcile import POSTED_COUNTER
from bot.sandbox import BRAND_USER_ID, SandboxConfig, SandboxServer
from bot.sandbox.testing import SandboxAdmin, sandbox_credentials
from bot.store.coordination import X_429_COUNTER, counter_value
from bot.store.db import session_scope
from bot.store.models import AuditLog, Author, Mention, Post, PostAttempt, TriageItem
from bot.triage import queue as triage
from bot.triage.listing import history
from bot.triage.routing import NewComplaint, open_triage_items
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.fake import FakeXClient
from bot.xapi.tweepy_client import TweepyXClient

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
    with Session(engine) as session:
        assert counter_value(session, X_429_COUNTER) == 1  # `brandbot stats` counts the publisher's 429s too
    clock.advance(540)
    assert _publisher(engine, x, clock).run_once().posted == []
    clock.advance(120)
    assert _publisher(engine, x, clock).run_once().posted == [pid]
    with Session(engine) as session:
        assert counter_value(session, X_429_COUNTER) == 1


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


def test_each_post_that_goes_out_is_counted_once_for_the_metrics(engine: Engine, clock: ManualClock) -> None:
    """`posts.published` (brandbot_posts_published_total) counts posts sent directly and posts found out after a
    crash, once each; a post X refused is not counted."""
    x = FakeXClient(brand_id=BRAND, clock=clock)
    x.add_tweet("brandbot", "already said")
    _queue(engine, clock, "one", "two", "already said")
    _publisher(engine, x, clock).run_once()
    [pid] = _queue(engine, clock, "in flight")
    assert _publisher(engine, x, clock, worker="dead")._claim_next() is not None
    x.create_tweet("in flight")
    clock.advance(300)
    assert _publisher(engine, x, clock, worker="w2").run_once().reconciled == [pid]
    _publisher(engine, x, clock, worker="w2").run_once()
    with Session(engine) as session:
        assert counter_value(session, POSTED_COUNTER) == 3


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


# -- replies to triage items ----------------------------------------------------------------------


def _complaint(engine: Engine, clock: ManualClock, tweet_id: str, author_id: str) -> int:
    """A triage item for the mention `tweet_id` by `author_id`."""
    now = clock.now()
    with session_scope(engine) as session:
        session.add(Author(id=author_id, username="ada", first_seen_at=now, last_seen_at=now))
        session.flush()
        session.add(Mention(id=tweet_id, author_id=author_id, text="@brandbot my bag is lost", created_at=now,
                            seen_at=now))
        session.flush()
        return open_triage_items(session, [NewComplaint(tweet_id, author_id, "high", 0.9)], now=now)[tweet_id]


def _staff_reply(engine: Engine, clock: ManualClock, item_id: int, text: str = "@ada so sorry, on it") -> int:
    with session_scope(engine) as session:
        posts = triage.reply(session, item_id=item_id, actor="sam", now=clock.now(), renderer=None, locale="en",
                             text=text)
        return posts[0].id or 0


def _fake_complaint(engine: Engine, clock: ManualClock, x: FakeXClient) -> tuple[int, str]:
    mention = x.add_mention("ada", "my bag is lost")
    return _complaint(engine, clock, mention.id, mention.author_id or ""), mention.id


def _triage_state(engine: Engine, item_id: int) -> tuple[str, str | None, object, object]:
    with Session(engine) as session:
        item = session.get(TriageItem, item_id)
        assert item is not None
        return item.status, item.assignee, item.first_response_at, item.resolved_at


def _history(engine: Engine, item_id: int) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        return [(a.actor, a.action, a.detail) for a in history(session, item_id)]


class TestTriageReplies:
    def test_the_first_response_is_when_the_reply_is_posted(self, engine: Engine, clock: ManualClock) -> None:
        """Queued at t, posted at t+90 s: first_response_at is t+90 s and the history says which tweet."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        item_id, mention_id = _fake_complaint(engine, clock, x)
        post_id = _staff_reply(engine, clock, item_id)
        clock.advance(90)
        assert _publisher(engine, x, clock).run_once().posted == [post_id]
        assert [m for m, _ in x.calls] == ["get_tweet", "create_tweet"]
        assert x.posted[0].referenced_tweets == (("replied_to", mention_id),)
        assert _triage_state(engine, item_id) == ("replied", "sam", clock.now(), None)
        assert _history(engine, item_id)[-1] == ("system", "reply_posted", f"post {post_id} as tweet {x.posted[0].id}")

    def test_a_deleted_target_fails_the_reply_without_posting(self, engine: Engine, clock: ManualClock) -> None:
        """The mention vanished: no POST /2/tweets, the post fails 'tweet deleted', the item is claimed again."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        item_id, mention_id = _fake_complaint(engine, clock, x)
        post_id = _staff_reply(engine, clock, item_id)
        del x.tweets[mention_id]  # the author deleted the complaint
        report = _publisher(engine, x, clock).run_once()
        assert (report.failed, report.posted) == ([post_id], [])
        assert [m for m, _ in x.calls] == ["get_tweet"]
        with Session(engine) as session:
            post = session.get(Post, post_id)
            assert post is not None
            assert post.state == "failed"
            assert (post.last_error or "").startswith(f"tweet deleted: the post being answered ({mention_id}) no "
                                                      "longer exists, so nothing was sent")
        assert _triage_state(engine, item_id) == ("claimed", "sam", None, None)
        actor, action, detail = _history(engine, item_id)[-1]
        assert (actor, action) == ("system", "reply_failed")
        assert detail.startswith(f"post {post_id} failed: tweet deleted")
        assert detail.endswith("; back to claimed (was replied)")

    def test_a_refused_reply_reopens_a_resolved_item(self, engine: Engine, clock: ManualClock) -> None:
        """Resolved right after replying, then X refuses the reply: the item is claimed again, unresolved."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        item_id, _ = _fake_complaint(engine, clock, x)
        post_id = _staff_reply(engine, clock, item_id)
        with session_scope(engine) as session:
            triage.resolve(session, item_id=item_id, actor="sam", now=clock.now())
        x.fail_next("create_tweet", BadRequest("400 bad", status=400, endpoint=tiers.POST_TWEET))
        assert _publisher(engine, x, clock).run_once().failed == [post_id]
        assert _triage_state(engine, item_id) == ("claimed", "sam", None, None)
        assert _history(engine, item_id)[-1] == (
            "system", "reply_failed", f"post {post_id} failed: BadRequest: 400 bad; back to claimed (was resolved)")
        with session_scope(engine) as session:  # the agent can answer again
            assert triage.reply(session, item_id=item_id, actor="sam", now=clock.now(), renderer=None, locale="en",
                                text="@ada trying again")[0].state == "scheduled"

    @pytest.mark.parametrize("way", ["target deleted", "target not visible", "refused", "duplicate"])
    def test_every_way_a_reply_fails_writes_the_same_rows(self, engine: Engine, clock: ManualClock,
                                                          way: str) -> None:
        """Whatever failed the reply: attempt, post and audit rows say why, and the item is claimed again."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        item_id, mention_id = _fake_complaint(engine, clock, x)
        post_id = _staff_reply(engine, clock, item_id)
        if way == "target deleted":
            del x.tweets[mention_id]
            outcome = "failed"
            error = audited = (f"tweet deleted: the post being answered ({mention_id}) no longer exists, "
                               f"so nothing was sent (tweet {mention_id} not found)")
        elif way == "target not visible":  # the author protected their account; the brand is not a follower
            x.fail_next("get_tweet", NotVisible("GET /2/tweets/:id: Authorization Error", status=200,
                                                endpoint=tiers.GET_TWEET))
            outcome = "failed"
            error = audited = (f"tweet not visible: the post being answered ({mention_id}) is from a protected "
                               "account that does not let this account see it, so nothing was sent "
                               "(GET /2/tweets/:id: Authorization Error)")
        elif way == "refused":
            x.fail_next("create_tweet", BadRequest("400 bad", status=400, endpoint=tiers.POST_TWEET))
            outcome, error = "failed", "BadRequest: 400 bad"
            audited = error
        else:
            x.add_tweet("brandbot", "@ada so sorry, on it")
            outcome = "duplicate"
            error = "duplicate content: X refuses a post identical to a recent one; edit the text"
            audited = "duplicate content"
        clock.advance(30)
        report = _publisher(engine, x, clock).run_once()
        assert (report.failed, report.posted, report.requeued) == ([post_id], [], [])
        with Session(engine) as session:
            post = session.get(Post, post_id)
            assert post is not None
            assert (post.state, post.last_error, post.lease_owner) == ("failed", error, None)
            attempts = session.exec(select(PostAttempt).where(col(PostAttempt.post_id) == post_id)).all()
            assert [(a.outcome, a.error, a.finished_at) for a in attempts] == [(outcome, error, clock.now())]
            audits = session.exec(select(AuditLog).where(col(AuditLog.action) == "post.failed")).all()
            assert [(a.at, a.actor, a.target, a.detail) for a in audits] == [
                (clock.now(), "system", f"post {post_id}", audited)]
        assert _triage_state(engine, item_id) == ("claimed", "sam", None, None)
        assert _history(engine, item_id)[-1] == (
            "system", "reply_failed", f"post {post_id} failed: {error}; back to claimed (was replied)")

    def test_the_lookup_waits_for_its_budget(self, engine: Engine, clock: ManualClock) -> None:
        """With GET /2/tweets/:id spent, the reply waits for the window (nothing sent) and then goes out."""
        x = FakeXClient(brand_id=BRAND, clock=clock, tier="free")
        budget = BudgetKeeper("free", clock)
        budget.acquire(tiers.GET_TWEET)  # 1 per 15 minutes on Free
        item_id, _ = _fake_complaint(engine, clock, x)
        post_id = _staff_reply(engine, clock, item_id)
        report = _publisher(engine, x, clock, budget=budget).run_once()
        assert (report.deferred, report.posted, x.calls) == ([post_id], [], [])
        with Session(engine) as session:
            post = session.get(Post, post_id)
            assert post is not None
            assert (post.state, post.attempts) == ("scheduled", 0)
            assert (post.deferred_reason or "").startswith("waiting for the GET /2/tweets/:id budget")
        clock.advance(15 * 60 + 1)
        assert _publisher(engine, x, clock, budget=budget).run_once().posted == [post_id]

    def test_a_tier_without_the_lookup_fails_the_reply_as_x_refusing_it_does(self, engine: Engine,
                                                                           clock: ManualClock) -> None:
        """No GET /2/tweets/:id on the tier: the reply fails NotOnTier (as when X refuses the lookup), never waits."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        item_id, _ = _fake_complaint(engine, clock, x)
        refused_by_x = _staff_reply(engine, clock, item_id)
        x.fail_next("get_tweet", NotOnTier("GET /2/tweets/:id: 403 client-not-enrolled", status=403,
                                           endpoint=tiers.GET_TWEET))
        assert _publisher(engine, x, clock).run_once().failed == [refused_by_x]
        assert _triage_state(engine, item_id)[0] == "claimed"
        not_on_tier = _staff_reply(engine, clock, item_id)
        budget = BudgetKeeper("enterprise", clock, overrides={tiers.GET_TWEET: None})
        report = _publisher(engine, x, clock, budget=budget).run_once()
        assert (report.failed, report.deferred, [m for m, _ in x.calls]) == ([not_on_tier], [], ["get_tweet"])
        with Session(engine) as session:
            errors = {p.id: (p.state, p.last_error, p.next_attempt_at) for p in session.exec(select(Post))}
        assert errors == {
            refused_by_x: ("failed", "NotOnTier: GET /2/tweets/:id: 403 client-not-enrolled", None),
            not_on_tier: ("failed", "NotOnTier: GET /2/tweets/:id is not available on the enterprise tier", None),
        }
        assert _triage_state(engine, item_id)[0] == "claimed"

    def test_crisis_mode_holds_automatic_posts_but_not_staff_replies(self, engine: Engine, clock: ManualClock) -> None:
        """During a crisis a staff reply is queued scheduled and posted; event and manual posts stay held."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        item_id, _ = _fake_complaint(engine, clock, x)
        [before] = _queue(engine, clock, "promo queued before the storm")
        with session_scope(engine) as session:
            set_crisis(session, active=True, reason="complaint storm", actor="system", now=clock.now(),
                       automatic=True)
        [during] = _queue(engine, clock, "promo during the storm")
        reply_id = _staff_reply(engine, clock, item_id)
        assert _states(engine) == {before: "held", during: "held", reply_id: "scheduled"}
        report = _publisher(engine, x, clock).run_once()
        assert (report.posted, report.stopped_by) == ([reply_id], "crisis")
        assert [t.text for t in x.posted] == ["@ada so sorry, on it"]

    def test_crisis_turned_on_after_queueing_does_not_hold_a_reply(self, engine: Engine, clock: ManualClock) -> None:
        """Switching crisis mode on holds scheduled automatic posts only; a claimed reply is still sent."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        item_id, _ = _fake_complaint(engine, clock, x)
        reply_id = _staff_reply(engine, clock, item_id)
        [promo] = _queue(engine, clock, "promo")
        publisher = _publisher(engine, x, clock)
        with session_scope(engine) as session:
            set_crisis(session, active=True, reason="outage", actor="ops", now=clock.now())
        assert _states(engine) == {reply_id: "scheduled", promo: "held"}
        assert publisher.run_once().posted == [reply_id]


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[SandboxServer]:
    """A Basic-tier sandbox with no scenario."""
    server = SandboxServer(SandboxConfig(tier="basic", scenario="quiet"), clock).start()
    yield server
    server.stop()


class TestReplyTargetOnSandbox:
    def _setup(self, engine: Engine, clock: ManualClock, server: SandboxServer) -> tuple[Publisher, int, int, str]:
        admin = SandboxAdmin(server.url)
        mention_id = admin.mention("ada", "@brandbot my bag is lost")
        admin.close()
        item_id = _complaint(engine, clock, mention_id, server.state.world.tweets[mention_id].author_id)
        post_id = _staff_reply(engine, clock, item_id)
        budget = BudgetKeeper("basic", clock)
        x = TweepyXClient(sandbox_credentials(), base_url=server.url, budget=budget, clock=clock)
        publisher = Publisher(engine=engine, x=x, budget=budget, clock=clock, worker_id="w1",
                              brand_user_id=BRAND_USER_ID)
        return publisher, item_id, post_id, mention_id

    def test_a_live_target_is_answered(self, engine: Engine, clock: ManualClock, sandbox: SandboxServer) -> None:
        """The mention exists: the reply is posted in reply to it."""
        publisher, item_id, post_id, mention_id = self._setup(engine, clock, sandbox)
        assert publisher.run_once().posted == [post_id]
        admin = SandboxAdmin(sandbox.url)
        assert [(p["text"], p["in_reply_to_tweet_id"]) for p in admin.posts()] == [
            ("@ada so sorry, on it", mention_id)]
        admin.close()
        assert _triage_state(engine, item_id)[2] == clock.now()

    def test_a_deleted_target_is_never_posted_to(self, engine: Engine, clock: ManualClock,
                                                 sandbox: SandboxServer) -> None:
        """Deleted on X before the publisher runs: only the lookup is made, the post fails 'tweet deleted'."""
        publisher, item_id, post_id, mention_id = self._setup(engine, clock, sandbox)
        admin = SandboxAdmin(sandbox.url)
        admin.delete(mention_id)
        assert publisher.run_once().failed == [post_id]
        usage = admin.usage()
        assert admin.posts() == []
        admin.close()
        with Session(engine) as session:
            post = session.get(Post, post_id)
            assert post is not None
            assert (post.last_error or "").startswith("tweet deleted")
            attempts = session.exec(select(PostAttempt).where(col(PostAttempt.post_id) == post_id)).all()
            assert [a.outcome for a in attempts] == ["failed"]
        assert _triage_state(engine, item_id)[:2] == ("claimed", "sam")
        assert usage.get(tiers.POST_TWEET, 0) == 0, usage

    def test_a_target_no_longer_visible_is_never_posted_to(self, engine: Engine, clock: ManualClock,
                                                          sandbox: SandboxServer) -> None:
        """The author protected their account after the mention was read: the lookup answers not authorized, the
        post fails 'tweet not visible' with nothing sent, and later runs do not try again."""
        publisher, item_id, post_id, mention_id = self._setup(engine, clock, sandbox)
        admin = SandboxAdmin(sandbox.url)
        admin.protect("ada")
        assert publisher.run_once().failed == [post_id]
        clock.advance(600)
        again = publisher.run_once()
        usage = admin.usage()
        assert admin.posts() == []
        admin.close()
        assert (again.failed, again.requeued, again.posted) == ([], [], [])
        assert (usage["calls"].get(tiers.GET_TWEET), usage["calls"].get(tiers.POST_TWEET)) == (1, None)
        with Session(engine) as session:
            post = session.get(Post, post_id)
            assert post is not None
            assert (post.state, post.last_error) == ("failed", (
                f"tweet not visible: the post being answered ({mention_id}) is from a protected account that does "
                f"not let this account see it, so nothing was sent (GET /2/tweets/:id: Authorization Error Sorry, "
                f"you are not authorized to see the Tweet with id: [{mention_id}].)"))
        assert _triage_state(engine, item_id)[:2] == ("claimed", "sam")


class TestAutoResume:
    def test_posts_held_by_an_expired_pause_go_out_first_at_the_next_run(self, engine: Engine,
                                                                         clock: ManualClock) -> None:
        """An ended `crisis on --until` pause releases its held post at the next publish run, before newer posts."""
        x = FakeXClient(brand_id=BRAND, clock=clock)
        with session_scope(engine) as session:
            set_crisis(session, active=True, reason="maintenance", actor="ops", now=clock.now(),
                       auto_resume_at=clock.now() + timedelta(minutes=10))
        [held] = _queue(engine, clock, "held through the pause")
        clock.advance(11 * 60)
        [after] = _queue(engine, clock, "queued after the pause ended")
        assert _states(engine) == {held: "held", after: "scheduled"}
        report = _publisher(engine, x, clock).run_once()
        assert (report.posted, [t.text for t in x.posted]) == (
            [held, after], ["held through the pause", "queued after the pause ended"])
        with Session(engine) as session:
            actions = [(a.actor, a.action, a.detail) for a in session.exec(select(AuditLog).order_by(col(AuditLog.id)))
                       if a.action.startswith("crisis.")]
        assert actions == [("ops", "crisis.on", "maintenance"), ("system", "crisis.off", "auto-resume time reached")]
