"""Helpers for the reliability suite: `brandbot run` as a real process against a sandbox over HTTP."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.sandbox.testing import sandbox_env
from bot.store.db import make_engine

REPO = Path(__file__).resolve().parents[2]
BRANDBOT = [sys.executable, "-m", "bot"]


def wait_until(condition: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str = "") -> Any:
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(database_url: str, sandbox_url: str, tier: str, **extra: str) -> dict[str, str]:
    """`sandbox_env` for a `brandbot` process run from this checkout, its output unbuffered."""
    return sandbox_env(database_url, sandbox_url, tier, PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO), **extra)


class BotProcess:
    """One `brandbot ...` child process; its stdout and stderr go to `log_path` (appended)."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path, cwd: Path) -> None:
        self.log_path = log_path
        self._offset = log_path.stat().st_size if log_path.exists() else 0
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen([*BRANDBOT, *args], env=env, cwd=cwd, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        """What this process wrote so far."""
        with self.log_path.open("rb") as handle:
            handle.seek(self._offset)
            return handle.read().decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float = 30.0) -> None:
        """Wait until the process printed `needle` (fails at once if it exited)."""

        def seen() -> bool:
            if self.proc.poll() is not None and needle not in self.output():
                pytest.fail(f"brandbot exited with {self.proc.returncode} before {needle!r}:\n{self.output()[-3000:]}")
            return needle in self.output()

        wait_until(seen, timeout=timeout, interval=0.05, what=repr(needle))

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a power cut."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()

    def terminate(self, timeout: float = 15.0) -> tuple[int, float]:
        """SIGTERM; the exit code and how long the process took to exit."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            code = -9
        self._log.close()
        return code, time.monotonic() - started

    def ensure_stopped(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if not self._log.closed:
            self._log.close()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """An engine on the test's migrated SQLite file (`sqlite_url`), disposed at the end."""
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Every process a test starts is killed at the end, whatever happened."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.ensure_stopped()
