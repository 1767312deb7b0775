"""`brandbot run` killed with SIGKILL again and again while publishing: every post goes out exactly once."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.clock import ManualClock, SystemClock
from bot.domain import PostKind, PostState
from bot.publish.publisher import Publisher
from bot.publish.queue import enqueue_post
from bot.sandbox.config import FaultSettings, SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import SandboxAdmin
from bot.store.db import session_scope
from bot.store.models import Post, PostAttempt
from bot.xapi.budget import BudgetKeeper
from bot.xapi.fake import FakeXClient
from tests.reliability.conftest import BotProcess, bot_env, wait_until

POSTS = 200
KILLS = 10
LEASE_SECONDS = 15  # the smallest PUBLISH_LEASE_SECONDS: longer than one X call with its timeout


def _queue(engine: Engine) -> list[str]:
    texts = [f"Crash-safety check {i:03d}: the kettle is on and the log is honest." for i in range(POSTS)]
    with session_scope(engine) as session:
        for body in texts:
            enqueue_post(session, texts=[body], now=datetime.now(UTC), kind=PostKind.MANUAL)
    return texts


def _posted(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Post).where(Post.state == "posted")).one())


def _wait_for_a_call_in_flight(server: SandboxServer, engine: Engine) -> None:
    """Return once X holds more of the brand's tweets than the database has marked posted (or after 2 s)."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        with server.state.lock:
            out = sum(1 for t in server.state.world.tweets.values() if t.author_id == server.state.world.brand.id)
        if out > _posted(engine):
            return
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_or_doubles_a_post(
    sqlite_url: str, sqlite_engine: Engine, tmp_path: Path, processes: list[BotProcess]
) -> None:
    """200 queued posts, 10 SIGKILLs mid-publishing and restarts: each text is on X once, each post `posted` once."""
    url, engine = sqlite_url, sqlite_engine
    texts = _queue(engine)
    # The sandbox survives the bot's deaths. Its 50 ms latency comes after the tweet is created, which opens
    # a window between "X has the tweet" and "the database knows it": the case reconciliation is for.
    config = SandboxConfig(tier="enterprise", scenario="quiet", faults=FaultSettings(latency_ms=50))
    server = SandboxServer(config, SystemClock()).start()
    admin = SandboxAdmin(server.url)
    env = bot_env(url, server.url, "enterprise", PUBLISH_LEASE_SECONDS=str(LEASE_SECONDS), FOLLOW_ENABLED="false")
    rng = random.Random(20260301)
    log = tmp_path / "bot.log"
    try:
        for _ in range(KILLS):
            before = _posted(engine)
            bot = BotProcess(["run", "--no-web"], env, log, tmp_path)
            processes.append(bot)
            wait_until(lambda b=before: _posted(engine) > b, timeout=30, interval=0.02,
                       what="the restarted bot to publish")
            time.sleep(rng.uniform(0.0, 0.8))
            if rng.random() < 0.7:  # most kills aim at that window; the others land wherever they land
                _wait_for_a_call_in_flight(server, engine)
            bot.kill()
        assert _posted(engine) < POSTS, "the kills must all land while posts are still queued"
        final = BotProcess(["run", "--no-web"], env, log, tmp_path)
        processes.append(final)
        wait_until(lambda: _posted(engine) == POSTS, timeout=90, interval=0.2, what="every post to be posted")
        code, _ = final.terminate()
        assert code == 0
        tweets = admin.posts()
    finally:
        admin.close()
        server.stop()

    assert Counter(t["text"] for t in tweets) == Counter(texts)
    with Session(engine) as session:
        posts = list(session.exec(select(Post)))
        outcomes = Counter(a.outcome for a in session.exec(select(PostAttempt)))
        unfinished = session.exec(select(func.count()).select_from(PostAttempt)
                                  .where(col(PostAttempt.finished_at).is_(None))).one()
    assert {p.state for p in posts} == {PostState.POSTED.value}
    by_id = {t["id"]: t["text"] for t in tweets}
    assert sorted(p.tweet_id or "" for p in posts) == sorted(by_id)
    assert all(by_id[p.tweet_id or ""] == p.text for p in posts)
    assert unfinished == 0
    # Kills that hit a call in flight were settled from the account's timeline, not posted again.
    assert outcomes["reconciled"] >= 3, outcomes
    assert outcomes["posted"] + outcomes["reconciled"] == POSTS


def test_a_post_buried_under_more_than_a_timeline_page_is_still_reconciled(engine: Engine, clock: ManualClock) -> None:
    """150 posts went out while a dead process's lease ran: its tweet is found two pages back, not posted again."""
    x = FakeXClient(brand_id="1000", clock=clock)
    with session_scope(engine) as session:
        [lost] = enqueue_post(session, texts=["in flight when the process died"], now=clock.now(), kind=PostKind.MANUAL)
    dead = Publisher(engine=engine, x=x, budget=BudgetKeeper("enterprise", clock), clock=clock, worker_id="dead",
                     brand_user_id="1000", lease_seconds=LEASE_SECONDS)
    assert dead._claim_next() is not None
    clock.advance(1)
    x.create_tweet("in flight when the process died")  # X took it; the process was killed before the commit
    for i in range(150):
        clock.advance(0.05)
        x.create_tweet(f"published meanwhile by the next process, number {i}")
    clock.advance(LEASE_SECONDS)
    report = Publisher(engine=engine, x=x, budget=BudgetKeeper("enterprise", clock), clock=clock, worker_id="next",
                       brand_user_id="1000", lease_seconds=LEASE_SECONDS).run_once()
    assert (report.reconciled, report.requeued, report.failed, len(x.posted)) == ([lost.id], [], [], 151)
    with Session(engine) as session:
        post = session.get(Post, lost.id)
        assert post is not None
        assert (post.state, post.tweet_id) == (PostState.POSTED.value, x.posted[0].id)
