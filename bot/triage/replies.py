"""A triage item and its reply posts: which reply is live, and what the item learns when one is posted or ends.

The publish side calls `reply_posted` (the publisher, when a reply goes out) and `reply_ended`
(the publisher when a reply fails, `cancel_post` when one is cancelled) in its own transaction,
so the item's history says what became of every reply. This module imports nothing from
`bot.publish`: the publish queue and the publisher depend on it, not the other way round.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain import PostState, TriageStatus
from bot.store.coordination import audit
from bot.store.models import Post, TriageAction, TriageItem

log = structlog.get_logger()

#: A reply post in one of these states is going out or went out (not failed, not cancelled).
LIVE_REPLY_STATES: tuple[str, ...] = tuple(s.value for s in (
    PostState.DRAFT, PostState.PENDING_APPROVAL, PostState.SCHEDULED, PostState.HELD, PostState.PUBLISHING,
    PostState.POSTED,
))
#: Item statuses a failed reply moves back to CLAIMED: the item was counted as answered.
_ANSWERED = (TriageStatus.REPLIED.value, TriageStatus.RESOLVED.value)


def record(session: Session, item: TriageItem, *, actor: str, action: str, detail: str, now: datetime) -> None:
    """A `TriageAction` row and an audit row for `action` on `item` (and a log line)."""
    assert item.id is not None
    session.add(TriageAction(item_id=item.id, actor=actor, action=action, detail=detail, created_at=now))
    audit(session, at=now, actor=actor, action=f"triage.{action}", target=f"triage:{item.id}", detail=detail)
    log.info(f"triage.{action}", triage_item_id=item.id, mention_id=item.mention_id, actor=actor, detail=detail)


def live_replies(session: Session, item_id: int) -> list[Post]:
    """The item's reply posts that are queued, in flight or posted (first parts only), oldest first."""
    stmt = (
        select(Post)
        .where(col(Post.triage_item_id) == item_id)
        .where(col(Post.state).in_(LIVE_REPLY_STATES))
        .where(col(Post.thread_index) == 0)
        .order_by(col(Post.id))
    )
    return list(session.exec(stmt))


def latest_replies(session: Session, item_ids: list[int]) -> dict[int, Post]:
    """Each item's newest reply post in any state (first part), in one query; items without one are absent."""
    stmt = (select(Post).where(col(Post.triage_item_id).in_(item_ids)).where(col(Post.thread_index) == 0)
            .order_by(col(Post.id)))
    return {p.triage_item_id: p for p in session.exec(stmt) if p.triage_item_id is not None}


def reply_posted(session: Session, *, post: Post, now: datetime) -> None:
    """A reply post went out: the item's first response is now (unless an earlier reply already was)."""
    if post.triage_item_id is None or post.thread_index != 0:
        return
    item = session.get(TriageItem, post.triage_item_id)
    if item is None:  # pragma: no cover - foreign key
        return
    session.execute(
        update(TriageItem)
        .where(col(TriageItem.id) == item.id)
        .where(col(TriageItem.first_response_at).is_(None))
        .values(first_response_at=now)
    )
    session.refresh(item)
    record(session, item, actor="system", action="reply_posted", detail=f"post {post.id} as tweet {post.tweet_id}",
           now=now)


def reply_ended(session: Session, *, post: Post, outcome: str, reason: str, actor: str, now: datetime) -> None:
    """A reply post ended `failed` or `cancelled` without going out.

    The item gets a `reply_failed` row with the reason. If it counted as answered (replied, or
    resolved after replying) and no other reply is live, it goes back to CLAIMED with the same
    assignee so the agent sees it in the queue again. A dismissed item is left alone: dismissing
    is what cancelled the reply, and the dismiss recorded that.
    """
    if post.triage_item_id is None:
        return
    item = session.get(TriageItem, post.triage_item_id)
    if item is None or item.status == TriageStatus.DISMISSED.value:
        return
    detail = f"post {post.id} {outcome}: {reason}"
    others = [p for p in live_replies(session, post.triage_item_id) if p.id != post.id]
    was = item.status
    if was in _ANSWERED and not others:
        session.execute(
            update(TriageItem)
            .where(col(TriageItem.id) == item.id)
            .values(status=TriageStatus.CLAIMED.value, resolved_at=None, updated_at=now)
        )
        detail += f"; back to claimed (was {was})"
        session.refresh(item)
    record(session, item, actor=actor, action="reply_failed", detail=detail, now=now)
