"""Recording follow decisions (one row per author) and the people-to-follow list."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import ColumnElement, func, or_, text, update
from sqlmodel import Session, col, select

from bot.domain import FollowStatus
from bot.follow.errors import FollowConflictError, FollowNotFoundError
from bot.follow.policy import decide_follow, spam_reason
from bot.follow.refusal import follow_refused
from bot.store.coordination import audit
from bot.store.models import Author, FollowDecision
from bot.store.paging import Keyset, KeysetPage

log = structlog.get_logger()


def _lock_authors(session: Session, author_ids: Sequence[str]) -> None:
    """Serialise decisions about these authors across processes (PostgreSQL; SQLite writes are serial already).

    One statement for the whole page, taking the locks in ascending key order (so two processes
    locking overlapping pages cannot deadlock).
    """
    if session.get_bind().dialect.name != "postgresql" or not author_ids:
        return
    keys = sorted({zlib.crc32(f"follow:{a}".encode()) for a in author_ids})
    session.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ks"),
        {"keys": keys},
    )


def existing_decision(session: Session, author_id: str) -> FollowDecision | None:
    """The decision already taken about `author_id`, if any."""
    stmt = select(FollowDecision).where(col(FollowDecision.author_id) == author_id).order_by(col(FollowDecision.id))
    return session.exec(stmt.limit(1)).first()


@dataclass(frozen=True, slots=True)
class FollowCandidate:
    """An author who just mentioned the brand, with what the policy reads about that mention."""

    author_id: str
    mention_id: str | None
    complaint: bool
    text: str


def record_follow_decisions(
    session: Session,
    candidates: Sequence[FollowCandidate],
    *,
    crisis_active: bool,
    blocklist: tuple[str, ...],
    tier: str,
    follow_enabled: bool,
    now: datetime,
) -> list[FollowDecision]:
    """Decide once about each candidate's author; returns the new rows.

    A new author is decided on their first candidate mention, or on the first that looks like spam.
    An author already decided keeps that decision, except that a later mention that looks like spam
    withdraws a follow still waiting (for a person or for the API): `withdraw_spammer`. Once X has
    refused following (`bot.follow.refusal`), authors the API would have followed go to the manual
    list instead. Not committed: part of the caller's transaction.
    """
    by_author: dict[str, list[FollowCandidate]] = {}
    for c in candidates:
        by_author.setdefault(c.author_id, []).append(c)
    if not by_author:
        return []
    ids = list(by_author)
    _lock_authors(session, ids)
    api_refused = follow_refused(session)
    decided = {d.author_id: d for d in session.exec(select(FollowDecision).where(col(FollowDecision.author_id).in_(ids))
                                                    .order_by(col(FollowDecision.id).desc()))}
    authors = {a.id: a for a in session.exec(select(Author).where(col(Author.id).in_(ids)))}
    rows: list[FollowDecision] = []
    for author_id, mentions in by_author.items():
        author = authors.get(author_id)
        if author is None:
            continue
        existing = decided.get(author_id)
        if existing is not None and existing.status not in _WAITING:
            continue  # carried out or skipped: nothing a later mention changes
        spam = next(((c, why) for c in mentions if (why := _spam(author, c.text, now)) is not None), None)
        if existing is not None:
            if spam is not None:
                withdraw_spammer(session, decision=existing, reason=spam[1], mention_id=spam[0].mention_id, now=now)
            continue
        c = spam[0] if spam is not None else mentions[0]
        status, reason = decide_follow(
            author,
            classification=_Verdict(c.complaint),
            crisis_active=crisis_active,
            already_decided=False,
            blocklist=blocklist,
            tier=tier,
            now=now,
            follow_enabled=follow_enabled,
            account_created_at=author.account_created_at,
            text=c.text,
            api_refused=api_refused,
        )
        rows.append(FollowDecision(author_id=author_id, mention_id=c.mention_id, status=status, reason=reason,
                                   created_at=now))
        log.info("follow.decided", author_id=author_id, username=author.username, status=str(status), reason=reason,
                 mention_id=c.mention_id)
    session.add_all(rows)
    session.flush()
    return rows


#: Decisions still waiting to be carried out, which a later spam mention withdraws.
_WAITING = frozenset({FollowStatus.MANUAL.value, FollowStatus.PENDING.value})
#: Who withdraws a decision in the audit log and on the row.
POLICY_ACTOR = "follow-policy"


def _spam(author: Author, text: str, now: datetime) -> str | None:
    return spam_reason(author, account_created_at=author.account_created_at, text=text, now=now)


def unleased(now: datetime) -> ColumnElement[bool]:
    """Decisions no follower process holds at `now` (never leased, or its lease has run out)."""
    return or_(col(FollowDecision.lease_until).is_(None), col(FollowDecision.lease_until) < now)


def _skip_waiting(session: Session, which: ColumnElement[bool], *, reason: str, now: datetime) -> int:
    """Skip the waiting decisions (manual, or pending and `unleased`) matching `which`, by the policy; how many.

    Conditional UPDATE: a decision a person or the API has carried out since it was read, or a pending one
    a follower process is following right now, is left alone.
    """
    result = session.execute(
        update(FollowDecision)
        .where(which)
        .where(col(FollowDecision.status).in_(sorted(_WAITING)))
        .where(unleased(now))
        .values(status=FollowStatus.SKIPPED.value, reason=reason, done_at=now, done_by=POLICY_ACTOR)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def withdraw_spammer(
    session: Session, *, decision: FollowDecision, reason: str, mention_id: str | None, now: datetime
) -> bool:
    """Skip a waiting decision (`_skip_waiting`) because a later mention looks like spam; False if it was not.

    The row's reason says why and that a later mention showed it; an audit row keeps the mention and what
    the decision was.
    """
    was = f"{decision.status} ({decision.reason})"
    if not _skip_waiting(session, col(FollowDecision.id) == decision.id, reason=f"{reason} (a later mention)",
                         now=now):
        return False
    audit(session, at=now, actor=POLICY_ACTOR, action="follow.withdrawn", target=f"author:{decision.author_id}",
          detail=f"decision {decision.id} was {was}; mention {mention_id}: {reason}")
    log.info("follow.withdrawn", decision_id=decision.id, author_id=decision.author_id, was=was, mention_id=mention_id,
             reason=reason)
    session.refresh(decision)
    return True


def withdraw_blocklisted(session: Session, *, blocklist: tuple[str, ...], now: datetime) -> int:
    """Skip the waiting decisions (`_skip_waiting`) of blocklisted authors; how many.

    `FOLLOW_BLOCKLIST` is read when an author is decided; this applies it to the people decided before
    they were put on it, so adding a name (and restarting) stops a follow still waiting. One audit row.
    Not committed: part of the caller's transaction.
    """
    if not blocklist:
        return 0
    blocked = select(Author.id).where(func.lower(col(Author.username)).in_(blocklist))
    withdrawn = _skip_waiting(session, col(FollowDecision.author_id).in_(blocked),
                              reason="blocklisted (added after the decision)", now=now)
    if withdrawn:
        audit(session, at=now, actor=POLICY_ACTOR, action="follow.withdrawn",
              detail=f"{withdrawn} waiting: blocklisted (FOLLOW_BLOCKLIST)")
        log.info("follow.withdrawn", count=withdrawn, reason="blocklisted")
    return withdrawn


@dataclass(frozen=True, slots=True)
class _Verdict:
    complaint: bool


def list_follows(
    session: Session,
    *,
    status: FollowStatus | None = None,
    limit: int | None = None,
    before: str | None = None,
    after: str | None = None,
) -> list[tuple[FollowDecision, Author]]:
    """Decisions with their authors, newest first; every one of them unless `limit` is given.

    Newest means the most recent thing that happened to the row: when it was done (followed,
    or closed by a person) if it was, else when it was decided. So a waiting list shows the
    freshest mentions first (a follow-back matters most while the mention is fresh), and
    "recently done" lists by `done_at`. All statuses when `status` is None.

    Keyset paging (`bot.store.paging`): `before` (a page's `cursor_after`) continues with the ones
    older than that page, `after` (a page's `cursor_before`) gives the `limit` just newer than it
    (the page before; the first page if it reaches the newest), still newest first. A cursor
    holds the sort time and id, so it still marks the place when its decision has been acted on
    since. A text that is not such a cursor is ignored (the first page).
    """
    return page_follows(session, status=status, limit=limit, before=before, after=after).rows


def page_follows(
    session: Session,
    *,
    status: FollowStatus | None = None,
    limit: int | None = None,
    before: str | None = None,
    after: str | None = None,
) -> KeysetPage[tuple[FollowDecision, Author]]:
    """`list_follows` as a page (`bot.store.paging`) that also says whether there are newer and older ones.

    `more_before`: newer decisions than the first row (exact when reading `after`, else whether
    the page starts from a cursor); `more_after`: older ones than the last row (exact when
    reading older, from one row over `limit`, so with no second query). `cursor_before` and
    `cursor_after` are what `after` and `before` take to read the newer and the older page.
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    stmt = select(FollowDecision, Author).join(Author, col(Author.id) == col(FollowDecision.author_id))
    if status is not None:
        stmt = stmt.where(col(FollowDecision.status) == status.value)
    keyset = Keyset(order=(func.coalesce(col(FollowDecision.done_at), col(FollowDecision.created_at)),
                           col(FollowDecision.id)), descending=True, limit=limit)
    keyset = keyset.from_cursors(forward=before, backward=after)
    return keyset.read(stmt, lambda page: [(d, a) for d, a in session.exec(page)],
                       key=lambda row: (row[0].done_at or row[0].created_at, row[0].id))


def count_follows(session: Session, *, status: FollowStatus) -> int:
    """How many decisions are in `status`."""
    stmt = select(func.count()).select_from(FollowDecision).where(col(FollowDecision.status) == status.value)
    return int(session.exec(stmt).one())


def _close_manual(
    session: Session, *, decision_id: int, status: FollowStatus, actor: str, now: datetime, reason: str | None = None
) -> tuple[FollowDecision, str]:
    """Move a MANUAL decision to `status` (conditional UPDATE); returns the row and the reason it had."""
    before = session.get(FollowDecision, decision_id)
    if before is None:
        raise FollowNotFoundError(f"no follow decision {decision_id}")
    was = before.reason
    values: dict[str, object] = {"status": status.value, "done_at": now, "done_by": actor}
    if reason is not None:
        values["reason"] = reason
    result = session.execute(
        update(FollowDecision)
        .where(col(FollowDecision.id) == decision_id)
        .where(col(FollowDecision.status) == FollowStatus.MANUAL.value)
        .values(**values)
    )
    session.refresh(before)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise FollowConflictError(f"follow decision {decision_id} is {_no_longer_manual(before)}")
    return before, was


def _no_longer_manual(row: FollowDecision) -> str:
    """Why a decision is not waiting for a person any more, in words (never the status name)."""
    by = f" by {row.done_by}" if row.done_by else ""
    match row.status:
        case FollowStatus.MANUAL_DONE:
            return f"already marked followed{by}"
        case FollowStatus.SKIPPED:
            return f"already skipped{by}"
        case FollowStatus.DONE:
            return "already followed through the API"
        case FollowStatus.PENDING:
            return "waiting to be followed through the API, not by hand"
        case FollowStatus.FAILED:
            return "refused by the API, not waiting to be followed by hand"
        case _:
            return f"not waiting to be followed by hand ({row.status})"


def mark_manual_done(session: Session, *, decision_id: int, actor: str, now: datetime) -> FollowDecision:
    """Record that a person followed a MANUAL author by hand (status manual → manual_done)."""
    row, _ = _close_manual(session, decision_id=decision_id, status=FollowStatus.MANUAL_DONE, actor=actor, now=now)
    audit(session, at=now, actor=actor, action="follow.manual_done", target=f"author:{row.author_id}",
          detail=f"decision {decision_id}")
    return row


def mark_manual_skipped(
    session: Session, *, decision_id: int, actor: str, now: datetime, reason: str = ""
) -> FollowDecision:
    """Record that a person decided not to follow a MANUAL author (status manual → skipped).

    The row's reason becomes "skipped by <actor>[: <reason>]"; the audit row keeps the reason it
    had before (why it was on the list).
    """
    why = reason.strip()
    row, was = _close_manual(session, decision_id=decision_id, status=FollowStatus.SKIPPED, actor=actor, now=now,
                             reason=f"skipped by {actor}" + (f": {why}" if why else ""))
    audit(session, at=now, actor=actor, action="follow.manual_skipped", target=f"author:{row.author_id}",
          detail=f"decision {decision_id}: {why or 'no reason given'} (was on the list because: {was})")
    log.info("follow.manual_skipped", decision_id=decision_id, author_id=row.author_id, actor=actor, reason=why)
    return row
