"""The overview: today's figures and per-hour charts (inline SVG drawn on the server)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bot.listen.stats import compute_stats
from bot.web.accounts import StaffMember
from bot.web.charts import bar_chart, line_chart
from bot.web.context import WebContext, current_staff, render
from bot.web.overview import RANGES, compute_overview

#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Staff = Annotated[StaffMember, Depends(current_staff)]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter()

    @router.get("/overview", response_class=HTMLResponse)
    def overview_page(request: Request, staff: Staff, range: str = "24h") -> HTMLResponse:
        span = range if range in RANGES else "24h"
        tz = ctx.app.settings.tz
        now = ctx.now()
        with ctx.app.session() as db:
            data = compute_overview(db, now=now, hours=RANGES[span], tz=tz)
            stats = compute_stats(db, now=now)
        local = [s.astimezone(tz) for s in data.starts]
        charts = [
            bar_chart("Mentions per hour", local, data.mentions),
            bar_chart("Complaints per hour", local, data.complaints),
            line_chart("Complaint rate (% of mentions)", local, data.complaint_rate, unit="%"),
            bar_chart("Replies sent per hour", local, data.replies),
            line_chart("Median time to first response (minutes, by hour the complaint arrived)", local,
                       data.median_response_minutes, unit=" min"),
            bar_chart("Posts published per hour (replies excluded)", local, data.posts),
        ]
        return render(request, "overview.html", data=data, charts=charts, stats=stats, span=span,
                      ranges=list(RANGES))

    return router
