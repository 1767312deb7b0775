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
from bot.web.ids import RowIdQuery

AUDIT_ROLES = (Role.ADMIN, Role.EDITOR)
PAGE_SIZE = 200


def page_audit(session: Session, *, actor: str = "", action: str = "", before_id: int | None = None,
               limit: int = PAGE_SIZE) -> KeysetPage[AuditLog]:
    """Newest first (by time, then id); `actor` exact, `action` a prefix (`triage.` for every triage action).

    Keyset paging (`bot.store.paging`): `before_id` continues after that entry (an unknown id is
    ignored: the newest page). `more_after` says whether older entries follow the page's last row
    (one row over `limit` is read, so a page of exactly `limit` rows is known to be the last).
    """
    stmt = select(AuditLog)
    if actor:
        stmt = stmt.where(col(AuditLog.actor) == actor)
    if action:
        stmt = stmt.where(col(AuditLog.action).startswith(action, autoescape=True))
    anchor = session.get(AuditLog, before_id) if before_id is not None else None
    keyset = Keyset(order=(col(AuditLog.at), col(AuditLog.id)), descending=True,
                    anchor=(anchor.at, anchor.id) if anchor is not None else None, limit=limit)
    return keyset.page(list(session.exec(keyset.apply(stmt))))


#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Reader = Annotated[StaffMember, Depends(require(*AUDIT_ROLES))]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter()

    @router.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, staff: Reader, actor: str = "", action: str = "",
                   before: RowIdQuery = None) -> HTMLResponse:
        with ctx.app.session() as db:
            page = page_audit(db, actor=actor.strip()[:100], action=action.strip()[:60], before_id=before)
        rows = page.rows
        older = rows[-1].id if rows and page.more_after else None
        return render(request, "audit.html", rows=rows, actor=actor, action=action, older=older)

    return router
