"""bot.cli.context: one-shot commands run without X credentials; the bot itself and the X client need them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from bot.app import App
from bot.cli.context import database_clock
from bot.cli.main import app
from bot.clock import AcceleratedClock, SystemClock
from bot.errors import ConfigError
from bot.settings import MISSING_CREDENTIALS, load_settings
from bot.store.db import make_engine, session_scope, upgrade
from bot.store.models import Author, Mention
from bot.triage.routing import NewComplaint, open_triage_items
from tests.conftest import cli_env

REPO = Path(__file__).resolve().parent.parent
X_VARS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET", "X_OAUTH2_USER_TOKEN",
          "X_API_BASE_URL")


@pytest.fixture
def live_env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Pointed at the real X API (the default) with no credentials at all, as on a fresh install."""
    for name in X_VARS:
        monkeypatch.delenv(name, raising=False)
    return {"DATABASE_URL": sqlite_url, "TEMPLATE_DIR": str(REPO / "templates"), "LOG_FORMAT": "json"}


def test_stats_and_classify_need_no_x_credentials(live_env: dict[str, str]) -> None:
    """Commands that only read or write the database work before any X keys are configured."""
    stats = CliRunner().invoke(app, ["stats", "--json"], env=live_env)
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output)["mentions_seen"] == 0
    classify = CliRunner().invoke(app, ["classify"], env=live_env, input="@SkyWayAir my bag never arrived\n")
    assert classify.exit_code == 0, classify.output
    assert json.loads(classify.output.splitlines()[-1])["complaint"] is True


def test_run_without_credentials_says_what_is_missing(live_env: dict[str, str]) -> None:
    """`brandbot run` against the real API refuses to start (exit 2) and names the variables to set."""
    result = CliRunner().invoke(app, ["run", "--no-web", "--duration", "1"], env=live_env)
    assert result.exit_code == 2
    assert "X_CONSUMER_KEY" in result.output
    assert "brandbot run --sandbox" in result.output


def test_run_against_another_api_without_credentials_is_a_configuration_error(live_env: dict[str, str]) -> None:
    """Pointed at an emulator (`brandbot sandbox serve`) with no keys, `brandbot run` stops with exit 2 naming
    the variables to set, not a traceback from the X client."""
    env = {**live_env, "X_API_BASE_URL": "http://127.0.0.1:9"}
    result = CliRunner().invoke(app, ["run", "--no-web", "--duration", "1"], env=env)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert ("X credentials: X_API_BASE_URL http://127.0.0.1:9 needs OAuth 1.0a keys (X_CONSUMER_KEY, "
            "X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) or X_OAUTH2_USER_TOKEN too") in result.output


def test_the_x_client_refuses_to_start_without_credentials(live_env: dict[str, str]) -> None:
    """A command that did reach for the X client gets a ConfigError, not an unauthenticated client."""
    settings = load_settings(live_env, env_file=None, require_x_credentials=False)
    assert settings.missing_x_credentials() == MISSING_CREDENTIALS
    with pytest.raises(ConfigError, match="X_OAUTH2_USER_TOKEN"):
        _ = App(settings).x


def test_sandbox_and_configured_keys_need_nothing_more(live_env: dict[str, str]) -> None:
    """In the sandbox, or with keys set, nothing is missing."""
    assert load_settings(live_env, env_file=None, sandbox=True).missing_x_credentials() is None
    keyed = {**live_env, "X_OAUTH2_USER_TOKEN": "token-1"}
    assert load_settings(keyed, env_file=None).missing_x_credentials() is None


@pytest.mark.parametrize("command", [["stats"], ["crisis", "status"], ["queue", "list"], ["triage", "list"]])
def test_an_unreachable_database_is_one_line_not_a_traceback(live_env: dict[str, str], tmp_path: Path,
                                                             command: list[str]) -> None:
    env = {**live_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'bot.db'}"}
    result = CliRunner().invoke(app, command, env=env)
    assert result.exit_code == 1
    assert result.output.strip() == "error: database unreachable: unable to open database file (check DATABASE_URL)"


def _brandbot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in its own process (a command's PostgreSQL pool then closes with that process)."""
    return subprocess.run([sys.executable, "-m", "bot", *args], env={**os.environ, "PYTHONPATH": str(REPO), **env},
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=False)


class TestValuesTheDatabaseCannotHold:
    @pytest.mark.parametrize("command", [["follow", "done", "99999999999999999999", "--by", "kim"],
                                         ["triage", "claim", "99999999999999999999", "--as", "kim"],
                                         ["triage", "list", "--limit", "99999999999999999999"]])
    def test_an_id_or_limit_past_sqlite_integers_is_bad_usage(self, sqlite_url: str, command: list[str]) -> None:
        """An id or limit too large for SQLite's integers is one line and exit 2, not an OverflowError traceback."""
        result = CliRunner().invoke(app, command, env=cli_env(sqlite_url))
        assert result.exit_code == 2, result.output
        assert result.output == ("error: a value given does not fit the database: "
                                 "Python int too large to convert to SQLite INTEGER\n")

    @pytest.mark.postgres
    def test_values_past_postgres_columns_are_bad_usage(self, pg_engine: Engine) -> None:
        """On PostgreSQL an id past its integer column, or a 300-character `--as`, is one line and exit 2;
        nothing is queued."""
        env = cli_env(pg_engine.url.render_as_string(hide_password=False))
        claim = _brandbot(env, "triage", "claim", "3000000000", "--as", "kim")
        assert (claim.returncode, claim.stderr) == (2, "error: a value given does not fit the database: "
                                                       "integer out of range\n")
        add = _brandbot(env, "queue", "add", "hello world", "--as", "x" * 300)
        assert (add.returncode, add.stderr) == (2, "error: a value given does not fit the database: "
                                                   "value too long for type character varying(100)\n")
        listed = _brandbot(env, "queue", "list", "--json")
        assert json.loads(listed.stdout) == []


class TestPerson:
    @pytest.mark.parametrize("name", ["", "   "])
    def test_a_blank_name_claims_nothing(self, sqlite_url: str, name: str) -> None:
        """`triage claim --as ""` is refused with exit 2 and the item stays new, not claimed by nobody."""
        engine = make_engine(sqlite_url)
        at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        with session_scope(engine) as session:
            session.add(Author(id="7", username="ada", first_seen_at=at, last_seen_at=at))
            session.flush()
            session.add(Mention(id="1", author_id="7", text="@brandbot lost my bag", created_at=at, seen_at=at))
            session.flush()
            item = open_triage_items(session, [NewComplaint("1", "7", "high", 0.9)], now=at)["1"]
        engine.dispose()
        env = cli_env(sqlite_url)
        claim = CliRunner().invoke(app, ["triage", "claim", str(item), "--as", name], env=env)
        assert claim.exit_code == 2
        assert "Invalid value for '--as': must name who is doing this, not be blank" in claim.output
        listed = CliRunner().invoke(app, ["triage", "list", "--json"], env=env)
        assert [(row["status"], row["assignee"]) for row in json.loads(listed.stdout)] == [("new", None)]


def _ahead(url: str, db: Path, instant: str = "2999-01-01 00:00:00.000000") -> None:
    """A database an accelerated sandbox run left ahead of the wall clock (its last poll at `instant`)."""
    upgrade(url)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO cursors (name, last_poll_at) VALUES ('mentions', ?)", (instant,))


class TestDatabaseClock:
    def test_the_wall_clock_without_history(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'b.db'}"
        upgrade(url)
        assert isinstance(database_clock(url), SystemClock)
        fast = database_clock(url, speed=60)
        assert isinstance(fast, AcceleratedClock)
        assert fast.speed == 60

    @pytest.mark.parametrize("speed", [1, 60])
    def test_resumes_after_the_newest_time_in_the_database(self, tmp_path: Path, speed: float) -> None:
        url = f"sqlite:///{tmp_path / 'b.db'}"
        _ahead(url, tmp_path / "b.db")
        clock = database_clock(url, speed=speed)
        assert isinstance(clock, AcceleratedClock)
        assert clock.now() >= datetime(2999, 1, 1, 0, 0, 1, tzinfo=UTC)

    def test_an_unmigrated_or_unreachable_database_is_the_wall_clock(self, tmp_path: Path) -> None:
        assert isinstance(database_clock(f"sqlite:///{tmp_path / 'empty.db'}"), SystemClock)


def test_one_shot_commands_see_the_time_a_sped_up_run_left(live_env: dict[str, str], tmp_path: Path) -> None:
    """After `run --sandbox --speed 60` wrote simulated times hours ahead, `triage list` measures SLAs in
    that time (the item is breached), and a claim is recorded after the item was created, not before."""
    db = Path(live_env["DATABASE_URL"].removeprefix("sqlite:///"))
    sim_now = datetime.now(UTC) + timedelta(hours=5)
    _ahead(live_env["DATABASE_URL"], db, sim_now.strftime("%Y-%m-%d %H:%M:%S.%f"))
    created = sim_now - timedelta(hours=2)  # simulated: two hours ago, its one-hour SLA long past
    engine = make_engine(live_env["DATABASE_URL"])
    with session_scope(engine) as session:
        session.add(Author(id="7", username="ada", first_seen_at=created, last_seen_at=created))
        session.flush()
        session.add(Mention(id="1", author_id="7", text="@brandbot lost my bag", created_at=created, seen_at=created))
        session.flush()
        item = open_triage_items(session, [NewComplaint("1", "7", "high", 0.9)], now=created)["1"]
    engine.dispose()
    listed = CliRunner().invoke(app, ["triage", "list", "--json"], env=live_env)
    assert listed.exit_code == 0, listed.output
    assert [row["breached"] for row in json.loads(listed.stdout)] == [True]
    assert CliRunner().invoke(app, ["triage", "claim", str(item), "--as", "sam"], env=live_env).exit_code == 0
    history = CliRunner().invoke(app, ["triage", "history", str(item), "--json"], env=live_env)
    assert history.exit_code == 0, history.output
    times = [row["at"] for row in json.loads(history.stdout)]
    assert len(times) == 2
    assert times == sorted(times)
