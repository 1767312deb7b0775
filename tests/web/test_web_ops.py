"""/healthz, /readyz and /metrics: no login, checks that can fail, families read from the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session
from starlette.testclient import TestClient

from bot.app import App
from bot.clock import ManualClock
from bot.domain import PostKind
from bot.publish.queue import enqueue_post
from bot.store.coordination import X_429_COUNTER, increment, set_counter
from bot.store.models import Cursor, DeadLetter
from bot.xapi import tiers
from tests.web.conftest import seed_complaints


def _cursor(session: Session, name: str, seconds_ago: float, now: datetime) -> None:
    session.add(Cursor(name=name, last_success_at=now - timedelta(seconds=seconds_ago)))


class TestHealth:
    def test_healthz_needs_no_login(self, client: TestClient) -> None:
        """The liveness probe answers 200 without a session and sets no cookie."""
        response = client.get("/healthz")
        assert (response.status_code, response.json()) == (200, {"status": "alive"})
        assert "set-cookie" not in response.headers


class TestReadyz:
    def test_ready_at_start(self, client: TestClient) -> None:
        """Just started: database up, no 401, no poll yet (grace), budget left: 200."""
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"ready": True, "checks": {
            "database": {"ok": True, "detail": "reachable"},
            "credentials": {"ok": True, "detail": "no 401 since the last successful call"},
            "poll": {"ok": True, "detail": "no successful poll yet (starting up)"},
            "quota_post_tweet": {"ok": True, "detail": "POST /2/tweets: 100 calls left"},
            "quota_mentions": {"ok": True, "detail": "GET /2/users/:id/mentions: 10 calls left"},
        }}

    def test_unauthorized_counter_fails_readiness(self, bot: App, client: TestClient) -> None:
        """While the counter x.unauthorized is 1, /readyz answers 503 naming the credentials."""
        with bot.session() as session:
            set_counter(session, "x.unauthorized", 1)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["credentials"] == {
            "ok": False, "detail": "the X API answered 401 Unauthorized: check the credentials"}
        with bot.session() as session:
            set_counter(session, "x.unauthorized", 0)
        assert client.get("/readyz").status_code == 200

    def test_poll_must_be_recent(self, bot: App, client: TestClient, clock: ManualClock) -> None:
        """No poll 6 min after start fails; 60 s ago passes; 11 min fails (Basic: 3 x 90 s < the 10 min floor)."""
        clock.advance(6 * 60)
        assert client.get("/readyz").json()["checks"]["poll"] == {
            "ok": False, "detail": "no successful poll of mentions yet"}
        with bot.session() as session:
            _cursor(session, "mentions", 60, clock.now())
            _cursor(session, "search", 5, clock.now())
        assert client.get("/readyz").json()["checks"]["poll"] == {"ok": True, "detail": "last successful poll 60 s ago"}
        clock.advance(10 * 60)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["poll"] == {
            "ok": False, "detail": "last successful poll 660 s ago (more than 600 s)"}

    def test_spent_budget_fails_readiness(self, bot: App, client: TestClient) -> None:
        """Once the 10 mention reads of the window are spent, the quota check fails until the reset."""
        for _ in range(10):
            bot.budget.acquire(tiers.GET_MENTIONS)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["quota_mentions"] == {
            "ok": False, "detail": "GET /2/users/:id/mentions: budget spent until 2026-03-01T12:15:00+00:00"}


class TestMetrics:
    def test_families_from_the_database(self, bot: App, client: TestClient, clock: ManualClock) -> None:
        """The scrape reads posts, mentions, complaints, open triage, 429s, poll lag and budget at scrape time."""
        now = clock.now()
        with bot.session() as session:
            seed_complaints(session, now, [("1", "critical", "@brandbot down"), ("2", "low", "@brandbot meh")])
            enqueue_post(session, texts=["hello"], now=now, kind=PostKind.MANUAL)
            increment(session, "mentions_seen", 5)
            increment(session, "complaints", 2)
            increment(session, X_429_COUNTER, 3)
            session.add(Cursor(name="mentions", last_success_at=now - timedelta(seconds=30)))
            session.add(DeadLetter(source="rss", received_at=now, raw="x", reason="bad"))
        bot.budget.acquire(tiers.POST_TWEET)
        bot.budget.observe(tiers.GET_MENTIONS, 429, {})
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=")
        lines = set(response.text.splitlines())
        expected = {
            'brandbot_database_up 1.0',
            'brandbot_posts{state="scheduled"} 1.0',
            'brandbot_posts{state="posted"} 0.0',
            "brandbot_mentions_total 5.0",
            "brandbot_complaints_total 2.0",
            'brandbot_triage_open{severity="critical"} 1.0',
            'brandbot_triage_open{severity="low"} 1.0',
            'brandbot_triage_open{severity="high"} 0.0',
            'brandbot_x_429_total{scope="process"} 1.0',
            'brandbot_x_429_total{scope="shared"} 3.0',
            'brandbot_poll_lag_seconds{cursor="mentions"} 30.0',
            'brandbot_budget_remaining{endpoint="POST /2/tweets"} 99.0',
            'brandbot_budget_remaining{endpoint="GET /2/users/:id/mentions"} 0.0',
            "brandbot_dead_letters_open 1.0",
            "brandbot_crisis_active 0.0",
            "brandbot_x_unauthorized 0.0",
        }
        assert expected <= lines, sorted(expected - lines)
        assert "set-cookie" not in response.headers
