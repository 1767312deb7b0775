"""`brandbot run`: restarting a sped-up sandbox run on the same database keeps listening, takes signed webhooks,
and stops with one line when X will not confirm the brand account."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from bot.cli.run import _clock
from bot.clock import AcceleratedClock, ManualClock, SystemClock
from bot.feed.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import SandboxAdmin, sandbox_env
from bot.store.db import upgrade
from tests.reliability.conftest import free_port, wait_until

REPO = Path(__file__).resolve().parent.parent


def _run_storm(db: Path, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "LOG_LEVEL": "WARNING",
           "TEMPLATE_DIR": str(REPO / "templates")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--sandbox", "--no-web", "--no-demo", "--scenario", "calm",
         "--speed", "600", "--duration", "8"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _mentions(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        count: int = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
        return count


def test_a_second_sped_up_run_on_the_same_database_still_stores_new_mentions(tmp_path: Path) -> None:
    """Run 1 writes simulated times ahead of the wall clock; run 2's fresh sandbox world starts after
    them, so its tweet ids are above the stored since_id cursors instead of silently below them."""
    db = tmp_path / "bot.db"
    _run_storm(db, tmp_path)
    first = _mentions(db)
    assert first > 0
    _run_storm(db, tmp_path)
    # the same seeded world over the same time: about as many new mentions again, not a trickle
    assert _mentions(db) - first >= first // 2


class TestClock:
    def test_the_wall_clock_or_a_faster_one(self) -> None:
        """Off the sandbox the run's clock is the wall clock, or one `--speed` times faster from now."""
        assert isinstance(_clock(1), SystemClock)
        fast = _clock(60)
        assert isinstance(fast, AcceleratedClock)
        assert abs((fast.now() - datetime.now(UTC)).total_seconds()) < 60


def _healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_a_sandbox_run_ahead_of_the_wall_clock_takes_a_webhook_signed_with_the_real_time(tmp_path: Path) -> None:
    """After a sped-up run stored simulated times hours ahead, the next `brandbot run --sandbox` starts its clock
    after them; a webhook signed as the README shows (`date +%s`) must still be fresh, not `stale_timestamp`."""
    db = tmp_path / "bot.db"
    upgrade(f"sqlite:///{db}")
    ahead = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO cursors (name, last_poll_at) VALUES ('mentions', ?)", (ahead,))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "LOG_LEVEL": "WARNING", "WEB_PORT": str(port),
           "WEBHOOK_SECRET": "readme-secret", "TEMPLATE_DIR": str(REPO / "templates")}
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--sandbox", "--no-demo", "--scenario", "quiet", "--duration", "120"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _healthy(f"http://127.0.0.1:{port}/healthz"), timeout=60, what="the dashboard")
        body = json.dumps({"id": "img-42", "type": "camera.image", "occurred_at": "2026-05-25T23:53:44Z",
                           "data": {"camera": "robotic arm", "subject": "the ground around my feet"}}).encode()
        ts = int(time.time())
        response = requests.post(f"http://127.0.0.1:{port}/events", data=body, timeout=10,
                                 headers={TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign("readme-secret", ts, body)})
    finally:
        bot.send_signal(signal.SIGINT)
        code = bot.wait(30)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    assert code == 0


@pytest.mark.parametrize(
    ("args", "extra"),
    [(["--sandbox"], {}), ([], {"X_OAUTH2_USER_TOKEN": "token-never-used"})],
    ids=["sandbox", "live"],
)
def test_an_unreachable_database_is_one_line_and_exit_1(tmp_path: Path, args: list[str], extra: dict[str, str]) -> None:
    """As every one-shot command: `error: database unreachable: ...` and exit 1, no SQLAlchemy traceback."""
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x", "LOG_LEVEL": "INFO",
           "TEMPLATE_DIR": str(REPO / "templates"), "PYTHONPATH": str(REPO), **extra}
    done = subprocess.run([sys.executable, "-m", "bot", "run", "--no-web", "--duration", "5", *args],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        'error: database unreachable: connection failed: connection to server at "127.0.0.1", port 1 failed: '
        "Connection refused (check DATABASE_URL)\n"
    )


@pytest.fixture
def refusing_sandbox() -> Iterator[SandboxServer]:
    """A basic-tier sandbox on a manual clock at 2026-03-01 12:00 UTC, stopped afterwards."""
    server = SandboxServer(SandboxConfig(tier="basic", scenario="quiet"),
                           ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))).start()
    yield server
    server.stop()


def _run_against(server: SandboxServer, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = sandbox_env(f"sqlite:///{tmp_path / 'bot.db'}", server.url, "basic", PYTHONPATH=str(REPO),
                      LOG_LEVEL="ERROR")
    return subprocess.run([sys.executable, "-m", "bot", "run", "--no-web", "--duration", "5"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)


class TestBrandAccountRefused:
    def test_a_429_on_users_me_is_one_line_after_one_call(self, refusing_sandbox: SandboxServer,
                                                          tmp_path: Path) -> None:
        """X answering 429 to the start-up users/me says when to start again, exit 1, and is not retried."""
        admin = SandboxAdmin(refusing_sandbox.url)
        admin.faults(burst_429=5)
        done = _run_against(refusing_sandbox, tmp_path)
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr == (
            "error: X did not confirm the brand account (GET /2/users/me: 429 Too Many Requests Too Many Requests): "
            "start the bot again after 2026-03-02T12:00:00+00:00\n"
        )
        assert admin.usage()["calls"] == {"GET /2/users/me": 1}
        admin.close()

    def test_refused_credentials_are_one_line(self, refusing_sandbox: SandboxServer, tmp_path: Path) -> None:
        """Revoked credentials at start-up: `error: ...` naming the X_* settings and exit 1, no tweepy traceback."""
        admin = SandboxAdmin(refusing_sandbox.url)
        admin.faults(revoke_token_at="2026-03-01T00:00:00Z")
        done = _run_against(refusing_sandbox, tmp_path)
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr == (
            "error: X did not confirm the brand account (GET /2/users/me: 401 Unauthorized Unauthorized): "
            "check the X_* credentials\n"
        )
        admin.close()
