"""X's weighted-length rules as JSON, for the live character counter of the page script (`static/app.js`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from bot.text.weighted import browser_rules
from bot.web.accounts import StaffMember
from bot.web.context import WebContext, current_staff

#: The rules change only with a new release; a browser keeps them this long.
CACHE_SECONDS = 3600

#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Staff = Annotated[StaffMember, Depends(current_staff)]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter()

    @router.get("/text/rules")
    def text_rules(staff: Staff) -> JSONResponse:
        """Ranges, weights, URL patterns, domains and emoji data: what `weighted_length` counts with."""
        return JSONResponse(browser_rules(), headers={"Cache-Control": f"private, max-age={CACHE_SECONDS}"})

    return router
