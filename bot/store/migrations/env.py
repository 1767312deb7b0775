"""Alembic environment: runs the packaged migrations against the configured URL.

On PostgreSQL the migration holds a transaction-level advisory lock, so several `brandbot run`
processes starting together on a fresh database migrate one after the other (the later ones find
the schema at head) instead of racing to create the same tables. SQLite's `BEGIN IMMEDIATE`
already serialises them.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import bot.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.store.db import make_engine

config = context.config
target_metadata = SQLModel.metadata

#: Key of the PostgreSQL advisory lock held while migrating (any constant shared by every process).
MIGRATION_LOCK_KEY = 0x6272616E64626F74  # "brandbot"


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            context.run_migrations()
    engine.dispose()


run_migrations_online()
