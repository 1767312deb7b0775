"""The daily anecdote: one story a day at a local time, never repeated until the library is exhausted.

`queue_daily_anecdote` is safe to call every few seconds from several processes. Once the
local time (in `TIMEZONE`) reaches `at_local`, the first caller of the local day claims it
with an `AnecdoteUse(persona, day)` row — unique per persona and day, so exactly one process
wins even when two race — and queues the post (kind `anecdote`, scheduled now).

* The day and the time are local wall-clock values, so the post goes out at `at_local` in
  summer and winter alike. On the day clocks spring forward past `at_local` it goes out at the
  first instant after (e.g. 03:00 for 02:30); on the day they fall back it goes out once.
* The anecdote is one not yet told in the current cycle (`AnecdoteUse.cycle`); when every
  anecdote of `anecdotes.toml` has been told a new cycle starts. The pick is deterministic
  from the date, so every process would choose the same one.
* It is rendered through the persona's `anecdote.daily` template when there is one (data:
  `anecdote_id`, `text` in the template's locale; variants rotate day by day), else posted as
  written. A persona without `anecdotes.toml` has no daily anecdote (nothing happens).
* A broken `anecdotes.toml` raises `ValidationError` on every call (`brandbot templates check`
  reports it before it goes live).
* If the anecdote cannot become a post (template error, too long) the day is still claimed —
  so the job does not fail again every few seconds — and a dead letter (source `anecdotes`)
  holds the would-be event with the reason; `brandbot events retry` posts it once fixed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

import structlog
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain import PostKind
from bot.errors import TemplateError, ValidationError
from bot.feed.events import Event
from bot.feed.ingest import add_dead_letter
from bot.publish.queue import enqueue_post, validate_text
from bot.render.anecdotes import Anecdote, choose_anecdote, load_anecdotes
from bot.render.check import CheckFailure
from bot.render.renderer import Renderer
from bot.settings import Settings
from bot.store.models import AnecdoteUse, Post

log = structlog.get_logger()

ANECDOTE_TYPE = "anecdote.daily"
ANECDOTES_FILE = "anecdotes.toml"
ANECDOTE_SOURCE = "anecdotes"
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def parse_local_time(value: str | time) -> time:
    """`HH:MM` (24 h) as a `time`; `ValidationError` otherwise."""
    if isinstance(value, time):
        return value
    match = _HHMM.fullmatch(value.strip())
    if match is None:
        raise ValidationError(f"local time must be HH:MM (24 h), got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True, slots=True)
class AnecdotePost:
    """The texts one anecdote becomes and how it is published."""

    texts: tuple[str, ...]
    template: str | None = None
    variant: int | None = None
    priority: int = 0
    promotional: bool = False
    requires_approval: bool = False


def anecdote_event(anecdote: Anecdote, *, locale: str | None, day: str, now: datetime) -> Event:
    """The `anecdote.daily` event an anecdote is rendered from (and kept as, in a dead letter)."""
    return Event(id=f"anecdote-{day}", type=ANECDOTE_TYPE, occurred_at=now, source=ANECDOTE_SOURCE,
                 data={"anecdote_id": anecdote.id, "text": anecdote.text_for(locale)})


def render_anecdote(
    renderer: Renderer, anecdote: Anecdote, *, settings: Settings, rotation: int, day: str, now: datetime
) -> AnecdotePost:
    """Render through the persona's `anecdote.daily` template, or take the text as written (`TemplateError`)."""
    approval_listed = bool({ANECDOTE_TYPE, ANECDOTE_SOURCE} & set(settings.approval_required))
    if ANECDOTE_TYPE not in renderer.event_types():
        return AnecdotePost(texts=(anecdote.text_for(settings.locale).strip(),), requires_approval=approval_listed)
    _, template_locale = renderer.template_name(ANECDOTE_TYPE, settings.locale)
    event = anecdote_event(anecdote, locale=template_locale, day=day, now=now)
    rendered = renderer.render_event(event, rotation=rotation, locale=settings.locale)
    return AnecdotePost(
        texts=rendered.texts,
        template=rendered.template,
        variant=rendered.variant,
        priority=rendered.priority,
        promotional=rendered.promotional,
        requires_approval=rendered.requires_approval or approval_listed,
    )


def _current_cycle(session: Session, persona: str) -> tuple[int, set[str]]:
    """The current cycle number and the anecdote ids told in it."""
    cycle = session.exec(select(func.max(AnecdoteUse.cycle)).where(col(AnecdoteUse.persona) == persona)).one()
    if cycle is None:
        return 0, set()
    stmt = select(AnecdoteUse.anecdote_id).where(col(AnecdoteUse.persona) == persona,
                                                 col(AnecdoteUse.cycle) == cycle)
    return int(cycle), set(session.exec(stmt))


def _uses(session: Session, persona: str) -> int:
    stmt = select(func.count()).select_from(AnecdoteUse).where(col(AnecdoteUse.persona) == persona)
    return int(session.exec(stmt).one())


def _claim_day(session: Session, use: AnecdoteUse) -> bool:
    try:
        with session.begin_nested():
            session.add(use)
    except IntegrityError:
        return False
    return True


def queue_daily_anecdote(
    session: Session,
    *,
    now: datetime,
    settings: Settings,
    renderer: Renderer,
    at_local: str | time = "09:00",
) -> Post | None:
    """Queue today's anecdote if it is due and not yet queued; the (first) post, or None. The caller commits."""
    local = now.astimezone(settings.tz)
    if local.time() < parse_local_time(at_local):
        return None
    day = local.date().isoformat()
    persona = renderer.persona_name
    taken = select(AnecdoteUse.id).where(col(AnecdoteUse.persona) == persona, col(AnecdoteUse.day) == day)
    if session.exec(taken.limit(1)).first() is not None:
        return None
    path = Path(renderer.root) / ANECDOTES_FILE
    if not path.is_file():
        log.debug("anecdote.none", persona=persona, reason=f"no {ANECDOTES_FILE}")
        return None
    library = load_anecdotes(path)
    cycle, told = _current_cycle(session, persona)
    if {a.id for a in library} <= told:
        cycle, told = cycle + 1, set()
    chosen = choose_anecdote(library, told, rng_seed=local.date().toordinal())
    rotation = _uses(session, persona)
    use = AnecdoteUse(persona=persona, anecdote_id=chosen.id, cycle=cycle, day=day, created_at=now)
    if not _claim_day(session, use):
        return None
    try:
        with session.begin_nested():
            post = render_anecdote(renderer, chosen, settings=settings, rotation=rotation, day=day, now=now)
            posts = enqueue_post(
                session,
                texts=post.texts,
                now=now,
                kind=PostKind.ANECDOTE,
                priority=post.priority,
                promotional=post.promotional,
                requires_approval=post.requires_approval,
                created_by=ANECDOTE_SOURCE,
                template=post.template,
                variant=post.variant,
            )
    except ValidationError as exc:  # TemplateError, PostTooLongError, an invalid post text
        event = anecdote_event(chosen, locale=settings.locale, day=day, now=now)
        raw = {"id": event.id, "type": event.type, "occurred_at": now.isoformat(), "data": event.data}
        add_dead_letter(session, source=ANECDOTE_SOURCE, raw=json.dumps(raw, ensure_ascii=False),
                        reason=f"anecdote {chosen.id!r} for {day}: {exc}", now=now)
        log.error("anecdote.failed", persona=persona, anecdote_id=chosen.id, day=day, reason=str(exc))
        return None
    use.post_id = posts[0].id
    session.add(use)
    session.flush()
    log.info("anecdote.queued", persona=persona, anecdote_id=chosen.id, day=day, cycle=cycle, post_id=use.post_id)
    return posts[0]


def check_anecdotes(renderer: Renderer) -> list[CheckFailure]:
    """Load the persona's anecdote library and render every anecdote in every locale it has (no file: no failures)."""
    path = Path(renderer.root) / ANECDOTES_FILE
    if not path.is_file():
        return []
    label = f"{renderer.persona_name}/{ANECDOTES_FILE}"
    try:
        library = load_anecdotes(path)
        locales = sorted({renderer.persona.default_locale, *(k for a in library for k in a.translations)})
    except ValidationError as exc:
        return [CheckFailure(label, "", exc.reason)]
    failures: list[CheckFailure] = []
    for anecdote in library:
        for locale in locales:
            settings = Settings(locale=locale, template_dir=Path(renderer.root).parent,
                                persona=renderer.persona_name)
            for rotation in range(_variant_count(renderer, locale)):
                try:
                    post = render_anecdote(renderer, anecdote, settings=settings, rotation=rotation,
                                           day="check", now=datetime.fromisoformat("2026-01-01T09:00:00+00:00"))
                    for text in post.texts:
                        validate_text(text)
                except ValidationError as exc:
                    failures.append(CheckFailure(label, f"{anecdote.id} ({locale}, variant {rotation})", exc.reason))
    return failures


def _variant_count(renderer: Renderer, locale: str) -> int:
    try:
        if ANECDOTE_TYPE not in renderer.event_types():
            return 1
        name, _ = renderer.template_name(ANECDOTE_TYPE, locale)
    except TemplateError:
        return 1
    return max(1, len(renderer._loaded()[name]))  # same access as bot.render.check
