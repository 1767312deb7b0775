"""`brandbot crisis on|off|status`: the one switch that holds every automatic path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.context import EXIT_FAILED, fail, handled, make_app, person, print_json
from bot.crisis import CrisisState, crisis_state, set_crisis, settle_auto_resume
from bot.localtime import format_local, parse_local

if TYPE_CHECKING:
    from bot.app import App

app = typer.Typer(no_args_is_help=True)


def _state_now(app_: App) -> CrisisState:
    """The switch as the database has it now (read in a fresh transaction, after the toggle committed)."""
    with app_.session() as session:
        return crisis_state(session, now=app_.clock.now())


def _describe(state: CrisisState, app_: App) -> str:
    tz = app_.settings.tz
    if not state.active:
        return "OFF"
    line = f"ON since {format_local(state.since, tz)} by {state.actor}: {state.reason}"
    if state.auto_resume_at:
        line += f" (resumes {format_local(state.auto_resume_at, tz)})"
    return line


@app.command("on")
def on_cmd(
    reason: Annotated[str, typer.Option("--reason", help="Why (shown to staff, kept in the audit log).")],
    until: Annotated[str | None, typer.Option("--until", help="Resume by itself at this local time.")] = None,
    actor: Annotated[str, typer.Option("--as", help="Who pauses (audit log).", callback=person)] = "cli",
) -> None:
    """Pause: hold every scheduled post, event post, follow and reply at once (prints the state read back)."""
    app_ = make_app()
    with handled(), app_.session() as session:
        now = app_.clock.now()
        resume = parse_local(until, app_.settings.tz) if until else None
        if resume is not None and resume <= now:
            raise ValueError("--until must be in the future")
        set_crisis(session, active=True, reason=reason, actor=actor, now=now, auto_resume_at=resume)
    state = _state_now(app_)
    if not state.active:
        fail(f"crisis mode was switched on but reads back {_describe(state, app_)}", EXIT_FAILED)
    typer.echo(f"crisis mode {_describe(state, app_)}")


@app.command("off")
def off_cmd(
    actor: Annotated[str, typer.Option("--as", help="Who resumes (audit log).", callback=person)] = "cli",
) -> None:
    """Resume: posts held by the pause go back on the schedule (exit 1 if the state does not read back OFF).

    A pause whose `--until` time has passed is already over; its held posts go back on the schedule now.
    """
    app_ = make_app()
    with handled(), app_.session() as session:
        now = app_.clock.now()
        expired = settle_auto_resume(session, now=now)
        if not expired and not crisis_state(session, now=now).active:
            typer.echo("crisis mode is already off")
            return
        if not expired:
            set_crisis(session, active=False, reason="", actor=actor, now=now)
    state = _state_now(app_)
    if state.active:
        fail(f"crisis mode was switched off but reads back {_describe(state, app_)}", EXIT_FAILED)
    typer.echo("crisis mode OFF (the pause had reached its resume time)" if expired else "crisis mode OFF")


@app.command("status")
def status_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Whether crisis mode is on, why, since when, set by whom."""
    app_ = make_app()
    with handled(), app_.session() as session:
        state = crisis_state(session, now=app_.clock.now())
    if as_json:
        print_json(state)
        return
    typer.echo(_describe(state, app_))
