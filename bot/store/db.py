"""The engine factory and migrations. Nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


#: Seconds a SQLite connection waits for another one's write lock before it gives up.
SQLITE_LOCK_WAIT_SECONDS = 30


def make_engine(database_url: str, *, echo: bool = False, wait_seconds: int | None = None,
                read_only: bool = False) -> Engine:
    """An engine for `database_url`: SQLite in WAL mode with foreign keys on, or PostgreSQL.

    `wait_seconds` bounds how long a connection waits: for SQLite's write lock (default
    `SQLITE_LOCK_WAIT_SECONDS`), or to connect to PostgreSQL (default: libpq's, no limit of its own).
    A short wait suits a caller that must answer quickly whatever the bot is doing (`brandbot health`).
    `read_only` (a caller that never writes): SQLite transactions do not take the write lock up front,
    so in WAL mode a read never waits for the bot's writes.
    """
    if database_url.startswith("sqlite"):
        lock_wait = SQLITE_LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
        engine = create_engine(
            database_url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": lock_wait},
            poolclass=NullPool if ":memory:" not in database_url else None,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={lock_wait * 1000}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        # pysqlite's own transaction handling defers BEGIN; take the write lock up front instead
        # so two processes never deadlock upgrading a read lock.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        if not read_only:
            @event.listens_for(engine, "begin")
            def _begin_immediate(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args = {} if wait_seconds is None else {"connect_timeout": max(2, wait_seconds)}  # libpq: 2 s at least
    return create_engine(database_url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         connect_args=connect_args)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(database_url: str) -> Any:
    """An Alembic config pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database schema to `revision` (default the newest)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        rev: str | None = MigrationContext.configure(conn).get_current_revision()
        return rev


def latest_activity_at(engine: Engine) -> datetime | None:
    """The newest time the bot has written (mentions seen, polls, posts, crisis changes), or None.

    A run on an accelerated clock (`--speed 60`) writes simulated times ahead of the wall clock; a
    later run must not start before them, or the cursors and the crisis history would run backwards.
    None for an empty database or one not migrated yet.
    """
    from bot.clock import as_utc
    from bot.store.models import CrisisChange, Cursor, Mention, Post

    columns = (Mention.seen_at, Cursor.last_poll_at, Post.updated_at, CrisisChange.created_at)
    try:
        with engine.connect() as conn:
            values = [conn.execute(select(func.max(column))).scalar() for column in columns]
    except SQLAlchemyError:
        return None
    found = [as_utc(v) for v in values if isinstance(v, datetime)]
    return max(found, default=None)
