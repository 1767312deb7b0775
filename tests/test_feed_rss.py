"""bot.feed.rss: feeds served from a loopback HTTP server, conditional GET, dedup, backlog, leases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.errors import ValidationError
from bot.feed.rss import (
    DEFAULT_EVENT_TYPE,
    FeedResponse,
    entry_event,
    html_to_text,
    http_fetch,
    parse_feed_spec,
    poll_feed,
    poll_feeds,
)
from bot.render.renderer import Renderer
from bot.settings import Settings
from bot.store.coordination import acquire_lease
from bot.store.models import AuditLog, FeedState, Post
from bot.store.models import Event as EventRow

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _item(n: int, *, guid: bool = True) -> str:
    ident = f"<guid>urn:post:{n}</guid>" if guid else ""
    return (f"<item><title>Post &amp; update {n}</title><link>https://mission.example/p/{n}</link>{ident}"
            f"<description>&lt;p&gt;Body &lt;b&gt;{n}&lt;/b&gt;&lt;/p&gt;</description>"
            f"<pubDate>Sun, 01 Mar 2026 0{n}:00:00 GMT</pubDate></item>")


def _rss(*items: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Mission news</title>'
            f"<link>https://mission.example/</link>{''.join(items)}</channel></rss>").encode()


class FeedServer:
    """A loopback HTTP server for one feed: honours If-None-Match and records every request's headers."""

    def __init__(self) -> None:
        self.body = _rss(_item(1), _item(2))
        self.etag = '"v1"'
        self.status = 200
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(dict(self.headers.items()))
                if server.status != 200:
                    self.send_response(server.status)
                    self.end_headers()
                elif self.headers.get("If-None-Match") == server.etag:
                    self.send_response(304)
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("ETag", server.etag)
                    self.send_header("Last-Modified", "Sun, 01 Mar 2026 10:00:00 GMT")
                    self.send_header("Content-Length", str(len(server.body)))
                    self.end_headers()
                    self.wfile.write(server.body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.xml"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def publish(self, body: bytes, etag: str) -> None:
        self.body, self.etag = body, etag


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(TEMPLATES, "mars-phoenix")


def _settings(*feeds: str) -> Settings:
    return Settings(template_dir=TEMPLATES, persona="mars-phoenix", rss_feeds=feeds, rss_poll_seconds=300)


def _poll(engine: Engine, settings: Settings, renderer: Renderer, clock: ManualClock, **kw: object) -> int:
    return poll_feeds(engine, settings=settings, renderer=renderer, clock=clock, worker="w1", **kw)  # type: ignore[arg-type]


class TestPolling:
    def test_first_poll_stores_the_backlog_without_posting(self, engine: Engine, feed: FeedServer,
                                                           clock: ManualClock, renderer: Renderer) -> None:
        """Entries present at the first poll become skipped events; validators are kept for next time."""
        assert _poll(engine, _settings(feed.url), renderer, clock) == 2
        with Session(engine) as session:
            events = list(session.exec(select(EventRow).order_by(col(EventRow.occurred_at))))
            state = session.get(FeedState, feed.url)
            assert [(e.type, e.source, e.status, e.data["title"]) for e in events] == [
                ("rss.entry", "rss", "skipped", "Post & update 1"), ("rss.entry", "rss", "skipped", "Post & update 2")]
            assert events[0].error == "feed backlog at its first poll: stored, not posted"
            assert session.exec(select(Post)).all() == []
            assert state is not None
            assert (state.etag, state.modified, state.last_status, state.last_polled_at) == (
                '"v1"', "Sun, 01 Mar 2026 10:00:00 GMT", 200, NOW)
        assert "If-None-Match" not in feed.requests[0]

    def test_conditional_get_then_new_entry_is_posted(self, engine: Engine, feed: FeedServer, clock: ManualClock,
                                                      renderer: Renderer) -> None:
        """The second poll sends If-None-Match and gets 304; a later new entry is queued as a post."""
        settings = _settings(feed.url)
        _poll(engine, settings, renderer, clock)
        clock.advance(300)
        assert _poll(engine, settings, renderer, clock) == 0
        assert (feed.requests[1]["If-None-Match"], feed.requests[1]["If-Modified-Since"]) == (
            '"v1"', "Sun, 01 Mar 2026 10:00:00 GMT")
        feed.publish(_rss(_item(1), _item(2), _item(3)), '"v2"')
        clock.advance(300)
        assert _poll(engine, settings, renderer, clock) == 1
        with Session(engine) as session:
            posts = list(session.exec(select(Post)))
            state = session.get(FeedState, feed.url)
            assert [p.text for p in posts] == [
                "My team just posted an update: “Post & update 3” Worth a read, even from up here. #Mars #Phoenix"]
            assert (state.etag, state.last_status) == ('"v2"', 200) if state else False
            statuses = [a.detail for a in session.exec(select(AuditLog).where(AuditLog.action == "feed.status"))]
            assert statuses == ["200: ok", "304: not modified", "200: ok"]

    def test_not_due_makes_no_request(self, engine: Engine, feed: FeedServer, clock: ManualClock,
                                      renderer: Renderer) -> None:
        """Called again before RSS_POLL_SECONDS have passed, the poller does nothing (force overrides)."""
        settings = _settings(feed.url)
        _poll(engine, settings, renderer, clock)
        clock.advance(299)
        assert _poll(engine, settings, renderer, clock) == 0
        assert len(feed.requests) == 1
        _poll(engine, settings, renderer, clock, force=True)
        assert len(feed.requests) == 2

    def test_backlog_can_be_posted(self, engine: Engine, feed: FeedServer, clock: ManualClock,
                                   renderer: Renderer) -> None:
        """With skip_backlog=False the first poll's entries are posted, oldest first, variants rotating."""
        assert _poll(engine, _settings(feed.url), renderer, clock, skip_backlog=False) == 2
        with Session(engine) as session:
            texts = [p.text for p in session.exec(select(Post).order_by(col(Post.id)))]
        assert texts == [
            "My team just posted an update: “Post & update 1” Worth a read, even from up here. #Mars #Phoenix",
            "News from mission control: Post & update 2 #Mars #Phoenix",
        ]

    def test_same_entries_in_two_feeds_are_one_event(self, engine: Engine, feed: FeedServer, clock: ManualClock,
                                                     renderer: Renderer) -> None:
        """Entries are deduplicated by their guid across feeds (the second feed adds nothing)."""
        other = feed.url.replace("/feed.xml", "/mirror.xml")
        assert _poll(engine, _settings(feed.url, other), renderer, clock) == 2
        with Session(engine) as session:
            assert len(session.exec(select(EventRow)).all()) == 2

    def test_http_error_and_unreachable_are_recorded(self, engine: Engine, feed: FeedServer, clock: ManualClock,
                                                     renderer: Renderer) -> None:
        """A 500 and a refused connection are written on FeedState (0 = no response) and do not raise."""
        feed.status = 500
        closed = "http://127.0.0.1:9/feed.xml"
        assert _poll(engine, _settings(feed.url, closed), renderer, clock) == 0
        with Session(engine) as session:
            served, refused = session.get(FeedState, feed.url), session.get(FeedState, closed)
            assert (served.last_status if served else None, refused.last_status if refused else None) == (500, 0)
            details = sorted(a.detail.split(":")[0] for a in session.exec(select(AuditLog)))
            assert details == ["0", "500"]

    def test_backlog_rule_survives_an_initial_outage(self, engine: Engine, feed: FeedServer, clock: ManualClock,
                                                     renderer: Renderer) -> None:
        """A feed that failed before its first 200 still treats that first 200 as the backlog."""
        feed.status = 503
        _poll(engine, _settings(feed.url), renderer, clock)
        feed.status = 200
        clock.advance(300)
        assert _poll(engine, _settings(feed.url), renderer, clock) == 2
        with Session(engine) as session:
            assert session.exec(select(Post)).all() == []

    def test_a_feed_held_by_another_worker_is_left_alone(self, engine: Engine, feed: FeedServer,
                                                         clock: ManualClock, renderer: Renderer) -> None:
        """While another process holds the feed's lease, this one makes no request."""
        from bot.feed.rss import _lease_name

        with Session(engine) as session:
            acquire_lease(session, name=_lease_name(feed.url), owner="w2", ttl_seconds=60, now=clock.now())
        assert poll_feed(engine, feed.url, settings=_settings(feed.url), renderer=renderer, clock=clock,
                         worker="w1") == 0
        assert feed.requests == []

    def test_per_feed_event_type_and_fake_fetch(self, engine: Engine, clock: ManualClock,
                                                renderer: Renderer) -> None:
        """`#type=` chooses the event type; entries without a template fail visibly as dead letters."""
        def fetch(url: str, *, etag: str | None, modified: str | None) -> FeedResponse:
            assert (url, etag, modified) == ("https://ops.example/feed", None, None)
            return FeedResponse(200, _rss(_item(1)), None, None)

        settings = _settings("https://ops.example/feed#type=ops.note")
        assert _poll(engine, settings, renderer, clock, fetch=fetch, skip_backlog=False) == 1
        with Session(engine) as session:
            event = session.exec(select(EventRow)).one()
            assert (event.type, event.status, event.error) == ("ops.note", "failed",
                                                               "mars-phoenix/ops.note.j2: no template")

    def test_unparseable_feed_is_recorded(self, engine: Engine, clock: ManualClock, renderer: Renderer) -> None:
        """A body that is not a feed stores nothing and records status 0 with the reason in the audit log."""
        def fetch(url: str, *, etag: str | None, modified: str | None) -> FeedResponse:
            return FeedResponse(200, b"<html><body>maintenance", None, None)

        assert _poll(engine, _settings("https://x.example/feed"), renderer, clock, fetch=fetch) == 0
        with Session(engine) as session:
            state = session.get(FeedState, "https://x.example/feed")
            audit = session.exec(select(AuditLog)).one()
            assert state is not None
            assert state.last_status == 0
            assert audit.detail.startswith("0: not an RSS/Atom feed:")


class TestEntries:
    def test_entry_to_event(self) -> None:
        """An entry maps to a hashed id, its published time and text-only data."""
        entry = {"id": "urn:post:1", "title": "A <b>big</b> day", "link": "https://m.example/1",
                 "summary": "<p>First&nbsp;line</p>\n<p>second</p>",
                 "published_parsed": datetime(2026, 3, 1, 9, 30, tzinfo=UTC).timetuple()}
        raw = entry_event(entry, feed_url="https://m.example/feed", feed_title="News", event_type="rss.entry",
                          now=NOW)
        assert raw == {
            "id": "rss-" + __import__("hashlib").sha256(b"urn:post:1").hexdigest()[:40],
            "type": "rss.entry",
            "occurred_at": "2026-03-01T09:30:00+00:00",
            "data": {"title": "A big day", "link": "https://m.example/1", "summary": "First line second",
                     "published": "2026-03-01T09:30:00+00:00", "feed": "News", "feed_url": "https://m.example/feed"},
        }

    def test_id_falls_back_to_link_then_title(self) -> None:
        """Without a guid the link identifies the entry; without either, the title and date do."""
        by_link = entry_event({"link": "https://m.example/1"}, feed_url="f", feed_title="", event_type="t",
                              now=NOW)
        by_title = entry_event({"title": "Hello"}, feed_url="f", feed_title="", event_type="t", now=NOW)
        sha = __import__("hashlib").sha256
        assert by_link["id"] == "rss-" + sha(b"https://m.example/1").hexdigest()[:40]
        assert by_title["id"] == "rss-" + sha(b"Hello\n").hexdigest()[:40]
        assert by_title["occurred_at"] == NOW.isoformat()

    def test_html_to_text_cuts_long_text(self) -> None:
        """Long summaries are cut with an ellipsis."""
        assert html_to_text("<i>" + "word " * 200 + "</i>", 20) == "word word word word…"

    def test_feed_spec(self) -> None:
        """A `#type=` fragment sets the event type and is not part of the fetched URL; a bad type is refused."""
        assert parse_feed_spec("https://a.example/f.xml") == ("https://a.example/f.xml", DEFAULT_EVENT_TYPE)
        assert parse_feed_spec("https://a.example/f.xml#type=blog.post") == ("https://a.example/f.xml", "blog.post")
        with pytest.raises(ValidationError, match="#type must match"):
            parse_feed_spec("https://a.example/f.xml#type=Blog Post")


class TestFileFeeds:
    def test_file_url_uses_the_modification_time(self, tmp_path: Path) -> None:
        """A file: feed is read from disk; the same modification time again is a 304."""
        path = tmp_path / "feed.xml"
        path.write_bytes(_rss(_item(1)))
        first = http_fetch(path.as_uri(), etag=None, modified=None)
        stamp = format_datetime(datetime.fromtimestamp(path.stat().st_mtime, UTC), usegmt=True)
        assert (first.status, first.body, first.modified) == (200, _rss(_item(1)), stamp)
        assert http_fetch(path.as_uri(), etag=None, modified=stamp).status == 304
