"""Accepting one received event: validate, store once, render at once, queue — or keep it as a dead letter.

Every transport (webhook, RSS, NDJSON file or inbox) calls `accept_event`; nothing it is given
is dropped:

* input that fails validation becomes a `DeadLetter` row (raw text + reason), no `Event`;
* a valid event is stored under its id (the primary key). The same id again is a duplicate
  and queues nothing — unless the stored event had *failed* (it never became a post): then the
  new copy replaces it and is rendered again, so a sender can fix its data and resend;
* the event is rendered at once (variant = number of posts already made from events of the
  same type, so repeated events rotate variants) and queued through `enqueue_post`. A render
  or queue error marks the event `failed` and keeps a dead letter with `event_id` set, so a
  template error is seen when the event arrives, never when it would post. A failed event
  has one open dead letter, kept current if the same event fails again;
* posts need approval when the persona says so for the type, or when `APPROVAL_REQUIRED`
  lists the event type or the source.

The source is always the transport's (`webhook`, `rss`, `ndjson`, `inbox` …), never the one
the body claims, so `APPROVAL_REQUIRED=webhook` cannot be bypassed by the sender.

Nothing here commits: the caller's transaction holds the event, its posts and dead letters
together. Concurrent callers are safe: the insert runs in a savepoint and a primary-key
clash means "duplicate"; taking over a failed event is a conditional UPDATE only one wins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import structlog
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain import PostKind, PostState
from bot.errors import BotError, ValidationError
from bot.feed.events import Event, parse_ndjson_line, validate_event
from bot.publish.queue import enqueue_post
from bot.render.renderer import RenderedPost, Renderer
from bot.settings import Settings
from bot.store.coordination import audit
from bot.store.models import DeadLetter, Post
from bot.store.models import Event as EventRow

log = structlog.get_logger()

#: Raw input longer than this is stored truncated (the reason says so).
MAX_RAW_CHARS = 1024 * 1024


class IngestStatus(StrEnum):
    """What became of one received event."""

    QUEUED = "queued"  # its post is scheduled
    PENDING_APPROVAL = "pending_approval"  # its post waits for a person
    HELD = "held"  # its post is held by crisis mode
    DUPLICATE = "duplicate"  # an event with this id was already accepted; nothing queued
    SKIPPED = "skipped"  # stored without a post on purpose (e.g. a feed's backlog at its first poll)
    DEAD_LETTER = "dead_letter"  # invalid input: kept as a dead letter, no event stored
    FAILED = "failed"  # event stored but it could not become a post: kept as a dead letter too
_EVENT_STATUS_OF_POST = {
    PostState.SCHEDULED.value: IngestStatus.QUEUED,
    PostState.PENDING_APPROVAL.value: IngestStatus.PENDING_APPROVAL,
    PostState.HELD.value: IngestStatus.HELD,
}


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The outcome of accepting one input; `reason` is set whenever nothing was queued."""

    status: IngestStatus
    event_id: str | None
    post_ids: tuple[int, ...] = ()
    reason: str = ""
    dead_letter_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        """The result as the CLI (`--json`) and the webhook report it."""
        return {
            "status": self.status.value,
            "event_id": self.event_id,
            "post_ids": list(self.post_ids),
            "reason": self.reason or None,
            "dead_letter_id": self.dead_letter_id,
        }

    @property
    def dead_lettered(self) -> bool:
        """True when the input ended up as a dead letter (invalid, or failed to render/queue)."""
        return self.status in (IngestStatus.DEAD_LETTER, IngestStatus.FAILED)


class DeadLetterNotFoundError(BotError):
    """No dead letter with that id."""


class DeadLetterStateError(BotError):
    """The dead letter is not open (already retried or discarded)."""


def storable(text: str) -> str:
    """`text` as the database accepts it: NUL and unpaired surrogates become backslash escapes."""
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def raw_text(raw: object) -> str:
    """The received input as text for a dead letter (JSON for decoded objects)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "backslashreplace")
    try:
        return json.dumps(raw, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        return repr(raw)


def _claimed_id(raw: object) -> str | None:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            return None
    value = raw.get("id") if isinstance(raw, dict) else None
    return storable(value)[:200] if isinstance(value, str) and value else None


def _parse(raw: object, source: str) -> Event:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(f"input is not UTF-8 (byte {exc.start})") from None
    try:
        if isinstance(raw, str):
            return parse_ndjson_line(raw, source=source)
        return validate_event(raw, source=source)
    except UnicodeEncodeError as exc:  # a lone surrogate, raw or from a "\ud800" JSON escape
        raise ValidationError(f"input holds an unpaired surrogate ({exc.object[exc.start]!r})") from None


def add_dead_letter(
    session: Session, *, source: str, raw: object, reason: str, now: datetime, event_id: str | None = None
) -> DeadLetter:
    """Keep input that could not be accepted, with why (not committed)."""
    text = raw_text(raw)
    stored = storable(text)
    if stored != text:
        reason += " (NUL characters or unpaired surrogates escaped for storage)"
    if len(stored) > MAX_RAW_CHARS:
        reason += f" (raw input of {len(stored)} characters truncated to {MAX_RAW_CHARS})"
        stored = stored[:MAX_RAW_CHARS]
    letter = DeadLetter(
        source=storable(source)[:200], received_at=now, raw=stored, reason=storable(reason), event_id=event_id
    )
    session.add(letter)
    session.flush()
    log.warning("event.dead_letter", dead_letter_id=letter.id, source=letter.source, event_id=event_id,
                reason=letter.reason)
    return letter


def needs_approval(event: Event, rendered: RenderedPost, settings: Settings) -> bool:
    """Approval is required by the persona for the type, or by `APPROVAL_REQUIRED` for the type or source."""
    return rendered.requires_approval or bool({event.type, event.source} & set(settings.approval_required))


def rotation_for(session: Session, event_type: str) -> int:
    """How many posts (threads count once) were already made from events of `event_type`."""
    stmt = (
        select(func.count())
        .select_from(Post)
        .join(EventRow, col(Post.event_id) == col(EventRow.id))
        .where(col(EventRow.type) == event_type, col(Post.thread_index) == 0)
    )
    return int(session.exec(stmt).one())


def _post_ids(session: Session, event_id: str) -> tuple[int, ...]:
    stmt = select(Post.id).where(col(Post.event_id) == event_id).order_by(col(Post.id))
    return tuple(i for i in session.exec(stmt) if i is not None)


def _insert(session: Session, event: Event, now: datetime) -> EventRow | None:
    """Insert the event row; None when its id is taken (by this transaction or a committed one)."""
    if session.get(EventRow, event.id) is not None:
        return None
    row = EventRow(id=event.id, type=event.type, source=event.source, occurred_at=event.occurred_at,
                   received_at=now, data=dict(event.data), status="new")
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def _take_over_failed(session: Session, event: Event, now: datetime) -> EventRow | None:
    """Replace a stored event that failed to become a post by `event`; None unless it had failed."""
    result = session.execute(
        update(EventRow)
        .where(col(EventRow.id) == event.id, col(EventRow.status) == "failed")
        .values(type=event.type, source=event.source, occurred_at=event.occurred_at, received_at=now,
                data=dict(event.data), status="new", error=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(EventRow, event.id, populate_existing=True)
    assert row is not None
    return row


#: X refuses a post identical to a recent one of the account; look this far back.
DUPLICATE_WINDOW = timedelta(days=7)
#: How many further variants to try when the rotated one repeats a recent post.
MAX_VARIANT_TRIES = 8


def _repeats_recent_post(session: Session, text: str, now: datetime) -> bool:
    """Whether `text` is already out (or on its way) in the duplicate window."""
    stmt = select(Post.id).where(
        col(Post.text) == text,
        col(Post.state).notin_([PostState.FAILED.value, PostState.CANCELLED.value]),
        col(Post.created_at) >= now - DUPLICATE_WINDOW,
    )
    return session.exec(stmt.limit(1)).first() is not None


def render_fresh(session: Session, event: Event, *, now: datetime, renderer: Renderer, settings: Settings
                 ) -> RenderedPost:
    """Render the rotated variant; if it repeats a recent post, the next variants, so X never sees a duplicate.

    `ValidationError` when every variant repeats a recent post (X would refuse it).
    """
    rotation = rotation_for(session, event.type)
    first = renderer.render_event(event, rotation=rotation, locale=settings.locale)
    rendered = first
    for step in range(1, MAX_VARIANT_TRIES + 1):
        if not _repeats_recent_post(session, rendered.texts[0], now):
            return rendered
        rendered = renderer.render_event(event, rotation=rotation + step, locale=settings.locale)
        if rendered.variant == first.variant:
            break  # every variant tried
    raise ValidationError(
        f"every variant of {first.template} repeats a post of the last {DUPLICATE_WINDOW.days} days, "
        "which X refuses as duplicate content; add a variant or vary the event's data"
    )


def _render_and_queue(
    session: Session, row: EventRow, event: Event, *, now: datetime, renderer: Renderer, settings: Settings
) -> IngestResult:
    try:
        with session.begin_nested():
            rendered = render_fresh(session, event, now=now, renderer=renderer, settings=settings)
            posts = enqueue_post(
                session,
                texts=rendered.texts,
                now=now,
                kind=PostKind.EVENT,
                priority=rendered.priority,
                promotional=rendered.promotional,
                requires_approval=needs_approval(event, rendered, settings),
                created_by=f"feed:{event.source}",
                event_id=event.id,
                template=rendered.template,
                variant=rendered.variant,
            )
    except ValidationError as exc:  # TemplateError, PostTooLongError, an invalid post text
        row.status, row.error = "failed", storable(str(exc))
        session.add(row)
        session.flush()
        log.warning("event.failed", event_id=event.id, type=event.type, reason=row.error)
        return IngestResult(IngestStatus.FAILED, event.id, reason=row.error)
    row.status = "queued"
    session.add(row)
    session.flush()
    status = _EVENT_STATUS_OF_POST.get(posts[0].state, IngestStatus.QUEUED)
    log.info("event.accepted", event_id=event.id, type=event.type, source=event.source, status=status.value,
             post_id=posts[0].id, variant=rendered.variant)
    return IngestResult(status, event.id, post_ids=tuple(p.id for p in posts if p.id is not None))


def _close_dead_letters(session: Session, event_id: str, now: datetime) -> None:
    session.execute(
        update(DeadLetter)
        .where(col(DeadLetter.event_id) == event_id, col(DeadLetter.status) == "open")
        .values(status="retried", retried_at=now)
        .execution_options(synchronize_session="fetch")
    )


def _accept_valid(
    session: Session,
    event: Event,
    *,
    now: datetime,
    renderer: Renderer,
    settings: Settings,
    skip_reason: str | None = None,
) -> IngestResult:
    """Store and queue a validated event; a FAILED result has no dead letter yet (the caller adds or updates one)."""
    row = _insert(session, event, now)
    replaced = False
    if row is None:
        row = _take_over_failed(session, event, now)
        if row is None:
            return IngestResult(IngestStatus.DUPLICATE, event.id, post_ids=_post_ids(session, event.id),
                                reason=f"event {event.id} was already received")
        replaced = True
    if skip_reason is not None:
        row.status, row.error = "skipped", skip_reason
        session.add(row)
        session.flush()
        log.info("event.skipped", event_id=event.id, type=event.type, source=event.source, reason=skip_reason)
        result = IngestResult(IngestStatus.SKIPPED, event.id, reason=skip_reason)
    else:
        result = _render_and_queue(session, row, event, now=now, renderer=renderer, settings=settings)
    if replaced and not result.dead_lettered:
        _close_dead_letters(session, event.id, now)
    return result


def accept_event(
    session: Session,
    raw: object,
    *,
    source: str,
    now: datetime,
    renderer: Renderer,
    settings: Settings,
    where: str = "",
    skip_reason: str | None = None,
) -> IngestResult:
    """Validate, store, render and queue one received event (a JSON text, bytes or a decoded object).

    Never raises for bad input: it becomes a dead letter, and the result says why. `where`
    (e.g. "events.ndjson line 3") prefixes the reason so the operator can find the input.
    With `skip_reason` a new event is stored as `skipped` (with that reason) and not posted.
    """
    prefix = f"{where}: " if where else ""
    try:
        event = _parse(raw, source)
    except ValidationError as exc:
        reason = prefix + exc.reason
        letter = add_dead_letter(session, source=source, raw=raw, reason=reason, now=now)
        return IngestResult(IngestStatus.DEAD_LETTER, _claimed_id(raw), reason=letter.reason,
                            dead_letter_id=letter.id)
    result = _accept_valid(session, event, now=now, renderer=renderer, settings=settings, skip_reason=skip_reason)
    if result.status is IngestStatus.FAILED:
        existing = _open_dead_letter(session, event.id)
        if existing is None:
            letter = add_dead_letter(session, source=source, raw=raw, reason=prefix + result.reason, now=now,
                                     event_id=event.id)
        else:  # the same failed event again (e.g. re-polled): one dead letter per event, kept current
            letter = existing
            letter.raw = storable(raw_text(raw))[:MAX_RAW_CHARS]
            letter.reason, letter.received_at = storable(prefix + result.reason), now
            session.add(letter)
            session.flush()
        return IngestResult(IngestStatus.FAILED, event.id, reason=letter.reason, dead_letter_id=letter.id)
    return result


def _open_dead_letter(session: Session, event_id: str) -> DeadLetter | None:
    stmt = select(DeadLetter).where(col(DeadLetter.event_id) == event_id, col(DeadLetter.status) == "open")
    return session.exec(stmt.order_by(col(DeadLetter.id)).limit(1)).first()


def retry_dead_letter(
    session: Session,
    dead_letter_id: int,
    *,
    now: datetime,
    renderer: Renderer,
    settings: Settings,
    raw: str | None = None,
    actor: str = "system",
) -> IngestResult:
    """Ingest a dead letter's raw input again (or `raw`, a fixed copy), after a template or data fix.

    On success the dead letter is marked `retried`; otherwise it stays open with the new reason
    (no second dead letter is made). A fixed copy of a failed event must keep its event id.
    """
    letter = session.get(DeadLetter, dead_letter_id)
    if letter is None:
        raise DeadLetterNotFoundError(f"no dead letter {dead_letter_id}")
    if letter.status != "open":
        raise DeadLetterStateError(f"dead letter {dead_letter_id} is {letter.status}, not open")
    text = letter.raw if raw is None else raw
    try:
        event = _parse(text, letter.source)
        if letter.event_id is not None and event.id != letter.event_id:
            raise ValidationError(f"the fixed event must keep the id {letter.event_id!r}, not {event.id!r}")
    except ValidationError as exc:
        result = IngestResult(IngestStatus.DEAD_LETTER, _claimed_id(text), reason=exc.reason,
                              dead_letter_id=letter.id)
    else:
        result = _accept_valid(session, event, now=now, renderer=renderer, settings=settings)
        result = IngestResult(result.status, result.event_id, result.post_ids, result.reason, letter.id)
    if raw is not None:
        letter.raw = storable(raw)[:MAX_RAW_CHARS]
    if result.dead_lettered:
        letter.reason = storable(result.reason)
        detail = f"still failing: {letter.reason}"
    else:
        letter.status, letter.retried_at = "retried", now
        if letter.event_id is None:
            letter.event_id = result.event_id
        detail = f"{result.status.value} {result.event_id}"
    session.add(letter)
    audit(session, at=now, actor=actor, action="dead_letter.retried", target=f"dead_letter {letter.id}",
          detail=detail)
    session.flush()
    log.info("dead_letter.retried", dead_letter_id=letter.id, status=result.status.value, reason=result.reason)
    return result


def list_dead_letters(session: Session, *, status: str | None = "open", limit: int = 200) -> list[DeadLetter]:
    """Dead letters (default: the open ones), newest first."""
    stmt = select(DeadLetter)
    if status is not None:
        stmt = stmt.where(col(DeadLetter.status) == status)
    stmt = stmt.order_by(col(DeadLetter.received_at).desc(), col(DeadLetter.id).desc()).limit(limit)
    return list(session.exec(stmt))


def list_events(session: Session, *, status: str | None = None, limit: int = 200) -> list[EventRow]:
    """Stored events (optionally only those in `status`), newest received first."""
    stmt = select(EventRow)
    if status is not None:
        stmt = stmt.where(col(EventRow.status) == status)
    stmt = stmt.order_by(col(EventRow.received_at).desc(), col(EventRow.id)).limit(limit)
    return list(session.exec(stmt))


def count_by_status(results: Sequence[IngestResult]) -> dict[str, int]:
    """How many results had each status (every status present, zeros included)."""
    counts = {s.value: 0 for s in IngestStatus}
    for result in results:
        counts[result.status.value] += 1
    return counts
