"""`brandbot events ...`: push NDJSON events, list stored events and dead letters, retry a dead letter."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

import typer

from bot.cli.context import (
    EXIT_FAILED,
    EXIT_USAGE,
    emit,
    fail,
    handled,
    local_time,
    make_app,
    person,
    print_json,
)
from bot.feed.ingest import (
    DeadLetterNotFoundError,
    DeadLetterStateError,
    IngestStatus,
    list_dead_letters,
    list_events,
    retry_dead_letter,
)
from bot.feed.ndjson import PushResult, push_lines, split_lines
from bot.store.models import DeadLetter
from bot.store.models import Event as EventRow

app = typer.Typer(no_args_is_help=True)

EVENT_COLUMNS = ("id", "type", "source", "status", "occurred", "received", "error")
DEAD_LETTER_COLUMNS = ("id", "source", "received", "status", "event_id", "reason", "raw")


#: `handled()` with the dead-letter errors mapped to exit codes 3 (not found) and 4 (not open).
events_handled = partial(handled, not_found=(DeadLetterNotFoundError,), conflict=(DeadLetterStateError,))


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}", EXIT_USAGE)


def summary(push: PushResult) -> str:
    """`3 queued (1 awaiting approval), 1 duplicate, 2 dead letters` for a push."""
    counts = push.counts
    queued = counts["queued"] + counts["pending_approval"] + counts["held"]
    detail = [f"{counts['pending_approval']} awaiting approval"] if counts["pending_approval"] else []
    detail += [f"{counts['held']} held by crisis mode"] if counts["held"] else []
    text = f"{queued} queued" + (f" ({', '.join(detail)})" if detail else "")
    if counts["skipped"]:
        text += f", {counts['skipped']} skipped"
    dead = push.dead_letters
    return text + f", {counts['duplicate']} duplicate, {dead} dead letter{'s' if dead != 1 else ''}"


@app.command("push")
def push_cmd(
    file: str = typer.Argument(..., metavar="FILE|-", help="An NDJSON file (one event per line), or - for stdin."),
    source: str = typer.Option("ndjson", "--source", help="Source of the events (APPROVAL_REQUIRED can name it)."),
    as_json: bool = typer.Option(False, "--json", help="Every line's result as JSON."),
) -> None:
    """Store and queue events from NDJSON; bad lines become dead letters (exit 1 if there are any)."""
    with events_handled():
        if not source.strip() or len(source) > 64:
            raise ValueError("--source must be 1 to 64 characters")
        data = _read(file)
        label = "stdin" if file == "-" else Path(file).name
        bot = make_app()
        renderer = bot.renderer
        with bot.session() as session:
            push = push_lines(session, split_lines(data), source=source, now=bot.clock.now(), renderer=renderer,
                              settings=bot.settings, label=label)
        if as_json:
            print_json({"counts": push.counts, "blank": push.blank,
                        "results": [{"line": r.line, **r.result.as_dict()} for r in push.lines]})
        else:
            for line in push.lines:
                if line.result.dead_lettered:
                    typer.echo(f"{line.result.reason} (dead letter {line.result.dead_letter_id})", err=True)
            typer.echo(summary(push))
        if push.dead_letters:
            raise typer.Exit(EXIT_FAILED)


def event_row(bot: Any, event: EventRow) -> dict[str, Any]:
    fmt = local_time(bot)
    return {
        "id": event.id,
        "type": event.type,
        "source": event.source,
        "status": event.status,
        "occurred": fmt(event.occurred_at),
        "received": fmt(event.received_at),
        "occurred_at": event.occurred_at,
        "received_at": event.received_at,
        "data": event.data,
        "error": event.error,
    }


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status", help="Only this status (new, queued, skipped, failed)."),
    limit: int = typer.Option(50, "--limit", min=1, max=10000, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array for scripts."),
) -> None:
    """Stored events, newest received first."""
    with events_handled():
        bot = make_app()
        with bot.session() as session:
            rows = [event_row(bot, e) for e in list_events(session, status=status, limit=limit)]
        emit(rows, EVENT_COLUMNS, as_json=as_json, empty="(no events)")


def dead_letter_row(bot: Any, letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "source": letter.source,
        "received": local_time(bot)(letter.received_at),
        "received_at": letter.received_at,
        "status": letter.status,
        "event_id": letter.event_id,
        "reason": letter.reason,
        "raw": letter.raw,
        "retried_at": letter.retried_at,
    }


@app.command("dead-letters")
def dead_letters_cmd(
    show_all: bool = typer.Option(False, "--all", help="Also the retried and discarded ones."),
    limit: int = typer.Option(50, "--limit", min=1, max=10000, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array for scripts."),
) -> None:
    """Input that could not be accepted, with the reason (open ones unless --all)."""
    with events_handled():
        bot = make_app()
        with bot.session() as session:
            letters = list_dead_letters(session, status=None if show_all else "open", limit=limit)
            rows = [dead_letter_row(bot, d) for d in letters]
        emit(rows, DEAD_LETTER_COLUMNS, as_json=as_json, empty="(no dead letters)")


@app.command("retry")
def retry_cmd(
    dead_letter_id: int = typer.Argument(..., help="Dead letter id (from `events dead-letters`)."),
    file: str | None = typer.Option(None, "--file", metavar="FILE|-", help="A fixed copy of the event to use instead."),
    actor: str = typer.Option("cli", "--as", help="Who is doing this (recorded in the audit log).", callback=person),
    as_json: bool = typer.Option(False, "--json", help="The result as JSON."),
) -> None:
    """Ingest a dead letter again after fixing the template (or give a fixed copy); exit 1 if it still fails."""
    with events_handled():
        fixed = None
        if file is not None:
            try:
                fixed = _read(file).decode("utf-8")
            except UnicodeDecodeError:
                fail(f"{file} is not UTF-8", EXIT_USAGE)
        bot = make_app()
        with bot.session() as session:
            result = retry_dead_letter(session, dead_letter_id, now=bot.clock.now(), renderer=bot.renderer,
                                       settings=bot.settings, raw=fixed, actor=actor)
        if as_json:
            print_json(result.as_dict())
        elif result.dead_lettered:
            typer.echo(f"dead letter {dead_letter_id} still fails: {result.reason}", err=True)
        elif result.status is IngestStatus.DUPLICATE:
            typer.echo(f"dead letter {dead_letter_id} retried: event {result.event_id} was already received")
        else:
            posts = ", ".join(str(i) for i in result.post_ids)
            typer.echo(f"dead letter {dead_letter_id} retried: event {result.event_id} {result.status.value} "
                       f"as post {posts}")
        if result.dead_lettered:
            raise typer.Exit(EXIT_FAILED)
