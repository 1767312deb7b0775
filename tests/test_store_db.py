"""The store: migrations match the models, `brandbot db upgrade` on SQLite and PostgreSQL, SQLite pragmas."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select
from structlog.testing import capture_logs
from typer.testing import CliRunner

from bot.cli.main import app
from bot.clock import ManualClock
from bot.store import models  # noqa: F401 - registers every table on SQLModel.metadata
from bot.store.db import alembic_config, current_revision, latest_activity_at, make_engine, session_scope, upgrade
from bot.store.models import AuditLog, Author, CrisisChange, Cursor, Mention, StaffUser, TriageItem
from bot.store.tokens import DatabaseTokenStore
from bot.xapi.oauth2 import OAuth2Token
from tests.conftest import PG_ADMIN_URL

REPO = Path(__file__).resolve().parent.parent


#: SQLAlchemy cannot read an index on an expression back from SQLite, so Alembic skips comparing it
#: there (with these two warnings); PostgreSQL compares it, and `TestUsernameIndex` checks it on both.
_SQLITE_EXPRESSION_INDEX = ("Skipped unsupported reflection of expression-based index uq_staff_users_username_lower",
                            "autogenerate skipping metadata-specified expression-based index "
                            "'uq_staff_users_username_lower'")


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    """Autogenerate finds nothing to add: the migration chain and the SQLModel tables agree."""
    with warnings.catch_warnings():
        if engine.dialect.name == "sqlite":
            for message in _SQLITE_EXPRESSION_INDEX:
                warnings.filterwarnings("ignore", message=re.escape(message))
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
    assert after == "0003"


@pytest.mark.postgres
def test_db_upgrade_on_postgresql(fresh_pg_url: str) -> None:
    before, after = _upgrade_and_current(fresh_pg_url)
    assert before == "(empty database)"
    assert after == "0003"


@pytest.mark.postgres
def test_processes_upgrading_a_fresh_postgresql_together_all_succeed(fresh_pg_url: str) -> None:
    """Three `brandbot db upgrade` processes started at once on an empty PostgreSQL database all exit 0."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "DATABASE_URL": fresh_pg_url,
           "TEMPLATE_DIR": str(REPO / "templates"), "X_API_BASE_URL": "http://127.0.0.1:9", "LOG_FORMAT": "json"}
    processes = [subprocess.Popen([sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
    outcomes = [(p.wait(60), p.communicate()[0].decode()) for p in processes]
    assert [code for code, _ in outcomes] == [0, 0, 0], [out[-2000:] for code, out in outcomes if code]
    engine = make_engine(fresh_pg_url)
    assert current_revision(engine) == "0003"
    engine.dispose()


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url_at_0001(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database (SQLite, then PostgreSQL) migrated to revision 0001 only, for testing what 0002 does."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0001")
        yield url
        return
    name = f"brandbot_old_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url, "0001")
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class TestUsernameIndexMigration:
    def test_accounts_that_differ_only_by_case_are_renamed_not_refused(self, url_at_0001: str) -> None:
        """0002 keeps one name per group (enabled first, then oldest), renames the rest `<name>-<id>`, audited."""
        t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        engine = make_engine(url_at_0001)
        with session_scope(engine) as s:
            for name, disabled in (("Sam", False), ("sam", False), ("SAM", True), ("Kim", True), ("sam-2", False),
                                   ("kim", False), ("ada", False)):
                s.add(StaffUser(username=name, role="agent", password_hash=f"hash of {name}", disabled=disabled,
                                created_at=t0))
            s.add(Author(id="7", username="dave", first_seen_at=t0, last_seen_at=t0))
            s.flush()
            for n, holder in enumerate(("sam", "Sam", "sam", None), start=1):
                s.add(Mention(id=str(n), author_id="7", text="late again", created_at=t0, seen_at=t0))
                s.flush()
                s.add(TriageItem(mention_id=str(n), author_id="7", severity="high", severity_rank=1, score=0.9,
                                 status="claimed" if holder else "new", assignee=holder, sla_due_at=t0,
                                 created_at=t0, updated_at=t0))
        with capture_logs() as logs:
            upgrade(url_at_0001)
        with Session(engine) as s:
            staff = s.exec(select(StaffUser).order_by(col(StaffUser.id)))
            users = [(u.id, u.username, u.password_hash) for u in staff]
            holders = [i.assignee for i in s.exec(select(TriageItem).order_by(col(TriageItem.id)))]
            audit = s.exec(select(AuditLog).order_by(col(AuditLog.id)))
            renames = [(a.actor, a.action, a.target, a.detail) for a in audit]
        engine.dispose()
        assert users == [(1, "Sam", "hash of Sam"), (2, "sam-2-2", "hash of sam"), (3, "SAM-3", "hash of SAM"),
                         (4, "Kim-4", "hash of Kim"), (5, "sam-2", "hash of sam-2"), (6, "kim", "hash of kim"),
                         (7, "ada", "hash of ada")]
        assert holders == ["sam-2-2", "Sam", "sam-2-2", None]
        kept_sam = "'Sam' (id 1) kept the name, names are no longer told apart by letter case"
        assert renames == [
            ("migration 0002", "user.renamed", "user:sam-2-2",
             f"was 'sam': {kept_sam}; 2 triage item(s) moved with it"),
            ("migration 0002", "user.renamed", "user:SAM-3",
             f"was 'SAM': {kept_sam}; 0 triage item(s) moved with it"),
            ("migration 0002", "user.renamed", "user:Kim-4",
             "was 'Kim': 'kim' (id 6) kept the name, names are no longer told apart by letter case; "
             "0 triage item(s) moved with it"),
        ]
        warned = [(e["old"], e["new"]) for e in logs if e["event"] == "migration.user_renamed"]
        assert warned == [("sam", "sam-2-2"), ("SAM", "SAM-3"), ("Kim", "Kim-4")]

    def test_a_database_without_collisions_only_gains_the_index(self, url_at_0001: str) -> None:
        """Distinct names are left alone and no audit row is written; afterwards the database refuses 'SAM'."""
        t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        engine = make_engine(url_at_0001)
        with session_scope(engine) as s:
            s.add(StaffUser(username="sam", role="agent", password_hash="h", created_at=t0))
        upgrade(url_at_0001)
        with Session(engine) as s:
            assert [u.username for u in s.exec(select(StaffUser))] == ["sam"]
            assert s.exec(select(AuditLog)).all() == []
        with pytest.raises(IntegrityError), session_scope(engine) as s:
            s.add(StaffUser(username="SAM", role="agent", password_hash="h", created_at=t0))
        engine.dispose()

    def test_downgrade_drops_the_index(self, url_at_0001: str) -> None:
        """Going back to 0001 removes the index again (names that differ by case are then accepted)."""
        t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        upgrade(url_at_0001)
        command.downgrade(alembic_config(url_at_0001), "0001")
        engine = make_engine(url_at_0001)
        with session_scope(engine) as s:
            s.add(StaffUser(username="sam", role="agent", password_hash="h", created_at=t0))
            s.add(StaffUser(username="SAM", role="agent", password_hash="h", created_at=t0))
        with Session(engine) as s:
            assert sorted(u.username for u in s.exec(select(StaffUser))) == ["SAM", "sam"]
        engine.dispose()


class TestWebListenersMigration:
    def test_0003_adds_the_table_and_downgrade_drops_it(self, database_url: str) -> None:
        """0003 creates `web_listeners` (what `brandbot health` reads); going back to 0002 removes it, forward again
        brings it back empty."""
        engine = make_engine(database_url)
        try:
            assert inspect(engine).has_table("web_listeners")
            command.downgrade(alembic_config(database_url), "0002")
            assert not inspect(engine).has_table("web_listeners")
            upgrade(database_url)
            assert inspect(engine).has_table("web_listeners")
            assert current_revision(engine) == "0003"
        finally:
            engine.dispose()
