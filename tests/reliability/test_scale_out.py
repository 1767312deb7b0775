"""Two `brandbot run` processes on one PostgreSQL database: nothing done twice, pollers not doubled."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.clock import AcceleratedClock
from bot.domain import FollowStatus, PostKind, PostState
from bot.publish.queue import enqueue_post
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import SandboxAdmin
from bot.store.coordination import counter_value
from bot.store.db import session_scope
from bot.store.models import FollowDecision, Mention, Post, PostAttempt, TriageAction, TriageItem
from bot.triage.errors import TriageConflictError
from bot.triage.queue import claim, reply
from bot.xapi import tiers
from tests.reliability.conftest import BotProcess, bot_env, wait_until

SPEED = 10.0  # polls every 0.22 s real on enterprise, follow runs every 6 s
WINDOW = 6.0  # real seconds over which poll calls are counted
POLLS = (tiers.GET_MENTIONS, tiers.SEARCH_RECENT)
RUN = ["run", "--no-web", "--speed", str(SPEED)]


def _mention(admin: SandboxAdmin, i: int) -> str:
    text = f"flight {i} cancelled and no refund, this is broken" if i % 3 == 0 else f"great crew on flight {i}!"
    return admin.mention(f"traveller{i:03d}", text)


def _poll_calls(admin: SandboxAdmin) -> int:
    calls = admin.usage()["calls"]
    return sum(int(calls.get(endpoint, 0)) for endpoint in POLLS)


def _poll_rate(admin: SandboxAdmin) -> float:
    """Mentions + search calls per real second, over WINDOW seconds."""
    before, started = _poll_calls(admin), time.monotonic()
    time.sleep(WINDOW)
    return (_poll_calls(admin) - before) / (time.monotonic() - started)


def _count(engine: Engine, model: type, *where: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _race_claims(engine: Engine, item_ids: list[int]) -> Counter[str]:
    """Two agents claim every item at the same instant, each in its own transaction; returns the wins per agent."""
    wins: Counter[str] = Counter()
    barrier = threading.Barrier(2, timeout=10)

    def agent(name: str) -> None:
        for item_id in item_ids:
            with Session(engine, expire_on_commit=False) as session:
                barrier.wait()
                try:
                    claim(session, item_id=item_id, actor=name, now=datetime.now(UTC))
                    session.commit()
                    wins[name] += 1
                except TriageConflictError:
                    session.rollback()

    threads = [threading.Thread(target=agent, args=(name,)) for name in ("agent-a", "agent-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return wins


@pytest.mark.slow
@pytest.mark.postgres
def test_two_processes_share_the_work_and_never_double_it(
    pg_database_url: str, pg_engine: Engine, tmp_path: Path, processes: list[BotProcess]
) -> None:
    """Posts, replies and follows happen once, claims are won once, and two pollers cost what one does."""
    engine = pg_engine
    clock = AcceleratedClock(SPEED)
    server = SandboxServer(SandboxConfig(tier="enterprise", scenario="quiet"), clock).start()
    admin = SandboxAdmin(server.url)
    env = bot_env(pg_database_url, server.url, "enterprise")
    log = tmp_path / "bots.log"
    mention_ids = {_mention(admin, i) for i in range(20)}
    try:
        # One process alone: the baseline of poll calls.
        alone = BotProcess(RUN, env, log, tmp_path)
        processes.append(alone)
        alone.wait_for('"bot.started"')
        wait_until(lambda: _count(engine, Mention) == 20, timeout=20, what="the first mentions")
        one_rate = _poll_rate(admin)
        assert alone.terminate()[0] == 0

        # Two processes, started together, share one database.
        first, second = BotProcess(RUN, env, log, tmp_path), BotProcess(RUN, env, log, tmp_path)
        processes += [first, second]
        first.wait_for('"bot.started"')
        second.wait_for('"bot.started"')
        mention_ids |= {_mention(admin, i) for i in range(20, 40)}  # 40 follows: within 50 a window
        texts = [f"Scale-out bulletin {i:02d}: two hands, one voice." for i in range(60)]
        with session_scope(engine) as session:
            for body in texts:
                enqueue_post(session, texts=[body], now=datetime.now(UTC), kind=PostKind.MANUAL)
        two_rate = _poll_rate(admin)
        wait_until(lambda: _count(engine, Mention) == 40, timeout=20, what="the second mentions")
        with Session(engine) as session:
            items = [i for i in session.exec(select(TriageItem.id).order_by(col(TriageItem.id))) if i is not None]
        wins = _race_claims(engine, items)
        replies = []
        with Session(engine, expire_on_commit=False) as session:
            for action in list(session.exec(select(TriageAction).where(TriageAction.action == "claimed"))):
                posts = reply(session, item_id=action.item_id, actor=action.actor, now=datetime.now(UTC),
                              renderer=None, locale="en", text=f"Sorry about that, we are on it ({action.item_id}).")
                replies += [p.text for p in posts]
            session.commit()
        wait_until(lambda: _count(engine, Post, col(Post.state) == PostState.POSTED.value) == 60 + len(replies),
                   timeout=40, interval=0.25, what="every post and reply")
        wait_until(lambda: _count(engine, FollowDecision, col(FollowDecision.status) == FollowStatus.PENDING.value)
                   == 0, timeout=30, interval=0.25, what="every follow")
        assert first.terminate()[0] == 0
        assert second.terminate()[0] == 0
        usage, tweets, follows = admin.usage(), admin.posts(), admin.follows()
    finally:
        admin.close()
        server.stop()

    # Posts and replies: each once on X, one successful call each, each with its own tweet id.
    assert Counter(t["text"] for t in tweets) == Counter(texts + replies)
    assert usage["calls"][tiers.POST_TWEET] == len(tweets)
    replied_to = [t["in_reply_to_tweet_id"] for t in tweets if t["in_reply_to_tweet_id"]]
    assert len(replied_to) == len(set(replied_to)) == len(replies) > 0
    with Session(engine) as session:
        posts = list(session.exec(select(Post)))
        workers = set(session.exec(select(PostAttempt.worker)))
        assert len({p.tweet_id for p in posts}) == len(posts) == len(tweets)
        # Mentions: each stored, classified and counted once, though both processes ran the poller.
        assert set(session.exec(select(Mention.id))) == mention_ids
        assert counter_value(session, "mentions_seen") == 40
        done = list(session.exec(select(FollowDecision.author_id)
                                 .where(col(FollowDecision.status) == FollowStatus.DONE.value)))
        claimed = Counter(a.item_id for a in session.exec(select(TriageAction)
                                                          .where(TriageAction.action == "claimed")))
    assert len(workers) == 2  # the two processes shared the bulletins (queued after the first one stopped)
    # Follows: one API call per person followed.
    assert sorted(f["target_user_id"] for f in follows) == sorted(done)
    assert usage["calls"][tiers.FOLLOW] == len(done) > 0
    # Claims: every item won by exactly one of the two agents racing for it.
    assert sum(wins.values()) == len(items) == len(claimed) > 0
    assert set(claimed.values()) == {1}
    # Pollers: the second process waits on the poll lease instead of calling X as well.
    assert two_rate < 1.4 * one_rate, (one_rate, two_rate)
