"""SIGTERM to `brandbot run` while X is slow: exit code 0 within 10 seconds, with and without the web server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from bot.clock import SystemClock
from bot.domain import PostKind
from bot.publish.queue import enqueue_post
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import SandboxAdmin
from bot.store.db import make_engine, session_scope, upgrade
from tests.reliability.conftest import BotProcess, bot_env, free_port, wait_until

SHUTDOWN_LIMIT = 10.0


@pytest.mark.slow
@pytest.mark.parametrize("web", [True, False], ids=["with-web", "no-web"])
def test_sigterm_with_a_slow_call_in_flight_exits_0_within_10_s(
    web: bool, tmp_path: Path, processes: list[BotProcess]
) -> None:
    """A post is stuck in a 30-second response when SIGTERM arrives: the process still exits 0 in under 10 s."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    server = SandboxServer(SandboxConfig(tier="enterprise", scenario="quiet"), SystemClock()).start()
    admin = SandboxAdmin(server.url)
    port = free_port()
    env = bot_env(url, server.url, "enterprise", WEB_PORT=str(port))
    try:
        bot = BotProcess(["run"] if web else ["run", "--no-web"], env, tmp_path / "bot.log", tmp_path)
        processes.append(bot)
        bot.wait_for('"bot.started"')
        if web:
            health = wait_until(lambda: _get(f"http://127.0.0.1:{port}/healthz"), timeout=10, what="/healthz")
            assert health == {"status": "alive"}
        admin.faults(latency_ms=30_000)
        engine = make_engine(url)
        with session_scope(engine) as session:
            enqueue_post(session, texts=["Slow lane: this one waits on X."], now=datetime.now(UTC),
                         kind=PostKind.MANUAL)
        engine.dispose()
        wait_until(lambda: admin.usage()["calls"].get("POST /2/tweets") == 1, timeout=10,
                   what="the post call to be in flight")
        code, seconds = bot.terminate(timeout=20)
    finally:
        server.stop()
        admin.close()
    assert code == 0, bot.output()[-2000:]
    assert seconds < SHUTDOWN_LIMIT, bot.output()[-2000:]
    assert '"bot.exit"' in bot.output()


def _get(url: str) -> object:
    try:
        response = requests.get(url, timeout=1)
    except requests.ConnectionError:
        return None
    return response.json() if response.status_code == 200 else None
