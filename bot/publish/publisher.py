"""The publisher: moves due posts to X exactly once.

One run (`Publisher.run_once`, called every few seconds by the scheduler of every bot process):

1. **Reconcile**: a crisis pause whose auto-resume time has passed is ended (its held posts go back
   on the schedule, `bot.crisis.settle_auto_resume`) before anything is claimed. A post left in
   `publishing` whose lease expired was in flight when a process died. The account's own recent
   tweets say whether the call went through: if a tweet with that text (posted after the attempt
   started, not already owned by another post) is there, the post is `posted` with that id;
   otherwise it goes back on the schedule (`bot.publish.reconcile`). Thread parts still queued
   behind a part that failed or was cancelled are cancelled (`bot.publish.threads.cancel_stranded`).
2. **Defer**: when the tier's remaining quota will not cover every due post, the
   lower-priority ones are deferred to the reset with a reason (never a 429 loop).
3. **Claim and post**, most important first: a conditional UPDATE (`scheduled` → `publishing`
   with a lease) claims one post, so two processes never take the same one; an attempt row is
   written before the call; crisis mode is checked again right before the call. While crisis
   mode is on only the posts it does not hold (staff replies to triage items,
   `bot.crisis.held_by_crisis`) are claimed.
4. **Check a reply's target**: right before a reply is sent, the tweet it answers is looked up
   (GET /2/tweets/:id, budgeted like every call). A deleted tweet fails the post ("tweet
   deleted"), and so does one the account may no longer see ("tweet not visible": its author
   protected their posts and the brand is not an approved follower), without calling POST
   /2/tweets, so a reply never goes out as a stand-alone tweet; X's 403 for a vanished or hidden
   target stays as the backstop. A spent lookup budget makes the reply wait; a tier without the
   lookup fails it (`NotOnTier`), as X refusing the lookup does.

Outcomes: posted; duplicate content → reconcile (it is already out) or fail; 429/5xx/timeouts →
back on the schedule with exponential backoff and jitter (or the rate-limit reset); 401 → the
queue waits, readiness fails, a loud log and audit row; usage cap / credits → deferred to when
they clear; other refusals (400, 403, 404) → `failed` with the reason. A failed thread part
cancels the parts after it (`bot.publish.threads`). A reply tied to a triage item tells the
item when it is posted or fails (`bot.triage.replies`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.credentials_health import mark_unauthorized
from bot.crisis import crisis_state, exempt_from_crisis, held_by_crisis, settle_auto_resume
from bot.domain import PostState
from bot.errors import (
    CreditsDepleted,
    DuplicateContent,
    NotFound,
    NotVisible,
    PermanentError,
    RateLimited,
    TransientError,
    Unauthorized,
    UsageCapExceeded,
    XApiError,
)
from bot.publish.reconcile import RECONCILE_SKEW, StaleReconciler, find_own_tweet, mark_posted
from bot.publish.threads import cancel_later_parts, cancel_stranded, previous_part
from bot.store.coordination import audit, record_429
from bot.store.db import session_scope
from bot.store.models import Post, PostAttempt
from bot.triage.replies import reply_ended
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import XClient, XTweet

log = structlog.get_logger()

#: How long a claimed post stays ours before another process may reconcile it (default of
#: `PUBLISH_LEASE_SECONDS`; it must outlast one X call, timeout included).
LEASE_SECONDS = 120
#: Backoff of transient failures: base × 2^(attempts-1), capped, with ±25 % jitter.
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 900.0
#: While the API answers 401, the queue is retried this often (credentials may come back).
UNAUTHORIZED_RETRY = timedelta(minutes=1)


@dataclass
class PublishReport:
    """What one run did (for logs, tests and benchmarks)."""

    posted: list[int] = field(default_factory=list)
    reconciled: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    #: Thread parts cancelled because an earlier part failed or was cancelled.
    cancelled: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    stopped_by: str = ""


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before retry number `attempts` (1-based) of a transient failure."""
    base = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(0.75, 1.25)
    return timedelta(seconds=base * jitter)


def _due_filter(now: datetime) -> list[object]:
    return [
        col(Post.state) == PostState.SCHEDULED.value,
        col(Post.scheduled_at) <= now,
        or_(col(Post.next_attempt_at).is_(None), col(Post.next_attempt_at) <= now),
    ]


def _ready_candidates(session: Session, now: datetime, limit: int, *, crisis: bool = False) -> list[Post]:
    """Due posts, most important first, whose previous thread part (if any) is already out.

    During a `crisis`, only the posts crisis mode does not hold.
    """
    stmt = (
        select(Post)
        .where(*_due_filter(now))  # type: ignore[arg-type]
        .order_by(col(Post.priority).desc(), col(Post.scheduled_at), col(Post.id))
        .limit(limit * 4)
    )
    if crisis:
        stmt = stmt.where(exempt_from_crisis())
    ready: list[Post] = []
    for post in session.exec(stmt):
        previous = previous_part(session, post)
        if previous is not None and previous.state != PostState.POSTED:
            continue
        ready.append(post)
        if len(ready) >= limit:
            break
    return ready


@dataclass(frozen=True)
class _Claim:
    post_id: int
    attempt_id: int
    text: str
    in_reply_to: str | None
    kind: str = ""
    triage_item_id: int | None = None
    #: The someone else's tweet a reply answers (checked before sending); None for threads' later parts.
    reply_target: str | None = None


class Publisher:
    """Publishes due posts for one bot process (`worker_id`); every state change is a row."""

    def __init__(
        self,
        *,
        engine: Engine,
        x: XClient,
        budget: BudgetKeeper,
        clock: Clock,
        worker_id: str,
        brand_user_id: str,
        rng: random.Random | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._engine = engine
        self._x = x
        self._budget = budget
        self._clock = clock
        self._worker = worker_id
        self._rng = rng or random.Random()
        self._lease = timedelta(seconds=lease_seconds)
        self._reconciler = StaleReconciler(engine=engine, x=x, budget=budget, clock=clock, brand_user_id=brand_user_id)

    # -- one run ------------------------------------------------------------------------------

    def run_once(self, *, limit: int = 20) -> PublishReport:
        """End a pause whose auto-resume time has passed, reconcile, defer, then publish up to `limit` due posts.

        The posts such a pause held go back on the schedule before anything is claimed, so they go
        out in their order rather than after posts queued since the pause ended.
        """
        report = PublishReport()
        with session_scope(self._engine) as session:
            settle_auto_resume(session, now=self._clock.now())
            crisis = crisis_state(session, now=self._clock.now()).active
        if crisis:
            report.stopped_by = "crisis"  # only staff replies to triage items go out
        self.reconcile_stale(report)
        self.cancel_stranded(report)
        self.defer_over_quota(report)
        for _ in range(limit):
            if not self._budget.may_call(tiers.POST_TWEET):
                report.stopped_by = "budget"
                break
            claim = self._claim_next(crisis=crisis)
            if claim is None:
                break
            if not self._publish(claim, report):
                break
        return report

    # -- reconcile after a crash ----------------------------------------------------------------

    def reconcile_stale(self, report: PublishReport) -> None:
        """Settle posts left in `publishing` by a process that died (`bot.publish.reconcile`)."""
        settled = self._reconciler.settle()
        report.reconciled.extend(settled.reconciled)
        report.requeued.extend(settled.requeued)

    def cancel_stranded(self, report: PublishReport) -> None:
        """Cancel thread parts queued behind a part that failed or was cancelled (`bot.publish.threads`)."""
        with session_scope(self._engine) as session:
            report.cancelled.extend(cancel_stranded(session, now=self._clock.now()))

    # -- quota ------------------------------------------------------------------------------

    def defer_over_quota(self, report: PublishReport) -> None:
        """When the quota left will not cover every due post, defer the lower-priority ones to the reset."""
        remaining = self._budget.remaining(tiers.POST_TWEET)
        if remaining is None:
            return
        now = self._clock.now()
        with session_scope(self._engine) as session:
            due = list(session.exec(
                select(Post).where(*_due_filter(now))  # type: ignore[arg-type]
                .order_by(col(Post.priority).desc(), col(Post.scheduled_at), col(Post.id))
            ))
            if len(due) <= remaining:
                return
            until = self._budget.next_allowed_at(tiers.POST_TWEET) if remaining == 0 else None
            if until is None or until <= now:
                snap = self._budget.snapshot().get(tiers.POST_TWEET, {})
                resets = [r for r in (snap.get("reset_at"), snap.get("day_reset_at")) if isinstance(r, datetime)]
                until = max(resets) if resets else now + timedelta(hours=1)
            reason = f"quota: {remaining} post(s) left before {until.isoformat()} for {len(due)} due"
            for post in due[remaining:]:
                post.next_attempt_at = until
                post.deferred_reason = reason
                post.updated_at = now
                session.add(post)
                if post.id is not None:
                    report.deferred.append(post.id)
            audit(session, at=now, actor="system", action="posts.deferred",
                  target=",".join(str(i) for i in report.deferred[:50]), detail=reason)
        log.warning("publish.deferred", count=len(report.deferred), reason=reason)

    # -- claim and post -----------------------------------------------------------------------

    def _claim_next(self, *, crisis: bool = False) -> _Claim | None:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            for post in _ready_candidates(session, now, limit=5, crisis=crisis):
                result = session.execute(
                    update(Post)
                    .where(and_(col(Post.id) == post.id, *_due_filter(now)))  # type: ignore[arg-type]
                    .values(
                        state=PostState.PUBLISHING.value,
                        lease_owner=self._worker,
                        lease_until=now + self._lease,
                        attempts=Post.attempts + 1,
                        updated_at=now,
                    )
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another process took it
                in_reply_to = post.in_reply_to_tweet_id
                previous = previous_part(session, post)
                if previous is not None:
                    in_reply_to = previous.tweet_id
                attempt = PostAttempt(post_id=post.id or 0, worker=self._worker, started_at=now)
                session.add(attempt)
                session.flush()
                return _Claim(post.id or 0, attempt.id or 0, post.text, in_reply_to, kind=post.kind,
                              triage_item_id=post.triage_item_id, reply_target=post.in_reply_to_tweet_id)
        return None

    def _publish(self, claim: _Claim, report: PublishReport) -> bool:
        """Post one claimed item; False when the run should stop (crisis, budget, credentials)."""
        bound = log.bind(post_id=claim.post_id, attempt_id=claim.attempt_id)
        with session_scope(self._engine) as session:
            crisis = crisis_state(session, now=self._clock.now())
            if crisis.active and held_by_crisis(kind=claim.kind, triage_item_id=claim.triage_item_id):
                self._finish(session, claim, outcome="held", state=PostState.HELD,
                             held_reason=f"crisis: {crisis.reason}")
                report.stopped_by = "crisis"
                bound.info("publish.held", reason=crisis.reason)
                return False
        try:
            if claim.reply_target is not None and not self._target_exists(claim, report):
                return True
            tweet = self._x.create_tweet(claim.text, in_reply_to_tweet_id=claim.in_reply_to)
        except DuplicateContent as exc:
            return self._on_duplicate(claim, exc, report)
        except Unauthorized as exc:
            self._on_unauthorized(claim, exc, report)
            return False
        except (UsageCapExceeded, CreditsDepleted) as exc:
            until = self._budget.next_allowed_at(exc.endpoint or tiers.POST_TWEET)
            self._requeue(claim, outcome="quota", error=str(exc), at=max(until, self._clock.now() + timedelta(hours=1)),
                          deferred=f"{type(exc).__name__}: {exc}", count_attempt=False)
            report.deferred.append(claim.post_id)
            report.stopped_by = "quota"
            bound.warning("publish.quota", error=type(exc).__name__, detail=str(exc))
            return False
        except RateLimited as exc:
            record_429(self._engine, exc)
            at = exc.reset_at or self._clock.now() + backoff(1, self._rng)
            self._requeue(claim, outcome="rate_limited", error=str(exc), at=at, count_attempt=False)
            report.requeued.append(claim.post_id)
            bound.warning("publish.rate_limited", endpoint=exc.endpoint, reset_at=at.isoformat())
            if exc.endpoint == tiers.GET_TWEET:
                return True  # only replies wait for the lookup budget; other posts may still go
            report.stopped_by = "rate_limited"
            return False
        except TransientError as exc:
            with session_scope(self._engine) as session:
                post = session.get(Post, claim.post_id)
                attempts = post.attempts if post else 1
            at = self._clock.now() + backoff(attempts, self._rng)
            self._requeue(claim, outcome="transient", error=f"{type(exc).__name__}: {exc}", at=at)
            report.requeued.append(claim.post_id)
            bound.warning("publish.transient", error=type(exc).__name__, detail=str(exc), retry_at=at.isoformat())
            return True
        except PermanentError as exc:
            with session_scope(self._engine) as session:
                self._fail(session, claim, report, error=f"{type(exc).__name__}: {exc}")
            bound.error("publish.failed", error=type(exc).__name__, detail=str(exc))
            return True
        with session_scope(self._engine) as session:
            post = session.get(Post, claim.post_id)
            if post is not None:
                self._finish(session, claim, outcome="posted", tweet_id=tweet.id)
                mark_posted(session, post, tweet.id, self._clock.now())
        report.posted.append(claim.post_id)
        bound.info("publish.posted", tweet_id=tweet.id)
        return True

    def _target_exists(self, claim: _Claim, report: PublishReport) -> bool:
        """Look up the tweet a reply answers; a deleted one, or one the account may not see, fails the post
        (nothing is sent: X would refuse the reply, and retrying cannot help until the author lets the brand in).

        Waits (requeued, attempt not counted) while the lookup budget is spent; other lookup
        errors (`NotOnTier` too) propagate to `_publish`, which handles them like a failed post.
        """
        assert claim.reply_target is not None
        # Not on the tier: NotOnTier fails the post, as the client's budget check or X would (never a wait for ever).
        self._budget.check_on_tier(tiers.GET_TWEET)
        if not self._budget.may_call(tiers.GET_TWEET):
            at = self._budget.next_allowed_at(tiers.GET_TWEET)
            reason = f"waiting for the {tiers.GET_TWEET} budget to check the reply target ({at.isoformat()})"
            self._requeue(claim, outcome="rate_limited", error=reason, at=at, deferred=reason, count_attempt=False)
            report.deferred.append(claim.post_id)
            log.info("publish.reply_check_waits", post_id=claim.post_id, until=at.isoformat())
            return False
        try:
            self._x.get_tweet(claim.reply_target)
        except (NotFound, NotVisible) as exc:
            gone = isinstance(exc, NotFound)
            why = ("tweet deleted: the post being answered ({}) no longer exists" if gone else
                   "tweet not visible: the post being answered ({}) is from a protected account that does not "
                   "let this account see it").format(claim.reply_target)
            with session_scope(self._engine) as session:
                self._fail(session, claim, report, error=f"{why}, so nothing was sent ({exc})")
            log.warning("publish.reply_target_deleted" if gone else "publish.reply_target_not_visible",
                        post_id=claim.post_id, tweet_id=claim.reply_target)
            return False
        return True

    # -- outcomes -----------------------------------------------------------------------------

    def _finish(
        self,
        session: Session,
        claim: _Claim,
        *,
        outcome: str,
        state: PostState | None = None,
        tweet_id: str | None = None,
        error: str | None = None,
        held_reason: str | None = None,
    ) -> None:
        now = self._clock.now()
        attempt = session.get(PostAttempt, claim.attempt_id)
        if attempt is not None:
            attempt.finished_at = now
            attempt.outcome = outcome
            attempt.tweet_id = tweet_id
            attempt.error = error
            session.add(attempt)
        if state is None:
            return
        post = session.get(Post, claim.post_id)
        if post is None:  # pragma: no cover - foreign key
            return
        post.state = state.value
        post.lease_owner = None
        post.lease_until = None
        post.last_error = error
        post.held_reason = held_reason
        if state is PostState.FAILED:
            post.deferred_reason = None  # a quota deferral before it no longer says anything about it
        post.updated_at = now
        session.add(post)

    def _fail(
        self,
        session: Session,
        claim: _Claim,
        report: PublishReport,
        *,
        error: str,
        outcome: str = "failed",
        audit_detail: str | None = None,
    ) -> None:
        """Fail the claimed post for good (the caller commits and logs).

        The attempt ends `outcome` and the post `failed`, both with `error`; a `post.failed` audit
        row says `audit_detail` (the error unless given); a triage item the post answers is told
        (`reply_ended`: back to claimed if it counted as answered); the thread parts after it are
        cancelled (`cancel_later_parts`); `report` counts it failed and them cancelled.
        """
        now = self._clock.now()
        self._finish(session, claim, outcome=outcome, state=PostState.FAILED, error=error)
        post = session.get(Post, claim.post_id)
        if post is not None:
            reply_ended(session, post=post, outcome="failed", reason=error, actor="system", now=now)
        audit(session, at=now, actor="system", action="post.failed", target=f"post {claim.post_id}",
              detail=audit_detail or error)
        if post is not None:
            later = cancel_later_parts(session, post, actor="system", now=now, why=f"failed: {error}")
            report.cancelled.extend(p.id or 0 for p in later)
        report.failed.append(claim.post_id)

    def _requeue(
        self,
        claim: _Claim,
        *,
        outcome: str,
        error: str,
        at: datetime,
        deferred: str | None = None,
        count_attempt: bool = True,
    ) -> None:
        with session_scope(self._engine) as session:
            self._finish(session, claim, outcome=outcome, state=PostState.SCHEDULED, error=error)
            post = session.get(Post, claim.post_id)
            if post is not None:
                post.next_attempt_at = at
                post.deferred_reason = deferred
                if not count_attempt:
                    post.attempts = max(0, post.attempts - 1)
                session.add(post)

    def _on_duplicate(self, claim: _Claim, exc: DuplicateContent, report: PublishReport) -> bool:
        """X says this exact text is already out: find it (our own earlier attempt) or fail the post."""
        existing = (exc.body or {}).get("existing_id") if isinstance(exc.body, dict) else None
        with session_scope(self._engine) as session:
            first = session.exec(
                select(PostAttempt).where(PostAttempt.post_id == claim.post_id).order_by(col(PostAttempt.id))
            ).first()
            since = (first.started_at if first else self._clock.now()) - RECONCILE_SKEW
            had_earlier_attempt = first is not None and first.id != claim.attempt_id
        # Only an earlier attempt of this very post can be the tweet X is talking about.
        tweets: list[XTweet] = []
        if had_earlier_attempt:
            try:
                tweets, _ = self._reconciler.own_tweets_since(since)
            except XApiError:
                tweets = []
        with session_scope(self._engine) as session:
            post = session.get(Post, claim.post_id)
            if post is None:  # pragma: no cover - foreign key
                return True
            found = find_own_tweet(session, post, tweets, since) if had_earlier_attempt else None
            if found is None and had_earlier_attempt and isinstance(existing, str):
                taken = session.exec(select(Post.id).where(Post.tweet_id == existing)).first()
                found = None if taken is not None else existing
            if found:
                self._finish(session, claim, outcome="reconciled", tweet_id=found)
                mark_posted(session, post, found, self._clock.now())
                report.reconciled.append(claim.post_id)
                log.info("publish.reconciled", post_id=claim.post_id, tweet_id=found, via="duplicate")
                return True
            self._fail(session, claim, report, outcome="duplicate",
                       error="duplicate content: X refuses a post identical to a recent one; edit the text",
                       audit_detail="duplicate content")
        log.error("publish.duplicate", post_id=claim.post_id)
        return True

    def _on_unauthorized(self, claim: _Claim, exc: Unauthorized, report: PublishReport) -> None:
        now = self._clock.now()
        with session_scope(self._engine) as session:
            self._finish(session, claim, outcome="unauthorized", state=PostState.SCHEDULED, error=str(exc))
            post = session.get(Post, claim.post_id)
            if post is not None:
                post.next_attempt_at = now + UNAUTHORIZED_RETRY
                post.attempts = max(0, post.attempts - 1)
                session.add(post)
            mark_unauthorized(session, now=now, detail=str(exc))
        report.requeued.append(claim.post_id)
        report.stopped_by = "unauthorized"
        log.error("publish.unauthorized", post_id=claim.post_id, detail=str(exc),
                  action="X refused the credentials: posting is stopped and the queue kept until they work again")
