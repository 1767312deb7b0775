"""People to follow by hand: the tier could not follow them through the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.domain import FollowStatus
from bot.follow.decisions import list_follows, mark_manual_done, mark_manual_skipped
from bot.web.accounts import StaffMember
from bot.web.context import WebContext, act, check_csrf, current_staff, render
from bot.web.ids import RowId

RECENTLY_DONE = 50


#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Staff = Annotated[StaffMember, Depends(current_staff)]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/follows", dependencies=[Depends(check_csrf)])

    @router.get("", response_class=HTMLResponse)
    def follows_page(request: Request, staff: Staff) -> HTMLResponse:
        with ctx.app.session() as db:
            waiting = list_follows(db, status=FollowStatus.MANUAL)
            done = list_follows(db, status=FollowStatus.MANUAL_DONE, limit=RECENTLY_DONE)
        return render(request, "follows.html", waiting=waiting, done=done)

    @router.post("/{decision_id}/done")
    def mark_done(request: Request, decision_id: RowId, staff: Staff) -> RedirectResponse:
        return act(request, back="/follows", done="Marked as followed.",
                   action=lambda db, now: mark_manual_done(db, decision_id=decision_id, actor=staff.username, now=now))

    @router.post("/{decision_id}/skip")
    def skip(
        request: Request, decision_id: RowId, staff: Staff, reason: Annotated[str, Form(max_length=500)] = ""
    ) -> RedirectResponse:
        return act(request, back="/follows", done="Skipped: taken off the list without following.",
                   action=lambda db, now: mark_manual_skipped(db, decision_id=decision_id, actor=staff.username,
                                                              now=now, reason=reason))

    return router
