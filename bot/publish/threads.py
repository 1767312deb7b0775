"""A thread goes out part by part; a part that ends without going out takes the later parts with it.

Each part of a thread is a `Post` that waits until the part before it is posted (it answers
that tweet). A part that ended `failed` (X refused it, duplicate content, a deleted reply
target …) or `cancelled` never will be posted, so the parts after it could only wait for ever:
still `scheduled`, listed as upcoming and counted against the quota. So they are cancelled at
once, in the same transaction, each with why in `last_error` ("earlier part 1/3 (post 12)
failed: …") and its own `post.cancelled` audit row:

- the publisher, when it fails a part (`bot.publish.publisher.Publisher._fail`);
- `bot.publish.queue.cancel_post`, when a person cancels a part (CLI, dashboard, a dismissed
  triage item);
- `cancel_stranded`, on every publisher run, for parts left waiting behind a failed or
  cancelled part before this rule existed.

A failed or cancelled post is final: nothing puts it back on the schedule (there is no retry
command), so its cancelled later parts are final too. To send the thread after all, queue it
again as a new post (`brandbot queue add --thread`, or the dashboard's form).
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import and_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.domain import OPEN_POST_STATES, PostState
from bot.store.coordination import audit
from bot.store.models import Post

log = structlog.get_logger()

#: A part in one of these states will never be posted, and neither will the parts after it.
ENDED_STATES: tuple[str, ...] = (PostState.FAILED.value, PostState.CANCELLED.value)
_OPEN: tuple[str, ...] = tuple(s.value for s in OPEN_POST_STATES)


def part_label(post: Post) -> str:
    """How a reason names a thread part: "part 2/3 (post 12)"."""
    return f"part {post.thread_index + 1}/{post.thread_size} (post {post.id})"


def thread_parts(session: Session, post: Post) -> list[Post]:
    """Every part of `post`'s thread in order (just `post` when it is a single post)."""
    if post.thread_key is None:
        return [post]
    stmt = select(Post).where(Post.thread_key == post.thread_key).order_by(col(Post.thread_index))
    return list(session.exec(stmt))


def previous_part(session: Session, post: Post) -> Post | None:
    """The part `post` answers (None for a single post or a thread's first part)."""
    if post.thread_key is None or post.thread_index == 0:
        return None
    stmt = select(Post).where(Post.thread_key == post.thread_key, Post.thread_index == post.thread_index - 1)
    return session.exec(stmt).first()


def cancel_part(session: Session, part: Post, *, actor: str, now: datetime, reason: str) -> bool:
    """Cancel `part` if it is still queued (a `post.cancelled` audit row saying `reason`); the caller commits.

    `reason` becomes its `last_error`; a held or deferred reason no longer applies and is cleared
    (the audit rows keep it). A conditional UPDATE, so a part another process has just claimed or
    cancelled is left alone (False) and two processes never both record the same cancellation.
    """
    result = session.execute(
        update(Post)
        .where(col(Post.id) == part.id, col(Post.state).in_(_OPEN))
        .values(state=PostState.CANCELLED.value, last_error=reason or None, held_reason=None, deferred_reason=None,
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(part)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit(session, at=now, actor=actor, action="post.cancelled", target=f"post {part.id}", detail=reason)
    return True


def cancel_later_parts(session: Session, ended: Post, *, actor: str, now: datetime, why: str) -> list[Post]:
    """Cancel the queued parts after `ended` in its thread, each "earlier <part_label(ended)> <why>".

    `why` says what became of `ended` ("failed: duplicate content", "cancelled by ana: typo").
    Returns the parts cancelled, in thread order; the caller commits.
    """
    if ended.thread_key is None:
        return []
    stmt = (
        select(Post)
        .where(col(Post.thread_key) == ended.thread_key, col(Post.thread_index) > ended.thread_index)
        .where(col(Post.state).in_(_OPEN))
        .order_by(col(Post.thread_index))
    )
    reason = f"earlier {part_label(ended)} {why}"
    cancelled = [part for part in session.exec(stmt).all()
                 if cancel_part(session, part, actor=actor, now=now, reason=reason)]
    if cancelled:
        log.info("post.thread_cancelled", post_id=ended.id, cancelled=[p.id for p in cancelled], reason=reason)
    return cancelled


def cancel_stranded(session: Session, *, now: datetime) -> list[int]:
    """Cancel every queued part whose previous part already failed or was cancelled (ids, in thread order).

    Such parts were left by versions before the cascade; the reason names the part they
    waited for and what it ended with. The caller commits.
    """
    previous = aliased(Post)
    stmt = (
        select(previous)
        .join(Post, and_(col(Post.thread_key) == previous.thread_key,
                         col(Post.thread_index) == previous.thread_index + 1))
        .where(col(Post.state).in_(_OPEN), col(previous.state).in_(ENDED_STATES))
        .order_by(col(previous.thread_key), col(previous.thread_index))
    )
    cancelled: list[int] = []
    for ended in session.exec(stmt).all():
        why = f"{ended.state}: {ended.last_error or 'no reason recorded'}"
        cancelled += [p.id or 0 for p in cancel_later_parts(session, ended, actor="system", now=now, why=why)]
    if cancelled:
        log.warning("publish.stranded_cancelled", post_ids=cancelled)
    return cancelled
