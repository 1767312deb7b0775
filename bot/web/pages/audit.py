"""The audit log: who did what, when (people and the bot)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from bot.domain import Role
from bot.store.models import AuditLog
from bot.web.accounts import StaffMember
from bot.web.context import WebContext, render, require
from bot.web.ids import RowIdQuery

AUDIT_ROLES = (Role.ADMIN, Role.EDITOR)
PAGE_SIZE = 200


def audit_rows(session: Session, *, actor: str = "", action: str = "", before_id: int | None = None,
               limit: int = PAGE_SIZE) -> list[AuditLog]:
    """Newest first (by time, then id); `actor` exact, `action` a prefix (`triage.` for every triage action).

    `before_id` continues after that entry (keyset paging on time and id).
    """
    stmt = select(AuditLog)
    if actor:
        stmt = stmt.where(col(AuditLog.actor) == actor)
    if action:
        stmt = stmt.where(col(AuditLog.action).startswith(action, autoescape=True))
    anchor = session.get(AuditLog, before_id) if before_id is not None else None
    if anchor is not None:
        stmt = stmt.where(or_(col(AuditLog.at) < anchor.at,
                              and_(col(AuditLog.at) == anchor.at, col(AuditLog.id) < anchor.id)))
    return list(session.exec(stmt.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)))


#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Reader = Annotated[StaffMember, Depends(require(*AUDIT_ROLES))]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter()

    @router.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, staff: Reader, actor: str = "", action: str = "",
                   before: RowIdQuery = None) -> HTMLResponse:
        with ctx.app.session() as db:
            rows = audit_rows(db, actor=actor.strip()[:100], action=action.strip()[:60], before_id=before)
        older = rows[-1].id if len(rows) == PAGE_SIZE else None
        return render(request, "audit.html", rows=rows, actor=actor, action=action, older=older)

    return router
