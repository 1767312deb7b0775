"""`brandbot queue ...`: the publish queue from a terminal (add, list, approve, edit, cancel)."""

from __future__ import annotations

import sys
from functools import partial
from typing import Annotated, Any

import typer

from bot.cli.context import emit, handled, make_app, person, print_json, print_table
from bot.domain import PostState
from bot.localtime import format_local, parse_local
from bot.publish import queue
from bot.publish.threads import ENDED_STATES
from bot.store.models import Post

app = typer.Typer(no_args_is_help=True)

COLUMNS = ("id", "state", "when", "kind", "priority", "thread", "text")
#: The table's columns when it lists failed or cancelled posts: "why" each ended (all of it in --json's last_error).
ENDED_COLUMNS = (*COLUMNS, "why")
#: How much of the reason the "why" column shows.
WHY_CHARS = 50


def post_row(app_: Any, post: Post) -> dict[str, Any]:
    """One post as a flat dict (JSON and table); times in the configured zone and in UTC."""
    return {
        "id": post.id,
        "state": post.state,
        "when": format_local(post.scheduled_at, app_.settings.tz),
        "scheduled_at": post.scheduled_at,
        "kind": post.kind,
        "priority": post.priority,
        "thread": f"{post.thread_index + 1}/{post.thread_size}" if post.thread_size > 1 else "",
        "text": post.text,
        "tweet_id": post.tweet_id,
        "held_reason": post.held_reason,
        "deferred_reason": post.deferred_reason,
        "last_error": post.last_error,
        "created_by": post.created_by,
        "approved_by": post.approved_by,
    }


def why_ended(row: dict[str, Any]) -> str:
    """Why a failed or cancelled post (a `post_row`) ended, on one line, cut to WHY_CHARS with "…"; else ""."""
    if row["state"] not in ENDED_STATES:
        return ""
    why = " ".join(str(row["last_error"] or "").split())
    return why if len(why) <= WHY_CHARS else why[: WHY_CHARS - 1] + "…"


#: `handled()` with the queue's errors mapped to exit codes 3 (not found) and 4 (conflict).
queue_handled = partial(handled, not_found=(queue.PostNotFoundError,), conflict=(queue.PostStateError,))


@app.command("add")
def add_cmd(
    text: Annotated[str, typer.Argument(help="The post ('-' reads it from stdin).")],
    at: Annotated[str | None, typer.Option(
        "--at", help="When, in the configured zone: YYYY-MM-DD HH:MM (not in the past; without it: now).")] = None,
    thread: Annotated[bool, typer.Option("--thread", help="Split a long text into a numbered thread.")] = False,
    approve: Annotated[bool, typer.Option("--approve", help="Wait for an editor's approval first.")] = False,
    priority: Annotated[int, typer.Option(help="Higher goes first when the quota is short.")] = 0,
    promotional: Annotated[bool, typer.Option(help="Mark as promotional.")] = False,
    actor: Annotated[str, typer.Option("--as", help="Who queues it (audit log).", callback=person)] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Queue a post (validated now: empty, over 280 weighted characters or a past --at is refused, exit 2)."""
    app_ = make_app()
    body = sys.stdin.read() if text == "-" else text
    with queue_handled(), app_.session() as session:
        now = app_.clock.now()
        when = parse_local(at, app_.settings.tz) if at else None
        posts = queue.enqueue_manual(session, text=body, now=now, tz=app_.settings.tz, scheduled_at=when,
                                     thread=thread, requires_approval=approve, priority=priority,
                                     promotional=promotional, created_by=actor)
        rows = [post_row(app_, p) for p in posts]
    emit(rows, COLUMNS, as_json=as_json)


@app.command("list")
def list_cmd(
    state: Annotated[list[str] | None, typer.Option("--state", help="Only these states (repeatable).")] = None,
    all_states: Annotated[bool, typer.Option("--all", help="Every state, newest first.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Queued posts in time order (default: draft, pending approval, scheduled, held).

    With --all, or when failed or cancelled posts are listed, the table says why each of those ended.
    """
    app_ = make_app()
    with queue_handled():
        states = list(PostState) if all_states else [PostState(s) for s in state] if state else None
        with app_.session() as session:
            posts = queue.list_posts(session, states=states, limit=limit, newest_first=all_states)
            rows = [post_row(app_, p) for p in posts]
    if as_json or not (all_states or any(r["state"] in ENDED_STATES for r in rows)):
        emit(rows, COLUMNS, as_json=as_json, empty="(the queue is empty)")
    else:
        print_table([{**r, "why": why_ended(r)} for r in rows], ENDED_COLUMNS, empty="(the queue is empty)")


@app.command("approve")
def approve_cmd(
    post_id: Annotated[int, typer.Argument(help="Post id.")],
    actor: Annotated[str, typer.Option("--as", help="Who approves (audit log).", callback=person)] = "cli",
) -> None:
    """Approve a post waiting for approval (its whole thread)."""
    app_ = make_app()
    with queue_handled(), app_.session() as session:
        parts = queue.approve_post(session, post_id, actor=actor, now=app_.clock.now())
        typer.echo(f"post {post_id}: {parts[0].state}")
    app_.notify_queued()


@app.command("edit")
def edit_cmd(
    post_id: Annotated[int, typer.Argument(help="Post id.")],
    text: Annotated[str | None, typer.Option("--text", help="New text (validated).")] = None,
    at: Annotated[str | None, typer.Option("--at", help="New time, in the configured zone.")] = None,
    actor: Annotated[str, typer.Option("--as", help="Who edits (audit log).", callback=person)] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Change the text and/or the time of a post that has not gone out."""
    if text is None and at is None:
        typer.echo("nothing to change: give --text and/or --at", err=True)
        raise typer.Exit(2)
    app_ = make_app()
    with queue_handled(), app_.session() as session:
        when = parse_local(at, app_.settings.tz) if at else None
        post = queue.edit_post(session, post_id, actor=actor, now=app_.clock.now(), tz=app_.settings.tz, text=text,
                               scheduled_at=when)
        row = post_row(app_, post)
    if as_json:
        print_json(row)
    else:
        typer.echo(f"post {post_id}: {row['state']} at {row['when']}: {row['text']}")


@app.command("cancel")
def cancel_cmd(
    post_id: Annotated[int, typer.Argument(help="Post id.")],
    reason: Annotated[str, typer.Option(help="Why (audit log).")] = "",
    actor: Annotated[str, typer.Option("--as", help="Who cancels (audit log).", callback=person)] = "cli",
) -> None:
    """Cancel a queued post (every part of its thread that has not gone out)."""
    app_ = make_app()
    with queue_handled(), app_.session() as session:
        parts = queue.cancel_post(session, post_id, actor=actor, now=app_.clock.now(), reason=reason)
        typer.echo(f"post {post_id}: cancelled ({len(parts)} part(s))")
