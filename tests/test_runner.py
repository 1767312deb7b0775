"""`BotRunner` end to end: the sandbox's complaint storm over real HTTP through every job."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from bot.app import App
from bot.clock import AcceleratedClock
from bot.domain import FollowStatus, PostKind, PostState
from bot.listen.poller import SEARCH, PollProgress, poll_mentions
from bot.publish.queue import enqueue_post
from bot.runner import BotRunner, JobPlan
from bot.sandbox import templates as tpl
from bot.sandbox.config import SandboxConfig
from bot.sandbox.scenarios import PROTECT_AFTER_S
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import BRAND_USER_ID
from bot.sandbox.testing import sandbox_settings
from bot.settings import Settings
from bot.store.models import Author, CrisisChange, FollowDecision, Mention, Post, TriageItem
from bot.triage.listing import list_items

REPO = Path(__file__).resolve().parent.parent
SPEED = 180.0  # three simulated minutes per real second: the storm starts after 5 s


def _settings(url: str, sandbox_url: str, tier: str) -> Settings:
    return sandbox_settings(url, sandbox_url, tier, crisis_min_complaints=15)


def _sandbox_mention_ids(server: SandboxServer, until: datetime) -> set[str]:
    """The brand's mentions up to `until` that it may still read (not those of people who protected their account)."""
    world = server.state.world
    with world.lock:
        return {t.id for t in world.tweets.values()
                if BRAND_USER_ID in t.mentioned_ids and t.author_id != BRAND_USER_ID and t.created_at <= until
                and not t.is_retweet and world.may_see(t.author_id, BRAND_USER_ID)}


def _never_readable_ids(server: SandboxServer) -> set[str]:
    """Mentions posted once their author had protected the account (on Basic the brand follows nobody)."""
    world = server.state.world
    with world.lock:
        mentions = sorted((t for t in world.tweets.values() if BRAND_USER_ID in t.mentioned_ids),
                          key=lambda t: int(t.id))
        first: dict[str, datetime] = {}
        for t in mentions:
            first.setdefault(t.author_id, t.created_at)
        return {t.id for t in mentions if world.users[t.author_id].protected
                and t.created_at >= first[t.author_id] + timedelta(seconds=PROTECT_AFTER_S)}


@pytest.mark.slow
def test_complaint_storm_end_to_end_on_basic(sqlite_url: str) -> None:
    clock = AcceleratedClock(SPEED, start=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    server = SandboxServer(SandboxConfig(tier="basic", scenario="complaint-storm", seed=7), clock).start()
    app = App(_settings(sqlite_url, server.url, "basic"), clock=clock)
    with app.session() as session:
        enqueue_post(session, texts=["Book your spring getaway today!"], now=clock.now(), kind=PostKind.MANUAL,
                     promotional=True, scheduled_at=clock.now() + timedelta(hours=6))
    runner = BotRunner(app, plan=JobPlan(follow_seconds=60, crisis_seconds=60))
    try:
        runner.start()
        time.sleep(12)  # 36 simulated minutes: 15 calm, then the storm
    finally:
        runner.stop()
    stopped_at = clock.now()
    # One last catch-up poll (as a restart would do) must find the rest, and nothing twice.
    for _ in range(5):
        poll_mentions(engine=app.engine, x=app.x, budget=app.budget, clock=clock, settings=app.settings,
                      detector_for=app.detector, brand_user_id=BRAND_USER_ID, worker_id=app.worker_id,
                      progress=PollProgress(), sources=(SEARCH,))
    server.stop()
    expected = _sandbox_mention_ids(server, stopped_at - timedelta(minutes=1))
    hidden = _never_readable_ids(server)
    with Session(app.engine) as session:
        stored = set(session.exec(select(Mention.id)))
        assert expected <= stored, f"{len(expected - stored)} mentions missed"
        assert hidden, "people in the storm protected their account and went on posting"
        assert not hidden & stored, "a protected account's mention never reaches a brand that does not follow it"
        assert session.exec(select(func.count()).select_from(Mention)).one() == len(stored)
        assert len(stored) > 200  # the storm really happened
        items = list_items(session, limit=5000)
        assert items, "complaints reach triage"
        keys = [(i.severity_rank, i.sla_due_at) for i in items]
        assert keys == sorted(keys), "most urgent first: severity, then SLA due"
        follows = list(session.exec(select(FollowDecision)))
        assert follows
        assert {f.status for f in follows} <= {FollowStatus.MANUAL.value, FollowStatus.SKIPPED.value}
        spammers = [(a.username, f.status, f.reason) for f, a in session.exec(
            select(FollowDecision, Author).join(Author, col(Author.id) == col(FollowDecision.author_id)))
            if a.username.startswith(tpl.SPAM_NAMES)]
        assert spammers, "spam accounts mention the brand in the storm"
        assert [s for s in spammers if s[1] != FollowStatus.SKIPPED.value or "likely spam" not in s[2]] == [], \
            "no spammer is left on the people-to-follow list (English or French spam)"
        crisis = session.exec(select(CrisisChange).where(col(CrisisChange.automatic))).first()
        assert crisis is not None, "the spike trips crisis mode"
        assert crisis.active
        promo = session.exec(select(Post).where(col(Post.promotional))).one()
        assert promo.state == PostState.HELD
        assert session.exec(select(func.count()).select_from(TriageItem)).one() == len(items)
    assert app.budget.count_429 == 0, "the budget keeper never lets a request be refused"


@pytest.mark.parametrize(("tier", "budget_usd", "search", "mentions"), [
    ("basic", 20.0, 15.79, 100.0),   # the rate limit decides
    ("payg", 20.0, 36.0, 10.8),      # the money decides: $12 of search and $8 of mentions a day
    ("payg", 1000.0, 3.16, 3.33),    # a large budget: the rate limit again
])
def test_poll_intervals_follow_the_rate_limit_and_the_payg_budget(
    tier: str, budget_usd: float, search: float, mentions: float
) -> None:
    from bot.clock import ManualClock
    from bot.runner import poll_seconds
    from bot.xapi import tiers
    from bot.xapi.budget import BudgetKeeper

    settings = Settings(x_tier=tier, payg_daily_budget=budget_usd, template_dir=REPO / "templates")
    budget = BudgetKeeper(tier, ManualClock(datetime(2026, 3, 1, tzinfo=UTC)))
    assert poll_seconds(settings, budget, tiers.SEARCH_RECENT, share=0.95) == pytest.approx(search, abs=0.01)
    assert poll_seconds(settings, budget, tiers.GET_MENTIONS, share=0.9) == pytest.approx(mentions, abs=0.01)
