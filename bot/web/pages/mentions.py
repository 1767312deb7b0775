"""Every stored mention with the detector's verdict, and flagging a complaint the detector missed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.domain import Role, Severity
from bot.store.models import TriageItem
from bot.triage.mentions import flag_mention, page_mentions
from bot.web.accounts import StaffMember
from bot.web.context import WebContext, act, check_csrf, render, require, safe_next
from bot.web.ids import CursorQuery
from bot.web.pages.triage import TRIAGE_ROLES

#: Who sees the list (editors too: they watch what people say about the brand).
MENTION_ROLES = (Role.AGENT, Role.EDITOR, Role.ADMIN)
#: The list shows this many mentions a page, with links to newer and older ones.
PAGE_SIZE = 100

#: The signed-in person, checked on every request (FastAPI resolves these aliases at module level).
Reader = Annotated[StaffMember, Depends(require(*MENTION_ROLES))]
#: Flagging opens a triage item, so it is for those who work the triage queue.
Agent = Annotated[StaffMember, Depends(require(*TRIAGE_ROLES))]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/mentions", dependencies=[Depends(check_csrf)])

    @router.get("", response_class=HTMLResponse)
    def mentions_page(request: Request, staff: Reader, before: CursorQuery = None, after: CursorQuery = None,
                      unflagged: bool = False) -> HTMLResponse:
        """`PAGE_SIZE` mentions a page, newest first; `before`/`after` a page's cursor: older/newer ones."""
        after = None if before is not None else after
        with ctx.app.session() as db:
            page = page_mentions(db, limit=PAGE_SIZE, before=before, after=after, unflagged=unflagged)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return render(request, "mentions.html", rows=page.rows, newer=page.cursor_before, older=page.cursor_after,
                      unflagged=unflagged, paged=page.more_before, can_flag=staff.has(*TRIAGE_ROLES),
                      severities=[s.value for s in Severity], here=here)

    @router.post("/{mention_id}/flag")
    def flag(request: Request, mention_id: str, staff: Agent, *,
             severity: Annotated[str, Form(max_length=10)] = Severity.MEDIUM.value,
             note: Annotated[str, Form(max_length=500)] = "",
             back: Annotated[str, Form(max_length=500)] = "/mentions") -> RedirectResponse:
        def opened(item: TriageItem) -> str:
            return f"/triage/{item.id}"

        return act(request, back=safe_next(back, "/mentions"),
                   done=f"Mention {mention_id} flagged as a complaint: it is in the triage queue.",
                   action=lambda db, now: flag_mention(db, mention_id=mention_id, actor=staff.username, now=now,
                                                       severity=severity, note=note),
                   then=opened)

    return router
