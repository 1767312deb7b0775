"""RSS/Atom feeds polled on a schedule: each new entry becomes an event.

`RSS_FEEDS` lists feed URLs (http, https or file). A URL may end with `#type=<event type>` to
choose the event type of its entries (the fragment is never sent); the default is
`rss.entry`. Every entry becomes::

    {"id": "rss-<40 hex>", "type": "rss.entry", "occurred_at": <published, else updated, else now>,
     "source": "rss",
     "data": {"title", "link", "summary" (text, at most 500 characters), "published" (ISO or ""),
              "feed" (the feed's title), "feed_url"}}

The id is a hash of the entry's id (guid), else its link, else its title and date, so an
entry is one event however often it is seen, in whichever feed (idempotent by event id).

Polling uses a conditional GET: the ETag and Last-Modified of the last 200 are kept in
`FeedState` and sent as `If-None-Match` / `If-Modified-Since`; a 304 costs nothing.
`FeedState.last_status` is the last HTTP status, or 0 when the feed could not be reached
(or was not a feed); a change of status is written to the audit log.

On the first poll of a feed its current entries are stored as `skipped` events (not posted),
so adding a feed does not flood the account with its backlog; only entries that appear
later are posted. Pass `skip_backlog=False` to post them.

`poll_feeds` is safe to call every few seconds from several processes: a feed is polled
at most once per `RSS_POLL_SECONDS`, by one process at a time (a lease per feed). The
HTTP request is made outside any database transaction.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urldefrag, urlparse

import feedparser
import requests
import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.errors import BotError, ValidationError
from bot.feed.ingest import IngestStatus, accept_event
from bot.render.renderer import Renderer
from bot.settings import Settings
from bot.store.coordination import acquire_lease, audit, release_lease
from bot.store.db import session_scope
from bot.store.models import AuditLog, FeedState

log = structlog.get_logger()

RSS_SOURCE = "rss"
DEFAULT_EVENT_TYPE = "rss.entry"
USER_AGENT = "brandbot/0.1 feed poller"
LEASE_TTL_SECONDS = 120.0
FETCH_TIMEOUT_SECONDS = 20.0
MAX_FEED_BYTES = 10 * 1024 * 1024
SUMMARY_CHARS = 500
TITLE_CHARS = 300
LINK_CHARS = 2048
NO_RESPONSE = 0
_TYPE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_SPACE = re.compile(r"\s+")
_NEW = frozenset({IngestStatus.QUEUED, IngestStatus.PENDING_APPROVAL, IngestStatus.HELD, IngestStatus.SKIPPED,
                  IngestStatus.FAILED})


class FeedError(BotError):
    """A feed could not be fetched or read; `url` says which."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """What a fetch returned: the status, and for a 200 the body and its validators."""

    status: int
    body: bytes = b""
    etag: str | None = None
    modified: str | None = None


class Fetch(Protocol):
    """Fetches a feed conditionally; raises `FeedError` when it cannot be reached."""

    def __call__(self, url: str, *, etag: str | None, modified: str | None) -> FeedResponse: ...


def _fetch_file(url: str, modified: str | None) -> FeedResponse:
    path = Path(unquote(urlparse(url).path))
    try:
        stamp = format_datetime(datetime.fromtimestamp(path.stat().st_mtime, UTC), usegmt=True)
        if modified == stamp:
            return FeedResponse(304)
        return FeedResponse(200, path.read_bytes(), None, stamp)
    except OSError as exc:
        raise FeedError(url, f"cannot read: {exc.strerror or exc}") from None


def http_fetch(url: str, *, etag: str | None, modified: str | None) -> FeedResponse:
    """GET `url` with `If-None-Match` / `If-Modified-Since` (file: URLs compare the file's time)."""
    if urlparse(url).scheme == "file":
        return _fetch_file(url, modified)
    headers = {"User-Agent": USER_AGENT,
               "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        with requests.get(url, headers=headers, timeout=FETCH_TIMEOUT_SECONDS, stream=True) as response:
            if response.status_code != 200:
                return FeedResponse(response.status_code)
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FeedError(url, f"feed is larger than {MAX_FEED_BYTES} bytes")
            return FeedResponse(200, bytes(body), response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except requests.RequestException as exc:
        raise FeedError(url, f"{type(exc).__name__}: {exc}") from None


def parse_feed_spec(spec: str) -> tuple[str, str]:
    """(URL to fetch, event type of its entries) from an `RSS_FEEDS` item (`URL[#type=<event type>]`)."""
    url, fragment = urldefrag(spec.strip())
    event_type = parse_qs(fragment).get("type", [DEFAULT_EVENT_TYPE])[0]
    if not _TYPE.fullmatch(event_type):
        raise ValidationError(f"{spec}: #type must match [a-z][a-z0-9_.-]{{0,63}}, got {event_type!r}")
    if len(url) > 500:
        raise ValidationError(f"{spec[:60]}...: feed URL longer than 500 characters")
    return url, event_type


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(value: str, limit: int) -> str:
    """Visible text of an HTML fragment, whitespace collapsed, cut to `limit` characters (with "…")."""
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    text = _SPACE.sub(" ", html.unescape("".join(parser.parts))).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(entry: Mapping[str, Any]) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not isinstance(parsed, time.struct_time):
        return None
    return datetime(*parsed[:6], tzinfo=UTC)


def entry_event(entry: Mapping[str, Any], *, feed_url: str, feed_title: str, event_type: str,
                now: datetime) -> dict[str, object]:
    """The raw event (as a transport would send it) for one feedparser entry."""
    title = html_to_text(str(entry.get("title") or ""), TITLE_CHARS)
    link = str(entry.get("link") or "")[:LINK_CHARS]
    published = _when(entry)
    key = str(entry.get("id") or "") or link or f"{title}\n{published.isoformat() if published else ''}"
    summary = str(entry.get("summary") or entry.get("description") or "")
    return {
        "id": "rss-" + hashlib.sha256(key.encode("utf-8", "backslashreplace")).hexdigest()[:40],
        "type": event_type,
        "occurred_at": (published or now).isoformat(),
        "data": {
            "title": title,
            "link": link,
            "summary": html_to_text(summary, SUMMARY_CHARS),
            "published": published.isoformat() if published else "",
            "feed": html_to_text(feed_title, TITLE_CHARS),
            "feed_url": feed_url,
        },
    }


def _lease_name(url: str) -> str:
    return "rss:" + hashlib.sha256(url.encode()).hexdigest()[:32]


def _ever_fetched(session: Session, url: str) -> bool:
    """Whether the feed ever answered 200 (a status change is an audit row `feed.status`, detail "200: ...")."""
    stmt = select(AuditLog.id).where(col(AuditLog.action) == "feed.status", col(AuditLog.target) == url,
                                     col(AuditLog.detail).startswith("200:"))
    return session.exec(stmt.limit(1)).first() is not None


def _record_status(session: Session, state: FeedState, status: int, detail: str, now: datetime) -> None:
    if state.last_status != status:
        audit(session, at=now, actor="rss", action="feed.status", target=state.url, detail=f"{status}: {detail}")
    state.last_status = status
    state.last_polled_at = now
    session.add(state)


def poll_feed(
    engine: Engine,
    spec: str,
    *,
    settings: Settings,
    renderer: Renderer,
    clock: Clock,
    worker: str,
    fetch: Fetch = http_fetch,
    skip_backlog: bool = True,
    force: bool = False,
) -> int:
    """Poll one feed if it is due (or `force`); return how many new events it produced."""
    url, event_type = parse_feed_spec(spec)
    lease = _lease_name(url)
    now = clock.now()
    with session_scope(engine) as session:
        if not acquire_lease(session, name=lease, owner=worker, ttl_seconds=LEASE_TTL_SECONDS, now=now):
            return 0
    try:
        with session_scope(engine) as session:
            state = session.get(FeedState, url)
            first_poll = not _ever_fetched(session, url)
            last = state.last_polled_at if state is not None else None
            if last is not None and not force and (now - last).total_seconds() < settings.rss_poll_seconds:
                return 0
            etag, modified = (state.etag, state.modified) if state else (None, None)
        try:
            response = fetch(url, etag=etag, modified=modified)
        except FeedError as exc:
            log.warning("rss.unreachable", url=url, reason=exc.reason)
            with session_scope(engine) as session:
                _record_status(session, session.get(FeedState, url) or FeedState(url=url), NO_RESPONSE, exc.reason,
                               clock.now())
            return 0
        return _store(engine, url, event_type, response, first_poll=first_poll and skip_backlog, settings=settings,
                      renderer=renderer, now=clock.now())
    finally:
        with session_scope(engine) as session:
            release_lease(session, name=lease, owner=worker)


def _store(engine: Engine, url: str, event_type: str, response: FeedResponse, *, first_poll: bool,
           settings: Settings, renderer: Renderer, now: datetime) -> int:
    with session_scope(engine) as session:
        state = session.get(FeedState, url) or FeedState(url=url)
        if response.status == 304:
            _record_status(session, state, 304, "not modified", now)
            log.info("rss.not_modified", url=url)
            return 0
        if response.status != 200:
            _record_status(session, state, response.status, f"HTTP {response.status}", now)
            log.warning("rss.http_error", url=url, status=response.status)
            return 0
        parsed = feedparser.parse(response.body, response_headers={"content-location": url})
        entries = list(parsed.get("entries") or [])
        if parsed.get("bozo") and not entries:
            reason = f"not an RSS/Atom feed: {parsed.get('bozo_exception')}"
            _record_status(session, state, NO_RESPONSE, reason, now)
            log.warning("rss.unreadable", url=url, reason=reason)
            return 0
        state.etag, state.modified = response.etag, response.modified
        _record_status(session, state, 200, "ok", now)
        feed_title = str(parsed.get("feed", {}).get("title") or "")
        skip = "feed backlog at its first poll: stored, not posted" if first_poll else None
        new = 0
        # Queue in time order: by date, and undated entries in reverse document order (feeds list newest first).
        raws = [entry_event(e, feed_url=url, feed_title=feed_title, event_type=event_type, now=now)
                for e in reversed(entries)]
        raws.sort(key=lambda r: datetime.fromisoformat(str(r["occurred_at"])))
        for raw in raws:
            result = accept_event(session, raw, source=RSS_SOURCE, now=now, renderer=renderer, settings=settings,
                                  skip_reason=skip)
            new += result.status in _NEW
        log.info("rss.polled", url=url, entries=len(entries), new=new, backlog=first_poll)
        return new


def poll_feeds(
    engine: Engine,
    *,
    settings: Settings,
    renderer: Renderer,
    clock: Clock,
    worker: str,
    fetch: Fetch = http_fetch,
    skip_backlog: bool = True,
    force: bool = False,
) -> int:
    """Poll every feed of `settings.rss_feeds` that is due; return how many new events they produced.

    A feed that cannot be reached or read is recorded on its `FeedState` and does not stop the others.
    """
    new = 0
    for spec in settings.rss_feeds:
        try:
            new += poll_feed(engine, spec, settings=settings, renderer=renderer, clock=clock, worker=worker,
                             fetch=fetch, skip_backlog=skip_backlog, force=force)
        except ValidationError as exc:
            log.error("rss.bad_feed", feed=spec, reason=exc.reason)
    return new
