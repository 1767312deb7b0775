"""`brandbot follow ...`: follow decisions, and the people a person must follow by hand."""

from __future__ import annotations

from functools import partial

import typer

from bot.cli.context import emit, handled, local_time, make_app, person
from bot.domain import FollowStatus
from bot.follow.decisions import list_follows, mark_manual_done, mark_manual_skipped
from bot.follow.errors import FollowConflictError, FollowNotFoundError
from bot.follow.refusal import clear_follow_refused

app = typer.Typer(no_args_is_help=True)

COLUMNS = ("id", "status", "username", "followers", "reason", "decided", "profile")


#: `handled()` with the follow errors mapped to exit codes 3 (not found) and 4 (conflict).
follow_handled = partial(handled, not_found=(FollowNotFoundError,), conflict=(FollowConflictError,))


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status", help="Only this status (manual: people to follow by hand)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many, the newest (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array for scripts."),
) -> None:
    """Follow decisions, newest first; `--status manual` is the list of people to follow by hand.

    Newest first: done entries by when they were done, the others by when they were decided,
    so the freshest mentions (where a follow-back matters most) lead the list. Every entry of
    the requested status is listed unless `--limit` is given.
    """
    with follow_handled():
        wanted = None
        if status is not None:
            try:
                wanted = FollowStatus(status.lower())
            except ValueError:
                raise ValueError(f"--status must be one of {', '.join(s.value for s in FollowStatus)}") from None
        bot = make_app()
        fmt = local_time(bot)
        with bot.session() as session:
            rows = [
                {
                    "id": d.id,
                    "status": d.status,
                    "author_id": a.id,
                    "username": f"@{a.username}",
                    "name": a.name,
                    "followers": a.followers_count,
                    "reason": d.reason,
                    "created_at": d.created_at,
                    "decided": fmt(d.created_at),
                    "done_at": d.done_at,
                    "done_by": d.done_by,
                    "profile": f"https://x.com/{a.username}",
                }
                for d, a in list_follows(session, status=wanted, limit=limit)
            ]
        emit(rows, COLUMNS, as_json=as_json, empty="(nobody)")


@app.command("done")
def done_cmd(
    decision_id: int = typer.Argument(..., help="Follow decision id (from `follow list --status manual`)."),
    by: str = typer.Option(..., "--by", help="Who followed the account by hand.", callback=person),
) -> None:
    """Record that a person followed a MANUAL author by hand."""
    with follow_handled():
        bot = make_app()
        with bot.session() as session:
            row = mark_manual_done(session, decision_id=decision_id, actor=by, now=bot.clock.now())
        typer.echo(f"follow {decision_id} marked done by {by} (author {row.author_id})")


@app.command("skip")
def skip_cmd(
    decision_id: int = typer.Argument(..., help="Follow decision id (from `follow list --status manual`)."),
    by: str = typer.Option(..., "--by", help="Who decided not to follow.", callback=person),
    reason: str = typer.Option("", "--reason", help="Why not (kept on the decision and in the audit log)."),
) -> None:
    """Take a MANUAL author off the to-follow list without following (exit 3: no such id, 4: not manual)."""
    with follow_handled():
        bot = make_app()
        with bot.session() as session:
            row = mark_manual_skipped(session, decision_id=decision_id, actor=by, now=bot.clock.now(), reason=reason)
        typer.echo(f"follow {decision_id} skipped by {by} (author {row.author_id})")


@app.command("api-retry")
def api_retry_cmd(
    by: str = typer.Option(..., "--by", help="Who allows it again (audit log).", callback=person),
) -> None:
    """After X refused following (NotOnTier), let the bot try the API again (e.g. the account is on Enterprise now).

    People already on the manual list stay there; new decisions are followed through the API again.
    """
    with follow_handled():
        bot = make_app()
        with bot.session() as session:
            cleared = clear_follow_refused(session, now=bot.clock.now(), actor=by)
        typer.echo("following through the API allowed again" if cleared
                   else "X had not refused following: nothing to do")
