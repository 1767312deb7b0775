"""The publish queue: every way a post is added, approved, edited, cancelled or held.

A post (or each part of a thread) is one `Post` row; every change of state is written in the
caller's transaction together with an audit row. The publisher (`bot.publish.publisher`) is
the only code that moves a post to `publishing` / `posted` / `failed`.

States: draft → pending_approval → scheduled → publishing → posted | failed | cancelled | held.
Failed and cancelled are final (there is no retry: queue the text again); a thread part that
ends so cancels the parts after it (`bot.publish.threads`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

import structlog
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.crisis import CRISIS_HOLD, crisis_state, held_by_crisis
from bot.domain import OPEN_POST_STATES, PostKind, PostState
from bot.errors import BotError, ValidationError
from bot.localtime import format_local
from bot.publish.threads import cancel_part, part_label, thread_parts
from bot.render.thread import split_thread
from bot.store.coordination import audit
from bot.store.models import Post
from bot.text.weighted import MAX_WEIGHTED_LENGTH, weighted_length
from bot.triage.replies import reply_ended

log = structlog.get_logger()



class PostNotFoundError(BotError):
    """No post with that id."""


class PostStateError(BotError):
    """The post is not in a state that allows this action (e.g. approving a posted item)."""


def validate_text(text: str) -> str:
    """The stripped text, or `ValidationError` saying why X would refuse it."""
    body = text.strip()
    if not body:
        raise ValidationError("a post cannot be empty")
    bad = next((c for c in body if 0xD800 <= ord(c) <= 0xDFFF or c == "\x00"), None)
    if bad is not None:
        raise ValidationError(f"the text holds {bad!r}, which is not valid UTF-8 text; check the input's encoding")
    length = weighted_length(body)
    if length > MAX_WEIGHTED_LENGTH:
        raise ValidationError(f"{length} weighted characters > {MAX_WEIGHTED_LENGTH}; shorten it or post a thread")
    return body


def check_not_past(when: datetime, *, now: datetime, tz: tzinfo, instead: str = "pick a later time") -> datetime:
    """`when`, or `ValidationError` once its whole minute has gone by (forms give times to the minute).

    The refusal names both times in `tz` (the configured zone, as people typed the time), then
    what to do `instead`: "2026-03-01 12:00 CET is in the past (it is now 2026-03-01 13:05 CET); …".
    """
    if when + timedelta(minutes=1) <= now:
        raise ValidationError(f"{format_local(when, tz)} is in the past (it is now {format_local(now, tz)}); {instead}")
    return when


def enqueue_post(
    session: Session,
    *,
    texts: Sequence[str],
    now: datetime,
    kind: PostKind | str,
    scheduled_at: datetime | None = None,
    in_reply_to_tweet_id: str | None = None,
    triage_item_id: int | None = None,
    priority: int = 0,
    promotional: bool = False,
    requires_approval: bool = False,
    created_by: str = "system",
    event_id: str | None = None,
    template: str | None = None,
    variant: int | None = None,
) -> list[Post]:
    """Queue one post (or a thread when `texts` has several parts); the caller commits.

    Every part is validated first (`ValidationError`: nothing is queued). A post that needs
    approval waits in `pending_approval`; while crisis mode is on, a post that would be
    scheduled is `held` instead and released when the pause ends, unless it is a staff reply
    to a triage item (`bot.crisis.held_by_crisis`).
    """
    if not texts:
        raise ValidationError("nothing to post")
    bodies = [validate_text(t) for t in texts]
    due = scheduled_at or now
    thread_key = uuid.uuid4().hex if len(bodies) > 1 else None
    if requires_approval:
        state, held_reason = PostState.PENDING_APPROVAL, None
    else:
        crisis = crisis_state(session, now=now)
        hold = crisis.active and held_by_crisis(kind=str(kind), triage_item_id=triage_item_id)
        state, held_reason = (
            (PostState.HELD, f"{CRISIS_HOLD}: {crisis.reason}") if hold else (PostState.SCHEDULED, None)
        )
    posts = [
        Post(
            kind=str(kind),
            state=state.value,
            text=body,
            event_id=event_id,
            template=template,
            variant=variant,
            thread_key=thread_key,
            thread_index=index,
            thread_size=len(bodies),
            in_reply_to_tweet_id=in_reply_to_tweet_id if index == 0 else None,
            triage_item_id=triage_item_id,
            priority=priority,
            promotional=promotional,
            requires_approval=requires_approval,
            scheduled_at=due,
            created_at=now,
            updated_at=now,
            created_by=created_by,
            held_reason=held_reason,
        )
        for index, body in enumerate(bodies)
    ]
    session.add_all(posts)
    session.flush()
    ids = ",".join(str(p.id) for p in posts)
    audit(session, at=now, actor=created_by, action="post.queued", target=f"post {ids}",
          detail=f"{kind} {state.value} at {due.isoformat()}")
    log.info("post.queued", post_id=posts[0].id, parts=len(posts), kind=str(kind), state=state.value,
             event_id=event_id)
    return posts


def enqueue_manual(
    session: Session,
    *,
    text: str,
    now: datetime,
    created_by: str,
    tz: tzinfo,
    scheduled_at: datetime | None = None,
    thread: bool = False,
    requires_approval: bool = False,
    priority: int = 0,
    promotional: bool = False,
) -> list[Post]:
    """Queue a post a person wrote (`brandbot queue add`, the dashboard's "Queue a post" form); the caller commits.

    With `thread` a text too long for one post becomes a numbered thread, split at word
    boundaries (`bot.render.thread.split_thread`); without it the text must fit one post. The
    rest is `enqueue_post` with kind manual: every part validated first, due at `scheduled_at`
    (or now), waiting for approval with `requires_approval`, held while crisis mode is on, and a
    `post.queued` audit row by `created_by`. A `scheduled_at` whose minute has gone by is a
    `ValidationError` naming it and the time now in `tz` (`check_not_past`): a person who typed a
    past time most likely mistyped it, and no time at all already means "now".
    """
    if scheduled_at is not None:
        check_not_past(scheduled_at, now=now, tz=tz,
                       instead="pick a later time, or leave the time out to post it now")
    texts = split_thread(text.strip()) if thread else [text]
    return enqueue_post(session, texts=texts, now=now, kind=PostKind.MANUAL, scheduled_at=scheduled_at,
                        requires_approval=requires_approval, priority=priority, promotional=promotional,
                        created_by=created_by)


def get_post(session: Session, post_id: int) -> Post:
    """The post with `post_id`, or `PostNotFoundError`."""
    post = session.get(Post, post_id)
    if post is None:
        raise PostNotFoundError(f"post {post_id} does not exist")
    return post


def list_posts(
    session: Session,
    *,
    states: Sequence[PostState | str] | None = None,
    limit: int = 200,
    newest_first: bool = False,
    latest_outcome_first: bool = False,
) -> list[Post]:
    """Posts in `states` (default: the open ones) in scheduled-time order (`newest_first`: reversed).

    `latest_outcome_first` orders by when each post last happened instead, newest first: its
    publication (`posted_at`), else its last change (failed, cancelled: `updated_at`). A post held
    through a crisis and published late then comes first, whatever time it was scheduled for.
    """
    wanted = [str(s) for s in (states or OPEN_POST_STATES)]
    stmt = select(Post).where(col(Post.state).in_(wanted))
    if latest_outcome_first:
        stmt = stmt.order_by(func.coalesce(col(Post.posted_at), col(Post.updated_at)).desc(), col(Post.id).desc())
    else:
        order = col(Post.scheduled_at).desc() if newest_first else col(Post.scheduled_at)
        stmt = stmt.order_by(order, col(Post.id))
    return list(session.exec(stmt.limit(limit)))


def approve_post(session: Session, post_id: int, *, actor: str, now: datetime) -> list[Post]:
    """Approve a post awaiting approval (the whole thread): it becomes scheduled (or held in a crisis)."""
    post = get_post(session, post_id)
    if post.state != PostState.PENDING_APPROVAL:
        raise PostStateError(f"post {post_id} is {post.state}, not pending approval")
    crisis = crisis_state(session, now=now)
    hold = crisis.active and held_by_crisis(kind=post.kind, triage_item_id=post.triage_item_id)
    parts = thread_parts(session, post)
    for part in parts:
        part.state = PostState.HELD.value if hold else PostState.SCHEDULED.value
        part.held_reason = f"{CRISIS_HOLD}: {crisis.reason}" if hold else None
        part.approved_by = actor
        part.approved_at = now
        part.updated_at = now
        session.add(part)
    audit(session, at=now, actor=actor, action="post.approved", target=f"post {post_id}")
    log.info("post.approved", post_id=post_id, actor=actor)
    return parts


def edit_post(
    session: Session,
    post_id: int,
    *,
    actor: str,
    now: datetime,
    tz: tzinfo,
    text: str | None = None,
    scheduled_at: datetime | None = None,
) -> Post:
    """Change the text (re-validated) and/or the time of a post that has not gone out yet.

    Only what differs is changed and audited; a new time must not be in the past
    (`check_not_past`, the times named in `tz`); a text and time both as they were is a
    `ValidationError` (nothing written).
    """
    post = get_post(session, post_id)
    if post.state not in OPEN_POST_STATES:
        raise PostStateError(f"post {post_id} is {post.state}; only queued posts can be edited")
    changes = []
    if text is not None and (body := validate_text(text)) != post.text:
        post.text = body
        changes.append("text")
    if scheduled_at is not None and scheduled_at != post.scheduled_at:
        check_not_past(scheduled_at, now=now, tz=tz)
        for part in thread_parts(session, post):
            part.scheduled_at = scheduled_at
            part.updated_at = now
            session.add(part)
        changes.append(f"time {scheduled_at.isoformat()}")
    if not changes:
        raise ValidationError(f"post {post_id}: nothing to change, the text and time are as they were")
    post.updated_at = now
    session.add(post)
    audit(session, at=now, actor=actor, action="post.edited", target=f"post {post_id}", detail=", ".join(changes))
    log.info("post.edited", post_id=post_id, actor=actor, changes=changes)
    return post


def cancel_post(session: Session, post_id: int, *, actor: str, now: datetime, reason: str = "") -> list[Post]:
    """Cancel a queued post (every part of its thread that has not gone out); returns the parts cancelled.

    The post says `reason`; each other part says which part was cancelled, by whom and why
    ("earlier part 1/3 (post 12) cancelled by ana: typo"), each with its own `post.cancelled`
    audit row (`bot.publish.threads`). A cancelled reply to a triage item is reported to the
    item (`bot.triage.replies.reply_ended`).
    """
    post = get_post(session, post_id)
    if post.state not in OPEN_POST_STATES or not cancel_part(session, post, actor=actor, now=now, reason=reason):
        raise PostStateError(f"post {post_id} is {post.state}; only queued posts can be cancelled")
    why = f"cancelled by {actor}" + (f": {reason}" if reason else "")
    parts = [post]
    for part in thread_parts(session, post):
        if part.id != post.id and part.state in OPEN_POST_STATES:
            side = "earlier" if part.thread_index > post.thread_index else "later"
            if cancel_part(session, part, actor=actor, now=now, reason=f"{side} {part_label(post)} {why}"):
                parts.append(part)
    log.info("post.cancelled", post_id=post_id, actor=actor, parts=len(parts))
    reply_ended(session, post=post, outcome="cancelled", reason=reason or f"cancelled by {actor}", actor=actor,
                now=now)
    return sorted(parts, key=lambda p: p.thread_index)
