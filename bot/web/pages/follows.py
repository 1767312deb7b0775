"""People to follow by hand: the tier could not follow them through the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.domain import FollowStatus
from bot.follow.decisions import count_follows, list_follows, mark_manual_done, mark_manual_skipped, page_follows
from bot.web.accounts import StaffMember
from bot.web.context import WebContext, act, check_csrf, current_staff, render, safe_next
from bot.web.ids import CursorQuery, RowId

RECENTLY_DONE = 50
#: The waiting list shows this many people a page, with links to newer and older ones.
PAGE_SIZE = 100


#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Staff = Annotated[StaffMember, Depends(current_staff)]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/follows", dependencies=[Depends(check_csrf)])

    @router.get("", response_class=HTMLResponse)
    def follows_page(request: Request, staff: Staff, before: CursorQuery = None,
                     after: CursorQuery = None) -> HTMLResponse:
        """`PAGE_SIZE` waiting people a page, newest first; `before`/`after` a page's cursor: older/newer ones."""
        manual = FollowStatus.MANUAL
        after = None if before is not None else after
        with ctx.app.session() as db:
            page = page_follows(db, status=manual, limit=PAGE_SIZE, before=before, after=after)
            total = count_follows(db, status=manual)
            done = list_follows(db, status=FollowStatus.MANUAL_DONE, limit=RECENTLY_DONE)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return render(request, "follows.html", waiting=page.rows, done=done, total=total, newer=page.cursor_before,
                      older=page.cursor_after, paged=page.more_before, here=here)

    @router.post("/{decision_id}/done")
    def mark_done(request: Request, decision_id: RowId, staff: Staff,
                  back: Annotated[str, Form(max_length=500)] = "/follows") -> RedirectResponse:
        return act(request, back=safe_next(back, "/follows"), done="Marked as followed.",
                   action=lambda db, now: mark_manual_done(db, decision_id=decision_id, actor=staff.username, now=now))

    @router.post("/{decision_id}/skip")
    def skip(
        request: Request, decision_id: RowId, staff: Staff, reason: Annotated[str, Form(max_length=500)] = "",
        back: Annotated[str, Form(max_length=500)] = "/follows",
    ) -> RedirectResponse:
        return act(request, back=safe_next(back, "/follows"), done="Skipped: taken off the list without following.",
                   action=lambda db, now: mark_manual_skipped(db, decision_id=decision_id, actor=staff.username,
                                                              now=now, reason=reason))

    return router
