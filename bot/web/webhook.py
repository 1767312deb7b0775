"""`POST /events`: the signed webhook through which the PR team's systems send events.

Request: headers `X-Brandbot-Timestamp` and `X-Brandbot-Signature` (see `bot.feed.webhook`);
body either one JSON event object, or — with `Content-Type: application/x-ndjson` (or
`application/ndjson`) — one event per line. At most 1 MiB.

Responses (always JSON, sent only after the transaction holding the events, posts and dead
letters is committed, so a 2xx means the event is stored):

====  =====================================================================================
202   single event stored and queued: `{"status": "queued"|"pending_approval"|"held", "event_id",
      "post_ids", ...}`; NDJSON: every line accepted, `{"results": [...], "counts": {...}}`
200   single event already received (`"status": "duplicate"`); nothing queued again
422   the event is invalid (`"status": "dead_letter"`) or could not become a post
      (`"status": "failed"`); `reason` says why and it is kept as a dead letter
      (`brandbot events dead-letters`). NDJSON: at least one line was; every line's result
      is listed and the good lines are stored
400   empty body (nothing to store)
401   missing or wrong signature, or a timestamp more than `WEBHOOK_MAX_SKEW_SECONDS` away from
      `App.wall_clock` (the sender's clock is the real one, even when the bot's is simulated)
      (`"error": "missing_signature" | "bad_signature" | "bad_timestamp" | "stale_timestamp"`).
      401 rather than 408 for a stale timestamp: the request was refused for its credentials,
      and clients retry 408s, which would only be refused again
413   body larger than 1 MiB
503   `WEBHOOK_SECRET` is not set: unsigned requests are never accepted
====  =====================================================================================

A 5xx (e.g. database down) stores nothing; the sender retries, and event ids make that safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.errors import TemplateError
from bot.feed.ingest import IngestStatus, accept_event, count_by_status
from bot.feed.ndjson import push_lines, split_lines
from bot.feed.webhook import SignatureError, verify
from bot.render.renderer import Renderer

if TYPE_CHECKING:
    from bot.app import App

log = structlog.get_logger()

WEBHOOK_SOURCE = "webhook"
MAX_BODY_BYTES = 1024 * 1024
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson"})
_NEW = (IngestStatus.QUEUED, IngestStatus.PENDING_APPROVAL, IngestStatus.HELD)


def _error(status: int, code: str, reason: str) -> JSONResponse:
    return JSONResponse({"error": code, "reason": reason}, status_code=status)


def _renderer(app: App) -> Renderer:
    """The app's renderer; if the templates do not load, an unloaded one whose every render fails with the reason.

    That way an event arriving while the templates are broken is still stored (as failed, with a
    dead letter) and can be retried once they are fixed.
    """
    try:
        return app.renderer
    except TemplateError as exc:
        log.error("webhook.templates_broken", reason=str(exc))
        return Renderer(app.settings.template_dir, app.settings.persona, app.settings.locale)


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than `MAX_BODY_BYTES` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _ingest(app: App, body: bytes, ndjson: bool) -> JSONResponse:
    renderer = _renderer(app)
    if ndjson:
        with app.session() as session:
            push = push_lines(session, split_lines(body), source=WEBHOOK_SOURCE, now=app.clock.now(),
                              renderer=renderer, settings=app.settings)
        results = [r.result for r in push.lines]
        payload: dict[str, Any] = {
            "results": [{"line": r.line, **r.result.as_dict()} for r in push.lines],
            "counts": count_by_status(results),
        }
        status = 422 if push.dead_letters else 202
    else:
        with app.session() as session:
            result = accept_event(session, body, source=WEBHOOK_SOURCE, now=app.clock.now(), renderer=renderer,
                                  settings=app.settings)
        results = [result]
        payload = result.as_dict()
        status = 422 if result.dead_lettered else 200 if result.status is IngestStatus.DUPLICATE else 202
    if any(r.status in _NEW for r in results):
        app.notify_queued()
    return JSONResponse(payload, status_code=status)


def webhook_router(app: App) -> APIRouter:
    """The router holding `POST /events` for `app` (include it in the web application)."""
    router = APIRouter()

    @router.post("/events", summary="Receive signed events (one JSON object, or NDJSON lines)")
    async def receive_events(request: Request) -> JSONResponse:
        secret = app.settings.webhook_secret
        if not secret:
            log.error("webhook.disabled", reason="WEBHOOK_SECRET is not set")
            return _error(503, "webhook_disabled", "WEBHOOK_SECRET is not set: the webhook refuses every request")
        body = await _read_body(request)
        if body is None:
            return _error(413, "too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
        try:
            verify(secret, request.headers, body, app.wall_clock.now(), app.settings.webhook_max_skew_seconds)
        except SignatureError as exc:
            log.warning("webhook.refused", code=exc.code, reason=exc.reason, client=getattr(request.client, "host", ""))
            return _error(401, exc.code, exc.reason)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        ndjson = media_type in NDJSON_TYPES
        lines = split_lines(body) if ndjson else [body]
        if all(not line.strip() for line in lines):
            return _error(400, "empty_body", "the body holds no event")
        return await run_in_threadpool(_ingest, app, body, ndjson)

    return router
