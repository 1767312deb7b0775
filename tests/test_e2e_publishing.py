"""Issue 4 end to end: signed webhook → first-person post → the X API sandbox over HTTP, through the runner."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

from bot.app import App
from bot.clock import SystemClock
from bot.crisis import set_crisis
from bot.domain import PostState
from bot.feed.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.publish.queue import approve_post
from bot.runner import BotRunner, JobPlan
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import SandboxAdmin, sandbox_settings
from bot.store.models import DeadLetter, Post
from bot.web.app import create_web_app

REPO = Path(__file__).resolve().parent.parent
SECRET = "e2e-webhook-secret"


class Bot:
    """The pieces `brandbot run` wires: sandbox, app, runner and the web app (in-process ASGI)."""

    def __init__(self, sqlite_url: str) -> None:
        clock = SystemClock()
        self.sandbox = SandboxServer(SandboxConfig(tier="basic", scenario="quiet"), clock).start()
        settings = sandbox_settings(sqlite_url, self.sandbox.url, "basic", webhook_secret=SECRET,
                                    session_secret="s" * 32)
        self.app = App(settings, clock=clock)
        self.runner = BotRunner(self.app, plan=JobPlan(publish_seconds=0.2))
        self.runner.start()
        self.app.notify_queued = self.runner.nudge
        self.web = TestClient(create_web_app(self.app))
        self.admin = SandboxAdmin(self.sandbox.url)

    def send(self, event: dict[str, object]) -> tuple[int, dict[str, object]]:
        body = json.dumps(event).encode()
        ts = int(time.time())
        headers = {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(SECRET, ts, body),
                   "Content-Type": "application/json"}
        response = self.web.post("/events", content=body, headers=headers)
        return response.status_code, response.json()

    def sandbox_texts(self) -> list[str]:
        return [str(p["text"]) for p in self.admin.posts()]

    def wait_posted(self, count: int, timeout: float = 5.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.sandbox_texts()
            if len(texts) >= count:
                return texts
            time.sleep(0.05)
        return self.sandbox_texts()

    def wait_states(self, wanted: set[str], timeout: float = 5.0) -> set[str]:
        """The posts' states once they are all in `wanted` (or at the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            with Session(self.app.engine) as session:
                states = {p.state for p in session.exec(select(Post))}
            if states <= wanted or time.monotonic() >= deadline:
                return states
            time.sleep(0.05)

    def close(self) -> None:
        self.runner.stop()
        self.web.close()
        self.admin.close()
        self.sandbox.stop()


@pytest.fixture
def bot(sqlite_url: str) -> Iterator[Bot]:
    b = Bot(sqlite_url)
    yield b
    b.close()


def _event(event_id: str, event_type: str = "camera.image", **data: object) -> dict[str, object]:
    defaults: dict[str, object] = {"camera": "robotic arm", "subject": "the ground around my feet",
                                   "link": "https://www.nasa.gov/phoenix"}
    return {"id": event_id, "type": event_type, "occurred_at": datetime.now(UTC).isoformat(),
            "data": {**defaults, **data}}


def test_a_signed_event_becomes_one_first_person_tweet(bot: Bot) -> None:
    status, body = bot.send(_event("img-1"))
    assert status == 202, body
    [text] = bot.wait_posted(1)
    assert "robotic arm" in text
    assert bot.send(_event("img-1"))[0] == 200  # the same event again: nothing more
    time.sleep(0.5)
    assert len(bot.sandbox_texts()) == 1


def test_repeated_events_rotate_variants_so_x_never_sees_a_duplicate(bot: Bot) -> None:
    for n in range(3):
        assert bot.send(_event(f"img-{n}"))[0] == 202
    texts = bot.wait_posted(3)
    assert len(texts) == 3
    assert len(set(texts)) == 3
    assert bot.wait_states({PostState.POSTED.value}) == {PostState.POSTED.value}


def test_a_hostile_payload_posts_nothing_it_should_not(bot: Bot) -> None:
    hostile = "@elonmusk dirt\u200b\u202e http://evil.com/x $TSLA #pwn \x07"
    status, _ = bot.send(_event("img-evil", subject=hostile, camera="arm @nasa https://phish.io"))
    assert status == 202
    [text] = bot.wait_posted(1)
    for bad in ("@elonmusk", "@nasa", "evil.com", "phish.io", "$TSLA", "\u200b", "\u202e", "\x07"):
        assert bad not in text


def test_a_bad_event_is_a_dead_letter_and_nothing_is_posted(bot: Bot) -> None:
    status, body = bot.send({"id": "x", "type": "camera.image"})  # no occurred_at, no data
    assert status == 422
    assert body
    missing_field = _event("img-2")
    del missing_field["data"]["subject"]  # type: ignore[attr-defined]
    assert bot.send(missing_field)[0] == 422  # the template needs it: caught at queue time
    time.sleep(0.5)
    assert bot.sandbox_texts() == []
    with Session(bot.app.engine) as session:
        reasons = [d.reason for d in session.exec(select(DeadLetter))]
    assert len(reasons) == 2
    assert any("subject" in r for r in reasons)


def test_a_post_that_needs_approval_waits_for_an_editor(bot: Bot) -> None:
    status, _ = bot.send(_event("land-1", "telemetry.landed", site="Green Valley", sol=0, latitude=68.2,
                                longitude=234.3))
    assert status == 202
    time.sleep(0.6)
    assert bot.sandbox_texts() == []
    with bot.app.session() as session:
        post = session.exec(select(Post)).one()
        assert post.state == PostState.PENDING_APPROVAL
        approve_post(session, post.id or 0, actor="editor", now=bot.app.clock.now())
    bot.runner.nudge()
    assert len(bot.wait_posted(1)) == 1


def test_crisis_pause_stops_everything_until_resumed(bot: Bot) -> None:
    with bot.app.session() as session:
        set_crisis(session, active=True, reason="launch anomaly", actor="pr", now=bot.app.clock.now())
    assert bot.send(_event("img-9"))[0] == 202
    time.sleep(0.8)
    assert bot.sandbox_texts() == []
    with bot.app.session() as session:
        assert session.exec(select(Post)).one().state == PostState.HELD
        set_crisis(session, active=False, reason="", actor="pr", now=bot.app.clock.now())
    bot.runner.nudge()
    assert len(bot.wait_posted(1)) == 1
