"""`execute_follows`: follow PENDING authors through the API within the tier's budget and the daily cap.

One process follows at a time: a run first takes (or renews) the database lease 'follow:run' and
keeps it after the run, like the poller, so the process holding it is the only one spending the
follow budget (which `BudgetKeeper` keeps in memory) and the daily cap is counted by one writer;
another process takes over once the holder stops renewing for LEASE_TTL_SECONDS. The lease is
renewed, crisis mode read again and the daily cap re-counted (follows in flight included) before
every claim. Rows are claimed one at a time with a conditional UPDATE of `lease_owner`/`lease_until`,
so even a run outliving its lease never follows an author twice. No transaction is held open across an API call.
Each run first skips the waiting decisions of authors added to FOLLOW_BLOCKLIST since they were decided.
Outcomes: DONE (reason "followed through the API", or REQUESTED_REASON when X answers
`pending_follow: true` for a protected account: a request it counts like a follow); MANUAL
once when the tier cannot follow (every pending row goes to a person and the API is not asked
again). When X itself refuses (NotOnTier although X_TIER allows following) the refusal is kept
as a shared row (`bot.follow.refusal`): this process's follow budget is blocked for good, every
process reads the row and stops calling, and new decisions go to the manual list. FAILED for a
permanent refusal about that person; PENDING again (lease cleared) for transient or account-wide
trouble, to be tried by a later run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.crisis import crisis_state
from bot.domain import FollowStatus
from bot.errors import (
    BadRequest,
    DuplicateContent,
    Forbidden,
    NotFound,
    NotOnTier,
    PermanentError,
    TransientError,
)
from bot.follow.decisions import unleased, withdraw_blocklisted
from bot.follow.policy import api_refused_reason, tier_cannot_follow_reason
from bot.follow.refusal import follow_refused, mark_follow_refused
from bot.settings import Settings
from bot.store.coordination import acquire_lease, audit, record_429, release_lease
from bot.store.db import session_scope
from bot.store.models import FollowDecision
from bot.xapi import tiers
from bot.xapi.budget import NEVER, BudgetKeeper
from bot.xapi.client import XClient

log = structlog.get_logger()

CLAIM_TTL = timedelta(minutes=2)
LEASE_NAME = "follow:run"
#: Seconds (on the bot's clock) the follow lease outlives its last renewal: five runs of the job.
LEASE_TTL_SECONDS = 300.0
#: Reason of a DONE row whose follow X holds as a request (protected account, `pending_follow: true`).
REQUESTED_REASON = "follow request pending (protected account)"
FOLLOWED_REASON = "followed through the API"
CRISIS_HOLD = "crisis mode holds automatic follows"
DAY = timedelta(hours=24)
#: Refusals about the person being followed (e.g. they blocked the account); any other
#: permanent error (usage cap, credits, credentials) is about the account and defers the row.
_PERSON_ERRORS: tuple[type[PermanentError], ...] = (NotFound, BadRequest, DuplicateContent, Forbidden)


@dataclass(frozen=True, slots=True)
class FollowRunResult:
    """What one run of `execute_follows` did."""

    followed: int = 0
    requested: int = 0  # follow requests X holds for a protected account's approval
    manual: int = 0
    failed: int = 0
    held: str | None = None  # why nothing was attempted (crisis, disabled, daily cap, budget)
    stopped: str | None = None  # why the run stopped early (error type)


def _hold_lease(engine: Engine, *, worker_id: str, now: datetime, ttl_seconds: float) -> bool:
    """Take or renew the follow lease for `worker_id`."""
    with Session(engine, expire_on_commit=False) as session:
        return acquire_lease(session, name=LEASE_NAME, owner=worker_id, ttl_seconds=ttl_seconds, now=now)


def release_follow_lease(engine: Engine, *, worker_id: str) -> None:
    """Give the follow lease back (on clean shutdown, so another process takes over at once)."""
    with Session(engine, expire_on_commit=False) as session:
        release_lease(session, name=LEASE_NAME, owner=worker_id)


def follows_done_last_24h(session: Session, *, now: datetime) -> int:
    """DONE follows in the 24 hours before `now` (the account's daily cap counts these)."""
    stmt = (
        select(func.count())
        .select_from(FollowDecision)
        .where(col(FollowDecision.status) == FollowStatus.DONE.value)
        .where(col(FollowDecision.done_at) >= now - DAY)
    )
    return int(session.exec(stmt).one())


def _cap_used(session: Session, *, now: datetime) -> int:
    """What counts against the daily cap: DONE in the last 24 h plus follows in flight (claimed, unexpired)."""
    in_flight = session.exec(
        select(func.count())
        .select_from(FollowDecision)
        .where(col(FollowDecision.status) == FollowStatus.PENDING.value)
        .where(col(FollowDecision.lease_until) >= now)
    ).one()
    return follows_done_last_24h(session, now=now) + int(in_flight)


def _pending_to_manual(session: Session, *, reason: str, now: datetime) -> int:
    result = session.execute(
        update(FollowDecision)
        .where(col(FollowDecision.status) == FollowStatus.PENDING.value)
        .values(status=FollowStatus.MANUAL.value, reason=reason, lease_owner=None, lease_until=None)
    )
    moved = int(result.rowcount)  # type: ignore[attr-defined]
    if moved:
        audit(session, at=now, actor="system", action="follow.to_manual", detail=f"{moved} pending: {reason}")
        log.warning("follow.to_manual", count=moved, reason=reason)
    return moved


def _block_refused(budget: BudgetKeeper, reason: str) -> None:
    """Stop this process's follow calls for good (X refused following); a no-op when already blocked."""
    if budget.next_allowed_at(tiers.FOLLOW) != NEVER:
        budget.block(tiers.FOLLOW, NEVER, reason)


def _unblock_if_cleared(budget: BudgetKeeper, reason: str) -> None:
    """The refusal was cleared (`brandbot follow api-retry`): lift this process's block so the API is tried again."""
    if budget.snapshot()[tiers.FOLLOW]["blocked_reason"] == reason:
        budget.unblock(tiers.FOLLOW)


def _claim_next(session: Session, *, worker_id: str, now: datetime) -> FollowDecision | None:
    """Claim the oldest unleased PENDING decision for `worker_id`, or None."""
    free = unleased(now)
    for _ in range(5):
        candidate = session.exec(
            select(FollowDecision.id)
            .where(col(FollowDecision.status) == FollowStatus.PENDING.value)
            .where(free)
            .order_by(col(FollowDecision.created_at), col(FollowDecision.id))
            .limit(1)
        ).first()
        if candidate is None:
            return None
        result = session.execute(
            update(FollowDecision)
            .where(col(FollowDecision.id) == candidate)
            .where(col(FollowDecision.status) == FollowStatus.PENDING.value)
            .where(free)
            .values(lease_owner=worker_id, lease_until=now + CLAIM_TTL)
        )
        session.commit()
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(FollowDecision, candidate)
    return None


def _finish(
    engine: Engine, *, decision_id: int, worker_id: str, now: datetime, status: FollowStatus | None, reason: str = ""
) -> bool:
    """Write the outcome of a claimed row (`status` None: back to unleased PENDING)."""
    values: dict[str, object] = {"lease_owner": None, "lease_until": None}
    if status is not None:
        values["status"] = status.value
        if reason:
            values["reason"] = reason
        if status is FollowStatus.DONE:
            values["done_at"] = now
            values["done_by"] = worker_id
    with session_scope(engine) as session:
        result = session.execute(
            update(FollowDecision)
            .where(col(FollowDecision.id) == decision_id)
            .where(col(FollowDecision.lease_owner) == worker_id)
            .values(**values)
        )
        if status is not None:
            audit(session, at=now, actor=worker_id, action=f"follow.{status.value}", target=f"decision:{decision_id}",
                  detail=reason)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def execute_follows(
    *,
    engine: Engine,
    x: XClient,
    budget: BudgetKeeper,
    clock: Clock,
    settings: Settings,
    brand_user_id: str,
    worker_id: str,
    max_follows: int | None = None,
    lease_ttl_seconds: float = LEASE_TTL_SECONDS,
) -> FollowRunResult:
    """Follow PENDING authors while the lease, budget, daily cap and crisis mode allow; never raises XApiError."""
    now = clock.now()
    with session_scope(engine) as session:
        withdraw_blocklisted(session, blocklist=settings.follow_blocklist, now=now)
        if crisis_state(session, now=now).active:
            return FollowRunResult(held=CRISIS_HOLD)
        if not settings.follow_enabled:
            return FollowRunResult(held="following is disabled (FOLLOW_ENABLED=false)")
        if follow_refused(session):
            reason = api_refused_reason(settings.x_tier)
            _block_refused(budget, reason)
            moved = _pending_to_manual(session, reason=reason, now=now)
            return FollowRunResult(manual=moved, held="the API refused following")
        _unblock_if_cleared(budget, api_refused_reason(settings.x_tier))
        if budget.next_allowed_at(tiers.FOLLOW) == NEVER:
            moved = _pending_to_manual(session, reason=tier_cannot_follow_reason(settings.x_tier), now=now)
            return FollowRunResult(manual=moved, held="not on tier")
    if not _hold_lease(engine, worker_id=worker_id, now=now, ttl_seconds=lease_ttl_seconds):
        log.debug("follow.skipped", reason="lease held by another worker", worker_id=worker_id)
        return FollowRunResult(held="another worker is following")
    capped = f"daily cap of {settings.follow_daily_cap} follows reached"
    followed = requested = manual = failed = 0
    stopped: str | None = None
    held: str | None = None
    while max_follows is None or followed + requested < max_follows:
        now = clock.now()
        if (followed or requested or failed) and not _hold_lease(engine, worker_id=worker_id, now=now,
                                                                 ttl_seconds=lease_ttl_seconds):
            log.warning("follow.lease_lost", worker_id=worker_id, followed=followed + requested)
            stopped = "lease lost"
            break
        with Session(engine, expire_on_commit=False) as session:
            if crisis_state(session, now=now).active:  # turned on since the run started (as the publisher checks)
                held = CRISIS_HOLD
                break
            if _cap_used(session, now=now) >= settings.follow_daily_cap:
                held = capped
                break
        if not budget.may_call(tiers.FOLLOW):
            held = f"follow budget spent until {budget.next_allowed_at(tiers.FOLLOW).isoformat()}"
            break
        with Session(engine, expire_on_commit=False) as session:
            claimed = _claim_next(session, worker_id=worker_id, now=now)
        if claimed is None or claimed.id is None:
            break
        bound = log.bind(decision_id=claimed.id, author_id=claimed.author_id, worker_id=worker_id)
        try:
            result = x.follow(brand_user_id, claimed.author_id)
        except NotOnTier as exc:
            reason = api_refused_reason(settings.x_tier)
            _block_refused(budget, reason)
            _finish(engine, decision_id=claimed.id, worker_id=worker_id, now=now, status=FollowStatus.MANUAL,
                    reason=reason)
            with session_scope(engine) as session:
                first = mark_follow_refused(session, now=now, actor=worker_id, detail=f"NotOnTier: {exc}")
                manual += 1 + _pending_to_manual(session, reason=reason, now=now)
            if first:
                bound.error("follow.api_refused", error=str(exc), tier=settings.x_tier,
                            detail="X refused following through the API although X_TIER allows it: every follow "
                                   "goes to the manual list until `brandbot follow api-retry`")
            stopped = "NotOnTier"
            break
        except _PERSON_ERRORS as exc:
            reason = f"{type(exc).__name__}: {exc}"
            _finish(engine, decision_id=claimed.id, worker_id=worker_id, now=now, status=FollowStatus.FAILED,
                    reason=reason)
            failed += 1
            bound.warning("follow.failed", error=reason)
            continue
        except (TransientError, PermanentError) as exc:
            # Rate limits, outages, usage caps, credits, credentials: about the account, not the person.
            _finish(engine, decision_id=claimed.id, worker_id=worker_id, now=now, status=None)
            record_429(engine, exc)
            bound.warning("follow.deferred", error=type(exc).__name__, detail=str(exc))
            stopped = type(exc).__name__
            break
        reason = REQUESTED_REASON if result.pending else FOLLOWED_REASON
        _finish(engine, decision_id=claimed.id, worker_id=worker_id, now=now, status=FollowStatus.DONE, reason=reason)
        if result.pending:
            requested += 1
            bound.info("follow.requested", reason=reason)
        else:
            followed += 1
            bound.info("follow.done")
    return FollowRunResult(followed=followed, requested=requested, manual=manual, failed=failed, held=held,
                           stopped=stopped)
