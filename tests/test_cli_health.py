"""`brandbot health`: asks /healthz where the running bot's web server really listens (as `brandbot run` recorded
it), not where WEB_PORT says; exit 0 healthy, else 1 with one line saying what failed."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.app import App
from bot.cli.main import app
from bot.clock import ManualClock
from bot.store.db import make_engine, session_scope, upgrade
from bot.web.app import create_web_app
from bot.web.listeners import record_listener
from tests.reliability.conftest import BotProcess, free_port
from tests.web.conftest import make_settings, serve

REPO = Path(__file__).resolve().parent.parent
HERE = socket.gethostname()
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - what a container's WEB_HOST says
NOT_RUNNING = (f"error: no running bot on host {HERE!r} has recorded a web server in the database: is `brandbot run` "
               "up, with its dashboard (not --no-web)?\n")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_dotenv_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs read `.env` from the working directory: an empty one, so only the test's env counts."""
    monkeypatch.chdir(tmp_path)


def _env(database_url: str, **extra: str) -> dict[str, str]:
    """Live mode with no X credentials at all, and a WEB_PORT where nothing listens (health must not use it)."""
    return {"DATABASE_URL": database_url, "TEMPLATE_DIR": str(REPO / "templates"), "LOG_FORMAT": "json",
            "X_API_BASE_URL": "https://api.x.com", "X_CONSUMER_KEY": "", "X_CONSUMER_SECRET": "",
            "X_ACCESS_TOKEN": "", "X_ACCESS_TOKEN_SECRET": "", "X_OAUTH2_USER_TOKEN": "", "WEB_PORT": str(free_port()),
            **extra}


def _record_here(database_url: str, clock: ManualClock, *, port: int, host: str = "127.0.0.1",
                 pid: int | None = None) -> None:
    """A listener row as `brandbot run` writes it, for a process of this host (default: this test process)."""
    pid = os.getpid() if pid is None else pid
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        record_listener(session, worker=f"{HERE}:{pid}", hostname=HERE, pid=pid, host=host, port=port,
                        now=clock.now())
    engine.dispose()


def _health(database_url: str, *args: str, **extra: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["health", *args], env=_env(database_url, **extra))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def unhealthy_app() -> FastAPI:
    web = FastAPI()

    @web.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "dying"}, status_code=503)

    return web


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


class TestHealthy:
    @pytest.mark.parametrize("bound", ["127.0.0.1", EVERY_INTERFACE])
    def test_the_recorded_dashboard_answers(self, database_url: str, clock: ManualClock, bound: str) -> None:
        """The dashboard on an OS-picked port answers: exit 0, its URL on stdout; 0.0.0.0 is asked on 127.0.0.1;
        WEB_PORT (elsewhere) and the missing X credentials do not matter."""
        with serve(create_web_app(App(make_settings(database_url), clock=clock))) as base_url:
            port = int(base_url.rsplit(":", 1)[1])
            _record_here(database_url, clock, port=port, host=bound)
            outcome = _health(database_url)
        assert outcome == (0, f"healthy: http://127.0.0.1:{port}/healthz\n", "")


    def test_a_bot_holding_the_sqlite_write_lock_does_not_make_it_unhealthy(self, sqlite_url: str,
                                                                           clock: ManualClock) -> None:
        """Health only reads: in WAL mode it does not wait for the bot's write lock (it took it up front before)."""
        with serve(create_web_app(App(make_settings(sqlite_url), clock=clock))) as base_url:
            port = int(base_url.rsplit(":", 1)[1])
            _record_here(sqlite_url, clock, port=port)
            writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
            try:
                writer.execute("BEGIN IMMEDIATE")  # as the bot does for each write
                outcome = _health(sqlite_url, "--timeout", "1")
            finally:
                writer.execute("ROLLBACK")
                writer.close()
        assert outcome == (0, f"healthy: http://127.0.0.1:{port}/healthz\n", "")


class TestUnhealthy:
    def test_no_bot_recorded(self, database_url: str) -> None:
        """A migrated database where no bot has bound a web server yet."""
        assert _health(database_url) == (1, "", NOT_RUNNING)

    def test_the_recorded_process_is_gone(self, sqlite_url: str, clock: ManualClock) -> None:
        """A bot killed before it closed its row is not running, even if something else answers on its port."""
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        with serve(create_web_app(App(make_settings(sqlite_url), clock=clock))) as base_url:
            _record_here(sqlite_url, clock, port=int(base_url.rsplit(":", 1)[1]), pid=dead.pid)
            assert _health(sqlite_url) == (1, "", NOT_RUNNING)

    def test_nothing_listens_on_the_recorded_port(self, sqlite_url: str, clock: ManualClock) -> None:
        """The bot's process runs but its port refuses connections: the URL and the bot are named."""
        port = free_port()
        _record_here(sqlite_url, clock, port=port)
        assert _health(sqlite_url) == (
            1, "", f"error: GET http://127.0.0.1:{port}/healthz: connection refused (nothing listens there) "
                   f"(bot {HERE}:{os.getpid()} bound 127.0.0.1:{port} at 2026-03-01 12:00:00 UTC)\n")

    def test_healthz_answers_something_else_than_200(self, sqlite_url: str, clock: ManualClock,
                                                     unhealthy_app: FastAPI) -> None:
        """A 503 is unhealthy, with the status."""
        with serve(unhealthy_app) as base_url:
            port = int(base_url.rsplit(":", 1)[1])
            _record_here(sqlite_url, clock, port=port)
            outcome = _health(sqlite_url)
        assert outcome == (1, "", f"error: GET http://127.0.0.1:{port}/healthz answered 503, not 200 "
                                  f"(bot {HERE}:{os.getpid()} bound 127.0.0.1:{port} at 2026-03-01 12:00:00 UTC)\n")

    def test_no_answer_within_the_timeout(self, sqlite_url: str, clock: ManualClock, silent_port: int) -> None:
        """A port that accepts and never answers: unhealthy after --timeout, not a hang."""
        _record_here(sqlite_url, clock, port=silent_port)
        assert _health(sqlite_url, "--timeout", "1") == (
            1, "", f"error: GET http://127.0.0.1:{silent_port}/healthz: no answer within 1 s "
                   f"(bot {HERE}:{os.getpid()} bound 127.0.0.1:{silent_port} at 2026-03-01 12:00:00 UTC)\n")

    def test_no_sqlite_file_is_reported_not_created(self, tmp_path: Path) -> None:
        """Before the bot ever ran, the health check says so and leaves no empty database behind."""
        path = tmp_path / "never.db"
        assert _health(f"sqlite:///{path}") == (
            1, "", f"error: no database file {str(path)!r} (DATABASE_URL): no bot has run here yet\n")
        assert not path.exists()

    def test_a_database_before_migration_0003(self, tmp_path: Path) -> None:
        """A database an older bot migrated has no listeners table: said plainly, not a SQL error."""
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0002")
        assert _health(url) == (1, "", "error: the database has no record of web servers yet: `brandbot run` adds it "
                                       "when it starts (schema migration 0003)\n")

    def test_a_file_that_is_not_a_database(self, tmp_path: Path) -> None:
        """A corrupt or foreign file: one line, exit 1, never a traceback."""
        path = tmp_path / "corrupt.db"
        path.write_text("not a database " * 20)
        assert _health(f"sqlite:///{path}") == (1, "", "error: database error: file is not a database\n")

    def test_an_unreachable_database(self) -> None:
        """No database server: one line, exit 1."""
        code, stdout, stderr = _health("postgresql://nobody@127.0.0.1:1/x")
        assert (code, stdout) == (1, "")
        assert stderr.startswith("error: database unreachable: ")
        assert stderr.endswith(" (check DATABASE_URL)\n")
        assert stderr.count("\n") == 1

    def test_an_invalid_configuration_is_1_not_2(self, sqlite_url: str) -> None:
        """Docker reserves exit 2 for health checks: a bad setting is unhealthy (1), on one line."""
        assert _health(sqlite_url, TIMEZONE="Mars/Olympus", WEB_PORT="eighty") == (
            1, "", "error: invalid configuration: TIMEZONE: unknown time zone 'Mars/Olympus' (e.g. Europe/Paris); "
                   "WEB_PORT: expected an integer, got 'eighty'\n")


def _child_env(**settings: str) -> dict[str, str]:
    """A child process's environment with none of this test run's own settings: only `settings` (and `.env`)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING", **settings}


def _health_process(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`brandbot health` as its own process, as the container's HEALTHCHECK runs it."""
    return subprocess.run([sys.executable, "-m", "bot", "health"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.fixture
def bots() -> Iterator[list[BotProcess]]:
    """Every bot a test starts is stopped (killed if need be) and its log closed at the end, whatever happened."""
    started: list[BotProcess] = []
    yield started
    for bot in started:
        bot.ensure_stopped()


def _run_bot(bots: list[BotProcess], tmp_path: Path, env: dict[str, str], *args: str) -> BotProcess:
    command = ["run", "--sandbox", "--no-demo", "--scenario", "quiet", "--duration", "120", *args]
    bot = BotProcess(command, env, tmp_path / "bot.log", tmp_path)
    bots.append(bot)
    bot.wait_for("Stop with Ctrl-C", timeout=60)  # the banner comes once the web server's address is recorded
    return bot


def _stop(bot: BotProcess) -> int:
    bot.proc.send_signal(signal.SIGINT)
    return bot.proc.wait(30)


class TestAgainstBrandbotRun:
    """`brandbot run` as a real process, on ports the container's WEB_PORT cannot tell."""

    def test_an_os_picked_port_set_only_in_dotenv(self, tmp_path: Path, bots: list[BotProcess]) -> None:
        """WEB_PORT=0 in the bot's `.env`: health finds the port the OS gave; once the bot stopped, unhealthy."""
        (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///./bot.db\nWEB_PORT=0\n"
                                       f"TEMPLATE_DIR={REPO / 'templates'}\n", encoding="utf-8")
        bot = _run_bot(bots, tmp_path, _child_env())
        try:
            banner = re.search(r"health     http://127\.0\.0\.1:(\d+)/healthz", bot.output())
            running = _health_process(tmp_path, _child_env())
        finally:
            code = _stop(bot)
        assert banner, bot.output()
        port = int(banner.group(1))
        assert port not in (0, 8080)
        assert (running.returncode, running.stdout, running.stderr) == (
            0, f"healthy: http://127.0.0.1:{port}/healthz\n", "")
        assert code == 0
        stopped = _health_process(tmp_path, _child_env())
        assert (stopped.returncode, stopped.stdout, stopped.stderr) == (1, "", NOT_RUNNING)

    @pytest.mark.postgres
    def test_a_web_port_option_on_every_interface_with_postgresql(self, tmp_path: Path, pg_database_url: str,
                                                                    pg_engine: Engine, bots: list[BotProcess]) -> None:
        """`--web-port` overrides WEB_PORT, WEB_HOST is 0.0.0.0, several bots share PostgreSQL: health asks
        127.0.0.1 on the option's port."""
        port, elsewhere = free_port(), free_port()
        env = _child_env(DATABASE_URL=pg_database_url, WEB_HOST=EVERY_INTERFACE, WEB_PORT=str(elsewhere),
                         TEMPLATE_DIR=str(REPO / "templates"))
        engine = make_engine(pg_database_url)
        with session_scope(engine) as session:  # another container's bot on the same database
            record_listener(session, worker="other-container:1", hostname="other-container", pid=1,
                            host=EVERY_INTERFACE, port=elsewhere, now=ManualClock().now())
        engine.dispose()
        bot = _run_bot(bots, tmp_path, env, "--web-port", str(port))
        try:
            running = _health_process(tmp_path, env)
        finally:
            code = _stop(bot)
        assert f"dashboard  http://{EVERY_INTERFACE}:{port}/" in bot.output()
        assert (running.returncode, running.stdout, running.stderr) == (
            0, f"healthy: http://127.0.0.1:{port}/healthz\n", "")
        assert code == 0

    def test_a_taken_port_is_said_and_never_reported_healthy(self, tmp_path: Path, silent_port: int,
                                                              bots: list[BotProcess]) -> None:
        """Another program holds WEB_PORT: the bot says its dashboard is off (no dashboard in the banner), and
        health is unhealthy instead of asking whatever listens there."""
        env = _child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", WEB_PORT=str(silent_port),
                         TEMPLATE_DIR=str(REPO / "templates"))
        bot = _run_bot(bots, tmp_path, env)
        try:
            running = _health_process(tmp_path, env)
        finally:
            code = _stop(bot)
        assert '"event": "web.not_started"' in bot.output()
        assert "dashboard  http" not in bot.output()
        assert (running.returncode, running.stdout, running.stderr) == (1, "", NOT_RUNNING)
        assert code == 0
