"""`brandbot db ...`: schema migrations (database only: they run without X credentials)."""

from __future__ import annotations

import typer

from bot.cli.context import settings_or_exit
from bot.store.db import current_revision, make_engine, upgrade

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the database schema (SQLite or PostgreSQL) to the newest revision."""
    settings = settings_or_exit(require_x_credentials=False)
    upgrade(settings.database_url, revision)
    typer.echo(f"database at revision {_current(settings.database_url)}")


@app.command("current")
def current_cmd() -> None:
    """Print the schema revision the database is at."""
    settings = settings_or_exit(require_x_credentials=False)
    typer.echo(_current(settings.database_url) or "(empty database)")


def _current(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()
