"""`brandbot triage ...`: the complaint queue from a terminal (list, claim, assign, reply, resolve, dismiss, label),
and the stored mentions, to find and flag a complaint the detector missed (mentions, flag)."""

from __future__ import annotations

from functools import partial
from typing import Any

import typer

from bot.cli.context import emit, handled, local_time, make_app, person, print_json
from bot.domain import OPEN_POST_STATES, TriageStatus
from bot.store.models import Author, Mention, Post, TriageItem
from bot.triage import listing, queue
from bot.triage.errors import AlreadyAnsweredError, TriageConflictError, TriageNotFoundError
from bot.triage.mentions import DEFAULT_LIMIT, MentionRow, flag_mention, recent_mentions
from bot.triage.replies import latest_replies, live_replies
from bot.triage.sla import is_sla_breached
from bot.web.accounts import get_user

app = typer.Typer(no_args_is_help=True)

COLUMNS = ("id", "severity", "status", "assignee", "due", "breached", "reply", "author", "text")
MENTION_COLUMNS = ("id", "author", "at", "score", "item", "text")
ACTOR = typer.Option(..., "--as", help="Who is doing this (recorded on the item's history).", callback=person)
OVERRIDE = typer.Option(False, "--override",
                        help="Close an item someone else holds (supervisors; noted on the history).")


#: `handled()` with the triage errors mapped to exit codes 3 (not found) and 4 (conflict).
triage_handled = partial(handled, not_found=(TriageNotFoundError,), conflict=(TriageConflictError,))


def staff_name(session: Any, name: str, *, option: str = "--as") -> str:
    """`name` as its dashboard account spells it (names are not case-sensitive), else as given without spaces
    around it; an empty name is a `ValueError` (exit 2).

    The item's holder is compared as written, so `--as Ann` must act as the account `ann` does.
    """
    given = name.strip()
    if not given:
        raise ValueError(f"{option} must name a person")
    user = get_user(session, given)
    return user.username if user is not None else given


def item_rows(app_: Any, session: Any, items: list[TriageItem]) -> list[dict[str, Any]]:
    """Items as flat dicts (JSON and table), their newest reply posts read in one query."""
    replies = latest_replies(session, [i.id for i in items if i.id is not None])
    return [item_row(app_, session, item, replies.get(item.id) if item.id is not None else None) for item in items]


def item_row(app_: Any, session: Any, item: TriageItem, post: Post | None) -> dict[str, Any]:
    """One item as a flat dict (JSON and table), with its newest reply post `post`."""
    now = app_.clock.now()
    mention = session.get(Mention, item.mention_id)
    author = session.get(Author, item.author_id)
    return {
        "id": item.id,
        "severity": item.severity,
        "status": item.status,
        "assignee": item.assignee,
        "sla_due_at": item.sla_due_at,
        "due": local_time(app_)(item.sla_due_at),
        "breached": is_sla_breached(item, now=now),
        "reply": f"post {post.id} {post.state}" if post else "",
        "reply_post_id": post.id if post else None,
        "reply_state": post.state if post else None,
        "reply_error": post.last_error if post else None,
        "author": f"@{author.username}" if author else item.author_id,
        "mention_id": item.mention_id,
        "text": mention.text if mention else "",
        "score": item.score,
        "created_at": item.created_at,
        "first_response_at": item.first_response_at,
        "label": item.label,
    }


def _parse_status(value: str | None) -> TriageStatus | None:
    if value is None:
        return None
    try:
        return TriageStatus(value.lower())
    except ValueError:
        raise ValueError(f"--status must be one of {', '.join(s.value for s in TriageStatus)}") from None


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status", help="Only items in this status (default: every open one)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most N items (default: all of them)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array for scripts."),
) -> None:
    """Open complaints, most urgent first (severity, then SLA due time); every one unless --limit.

    When --limit leaves items out, stderr says "showing N of M".
    """
    with triage_handled():
        wanted = _parse_status(status)
        bot = make_app()
        with bot.session() as session:
            rows = item_rows(bot, session, listing.list_items(session, status=wanted, limit=limit))
            total = listing.count_items(session, status=wanted) if limit is not None else len(rows)
        emit(rows, COLUMNS, as_json=as_json, empty="(no complaints waiting)")
        if total > len(rows):
            typer.echo(f"showing {len(rows)} of {total} items (--limit {limit})", err=True)


def _done(bot: Any, item: TriageItem, message: str, as_json: bool) -> None:
    if as_json:
        with bot.session() as session:
            print_json(item_rows(bot, session, [item])[0])
    else:
        typer.echo(message)


@app.command("claim")
def claim_cmd(item_id: int = typer.Argument(..., help="Triage item id."), actor: str = ACTOR,
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Take an item (exit 4 if someone else already has it)."""
    with triage_handled():
        bot = make_app()
        with bot.session() as session:
            actor = staff_name(session, actor)
            item = queue.claim(session, item_id=item_id, actor=actor, now=bot.clock.now())
        _done(bot, item, f"item {item_id} claimed by {actor}", as_json)


@app.command("assign")
def assign_cmd(item_id: int = typer.Argument(...), to: str = typer.Option(..., "--to", help="New assignee."),
               actor: str = ACTOR,
               override: bool = typer.Option(False, "--override",
                                             help="Take the item from someone else who holds it (supervisors; "
                                                  "noted on the history).")) -> None:
    """Give an open item nobody holds, or one you hold, to someone; exit 4 if someone else holds it."""
    with triage_handled():
        bot = make_app()
        with bot.session() as session:
            actor = staff_name(session, actor)
            to = staff_name(session, to, option="--to")
            queue.assign(session, item_id=item_id, assignee=to, actor=actor, now=bot.clock.now(), override=override)
        typer.echo(f"item {item_id} assigned to {to}")


@app.command("reply")
def reply_cmd(
    item_id: int = typer.Argument(...),
    template: str | None = typer.Option(None, "--template", help="A reply template name."),
    text: str | None = typer.Option(None, "--text", help="A literal reply text."),
    follow_up: bool = typer.Option(False, "--follow-up",
                                   help="Send another reply after the first was posted (deliberately)."),
    actor: str = ACTOR,
) -> None:
    """Queue a reply to the complaint (through the publish queue); the item becomes replied.

    Exit 4 while the item already has a reply queued or posted (--follow-up for a second one once
    the first is out); the item's first response counts when the reply is actually posted.
    """
    with triage_handled():
        if (template is None) == (text is None):
            raise ValueError("give exactly one of --template NAME or --text TEXT")
        bot = make_app()
        renderer = bot.renderer if template is not None else None
        with bot.session() as session:
            actor = staff_name(session, actor)
            try:
                posts = queue.reply(session, item_id=item_id, actor=actor, now=bot.clock.now(), renderer=renderer,
                                    locale=bot.settings.locale, template=template, text=text, follow_up=follow_up)
            except AlreadyAnsweredError as exc:
                raise TriageConflictError(f"{exc} (--follow-up)") from exc
        typer.echo(f"item {item_id}: reply queued as post {posts[0].id} ({posts[0].state}): {posts[0].text}")


@app.command("resolve")
def resolve_cmd(item_id: int = typer.Argument(...), actor: str = ACTOR,
                note: str = typer.Option("", "--note", help="Why (kept on the history)."),
                override: bool = OVERRIDE) -> None:
    """Close an item as handled (a reply already queued still goes out); exit 4 if someone else holds it."""
    with triage_handled():
        bot = make_app()
        with bot.session() as session:
            actor = staff_name(session, actor)
            queue.resolve(session, item_id=item_id, actor=actor, now=bot.clock.now(), note=note, override=override)
        typer.echo(f"item {item_id} resolved")


@app.command("dismiss")
def dismiss_cmd(item_id: int = typer.Argument(...), actor: str = ACTOR,
                note: str = typer.Option("", "--note", help="Why (kept on the history)."),
                override: bool = OVERRIDE) -> None:
    """Close an item that needs nothing and cancel its reply not yet posted; exit 4 if someone else holds it."""
    with triage_handled():
        bot = make_app()
        with bot.session() as session:
            actor = staff_name(session, actor)
            queued = [str(p.id) for p in live_replies(session, item_id) if p.state in OPEN_POST_STATES]
            queue.dismiss(session, item_id=item_id, actor=actor, now=bot.clock.now(), note=note, override=override)
        suffix = f"; reply post {', '.join(queued)} cancelled" if queued else ""
        typer.echo(f"item {item_id} dismissed{suffix}")


@app.command("label")
def label_cmd(
    item_id: int = typer.Argument(...),
    label: str = typer.Argument(..., help="complaint or not-complaint"),
    actor: str = ACTOR,
) -> None:
    """Teach the detector whether the item's mention is a complaint."""
    with triage_handled():
        bot = make_app()
        with bot.session() as session:
            actor = staff_name(session, actor)
            queue.label(session, item_id=item_id, label=label, actor=actor, now=bot.clock.now())
        typer.echo(f"item {item_id} labelled {label}")


@app.command("history")
def history_cmd(item_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Who did what to an item."""
    with triage_handled():
        bot = make_app()
        fmt = local_time(bot)
        with bot.session() as session:
            listing.get_item(session, item_id)
            rows = [{"at": fmt(a.created_at), "created_at": a.created_at, "actor": a.actor, "action": a.action,
                     "detail": a.detail} for a in listing.history(session, item_id)]
        emit(rows, ("at", "actor", "action", "detail"), as_json=as_json)


def mention_row(app_: Any, row: MentionRow) -> dict[str, Any]:
    """One stored mention as a flat dict (JSON and table); `item` is its triage item id, empty if not flagged."""
    verdict = row.verdict
    return {
        "id": row.mention.id,
        "author": f"@{row.username}",
        "author_id": row.mention.author_id,
        "at": local_time(app_)(row.mention.created_at),
        "created_at": row.mention.created_at,
        "score": round(verdict.score, 2) if verdict is not None else None,
        "complaint": verdict.complaint if verdict is not None else None,
        "severity": verdict.severity if verdict is not None else None,
        "reasons": list(verdict.reasons) if verdict is not None else [],
        "item": row.item.id if row.item is not None else None,
        "item_status": row.item.status if row.item is not None else None,
        "text": row.mention.text,
    }


@app.command("mentions")
def mentions_cmd(
    limit: int = typer.Option(DEFAULT_LIMIT, "--limit", min=1, help="At most N mentions."),
    unflagged: bool = typer.Option(False, "--unflagged", help="Only mentions with no triage item."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array for scripts."),
) -> None:
    """Stored mentions, newest first, with the detector's score and their triage item (ITEM empty: not flagged).

    Find a complaint the detector missed here, then put it in the queue with `triage flag TWEET_ID`.
    """
    with triage_handled():
        bot = make_app()
        with bot.session() as session:
            rows = [mention_row(bot, r) for r in recent_mentions(session, limit=limit, unflagged=unflagged)]
        emit(rows, MENTION_COLUMNS, as_json=as_json, empty="(no mentions stored)")


@app.command("flag")
def flag_cmd(
    tweet_id: str = typer.Argument(..., help="The mention's tweet id (from `triage mentions`)."),
    severity: str | None = typer.Option(None, "--severity", help="low, medium (default), high or critical."),
    note: str = typer.Option("", "--note", help="Why it is a complaint (kept on the history)."),
    actor: str = ACTOR,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Put a complaint the detector missed in the triage queue, and label it a complaint for the next training.

    Exit 3 if no such mention is stored; exit 4 if it already has a triage item (named).
    """
    with triage_handled():
        bot = make_app()
        with bot.session() as session:
            actor = staff_name(session, actor)
            item = flag_mention(session, mention_id=tweet_id, actor=actor, now=bot.clock.now(), severity=severity,
                                note=note)
        due = local_time(bot)(item.sla_due_at)
        _done(bot, item, f"mention {tweet_id} flagged by {actor}: triage item {item.id} ({item.severity}, due {due})",
              as_json)
