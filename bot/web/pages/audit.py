"""The audit log: who did what, when (people and the bot)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from bot.domain import Role
from bot.store.models import AuditLog
from bot.store.paging import Keyset, KeysetPage
from bot.web.accounts import StaffMember
from bot.web.context import WebContext, render, require
from bot.web.ids import CursorQuery

AUDIT_ROLES = (Role.ADMIN, Role.EDITOR)
PAGE_SIZE = 200


def page_audit(session: Session, *, actor: str = "", action: str = "", before: str | None = None,
               after: str | None = None, limit: int = PAGE_SIZE) -> KeysetPage[AuditLog]:
    """Newest first (by time, then id); `actor` exact, `action` a prefix (`triage.` for every triage action).

    Keyset paging (`bot.store.paging`): `before` (a page's `cursor_after`) continues with the
    entries older than that page, `after` (a page's `cursor_before`) gives the `limit` just newer
    (the first page if it reaches the newest). A text that is not such a cursor is ignored (the
    newest page). `more_after` says whether older entries follow the page's last row (one row over
    `limit` is read, so a page of exactly `limit` rows is known to be the last).
    """
    stmt = select(AuditLog)
    if actor:
        stmt = stmt.where(col(AuditLog.actor) == actor)
    if action:
        stmt = stmt.where(col(AuditLog.action).startswith(action, autoescape=True))
    keyset = Keyset(order=(col(AuditLog.at), col(AuditLog.id)), descending=True,
                    limit=limit).from_cursors(forward=before, backward=after)
    return keyset.read(stmt, lambda page: list(session.exec(page)), key=lambda entry: (entry.at, entry.id))


#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Reader = Annotated[StaffMember, Depends(require(*AUDIT_ROLES))]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter()

    @router.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, staff: Reader, *, actor: str = "", action: str = "",
                   before: CursorQuery = None, after: CursorQuery = None) -> HTMLResponse:
        """`PAGE_SIZE` entries a page, newest first; `before`/`after` a page's cursor: older/newer ones."""
        after = None if before is not None else after
        with ctx.app.session() as db:
            page = page_audit(db, actor=actor.strip()[:100], action=action.strip()[:60], before=before, after=after)
        return render(request, "audit.html", rows=page.rows, actor=actor, action=action, newer=page.cursor_before,
                      older=page.cursor_after, paged=page.more_before)

    return router
