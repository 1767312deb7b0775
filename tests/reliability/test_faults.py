"""The bot (`BotRunner`, every job) against a sandbox that fails on purpose: 5xx, timeouts, drops, 429s, 401s."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from structlog.testing import capture_logs

from bot.app import App
from bot.clock import AcceleratedClock
from bot.domain import PostKind, PostState
from bot.publish.queue import enqueue_post
from bot.runner import BotRunner
from bot.sandbox.config import FaultSettings, SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import SandboxAdmin, sandbox_settings
from bot.store.coordination import counter_value
from bot.store.db import upgrade
from bot.store.models import AuditLog, Classification, Mention, Post, TriageItem
from tests.reliability.conftest import wait_until

SPEED = 60.0  # a simulated minute per real second: backoffs and 15-minute windows pass in seconds
POSTS = 40
MENTIONS = 60


@pytest.fixture
def bot_apps() -> Iterator[list[App]]:
    """Apps a test builds: their HTTP sessions and database pools are closed at the end."""
    made: list[App] = []
    yield made
    for app in made:
        app.x.close()  # a TweepyXClient
        app.engine.dispose()


def _queue(app: App, texts: list[str]) -> None:
    with app.session() as session:
        for body in texts:
            enqueue_post(session, texts=[body], now=app.clock.now(), kind=PostKind.MANUAL)


def _states(app: App) -> Counter[str]:
    with Session(app.engine) as session:
        return Counter(p.state for p in session.exec(select(Post)))


def _mention_ids(app: App) -> set[str]:
    with Session(app.engine) as session:
        return set(session.exec(select(Mention.id)))


def _mention(admin: SandboxAdmin, i: int) -> str:
    text = f"my order {i} arrived broken, I want a refund" if i % 4 == 0 else f"loving order {i}, thank you!"
    return admin.mention(f"fan{i:03d}", text)


@pytest.mark.slow
def test_every_post_once_and_every_mention_once_through_5xx_timeouts_drops_and_429s(
    tmp_path: Path, bot_apps: list[App]
) -> None:
    """5 % 5xx, 2 % timeouts, 2 % dropped connections and a 429 burst: nothing lost, nothing doubled."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    clock = AcceleratedClock(SPEED, start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    # A timed-out request is held past the client's 10-second timeout.
    faults = FaultSettings(error_rate_5xx=0.05, timeout_rate=0.02, drop_rate=0.02, timeout_hold_seconds=11)
    server = SandboxServer(SandboxConfig(tier="enterprise", scenario="quiet", seed=11, faults=faults), clock).start()
    admin = SandboxAdmin(server.url)
    app = App(sandbox_settings(url, server.url, "enterprise"), clock=clock)
    bot_apps.append(app)
    texts = [f"Fault drill {i:02d}: launch window holds, crew fine." for i in range(POSTS)]
    _queue(app, texts[: POSTS // 2])
    expected = {_mention(admin, i) for i in range(MENTIONS // 2)}
    runner = BotRunner(app)
    try:
        runner.start()
        time.sleep(2)
        admin.faults(burst_429=6)  # the next six API calls, whatever they are, get 429
        _queue(app, texts[POSTS // 2 :])
        runner.nudge()
        expected |= {_mention(admin, i) for i in range(MENTIONS // 2, MENTIONS)}
        wait_until(lambda: _states(app)[PostState.POSTED.value] == POSTS and _mention_ids(app) >= expected,
                   timeout=75, interval=0.25, what="every post and every mention")
    finally:
        runner.stop(timeout=2)
        usage = admin.usage()
        tweets = admin.posts()
        admin.close()
        server.stop()

    assert Counter(t["text"] for t in tweets) == Counter(texts)
    with Session(app.engine) as session:
        posts = list(session.exec(select(Post)))
        assert sorted(p.tweet_id or "" for p in posts) == sorted(t["id"] for t in tweets)
        assert set(session.exec(select(Mention.id))) == expected
        assert len(list(session.exec(select(Classification.id)))) == MENTIONS
        complaints = set(session.exec(select(Classification.mention_id).where(col(Classification.complaint))))
        assert sorted(session.exec(select(TriageItem.mention_id))) == sorted(complaints)
        assert counter_value(session, "mentions_seen") == MENTIONS
    assert _states(app) == {PostState.POSTED.value: POSTS}
    # The faults did happen (a test that injects nothing proves nothing).
    assert usage["server_errors_5xx"] > 0
    assert usage["rate_limited_429"] >= 6
    assert usage["dropped"] + usage["timed_out"] > 0


@pytest.mark.slow
def test_revoked_token_stops_posting_loudly_keeps_the_queue_and_resumes_when_restored(
    tmp_path: Path, bot_apps: list[App]
) -> None:
    """401 from X: an error log and audit row, `x.unauthorized` = 1, posts kept queued; restored credentials resume."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    clock = AcceleratedClock(SPEED, start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    server = SandboxServer(SandboxConfig(tier="enterprise", scenario="quiet"), clock).start()
    admin = SandboxAdmin(server.url)
    app = App(sandbox_settings(url, server.url, "enterprise"), clock=clock)
    bot_apps.append(app)
    runner = BotRunner(app)

    def flag() -> int:
        with Session(app.engine) as session:
            return counter_value(session, "x.unauthorized")

    try:
        with capture_logs() as logs:
            runner.start()
            _queue(app, ["Before the revocation: one.", "Before the revocation: two."])
            runner.nudge()
            wait_until(lambda: len(admin.posts()) == 2, timeout=10, what="the first posts")
            admin.faults(revoke_token_at=clock.now().isoformat())
            _queue(app, [f"While revoked: {i}." for i in range(3)])
            runner.nudge()
            wait_until(lambda: flag() == 1 and any(e["event"] == "publish.unauthorized" for e in logs),
                       timeout=10, what="the 401 to be noticed")
            time.sleep(3)  # three simulated minutes: the publisher retries every minute and still gets 401
            # a retry may be in flight at any instant (one post briefly `publishing`): wait for it to settle
            kept = {PostState.POSTED.value: 2, PostState.SCHEDULED.value: 3}
            wait_until(lambda: _states(app) == kept, timeout=5, what="the refused posts to be back in the queue")
            assert (len(admin.posts()), flag()) == (2, 1)
            admin.faults(restore_token=True)
            wait_until(lambda: len(admin.posts()) == 5, timeout=15, what="posting to resume")
            wait_until(lambda: flag() == 0, timeout=5, what="the flag to clear")
    finally:
        runner.stop(timeout=2)
        admin.close()
        server.stop()

    loud = [e for e in logs if e["event"] in ("publish.unauthorized", "x.unauthorized")]
    assert loud
    assert {e["log_level"] for e in loud} == {"error"}
    assert _states(app) == {PostState.POSTED.value: 5}
    with Session(app.engine) as session:
        actions = [a.action for a in session.exec(select(AuditLog).order_by(col(AuditLog.id)))
                   if a.action.startswith("x.")]
    assert actions[0] == "x.unauthorized"
    assert actions[-1] == "x.credentials_ok"
