"""Operations endpoints without login: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from bot.web.context import WebContext
from bot.web.metrics import metrics_registry, render_metrics
from bot.web.readiness import readiness_checks


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter()
    registry = metrics_registry(ctx.app)

    @router.get("/healthz")
    def healthz() -> JSONResponse:
        """The process answers (nothing else is checked)."""
        return JSONResponse({"status": "alive"})

    @router.get("/readyz")
    def readyz() -> JSONResponse:
        """Every readiness check; 503 when any fails."""
        checks = readiness_checks(ctx.app, now=ctx.now(), started_at=ctx.started_at)
        ready = all(c.ok for c in checks)
        body = {"ready": ready, "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics")
    def metrics() -> Response:
        return Response(render_metrics(registry), media_type=CONTENT_TYPE_LATEST)

    return router
