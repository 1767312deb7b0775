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
from bot.cli import events as events_cmds  # noqa: E402
from bot.cli import templates as templates_cmds  # noqa: E402

app.add_typer(events_cmds.app, name="events", help="The event feed: push NDJSON, list events, dead letters, retry.")
app.add_typer(templates_cmds.app, name="templates", help="Persona templates: check against samples and hostile data.")
from bot.cli import crisis as crisis_cmds  # noqa: E402
from bot.cli import queue as queue_cmds  # noqa: E402
from bot.cli import run as run_cmds  # noqa: E402
from bot.sandbox import cli as sandbox_cmds  # noqa: E402

app.command("run")(run_cmds.run_cmd)
app.add_typer(queue_cmds.app, name="queue", help="The publish queue: add, list, approve, edit, cancel.")
app.add_typer(crisis_cmds.app, name="crisis", help="Crisis pause: on (with a reason), off, status.")
app.add_typer(sandbox_cmds.app, name="sandbox", help="The embedded X API sandbox: serve it on its own.")
from bot.cli import follow as follow_cmds  # noqa: E402
from bot.cli import model as model_cmds  # noqa: E402
from bot.cli import stats as stats_cmds  # noqa: E402
from bot.cli import triage as triage_cmds  # noqa: E402
from bot.cli import users as users_cmds  # noqa: E402

app.add_typer(triage_cmds.app, name="triage",
              help="Complaint queue: list, claim, assign, reply, resolve, dismiss, label, history; the stored "
                   "mentions, and flag a missed complaint.")
app.add_typer(follow_cmds.app, name="follow", help="Follow decisions; the people to follow by hand.")
app.add_typer(model_cmds.app, name="model", help="The complaint detector: train on staff labels, list models.")
app.command("classify")(model_cmds.classify_cmd)
app.command("stats")(stats_cmds.stats_cmd)
from bot.cli import health as health_cmds  # noqa: E402

app.command("health")(health_cmds.health_cmd)
app.add_typer(users_cmds.app, name="users",
              help="Dashboard accounts: add (admin, editor, agent), list, disable, enable, role, passwd.")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
