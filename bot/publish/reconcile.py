"""Whether a post went out, read back from the account's own timeline.

A post left in `publishing` whose lease expired (or whose owner was a process of this host
that died) was in flight when its process stopped. `StaleReconciler.settle` reads the own
recent tweets back to that post's latest attempt: if a tweet with that text (posted after the
attempt started, not already owned by another post) is there, the post is `posted` with that
id; otherwise it goes back on the schedule. The publisher also asks `own_tweets_since` and
`find_own_tweet` when X refuses a post as duplicate content (an earlier attempt may be out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.credentials_health import mark_authorized
from bot.domain import PostState
from bot.errors import XApiError
from bot.store.coordination import dead_local_owner, increment
from bot.store.db import session_scope
from bot.store.models import Post, PostAttempt
from bot.triage.replies import reply_posted
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import XClient, XTweet

log = structlog.get_logger()

#: A tweet found while reconciling must be this recent relative to the attempt.
RECONCILE_SKEW = timedelta(minutes=5)
#: How far back reconciling reads the account's timeline at most (pages of 100 posts).
RECONCILE_MAX_PAGES = 10
#: Shared counter of posts that went out (`brandbot_posts_published_total`), moved with the post's own row.
POSTED_COUNTER = "posts.published"


@dataclass
class Settled:
    """The stale posts one `settle` found out (ids): posted after all, or back on the schedule."""

    reconciled: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)


def abandoned(post: Post, now: datetime) -> bool:
    """A `publishing` post whose lease expired, or whose owner was a process of this host that died."""
    expired = post.lease_until is None or post.lease_until < now
    return expired or dead_local_owner(post.lease_owner or "")


def latest_attempt(session: Session, post_id: int | None) -> PostAttempt | None:
    """The post's most recent attempt row."""
    stmt = select(PostAttempt).where(PostAttempt.post_id == post_id).order_by(col(PostAttempt.id).desc())
    return session.exec(stmt).first()


def attempt_since(session: Session, post: Post, attempt: PostAttempt | None = None) -> datetime:
    """The earliest time a tweet from the post's latest attempt can carry."""
    attempt = attempt or latest_attempt(session, post.id)
    return (attempt.started_at if attempt else post.updated_at) - RECONCILE_SKEW


def find_own_tweet(session: Session, post: Post, tweets: list[XTweet], since: datetime) -> str | None:
    """The id of an own tweet with this post's text, posted after `since` and not owned by another post."""
    for tweet in tweets:
        if tweet.text != post.text:
            continue
        if tweet.created_at is not None and tweet.created_at < since:
            continue
        taken = session.exec(select(Post.id).where(Post.tweet_id == tweet.id, Post.id != post.id)).first()
        if taken is None:
            return tweet.id
    return None


def mark_posted(session: Session, post: Post, tweet_id: str, now: datetime) -> None:
    """The post is out as `tweet_id` (the publisher's call returned it, or reconciling found it); the caller commits.

    Counted in `POSTED_COUNTER` in the same transaction, so each post is counted once whichever way it is settled.
    """
    post.state = PostState.POSTED.value
    post.tweet_id = tweet_id
    post.posted_at = now
    post.lease_owner = None
    post.lease_until = None
    post.deferred_reason = None
    post.last_error = None
    post.updated_at = now
    session.add(post)
    increment(session, POSTED_COUNTER)
    mark_authorized(session, now=now, detail="posting works again")
    reply_posted(session, post=post, now=now)


class StaleReconciler:
    """Settles posts left in `publishing` by a process that died, from the account's own timeline."""

    def __init__(self, *, engine: Engine, x: XClient, budget: BudgetKeeper, clock: Clock, brand_user_id: str) -> None:
        self._engine = engine
        self._x = x
        self._budget = budget
        self._clock = clock
        self._brand_id = brand_user_id

    def settle(self) -> Settled:
        """Settle every abandoned `publishing` post the timeline read (within budget) can speak for."""
        settled = Settled()
        now = self._clock.now()
        with session_scope(self._engine) as session:
            stale = [p for p in session.exec(select(Post).where(col(Post.state) == PostState.PUBLISHING.value))
                     if abandoned(p, now)]
            if not stale:
                return settled
            stale_ids = [p.id for p in stale if p.id is not None]
            since = min(attempt_since(session, p) for p in stale)
        if not self._budget.may_call(tiers.GET_USER_TWEETS):
            log.info("publish.reconcile_waits", posts=len(stale_ids), reason="own timeline budget spent")
            return settled
        try:
            tweets, complete = self.own_tweets_since(since)
        except XApiError as exc:
            log.warning("publish.reconcile_failed", error=type(exc).__name__, detail=str(exc))
            return settled
        for post_id in stale_ids:
            self._settle_one(post_id, tweets, complete, settled)
        return settled

    def own_tweets_since(self, since: datetime) -> tuple[list[XTweet], bool]:
        """The account's tweets, newest first, paged back to `since`; and whether they do reach back that far.

        One page is not enough: more than 100 posts may go out while a dead process's lease runs.
        """
        tweets: list[XTweet] = []
        token: str | None = None
        for _ in range(RECONCILE_MAX_PAGES):
            page = self._x.own_recent_tweets(self._brand_id, max_results=100, pagination_token=token)
            tweets.extend(page.tweets)
            token = page.next_token
            oldest = page.tweets[-1].created_at if page.tweets else None
            if not token or (oldest is not None and oldest < since):
                return tweets, True
            if not self._budget.may_call(tiers.GET_USER_TWEETS):
                break
        return tweets, False

    def _settle_one(self, post_id: int, tweets: list[XTweet], complete: bool, settled: Settled) -> None:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            post = session.get(Post, post_id)
            if post is None or post.state != PostState.PUBLISHING or not abandoned(post, now):
                return
            attempt = latest_attempt(session, post_id)
            found = find_own_tweet(session, post, tweets, attempt_since(session, post, attempt))
            if not found and not complete:
                log.info("publish.reconcile_waits", post_id=post_id, reason="timeline not read back far enough yet")
                return
            if attempt is not None and attempt.finished_at is None:
                attempt.finished_at = now
                attempt.outcome = "reconciled" if found else "abandoned"
                attempt.tweet_id = found
                session.add(attempt)
            if found:
                mark_posted(session, post, found, now)
                settled.reconciled.append(post_id)
                log.info("publish.reconciled", post_id=post_id, tweet_id=found)
            else:
                post.state = PostState.SCHEDULED.value
                post.lease_owner = None
                post.lease_until = None
                post.updated_at = now
                session.add(post)
                settled.requeued.append(post_id)
                log.info("publish.requeued", post_id=post_id, reason="no tweet found for an abandoned attempt")
