"""`poll_mentions`: read new mentions and brand searches under the call budget, page until caught up.

For each source (the mentions timeline, then recent search) the persisted `Cursor.since_id`
advances only after every page down to it is stored, so a crash mid-storm re-reads pages
(deduplicated by tweet id) instead of skipping them. Each page is stored, classified and routed
in its own transaction. A source whose endpoint the budget keeper would refuse is skipped; an
API error stops that source for this run and is written on its `Cursor` row (no retry loop). A 401
(credentials revoked or wrong) pauses that source for `UNAUTHORIZED_RETRY`, as the publisher does,
instead of asking X again at every poll.

When the budget runs out mid-pagination, where to resume is kept in a `PollProgress` the
caller holds between runs (pagination tokens do not fit the cursor table), so a long backlog
on a small tier is worked through oldest pages included rather than re-reading the newest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock
from bot.crisis import crisis_state
from bot.errors import Unauthorized, XApiError
from bot.listen.ingest import MentionDetector, store_page
from bot.settings import Settings
from bot.store.coordination import acquire_lease, record_429, release_lease
from bot.store.db import session_scope
from bot.store.models import Cursor
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import TweetPage, XClient

log = structlog.get_logger()

LEASE_NAME = "poll:mentions"
LEASE_TTL_SECONDS = 300.0
PAGE_SIZE = 100
MENTIONS = "mentions"
SEARCH = "search"
ENDPOINT_OF = {MENTIONS: tiers.GET_MENTIONS, SEARCH: tiers.SEARCH_RECENT}
#: After a 401, how long a source waits before asking X again (the publisher waits as long).
UNAUTHORIZED_RETRY = timedelta(minutes=1)


def search_query(handle: str, keywords: tuple[str, ...]) -> str:
    """`(@handle OR kw …) -is:retweet -from:handle` (no parentheses without keywords); phrases are quoted."""
    handle = handle.lstrip("@")
    terms = [f"@{handle}", *(f'"{k}"' if " " in k else k for k in keywords)]
    either = terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"
    return f"{either} -is:retweet -from:{handle}"


def _newer(a: str | None, b: str | None) -> str | None:
    """The larger of two tweet ids (ids grow with time)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) >= int(b) else b


@dataclass(slots=True)
class _Resume:
    since_id: str | None
    next_token: str
    newest_id: str | None


@dataclass(slots=True)
class PollProgress:
    """Where an unfinished pagination resumes (kept by the caller between runs of one process)."""

    pending: dict[str, _Resume] = field(default_factory=dict)
    unauthorized_until: dict[str, datetime] = field(default_factory=dict)  # source -> no call before then


@dataclass(frozen=True, slots=True)
class SourceResult:
    """One source's part of a poll."""

    source: str
    pages: int = 0
    new_mentions: int = 0
    complaints: int = 0
    follow_decisions: int = 0
    caught_up: bool = False
    skipped: str | None = None
    error: str | None = None
    since_id: str | None = None
    unauthorized: bool = False  # X answered 401: the credentials are bad or revoked


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one `poll_mentions` run did."""

    sources: tuple[SourceResult, ...] = ()
    skipped: str | None = None  # the whole run was skipped (another worker holds the lease)

    @property
    def new_mentions(self) -> int:
        return sum(s.new_mentions for s in self.sources)

    @property
    def complaints(self) -> int:
        return sum(s.complaints for s in self.sources)


def _cursor(session: Session, name: str) -> Cursor:
    row = session.get(Cursor, name)
    if row is None:
        row = Cursor(name=name)
        session.add(row)
        session.flush()
    return row


def _record_cursor(engine: Engine, name: str, *, now: datetime, since_id: str | None = None,
                   success: bool, error: str | None = None) -> None:
    with session_scope(engine) as session:
        row = _cursor(session, name)
        row.last_poll_at = now
        if success:
            row.since_id = _newer(row.since_id, since_id)
            row.last_success_at = now
            row.last_error = None
        else:
            row.last_error = error
        session.add(row)


def _fetch(x: XClient, source: str, *, brand_user_id: str, query: str, since_id: str | None,
           token: str | None) -> TweetPage:
    if source == MENTIONS:
        return x.mentions_page(brand_user_id, since_id=since_id, pagination_token=token, max_results=PAGE_SIZE)
    return x.search_recent_page(query, since_id=since_id, next_token=token, max_results=PAGE_SIZE)


def _poll_source(
    source: str,
    *,
    engine: Engine,
    x: XClient,
    budget: BudgetKeeper,
    clock: Clock,
    settings: Settings,
    detector_for: Callable[[Session], MentionDetector],
    brand_user_id: str,
    worker_id: str,
    progress: PollProgress,
    lease_ttl_seconds: float,
) -> SourceResult:
    endpoint = ENDPOINT_OF[source]
    bound = log.bind(source=source, worker_id=worker_id)
    paused_until = progress.unauthorized_until.get(source)
    if paused_until is not None and clock.now() < paused_until:
        bound.info("poll.skipped", reason="unauthorized", next_try_at=paused_until.isoformat())
        return SourceResult(source, skipped=f"unauthorized: next try at {paused_until.isoformat()}")
    if not budget.may_call(endpoint):
        when = budget.next_allowed_at(endpoint)
        bound.info("poll.skipped", reason="budget", next_allowed_at=when.isoformat())
        return SourceResult(source, skipped=f"budget: next call allowed at {when.isoformat()}")
    query = search_query(settings.brand_handle, settings.brand_keywords)
    with session_scope(engine) as session:
        stored_since = _cursor(session, source).since_id
    resume = progress.pending.pop(source, None)
    if resume is not None and resume.since_id != stored_since:
        resume = None  # another worker moved the cursor since: start over from it
    since_id = resume.since_id if resume else stored_since
    token = resume.next_token if resume else None
    newest = resume.newest_id if resume else None
    pages = new = complaints = decisions = 0
    while True:
        if pages and not acquire_lease_now(engine, worker_id=worker_id, now=clock.now(), ttl_seconds=lease_ttl_seconds):
            bound.warning("poll.lease_lost", pages=pages)
            _keep(progress, source, since_id, token, newest)
            return SourceResult(source, pages, new, complaints, decisions, error="lease lost")
        if pages and not budget.may_call(endpoint):
            _keep(progress, source, since_id, token, newest)
            resume_at = budget.next_allowed_at(endpoint).isoformat()
            bound.info("poll.paused", reason="budget", pages=pages, next_allowed_at=resume_at)
            _record_cursor(engine, source, now=clock.now(), success=False,
                           error=f"budget spent mid-pagination after {pages} pages; resumes at {resume_at}")
            return SourceResult(source, pages, new, complaints, decisions, skipped="budget mid-pagination")
        try:
            page = _fetch(x, source, brand_user_id=brand_user_id, query=query, since_id=since_id, token=token)
        except XApiError as exc:
            record_429(engine, exc)
            error = f"{type(exc).__name__}: {exc}"
            bound.warning("poll.error", error=type(exc).__name__, status=exc.status, detail=str(exc), pages=pages)
            _keep(progress, source, since_id, token, newest)
            _record_cursor(engine, source, now=clock.now(), success=False, error=error)
            if isinstance(exc, Unauthorized):
                progress.unauthorized_until[source] = clock.now() + UNAUTHORIZED_RETRY
            return SourceResult(source, pages, new, complaints, decisions, error=error,
                                unauthorized=isinstance(exc, Unauthorized))
        pages += 1
        progress.unauthorized_until.pop(source, None)
        now = clock.now()
        with session_scope(engine) as session:
            outcome = store_page(
                session,
                page,
                found_by=source,
                detector=detector_for(session),
                settings=settings,
                brand_user_id=brand_user_id,
                crisis_active=crisis_state(session, now=now).active,
                now=now,
            )
        new += outcome.new_mentions
        complaints += outcome.complaints
        decisions += outcome.follow_decisions
        newest = _newer(newest, page.newest_id)
        for tweet in page.tweets:
            newest = _newer(newest, tweet.id)
        bound.debug("poll.page", page=pages, newest_id=page.newest_id, oldest_id=page.oldest_id,
                    new_mentions=outcome.new_mentions)
        token = page.next_token
        if not token:
            break
    _record_cursor(engine, source, now=clock.now(), since_id=newest, success=True)
    (bound.info if new else bound.debug)(
        "poll.caught_up", pages=pages, new_mentions=new, complaints=complaints, since_id=newest or since_id
    )
    return SourceResult(source, pages, new, complaints, decisions, caught_up=True, since_id=_newer(newest, since_id))


def _keep(progress: PollProgress, source: str, since_id: str | None, token: str | None, newest: str | None) -> None:
    if token:
        progress.pending[source] = _Resume(since_id=since_id, next_token=token, newest_id=newest)


def acquire_lease_now(engine: Engine, *, worker_id: str, now: datetime, ttl_seconds: float = LEASE_TTL_SECONDS) -> bool:
    """Take or renew the poller's lease for `worker_id`."""
    with Session(engine, expire_on_commit=False) as session:
        return acquire_lease(session, name=LEASE_NAME, owner=worker_id, ttl_seconds=ttl_seconds, now=now)


def poll_mentions(
    *,
    engine: Engine,
    x: XClient,
    budget: BudgetKeeper,
    clock: Clock,
    settings: Settings,
    detector_for: Callable[[Session], MentionDetector],
    brand_user_id: str,
    worker_id: str,
    progress: PollProgress | None = None,
    sources: tuple[str, ...] = (MENTIONS, SEARCH),
    lease_ttl_seconds: float = LEASE_TTL_SECONDS,
) -> PollResult:
    """Poll every source once (skipping what the budget refuses); never raises `XApiError`.

    The worker keeps the 'poll:mentions' lease after the run (renewed by each run), so one
    process polls and another takes over only once it stops renewing for `lease_ttl_seconds`.
    """
    if not acquire_lease_now(engine, worker_id=worker_id, now=clock.now(), ttl_seconds=lease_ttl_seconds):
        log.info("poll.skipped", reason="lease held by another worker", worker_id=worker_id)
        return PollResult(skipped="lease held by another worker")
    progress = progress if progress is not None else PollProgress()
    results = [
        _poll_source(
            source,
            engine=engine,
            x=x,
            budget=budget,
            clock=clock,
            settings=settings,
            detector_for=detector_for,
            brand_user_id=brand_user_id,
            worker_id=worker_id,
            progress=progress,
            lease_ttl_seconds=lease_ttl_seconds,
        )
        for source in sources
    ]
    return PollResult(sources=tuple(results))


def release_poll_lease(engine: Engine, *, worker_id: str) -> None:
    """Give the poller's lease back (on clean shutdown, so another process takes over at once)."""
    with Session(engine, expire_on_commit=False) as session:
        release_lease(session, name=LEASE_NAME, owner=worker_id)
