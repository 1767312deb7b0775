"""Recording follow decisions (one row per author) and the people-to-follow list."""

from __future__ import annotations

import zlib
from datetime import datetime

import structlog
from sqlalchemy import text, update
from sqlmodel import Session, col, select

from bot.domain import FollowStatus
from bot.follow.errors import FollowConflictError, FollowNotFoundError
from bot.follow.policy import ClassificationLike, decide_follow
from bot.store.coordination import audit
from bot.store.models import Author, FollowDecision

log = structlog.get_logger()


def _lock_author(session: Session, author_id: str) -> None:
    """Serialise decisions about one author across processes (PostgreSQL; SQLite writes are serial already)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        key = zlib.crc32(f"follow:{author_id}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def existing_decision(session: Session, author_id: str) -> FollowDecision | None:
    """The decision already taken about `author_id`, if any."""
    stmt = select(FollowDecision).where(col(FollowDecision.author_id) == author_id).order_by(col(FollowDecision.id))
    return session.exec(stmt.limit(1)).first()


def record_follow_decision(
    session: Session,
    *,
    author: Author,
    mention_id: str | None,
    classification: ClassificationLike | None,
    crisis_active: bool,
    blocklist: tuple[str, ...],
    tier: str,
    follow_enabled: bool,
    text: str,
    now: datetime,
) -> FollowDecision | None:
    """Decide about `author` once; returns the new row, or None when a decision already exists.

    Not committed: part of the caller's transaction.
    """
    _lock_author(session, author.id)
    if existing_decision(session, author.id) is not None:
        return None
    status, reason = decide_follow(
        author,
        classification=classification,
        crisis_active=crisis_active,
        already_decided=False,
        blocklist=blocklist,
        tier=tier,
        now=now,
        follow_enabled=follow_enabled,
        account_created_at=author.account_created_at,
        text=text,
    )
    row = FollowDecision(author_id=author.id, mention_id=mention_id, status=status, reason=reason, created_at=now)
    session.add(row)
    session.flush()
    log.info("follow.decided", author_id=author.id, username=author.username, status=str(status), reason=reason,
             mention_id=mention_id)
    return row


def list_follows(
    session: Session, *, status: FollowStatus | None = None, limit: int = 500
) -> list[tuple[FollowDecision, Author]]:
    """Decisions with their authors, oldest first (all statuses when `status` is None)."""
    stmt = select(FollowDecision, Author).join(Author, col(Author.id) == col(FollowDecision.author_id))
    if status is not None:
        stmt = stmt.where(col(FollowDecision.status) == status.value)
    stmt = stmt.order_by(col(FollowDecision.created_at), col(FollowDecision.id)).limit(limit)
    return [(d, a) for d, a in session.exec(stmt)]


def mark_manual_done(session: Session, *, decision_id: int, actor: str, now: datetime) -> FollowDecision:
    """Record that a person followed a MANUAL author by hand (status manual → manual_done)."""
    result = session.execute(
        update(FollowDecision)
        .where(col(FollowDecision.id) == decision_id)
        .where(col(FollowDecision.status) == FollowStatus.MANUAL.value)
        .values(status=FollowStatus.MANUAL_DONE.value, done_at=now, done_by=actor)
    )
    row = session.get(FollowDecision, decision_id)
    if row is None:
        raise FollowNotFoundError(f"no follow decision {decision_id}")
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise FollowConflictError(f"follow decision {decision_id} is {row.status}, not manual")
    session.refresh(row)
    audit(session, at=now, actor=actor, action="follow.manual_done", target=f"author:{row.author_id}",
          detail=f"decision {decision_id}")
    return row
