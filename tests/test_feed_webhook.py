"""Webhook signing (bot.feed.webhook) and the `POST /events` endpoint (bot.web.webhook) over FastAPI's TestClient."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

# Starlette warns at import that its TestClient moves to the `httpx2` package (not installed);
# the client works with httpx. Only that one warning is silenced.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

from bot.app import App
from bot.clock import ManualClock
from bot.feed.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, StaleTimestampError, sign, verify
from bot.settings import Settings
from bot.store.models import DeadLetter, Post
from bot.store.models import Event as EventRow
from bot.web.webhook import MAX_BODY_BYTES, webhook_router

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SECRET = "s3cret-for-tests"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TS = int(NOW.timestamp())


def _headers(body: bytes, *, ts: int = TS, secret: str = SECRET, ndjson: bool = False) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(secret, ts, body),
            "Content-Type": "application/x-ndjson" if ndjson else "application/json"}


def _event(event_id: str = "img-1", **data: object) -> bytes:
    return json.dumps({"id": event_id, "type": "camera.image", "occurred_at": "2026-03-01T11:00:00Z",
                       "data": data or {"camera": "robotic arm", "subject": "ice"}}).encode()


def _reason(headers: dict[str, str], body: bytes, *, now: datetime = NOW, secret: str = SECRET) -> tuple[str, str]:
    with pytest.raises(SignatureError) as info:
        verify(secret, headers, body, now, 300)
    return info.value.code, info.value.reason


class TestSignAndVerify:
    def test_known_signature(self) -> None:
        """The signature is HMAC-SHA256 over `<timestamp>.` + body, hex, prefixed `sha256=`."""
        assert sign("key", 1772366400, b"{}") == (
            "sha256=" + __import__("hmac").new(b"key", b"1772366400.{}", "sha256").hexdigest())

    def test_valid_request_returns_its_timestamp(self) -> None:
        """A correctly signed fresh request passes, header names in any case."""
        body = _event()
        headers = {k.lower(): v for k, v in _headers(body).items()}
        assert verify(SECRET, headers, body, NOW + timedelta(seconds=299), 300) == TS

    def test_refusals_say_why(self) -> None:
        """Each kind of bad request is refused with its own code and reason."""
        body = _event()
        good = _headers(body)
        assert _reason({}, body) == ("missing_signature",
                                     "missing header(s): X-Brandbot-Timestamp, X-Brandbot-Signature")
        assert _reason({**good, TIMESTAMP_HEADER: "12:00"}, body) == (
            "bad_timestamp", "X-Brandbot-Timestamp must be unix seconds (digits only)")
        assert _reason({**good, SIGNATURE_HEADER: "md5=abc"}, body) == (
            "bad_signature", "X-Brandbot-Signature must be 'sha256=' and 64 hex digits")
        assert _reason(good, body + b" ") == ("bad_signature", "signature does not match the body and timestamp")
        assert _reason(good, body, secret="other") == (
            "bad_signature", "signature does not match the body and timestamp")
        assert _reason(good, body, secret="") == (
            "not_configured", "no webhook secret is configured; unsigned requests are refused")

    def test_stale_and_future_timestamps_are_refused(self) -> None:
        """A timestamp more than max_skew away, past or future, is refused even with a valid signature."""
        body = _event()
        with pytest.raises(StaleTimestampError) as old:
            verify(SECRET, _headers(body, ts=TS - 301), body, NOW, 300)
        with pytest.raises(StaleTimestampError) as future:
            verify(SECRET, _headers(body, ts=TS + 400), body, NOW, 300)
        assert (old.value.code, old.value.reason, old.value.skew_seconds) == (
            "stale_timestamp", "X-Brandbot-Timestamp is 301 s old; at most 300 s is allowed", 301)
        assert future.value.reason == "X-Brandbot-Timestamp is 400 s in the future; at most 300 s is allowed"

    def test_replayed_signature_with_a_new_timestamp_fails(self) -> None:
        """The timestamp is signed, so an old signature cannot be reused with a fresh timestamp."""
        body = _event()
        old = _headers(body, ts=TS - 3600)
        assert _reason({**old, TIMESTAMP_HEADER: str(TS)}, body)[0] == "bad_signature"

    @settings(max_examples=200, deadline=None, database=None)
    @given(secret=st.text(min_size=1, max_size=30), body=st.binary(max_size=300),
           skew=st.integers(-300, 300), flip=st.integers(0, 299))
    def test_round_trip_and_tampering(self, secret: str, body: bytes, skew: int, flip: int) -> None:
        """Whatever the secret and body, a signed request verifies and any changed byte is refused."""
        headers = _headers(body, ts=TS + skew, secret=secret)
        assert verify(secret, headers, body, NOW, 300) == TS + skew
        if body:
            i = flip % len(body)
            tampered = body[:i] + bytes([body[i] ^ 1]) + body[i + 1 :]
            with pytest.raises(SignatureError, match="signature does not match"):
                verify(secret, headers, tampered, NOW, 300)

    @settings(max_examples=200, deadline=None, database=None)
    @given(headers=st.dictionaries(st.sampled_from([TIMESTAMP_HEADER, SIGNATURE_HEADER, "x-other"]),
                                   st.text(max_size=80)), body=st.binary(max_size=50))
    def test_arbitrary_headers_never_crash(self, headers: dict[str, str], body: bytes) -> None:
        """Garbage headers only ever raise SignatureError with a code and a reason."""
        outcome: SignatureError | int
        try:
            outcome = verify(SECRET, headers, body, NOW, 300)
        except SignatureError as exc:
            outcome = exc
        if isinstance(outcome, SignatureError):
            assert outcome.code
            assert outcome.reason
        else:  # only a correct signature can pass
            assert headers[SIGNATURE_HEADER].strip().lower() == sign(SECRET, headers[TIMESTAMP_HEADER].strip(), body)


def _client_app(database_url: str, **overrides: object) -> App:
    base = Settings(database_url=database_url, webhook_secret=SECRET, template_dir=TEMPLATES, persona="mars-phoenix",
                    x_api_base_url="http://127.0.0.1:9")
    return App(base.with_overrides(**overrides), clock=ManualClock(NOW))


@pytest.fixture
def bot(database_url: str) -> Iterator[App]:
    app = _client_app(database_url)
    yield app
    app.engine.dispose()


@pytest.fixture
def client(bot: App) -> TestClient:
    web = FastAPI()
    web.include_router(webhook_router(bot))
    return TestClient(web)


def _counts(bot: App) -> tuple[int, int, int]:
    with Session(bot.engine) as session:
        return tuple(  # type: ignore[return-value]
            int(session.exec(select(func.count()).select_from(m)).one()) for m in (EventRow, Post, DeadLetter))


class TestEndpoint:
    def test_single_event_is_stored_then_duplicate(self, client: TestClient, bot: App) -> None:
        """202 with the queued post once stored; the same event again is 200 duplicate with the same post."""
        body = _event()
        first = client.post("/events", content=body, headers=_headers(body))
        second = client.post("/events", content=body, headers=_headers(body))
        assert first.status_code == 202
        assert first.json() == {"status": "queued", "event_id": "img-1", "post_ids": [1], "reason": None,
                                "dead_letter_id": None}
        assert second.status_code == 200
        assert second.json()["status"] == "duplicate"
        assert second.json()["post_ids"] == [1]
        assert _counts(bot) == (1, 1, 0)

    def test_invalid_event_is_422_and_a_dead_letter(self, client: TestClient, bot: App) -> None:
        """An invalid event is refused with the reason, and kept as a dead letter."""
        body = b'{"id": "img-1", "type": "camera.image", "occurred_at": "2026-03-01T11:00:00"}'
        response = client.post("/events", content=body, headers=_headers(body))
        assert response.status_code == 422
        assert response.json() == {"status": "dead_letter", "event_id": "img-1", "post_ids": [],
                                   "reason": "occurred_at has no UTC offset: '2026-03-01T11:00:00'",
                                   "dead_letter_id": 1}
        with Session(bot.engine) as session:
            letter = session.get(DeadLetter, 1)
            assert letter is not None
            assert (letter.source, letter.raw) == ("webhook", body.decode())

    def test_render_failure_is_422_failed(self, client: TestClient, bot: App) -> None:
        """An event its template cannot render is stored, marked failed and reported 422 with the reason."""
        body = _event(subject="ice")
        response = client.post("/events", content=body, headers=_headers(body))
        assert (response.status_code, response.json()["status"], response.json()["reason"]) == (
            422, "failed", "mars-phoenix/camera.image.j2#0: missing field 'camera'")
        assert _counts(bot) == (1, 0, 1)

    @pytest.mark.parametrize(
        ("headers", "code"),
        [
            ({}, "missing_signature"),
            ({SIGNATURE_HEADER: "sha256=" + "0" * 64, TIMESTAMP_HEADER: str(TS)}, "bad_signature"),
        ],
    )
    def test_unsigned_or_wrongly_signed_is_401(self, client: TestClient, bot: App, headers: dict[str, str],
                                               code: str) -> None:
        """Without a valid signature nothing is stored and the answer is 401 with the reason."""
        response = client.post("/events", content=_event(), headers=headers)
        assert (response.status_code, response.json()["error"]) == (401, code)
        assert _counts(bot) == (0, 0, 0)

    def test_stale_timestamp_is_401(self, client: TestClient, bot: App) -> None:
        """A replay outside the allowed skew is 401 `stale_timestamp`."""
        body = _event()
        response = client.post("/events", content=body, headers=_headers(body, ts=TS - 301))
        assert response.status_code == 401
        assert response.json() == {"error": "stale_timestamp",
                                   "reason": "X-Brandbot-Timestamp is 301 s old; at most 300 s is allowed"}

    def test_freshness_is_judged_by_the_wall_clock_not_a_simulated_one(self, database_url: str) -> None:
        """On a sped-up (simulated) clock hours ahead, a request signed with the real time is still fresh."""
        base = Settings(database_url=database_url, webhook_secret=SECRET, template_dir=TEMPLATES,
                        persona="mars-phoenix", x_api_base_url="http://127.0.0.1:9")
        app = App(base, clock=ManualClock(NOW + timedelta(hours=5)), wall_clock=ManualClock(NOW))
        web = FastAPI()
        web.include_router(webhook_router(app))
        body = _event()
        fresh = TestClient(web).post("/events", content=body, headers=_headers(body, ts=TS))
        stale = TestClient(web).post("/events", content=body, headers=_headers(body, ts=TS - 301))
        app.engine.dispose()
        assert (fresh.status_code, fresh.json()["status"]) == (202, "queued")
        assert (stale.status_code, stale.json()["error"]) == (401, "stale_timestamp")

    def test_no_secret_configured_is_503(self, database_url: str) -> None:
        """With WEBHOOK_SECRET unset the endpoint refuses everything, signed or not."""
        app = _client_app(database_url, webhook_secret="")
        web = FastAPI()
        web.include_router(webhook_router(app))
        body = _event()
        response = TestClient(web).post("/events", content=body, headers=_headers(body))
        app.engine.dispose()
        assert (response.status_code, response.json()["error"]) == (503, "webhook_disabled")

    def test_ndjson_lines_are_each_accepted(self, client: TestClient, bot: App) -> None:
        """NDJSON: good lines stored, the bad one a dead letter naming its line; 422 because one failed."""
        body = b"\n".join([_event("a"), b"not json", b"", _event("b")]) + b"\n"
        response = client.post("/events", content=body, headers=_headers(body, ndjson=True))
        assert response.status_code == 422
        results = response.json()["results"]
        assert [(r["line"], r["status"]) for r in results] == [(1, "queued"), (2, "dead_letter"), (4, "queued")]
        assert results[1]["reason"] == "line 2: line is not valid JSON: Expecting value at column 1"
        assert response.json()["counts"]["queued"] == 2
        assert _counts(bot) == (2, 2, 1)

    def test_ndjson_all_good_is_202(self, client: TestClient) -> None:
        """NDJSON where every line is accepted answers 202."""
        body = _event("a") + b"\r\n" + _event("b")
        response = client.post("/events", content=body, headers=_headers(body, ndjson=True))
        assert (response.status_code, response.json()["counts"]["queued"]) == (202, 2)

    def test_empty_and_oversized_bodies(self, client: TestClient, bot: App) -> None:
        """An empty body is 400 and a body over 1 MiB is 413; neither stores anything."""
        empty = client.post("/events", content=b"  \n", headers=_headers(b"  \n"))
        big = b"x" * (MAX_BODY_BYTES + 1)
        large = client.post("/events", content=big, headers=_headers(big))
        assert (empty.status_code, empty.json()["error"]) == (400, "empty_body")
        assert (large.status_code, large.json()["error"]) == (413, "too_large")
        assert _counts(bot) == (0, 0, 0)

    def test_broken_templates_still_store_the_event(self, database_url: str, tmp_path: Path) -> None:
        """If the persona's templates do not load, the event is stored as failed with a dead letter, not lost."""
        persona = tmp_path / "broken"
        persona.mkdir()
        (persona / "persona.toml").write_text('name = "B"\nhandle = "b"\n', encoding="utf-8")
        (persona / "camera.image.j2").write_text("{% if %}", encoding="utf-8")
        app = _client_app(database_url, template_dir=tmp_path, persona="broken")
        web = FastAPI()
        web.include_router(webhook_router(app))
        body = _event()
        response = TestClient(web).post("/events", content=body, headers=_headers(body))
        counts = _counts(app)
        app.engine.dispose()
        assert response.status_code == 422
        assert response.json()["status"] == "failed"
        assert response.json()["reason"].startswith("broken: camera.image.j2:1:")
        assert counts == (1, 0, 1)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(body=st.one_of(
        st.binary(min_size=1, max_size=200),
        st.builds(lambda i, s: _event(i, camera="arm", subject=s),
                  st.sampled_from(["a", "b", "c"]), st.text(max_size=40)),
    ))
    def test_signed_bodies_are_always_accounted_for(self, client: TestClient, bot: App, body: bytes) -> None:
        """Any signed body gets a JSON answer; a non-empty one is stored as an event or a dead letter."""
        before = _counts(bot)
        response = client.post("/events", content=body, headers=_headers(body))
        after = _counts(bot)
        events, posts, letters = (a - b for a, b in zip(after, before, strict=True))
        assert response.status_code in (200, 202, 400, 422)
        payload = response.json()
        if response.status_code == 400:
            assert (payload["error"], events, letters) == ("empty_body", 0, 0)
        elif response.status_code == 422 and payload["status"] == "dead_letter":
            assert payload["reason"]
            assert (events, posts, letters) == (0, 0, 1)
        elif response.status_code == 422:  # failed: new, or a repeat of a failed event reusing its dead letter
            assert (payload["status"], bool(payload["reason"]), posts) == ("failed", True, 0)
            assert (events, letters) in ((1, 1), (0, 0))
        elif response.status_code == 202:  # queued: a new event, or a failed one taken over with fixed data
            assert (posts >= 1, letters, events in (0, 1)) == (True, 0, True)
        else:
            assert (payload["status"], events, posts, letters) == ("duplicate", 0, 0, 0)
