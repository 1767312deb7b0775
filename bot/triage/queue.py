"""Staff actions on the triage queue: claim, assign, reply, resolve, dismiss, label.

Every change is a conditional UPDATE (so two people or processes never both win a claim), a
`TriageAction` row and an audit entry, in the caller's transaction (not committed). Reading the
queue (lists, counts, an item's history) is `bot.triage.listing`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy import ColumnElement, or_, update
from sqlmodel import Session, col

from bot.domain import OPEN_POST_STATES, PostKind, PostState, TriageLabel, TriageStatus
from bot.errors import ValidationError
from bot.store.models import Author, Mention, Post, TrainingLabel, TriageItem
from bot.text.weighted import MAX_WEIGHTED_LENGTH, weighted_length
from bot.triage.errors import AlreadyAnsweredError, TriageConflictError, TriageNotFoundError
from bot.triage.listing import get_item
from bot.triage.replies import live_replies, record
from bot.triage.sla import OPEN_STATUSES as _OPEN

log = structlog.get_logger()

LABELS = {TriageLabel.COMPLAINT.value: 1, TriageLabel.NOT_COMPLAINT.value: 0}


class ReplyRenderer(Protocol):
    """What `reply` needs from the renderer (`bot.render.renderer.Renderer`)."""

    def render_reply(self, name: str, *, author: str, tweet_text: str, agent: str, locale: str) -> str: ...


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
        record(session, item, actor=actor, action="claimed", detail="", now=now)
        return item
    if item.assignee == actor and item.status in _OPEN:
        return item
    if item.status in _OPEN:
        raise TriageConflictError(f"triage item {item_id} is already claimed by {item.assignee}")
    raise TriageConflictError(f"triage item {item_id} is {item.status}")


def assign(
    session: Session, *, item_id: int, assignee: str, actor: str, now: datetime, override: bool = False,
) -> TriageItem:
    """Give an open item to `assignee` (a NEW item becomes CLAIMED).

    Anyone may give away an item nobody holds or one they hold themselves; taking an item from
    the colleague who holds it is a supervisor's override (`override`, noted on the history).
    Raises `TriageConflictError` when someone else holds it (without `override`) or it is closed.
    """
    before = get_item(session, item_id)
    status = TriageStatus.CLAIMED.value if before.status == TriageStatus.NEW.value else before.status
    return _change_open_item(session, item_id=item_id, actor=actor, now=now, override=override,
                             values={"assignee": assignee, "status": status}, action="assigned",
                             detail=f"to {assignee}")


def _change_open_item(
    session: Session,
    *,
    item_id: int,
    actor: str,
    now: datetime,
    override: bool,
    values: dict[str, object],
    action: str,
    detail: str,
    closed: str = "is",
) -> TriageItem:
    """Write `values` to an open item that `actor` may change, and record `action` with `detail` on its history.

    One conditional UPDATE: the item must be open and, without `override` (a supervisor's), NEW,
    held by nobody or held by `actor` (`may_change_holder`). Taking it from the colleague who
    holds it adds "(override: claimed by <holder>)" to the detail. Raises `TriageConflictError`
    naming the holder, or, for a closed item, "triage item <id> <closed> <status>".
    """
    holder = _holder(get_item(session, item_id))  # read now: the update below refreshes the item in place
    stmt = (
        update(TriageItem)
        .where(col(TriageItem.id) == item_id)
        .where(col(TriageItem.status).in_(_OPEN))
        .values(**values, updated_at=now)
    )
    if not override:
        stmt = stmt.where(_free_or_held_by(actor))
    result = session.execute(stmt)
    item = _reload(session, item_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if item.status in _OPEN:
            raise TriageConflictError(f"triage item {item_id} is claimed by {item.assignee}")
        raise TriageConflictError(f"triage item {item_id} {closed} {item.status}")
    if holder is not None and holder != actor:
        detail = f"{detail} (override: claimed by {holder})".strip()
    record(session, item, actor=actor, action=action, detail=detail, now=now)
    return item


def _free_or_held_by(actor: str) -> ColumnElement[bool]:
    """SQL condition: the item is NEW, held by nobody, or held by `actor` (what a non-supervisor may change)."""
    return or_(col(TriageItem.status) == TriageStatus.NEW.value, col(TriageItem.assignee).is_(None),
               col(TriageItem.assignee) == actor)


def _holder(item: TriageItem) -> str | None:
    """Who holds the item (None while it is NEW)."""
    return item.assignee if item.status != TriageStatus.NEW.value else None


def may_change_holder(item: TriageItem, actor: str, *, supervisor: bool) -> bool:
    """Whether `actor` may assign or close the open `item` (nobody or `actor` holds it, or a supervisor)."""
    holder = _holder(item)
    return supervisor or holder is None or holder == actor


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


def _lock(session: Session, item_id: int, now: datetime) -> None:
    """Write to the item first, so two requests for it (a double-submit) run one after the other."""
    session.execute(update(TriageItem).where(col(TriageItem.id) == item_id).values(updated_at=now))


def _refuse_second_reply(item_id: int, live: list[Post], *, follow_up: bool) -> None:
    """`TriageConflictError` unless a reply may be queued next to the item's `live` reply posts."""
    if not live:
        return
    pending = [p for p in live if p.state != PostState.POSTED.value]
    if pending:
        post = pending[-1]
        raise TriageConflictError(
            f"triage item {item_id} already has reply post {post.id} ({post.state}); "
            "cancel it or wait until it is posted or fails before replying again"
        )
    if not follow_up:
        raise AlreadyAnsweredError(item_id, live[-1].id or 0)


def _check_reply_text(text: str) -> None:
    """`ValidationError` unless `text` fits one post (a reply cannot be a thread)."""
    body = text.strip()
    if not body:
        raise ValidationError("the reply is empty")
    length = weighted_length(body)
    if length > MAX_WEIGHTED_LENGTH:
        raise ValidationError(f"the reply is {length} weighted characters; one post holds at most "
                              f"{MAX_WEIGHTED_LENGTH}: shorten it")


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
    follow_up: bool = False,
) -> list[Post]:
    """Queue a reply to the complaint (a rendered `template` or a literal `text`); the item becomes REPLIED.

    The reply goes through the publish queue (kind reply, in reply to the mention); the item's
    `first_response_at` is set when the publisher actually posts it (`bot.triage.replies`).
    Raises `TriageConflictError` if the author did not summon the account (a reply would be
    refused), someone else holds the item, or the item already has a reply post that is queued,
    in flight or posted (a posted one allows a deliberate `follow_up`; without it the error is
    `AlreadyAnsweredError`); `ValidationError` for a bad template, or for a text that is empty or
    over 280 weighted characters (checked before anything changes).
    """
    from bot.publish.queue import enqueue_post  # the publish queue is the one way out to X

    if (template is None) == (text is None):
        raise ValueError("give exactly one of template or text")
    if text is not None:
        _check_reply_text(text)
    get_item(session, item_id)
    _lock(session, item_id, now)
    item = _hold_for(session, item_id, actor=actor, now=now)
    _refuse_second_reply(item_id, live_replies(session, item_id), follow_up=follow_up)
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
    session.execute(update(TriageItem).where(col(TriageItem.id) == item_id)
                    .values(status=TriageStatus.REPLIED.value, updated_at=now))
    item = _reload(session, item_id)
    detail = f"post {posts[0].id}" + (f" template {template}" if template else " custom text")
    record(session, item, actor=actor, action="replied", detail=detail + (" (follow-up)" if follow_up else ""),
           now=now)
    return posts


def _close(
    session: Session, *, item_id: int, actor: str, now: datetime, status: TriageStatus, note: str, override: bool,
) -> TriageItem:
    """Close an open item; one claimed by someone else only with `override` (a supervisor)."""
    return _change_open_item(session, item_id=item_id, actor=actor, now=now, override=override,
                             values={"status": status.value, "resolved_at": now}, action=status.value, detail=note,
                             closed="is already")


def resolve(
    session: Session, *, item_id: int, actor: str, now: datetime, note: str = "", override: bool = False,
) -> TriageItem:
    """Close an open item as handled; a reply already queued still goes out.

    Only the holder may resolve a claimed item, or a supervisor with `override`.
    """
    return _close(session, item_id=item_id, actor=actor, now=now, status=TriageStatus.RESOLVED, note=note,
                  override=override)


def dismiss(
    session: Session, *, item_id: int, actor: str, now: datetime, note: str = "", override: bool = False,
) -> TriageItem:
    """Close an open item as needing nothing (not a complaint, spam, already handled elsewhere).

    Its reply posts that have not gone out are cancelled (a `reply_cancelled` row each); one
    already being published cannot be stopped, and a `reply_not_cancelled` row says so. Only the
    holder may dismiss a claimed item, or a supervisor with `override`.
    """
    from bot.publish.queue import cancel_post  # the publish queue owns a post's state

    item = _close(session, item_id=item_id, actor=actor, now=now, status=TriageStatus.DISMISSED, note=note,
                  override=override)
    for post in live_replies(session, item_id):
        if post.state in OPEN_POST_STATES:
            was = post.state
            cancel_post(session, post.id or 0, actor=actor, now=now, reason=f"triage item {item_id} dismissed")
            record(session, item, actor=actor, action="reply_cancelled", detail=f"post {post.id} (was {was})", now=now)
        elif post.state == PostState.PUBLISHING.value:
            record(session, item, actor=actor, action="reply_not_cancelled",
                   detail=f"post {post.id} is already being published", now=now)
    return item


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
    record(session, item, actor=actor, action="labelled", detail=label, now=now)
    return row

