"""Storing one page of posts: authors upserted, mentions inserted once, new ones classified and routed.

Inserts use the dialect's insert-if-absent (`ON CONFLICT DO NOTHING` on PostgreSQL,
`INSERT OR IGNORE`-equivalent on SQLite), so two processes storing the same page never store a
mention twice, and only the process whose insert took the row goes on to classify and route it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.classify.detector import Detector
from bot.follow.decisions import record_follow_decision
from bot.settings import Settings
from bot.store.coordination import increment
from bot.store.models import Author, Classification, Mention
from bot.triage.routing import open_triage_item
from bot.xapi.client import TweetPage, XTweet, XUser

log = structlog.get_logger()

UNKNOWN_USERNAME = "unknown"


def summons(text: str, handle: str) -> bool:
    """Whether `text` mentions `@handle` as a whole handle (case-insensitive; `@brandbot2` does not count)."""
    pattern = rf"(?<![\w@])@{re.escape(handle.lstrip('@'))}(?!\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def _insert(session: Session) -> Callable[[Any], Any]:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"unsupported database dialect {name!r}")


def upsert_authors(session: Session, users: Sequence[XUser], *, now: datetime) -> None:
    """Insert new authors and refresh the profile fields of known ones (first_seen_at kept)."""
    if not users:
        return
    insert = _insert(session)
    rows = [
        {
            "id": u.id,
            "username": u.username or UNKNOWN_USERNAME,
            "name": u.name,
            "description": u.description,
            "followers_count": u.followers_count,
            "following_count": u.following_count,
            "tweet_count": u.tweet_count,
            "verified": u.verified,
            "account_created_at": u.created_at,
            "first_seen_at": now,
            "last_seen_at": now,
        }
        for u in sorted({u.id: u for u in users}.values(), key=lambda u: u.id)
    ]
    stmt = insert(Author).values(rows)
    refreshed = ("username", "name", "description", "followers_count", "following_count", "tweet_count",
                 "verified", "account_created_at", "last_seen_at")
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={k: stmt.excluded[k] for k in refreshed})
    session.execute(stmt)


def insert_mentions(
    session: Session, tweets: Sequence[XTweet], *, handle: str, brand_user_id: str, found_by: str, now: datetime
) -> set[str]:
    """Insert the mentions not stored yet; returns the ids this call inserted."""
    rows = [
        {
            "id": t.id,
            "author_id": t.author_id,
            "text": t.text,
            "created_at": t.created_at or now,
            "seen_at": now,
            "found_by": found_by,
            "conversation_id": t.conversation_id,
            "in_reply_to_user_id": t.in_reply_to_user_id,
            "lang": t.lang,
            "summoned": summons(t.text, handle) or t.in_reply_to_user_id == brand_user_id,
        }
        for t in tweets
    ]
    if not rows:
        return set()
    stmt = _insert(session)(Mention).values(rows).on_conflict_do_nothing(index_elements=["id"])
    inserted = session.execute(stmt.returning(col(Mention.id)))
    return {str(r[0]) for r in inserted}


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """What storing one page did."""

    new_mentions: int
    complaints: int
    follow_decisions: int


def store_page(
    session: Session,
    page: TweetPage,
    *,
    found_by: str,
    detector: Detector,
    settings: Settings,
    brand_user_id: str,
    crisis_active: bool,
    now: datetime,
) -> PageOutcome:
    """Store, classify and route one page in the caller's transaction (not committed)."""
    tweets = [t for t in page.tweets if t.author_id is not None and t.author_id != brand_user_id]
    author_ids = {str(t.author_id) for t in tweets}
    upsert_authors(session, [page.users[a] for a in author_ids if a in page.users], now=now)
    missing = sorted(a for a in author_ids if a not in page.users)
    if missing:  # the expansion left some authors out: keep a stub, filled in when they show up
        stubs = [{"id": a, "username": UNKNOWN_USERNAME, "first_seen_at": now, "last_seen_at": now} for a in missing]
        session.execute(_insert(session)(Author).values(stubs).on_conflict_do_nothing(index_elements=["id"]))
    new_ids = insert_mentions(session, tweets, handle=settings.brand_handle, brand_user_id=brand_user_id,
                              found_by=found_by, now=now)
    fresh = [t for t in tweets if t.id in new_ids]
    if not fresh:
        return PageOutcome(0, 0, 0)
    verdicts = detector.classify_many([t.text for t in fresh])
    version = detector.version
    complaints = 0
    complained: dict[str, bool] = {}
    for tweet, verdict in zip(fresh, verdicts, strict=True):
        bound = log.bind(mention_id=tweet.id, author_id=tweet.author_id, found_by=found_by)
        row = Classification(
            mention_id=tweet.id,
            complaint=verdict.complaint,
            score=verdict.score,
            severity=verdict.severity,
            reasons=list(verdict.reasons),
            model_version=version,
            created_at=now,
        )
        session.add(row)
        session.flush()
        if verdict.complaint:
            complaints += 1
            item = open_triage_item(session, mention_id=tweet.id, author_id=str(tweet.author_id),
                                    severity=verdict.severity, score=verdict.score, now=now)
            bound.info("mention.complaint", triage_item_id=item.id, severity=verdict.severity, score=verdict.score)
        else:
            bound.debug("mention.stored", score=verdict.score)
        author_id = str(tweet.author_id)
        complained[author_id] = complained.get(author_id, False) or verdict.complaint
    decisions = 0
    seen: set[str] = set()
    for tweet in fresh:
        author_id = str(tweet.author_id)
        if author_id in seen:
            continue
        seen.add(author_id)
        author = session.get(Author, author_id)
        if author is None:  # pragma: no cover - upserted above in this transaction
            continue
        decision = record_follow_decision(
            session,
            author=author,
            mention_id=tweet.id,
            classification=_Complaint(complained[author_id]),
            crisis_active=crisis_active,
            blocklist=settings.follow_blocklist,
            tier=settings.x_tier,
            follow_enabled=settings.follow_enabled,
            text=tweet.text,
            now=now,
        )
        decisions += decision is not None
    increment(session, "mentions_seen", len(fresh))
    if complaints:
        increment(session, "complaints", complaints)
    return PageOutcome(len(fresh), complaints, decisions)


@dataclass(frozen=True, slots=True)
class _Complaint:
    complaint: bool
