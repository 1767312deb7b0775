"""The store: migrations match the models, `brandbot db upgrade` on SQLite and PostgreSQL, SQLite pragmas."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

from bot.cli.main import app
from bot.clock import ManualClock
from bot.store import models  # noqa: F401 - registers every table on SQLModel.metadata
from bot.store.db import latest_activity_at, make_engine
from bot.store.models import CrisisChange, Cursor
from bot.store.tokens import DatabaseTokenStore
from bot.xapi.oauth2 import OAuth2Token
from tests.conftest import PG_ADMIN_URL

REPO = Path(__file__).resolve().parent.parent


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    """Autogenerate finds nothing to add: the migration chain and the SQLModel tables agree."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    name = f"brandbot_cli_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("+psycopg", "") + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _upgrade_and_current(database_url: str) -> tuple[str, str]:
    env = {"DATABASE_URL": database_url, "TEMPLATE_DIR": str(REPO / "templates"),
           "X_API_BASE_URL": "http://127.0.0.1:9", "LOG_FORMAT": "json"}
    runner = CliRunner()
    before = runner.invoke(app, ["db", "current"], env=env)
    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    again = runner.invoke(app, ["db", "upgrade"], env=env)  # idempotent
    assert again.exit_code == 0, again.output
    after = runner.invoke(app, ["db", "current"], env=env)
    return before.output.strip(), after.output.strip()


def test_db_upgrade_on_sqlite(tmp_path: Path) -> None:
    before, after = _upgrade_and_current(f"sqlite:///{tmp_path / 'new.db'}")
    assert before == "(empty database)"
    assert after == "0001"


@pytest.mark.postgres
def test_db_upgrade_on_postgresql(fresh_pg_url: str) -> None:
    before, after = _upgrade_and_current(fresh_pg_url)
    assert before == "(empty database)"
    assert after == "0001"


def test_token_store_round_trip_replaces_the_single_row(engine: Engine, clock: ManualClock) -> None:
    store = DatabaseTokenStore(engine, clock)
    assert store.load() is None
    first = OAuth2Token("access-1", "refresh-1", clock.now() + timedelta(hours=2))
    store.save(first)
    assert store.load() == first
    second = OAuth2Token("access-2", "refresh-2", clock.now() + timedelta(hours=4))
    DatabaseTokenStore(engine, clock).save(second)  # another process
    assert store.load() == second


class TestLatestActivityAt:
    def test_none_for_an_empty_or_unmigrated_database(self, engine: Engine, tmp_path: Path) -> None:
        assert latest_activity_at(engine) is None
        bare = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
        assert latest_activity_at(bare) is None
        bare.dispose()

    def test_the_newest_of_polls_and_crisis_changes(self, engine: Engine) -> None:
        poll = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        with Session(engine) as s:
            s.add(Cursor(name="mentions", last_poll_at=poll))
            s.commit()
        assert latest_activity_at(engine) == poll
        with Session(engine) as s:
            s.add(CrisisChange(active=True, reason="r", actor="crisis-watch", created_at=poll + timedelta(hours=9)))
            s.commit()
        assert latest_activity_at(engine) == poll + timedelta(hours=9)
