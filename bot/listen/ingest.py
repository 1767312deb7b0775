"""Storing one page of posts: authors upserted, mentions inserted once, new ones classified and routed.

Texts are stored as given, except for what no text column can hold: NUL (PostgreSQL refuses
it) and lone surrogates (not encodable as UTF-8; JSON can carry them as `\\ud800` escapes)
become U+FFFD, so one odd mention can never stop the poller from moving past its page.

Inserts use the dialect's insert-if-absent (`ON CONFLICT DO NOTHING` on PostgreSQL,
`INSERT OR IGNORE`-equivalent on SQLite), so two processes storing the same page never store a
mention twice, and only the process whose insert took the row goes on to classify and route it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import structlog
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.follow.decisions import FollowCandidate, record_follow_decisions
from bot.settings import Settings
from bot.store.coordination import increment
from bot.store.models import Author, Classification, Mention
from bot.triage.routing import NewComplaint, open_triage_items
from bot.xapi.client import TweetPage, XTweet, XUser

log = structlog.get_logger()

UNKNOWN_USERNAME = "unknown"
DEFAULT_MODEL_VERSION = "default"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` unchanged, except NUL and lone surrogates (which UTF-8/PostgreSQL cannot hold) become U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text) if _UNSTORABLE.search(text) else text


def _storable_tweet(tweet: XTweet) -> XTweet:
    text = storable(tweet.text)
    return tweet if text is tweet.text else replace(tweet, text=text)


def _storable_user(user: XUser) -> XUser:
    username, name, description = storable(user.username), storable(user.name), storable(user.description)
    if username is user.username and name is user.name and description is user.description:
        return user
    return replace(user, username=username, name=name, description=description)


class Verdict(Protocol):
    """One detector verdict (`bot.classify` `Classification`)."""

    @property
    def complaint(self) -> bool: ...
    @property
    def score(self) -> float: ...
    @property
    def severity(self) -> str: ...
    @property
    def reasons(self) -> Sequence[str]: ...


class MentionDetector(Protocol):
    """What the listener needs from the complaint detector (`bot.classify.detector.Detector`)."""

    def classify_many(self, texts: list[str]) -> Sequence[Verdict]: ...


def model_version(detector: MentionDetector) -> str:
    """The detector's model version for the `Classification` row ('default' when it has none)."""
    version = getattr(detector, "version", None)
    return str(version) if version else DEFAULT_MODEL_VERSION


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
    stmt = insert(Author)
    refreshed = ("username", "name", "description", "followers_count", "following_count", "tweet_count",
                 "verified", "account_created_at", "last_seen_at")
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={k: stmt.excluded[k] for k in refreshed})
    session.execute(stmt, rows)


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
    stmt = _insert(session)(Mention).on_conflict_do_nothing(index_elements=["id"]).returning(col(Mention.id))
    inserted = session.execute(stmt, rows)
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
    detector: MentionDetector,
    settings: Settings,
    brand_user_id: str,
    crisis_active: bool,
    now: datetime,
) -> PageOutcome:
    """Store, classify and route one page in the caller's transaction (not committed)."""
    tweets = [_storable_tweet(t) for t in page.tweets if t.author_id is not None and t.author_id != brand_user_id]
    author_ids = {str(t.author_id) for t in tweets}
    upsert_authors(session, [_storable_user(page.users[a]) for a in author_ids if a in page.users], now=now)
    missing = sorted(a for a in author_ids if a not in page.users)
    if missing:  # the expansion left some authors out: keep a stub, filled in when they show up
        stubs = [{"id": a, "username": UNKNOWN_USERNAME, "first_seen_at": now, "last_seen_at": now} for a in missing]
        session.execute(_insert(session)(Author).on_conflict_do_nothing(index_elements=["id"]), stubs)
    new_ids = insert_mentions(session, tweets, handle=settings.brand_handle, brand_user_id=brand_user_id,
                              found_by=found_by, now=now)
    fresh = [t for t in tweets if t.id in new_ids]
    if not fresh:
        return PageOutcome(0, 0, 0)
    verdicts = list(detector.classify_many([t.text for t in fresh]))
    if len(verdicts) != len(fresh):
        raise ValueError(f"detector returned {len(verdicts)} verdicts for {len(fresh)} texts")
    version = model_version(detector)
    session.execute(insert(Classification), [
        {"mention_id": t.id, "complaint": v.complaint, "score": v.score, "severity": v.severity,
         "reasons": list(v.reasons), "model_version": version, "created_at": now}
        for t, v in zip(fresh, verdicts, strict=True)
    ])
    complaints = [
        NewComplaint(mention_id=t.id, author_id=str(t.author_id), severity=v.severity, score=v.score)
        for t, v in zip(fresh, verdicts, strict=True) if v.complaint
    ]
    item_ids = open_triage_items(session, complaints, now=now)
    for t, v in zip(fresh, verdicts, strict=True):
        bound = log.bind(mention_id=t.id, author_id=t.author_id, found_by=found_by)
        if v.complaint:
            bound.info("mention.complaint", triage_item_id=item_ids.get(t.id), severity=v.severity, score=v.score)
        else:
            bound.debug("mention.stored", score=v.score)
    complained = {str(t.author_id) for t, v in zip(fresh, verdicts, strict=True) if v.complaint}
    decisions = record_follow_decisions(
        session,
        [FollowCandidate(author_id=str(t.author_id), mention_id=t.id, complaint=str(t.author_id) in complained,
                         text=t.text) for t in fresh],
        crisis_active=crisis_active,
        blocklist=settings.follow_blocklist,
        tier=settings.x_tier,
        follow_enabled=settings.follow_enabled,
        now=now,
    )
    increment(session, "mentions_seen", len(fresh))
    if complaints:
        increment(session, "complaints", len(complaints))
    return PageOutcome(len(fresh), len(complaints), len(decisions))
