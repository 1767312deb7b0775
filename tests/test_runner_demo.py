"""The sandbox demo: accounts and a feed of the persona's samples that keeps saying new things."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from bot.app import App
from bot.clock import ManualClock
from bot.runner_demo import DEMO_USERS, demo_event, push_demo_event, sample_events, seed_users
from bot.settings import Settings
from bot.store.models import DeadLetter, Post
from bot.web.accounts import get_user

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_reused_samples_move_their_numbers_on() -> None:
    sample = {"id": "s", "type": "weather.report", "data": {"sol": 30, "sky": "clear", "ok": True}}
    first = demo_event(sample, number=0, now=NOW)
    again = demo_event(sample, number=9, now=NOW, cycle=1)
    assert (first["data"]["sol"], again["data"]["sol"], again["data"]["ok"]) == (30, 31, True)
    assert (first["id"], again["id"]) == ("demo-weather.report-0", "demo-weather.report-9")


def test_demo_accounts_and_a_long_demo_feed(sqlite_url: str) -> None:
    app = App(Settings(database_url=sqlite_url, template_dir=REPO / "templates", sandbox=True),
              clock=ManualClock(NOW))
    seed_users(app)
    seed_users(app)  # idempotent
    with app.session() as session:
        assert all(get_user(session, name) is not None for name, _, _ in DEMO_USERS)
    count = len(sample_events(app))
    for number in range(count * 2):
        push_demo_event(app, number)
    with Session(app.engine) as session:
        texts = [p.text for p in session.exec(select(Post))]
        assert len(texts) == len(set(texts))  # never a duplicate for X to refuse
        assert len(texts) >= count * 2 - 1
        assert len(session.exec(select(DeadLetter)).all()) <= 1
