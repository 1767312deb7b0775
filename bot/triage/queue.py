"""Staff actions on the triage queue: list, claim, assign, reply, resolve, dismiss, label.

Every change is a conditional UPDATE (so two people or processes never both win a claim), a
`TriageAction` row and an audit entry, in the caller's transaction (not committed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain import PostKind, TriageStatus
from bot.store.coordination import audit
from bot.store.models import Author, Mention, Post, TrainingLabel, TriageAction, TriageItem
from bot.triage.errors import TriageConflictError, TriageNotFoundError
from bot.triage.sla import OPEN_STATUSES as _OPEN
from bot.triage.sla import breached_items, count_by_status, is_sla_breached

__all__ = ["breached_items", "count_by_status", "is_sla_breached"]

log = structlog.get_logger()

LABELS = {"complaint": 1, "not-complaint": 0}


class ReplyRenderer(Protocol):
    """What `reply` needs from the renderer (`bot.render.renderer.Renderer`)."""

    def render_reply(self, name: str, *, author: str, tweet_text: str, agent: str, locale: str) -> str: ...


def get_item(session: Session, item_id: int) -> TriageItem:
    """The item `item_id`, or `TriageNotFoundError`."""
    item = session.get(TriageItem, item_id)
    if item is None:
        raise TriageNotFoundError(f"no triage item {item_id}")
    return item


def list_items(session: Session, *, status: TriageStatus | None = None, limit: int = 200) -> list[TriageItem]:
    """Open items (or those in `status`), most urgent first: severity rank, then SLA due time."""
    stmt = select(TriageItem)
    if status is None:
        stmt = stmt.where(col(TriageItem.status).in_(_OPEN))
    else:
        stmt = stmt.where(col(TriageItem.status) == status.value)
    stmt = stmt.order_by(col(TriageItem.severity_rank), col(TriageItem.sla_due_at), col(TriageItem.id)).limit(limit)
    return list(session.exec(stmt))


def history(session: Session, item_id: int) -> list[TriageAction]:
    """The item's actions, oldest first."""
    stmt = select(TriageAction).where(col(TriageAction.item_id) == item_id).order_by(col(TriageAction.id))
    return list(session.exec(stmt))


def _record(session: Session, item: TriageItem, *, actor: str, action: str, detail: str, now: datetime) -> None:
    assert item.id is not None
    session.add(TriageAction(item_id=item.id, actor=actor, action=action, detail=detail, created_at=now))
    audit(session, at=now, actor=actor, action=f"triage.{action}", target=f"triage:{item.id}", detail=detail)
    log.info(f"triage.{action}", triage_item_id=item.id, mention_id=item.mention_id, actor=actor, detail=detail)


def _reload(session: Session, item_id: int) -> TriageItem:
    item = get_item(session, item_id)
    session.refresh(item)
    return item


def claim(session: Session, *, item_id: int, actor: str, now: datetime) -> TriageItem:
    """Take a NEW item for `actor`; claiming one's own claimed item again is a no-op.

    Raises `TriageConflictError` when someone else holds it or it is no longer open.
    """
    result = session.execute(
        update(TriageItem)
        .where(col(TriageItem.id) == item_id)
        .where(col(TriageItem.status) == TriageStatus.NEW.value)
        .values(status=TriageStatus.CLAIMED.value, assignee=actor, updated_at=now)
    )
    item = _reload(session, item_id)
    if result.rowcount == 1:  # type: ignore[attr-defined]
        _record(session, item, actor=actor, action="claimed", detail="", now=now)
        return item
    if item.assignee == actor and item.status in _OPEN:
        return item
    if item.status in _OPEN:
        raise TriageConflictError(f"triage item {item_id} is already claimed by {item.assignee}")
    raise TriageConflictError(f"triage item {item_id} is {item.status}")


def assign(session: Session, *, item_id: int, assignee: str, actor: str, now: datetime) -> TriageItem:
    """Give an open item to `assignee` (a NEW item becomes CLAIMED); a supervisor's override."""
    item = get_item(session, item_id)
    status = TriageStatus.CLAIMED.value if item.status == TriageStatus.NEW.value else item.status
    result = session.execute(
        update(TriageItem)
        .where(col(TriageItem.id) == item_id)
        .where(col(TriageItem.status).in_(_OPEN))
        .values(assignee=assignee, status=status, updated_at=now)
    )
    item = _reload(session, item_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise TriageConflictError(f"triage item {item_id} is {item.status}")
    _record(session, item, actor=actor, action="assigned", detail=f"to {assignee}", now=now)
    return item


def _hold_for(session: Session, item_id: int, *, actor: str, now: datetime) -> TriageItem:
    """Make sure `actor` holds the open item (claiming a NEW one), else `TriageConflictError`."""
    item = get_item(session, item_id)
    if item.status not in _OPEN:
        raise TriageConflictError(f"triage item {item_id} is {item.status}")
    if item.assignee is None or item.status == TriageStatus.NEW.value:
        return claim(session, item_id=item_id, actor=actor, now=now)
    if item.assignee != actor:
        raise TriageConflictError(f"triage item {item_id} is claimed by {item.assignee}")
    return item


def reply(
    session: Session,
    *,
    item_id: int,
    actor: str,
    now: datetime,
    renderer: ReplyRenderer | None,
    locale: str,
    template: str | None = None,
    text: str | None = None,
) -> list[Post]:
    """Queue a reply to the complaint (a rendered `template` or a literal `text`); the item becomes REPLIED.

    The reply goes through the publish queue (kind reply, in reply to the mention). Raises
    `TriageConflictError` if the author did not summon the account (a reply would be refused) or
    someone else holds the item, and `ValidationError` for a bad template or text.
    """
    from bot.publish.queue import enqueue_post  # the publish queue is the one way out to X

    if (template is None) == (text is None):
        raise ValueError("give exactly one of template or text")
    item = _hold_for(session, item_id, actor=actor, now=now)
    mention = session.get(Mention, item.mention_id)
    if mention is None:  # pragma: no cover - foreign key
        raise TriageNotFoundError(f"mention {item.mention_id} of triage item {item_id} is gone")
    if not mention.summoned:
        raise TriageConflictError(
            f"triage item {item_id}: @-mention not found in the post, so X would refuse a reply; answer by hand"
        )
    if template is not None:
        if renderer is None:
            raise ValueError("a template reply needs the renderer")
        author = session.get(Author, item.author_id)
        body = renderer.render_reply(template, author=author.username if author else "", tweet_text=mention.text,
                                     agent=actor, locale=locale)
    else:
        body = (text or "").strip()
    posts: list[Post] = enqueue_post(
        session,
        texts=[body],
        now=now,
        kind=PostKind.REPLY,
        in_reply_to_tweet_id=mention.id,
        triage_item_id=item.id,
        created_by=actor,
        template=template,
    )
    values: dict[str, object] = {"status": TriageStatus.REPLIED.value, "updated_at": now}
    if item.first_response_at is None:
        values["first_response_at"] = now
    session.execute(update(TriageItem).where(col(TriageItem.id) == item_id).values(**values))
    item = _reload(session, item_id)
    detail = f"post {posts[0].id}" + (f" template {template}" if template else " custom text")
    _record(session, item, actor=actor, action="replied", detail=detail, now=now)
    return posts


def _close(session: Session, *, item_id: int, actor: str, now: datetime, status: TriageStatus, note: str) -> TriageItem:
    result = session.execute(
        update(TriageItem)
        .where(col(TriageItem.id) == item_id)
        .where(col(TriageItem.status).in_(_OPEN))
        .values(status=status.value, resolved_at=now, updated_at=now)
    )
    item = _reload(session, item_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise TriageConflictError(f"triage item {item_id} is already {item.status}")
    _record(session, item, actor=actor, action=status.value, detail=note, now=now)
    return item


def resolve(session: Session, *, item_id: int, actor: str, now: datetime, note: str = "") -> TriageItem:
    """Close an open item as handled."""
    return _close(session, item_id=item_id, actor=actor, now=now, status=TriageStatus.RESOLVED, note=note)


def dismiss(session: Session, *, item_id: int, actor: str, now: datetime, note: str = "") -> TriageItem:
    """Close an open item as needing nothing (not a complaint, spam, already handled elsewhere)."""
    return _close(session, item_id=item_id, actor=actor, now=now, status=TriageStatus.DISMISSED, note=note)


def label(session: Session, *, item_id: int, label: str, actor: str, now: datetime) -> TrainingLabel:
    """Teach the detector: 'complaint' or 'not-complaint' for the item's mention (a `TrainingLabel` row)."""
    if label not in LABELS:
        raise ValueError(f"label must be one of {', '.join(LABELS)}, got {label!r}")
    item = get_item(session, item_id)
    mention = session.get(Mention, item.mention_id)
    if mention is None:  # pragma: no cover - foreign key
        raise TriageNotFoundError(f"mention {item.mention_id} of triage item {item_id} is gone")
    row = TrainingLabel(mention_id=mention.id, text=mention.text, label=LABELS[label], actor=actor, created_at=now)
    session.add(row)
    session.execute(update(TriageItem).where(col(TriageItem.id) == item_id).values(label=label, updated_at=now))
    item = _reload(session, item_id)
    _record(session, item, actor=actor, action="labelled", detail=label, now=now)
    return row


def items_by_ids(session: Session, ids: Sequence[int]) -> list[TriageItem]:
    """Items with these ids, in id order."""
    return list(session.exec(select(TriageItem).where(col(TriageItem.id).in_(list(ids))).order_by(col(TriageItem.id))))
