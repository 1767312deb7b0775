"""`brandbot run`: restarting a sped-up sandbox run on the same database keeps listening."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.run import _clock
from bot.clock import AcceleratedClock, SystemClock
from bot.store.db import upgrade

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
    def test_the_wall_clock_without_speed_or_history(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'b.db'}"
        upgrade(url)
        assert isinstance(_clock(url, speed=1, sandbox=True), SystemClock)
        assert isinstance(_clock(url, speed=1, sandbox=False), SystemClock)

    @pytest.mark.parametrize("speed", [1, 60])
    def test_a_sandbox_run_starts_after_the_newest_time_in_the_database(self, tmp_path: Path, speed: float) -> None:
        url = f"sqlite:///{tmp_path / 'b.db'}"
        upgrade(url)
        with sqlite3.connect(tmp_path / "b.db") as conn:
            conn.execute("INSERT INTO cursors (name, last_poll_at) VALUES ('mentions', '2999-01-01 00:00:00.000000')")
        clock = _clock(url, speed=speed, sandbox=True)
        assert isinstance(clock, AcceleratedClock)
        assert clock.now().year == 2999
        assert isinstance(_clock(url, speed=1, sandbox=False), SystemClock)
