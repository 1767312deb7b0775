"""`brandbot`: every command with one line of help. See bot/cli/context.py for exit codes."""

from __future__ import annotations

import typer

from bot.cli import db as db_cmds

app = typer.Typer(
    name="brandbot",
    help="Run a brand's X account as a first-person persona: post from an event feed, listen, follow, triage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cmds.app, name="db", help="Database schema: upgrade, current revision.")
# --- command groups (one module each) ---


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
