"""The publish queue for the PR team: approve, edit, cancel; dead letters; the crisis switch."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from bot.crisis import set_crisis
from bot.domain import PostState, Role
from bot.publish.queue import approve_post, cancel_post, edit_post, get_post, list_posts
from bot.store.models import DeadLetter
from bot.web.accounts import StaffMember
from bot.web.context import WebContext, act, check_csrf, render, require

EDITOR_ROLES = (Role.EDITOR, Role.ADMIN)
MAX_AUTO_RESUME_MINUTES = 7 * 24 * 60
#: How a `datetime-local` field shows and sends a time (to the minute).
FORM_TIME = "%Y-%m-%dT%H:%M"


def parse_local(value: str, tz: ZoneInfo) -> datetime | None:
    """A `datetime-local` form value (`2026-03-01T14:30`) in `tz` as an aware instant; blank is None."""
    value = value.strip()
    if not value:
        return None
    try:
        naive = datetime.strptime(value, FORM_TIME)  # noqa: DTZ007 - the zone is attached next
    except ValueError:
        raise ValueError(f"time must look like 2026-03-01T14:30, got {value[:40]!r}") from None
    return naive.replace(tzinfo=tz)


def open_dead_letters(session: Session, *, limit: int = 100) -> list[DeadLetter]:
    stmt = (
        select(DeadLetter)
        .where(col(DeadLetter.status) == "open")
        .order_by(col(DeadLetter.received_at).desc(), col(DeadLetter.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))


#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Editor = Annotated[StaffMember, Depends(require(*EDITOR_ROLES))]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter(dependencies=[Depends(check_csrf)])

    @router.get("/queue", response_class=HTMLResponse)
    def queue_page(request: Request, staff: Editor) -> HTMLResponse:
        with ctx.app.session() as db:
            pending = list_posts(db, states=[PostState.PENDING_APPROVAL])
            upcoming = list_posts(db, states=[PostState.SCHEDULED, PostState.HELD, PostState.DRAFT])
            recent = list_posts(db, states=[PostState.POSTED, PostState.FAILED, PostState.PUBLISHING],
                                latest_outcome_first=True, limit=20)
            dead = open_dead_letters(db)
        return render(request, "queue.html", pending=pending, upcoming=upcoming, recent=recent, dead=dead)

    @router.post("/queue/posts/{post_id}/approve")
    def approve(request: Request, post_id: int, staff: Editor) -> RedirectResponse:
        return act(request, back="/queue", done=f"Post {post_id} approved.",
                   action=lambda db, now: approve_post(db, post_id, actor=staff.username, now=now))

    @router.post("/queue/posts/{post_id}/edit")
    def edit(
        request: Request,
        post_id: int,
        staff: Editor,
        text: Annotated[str, Form(max_length=5000)] = "",
        scheduled_at: Annotated[str, Form(max_length=40)] = "",
    ) -> RedirectResponse:
        """The form sends both fields back; the time counts as changed only if it differs to the minute."""

        def action(db: Session, now: datetime) -> object:
            when = parse_local(scheduled_at, ctx.app.settings.tz)
            if when is not None and scheduled_at.strip() == ctx.local(get_post(db, post_id).scheduled_at, FORM_TIME):
                when = None  # the time shown in the form, unchanged: keep the stored one (and its seconds)
            return edit_post(db, post_id, actor=staff.username, now=now, text=text, scheduled_at=when)

        return act(request, back="/queue", done=f"Post {post_id} saved.", action=action)

    @router.post("/queue/posts/{post_id}/cancel")
    def cancel(request: Request, post_id: int, staff: Editor,
               reason: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
        return act(request, back="/queue", done=f"Post {post_id} cancelled.",
                   action=lambda db, now: cancel_post(db, post_id, actor=staff.username, now=now, reason=reason))

    @router.post("/crisis")
    def crisis(
        request: Request,
        staff: Editor,
        active: Annotated[str, Form(pattern="^(on|off)$")],
        reason: Annotated[str, Form(max_length=500)] = "",
        resume_after_minutes: Annotated[str, Form(max_length=10)] = "",
    ) -> RedirectResponse:
        turning_on = active == "on"

        def action(db: Session, now: datetime) -> object:
            resume_at = None
            if turning_on and resume_after_minutes.strip():
                try:
                    minutes = int(resume_after_minutes)
                except ValueError:
                    raise ValueError("auto-resume: a whole number of minutes") from None
                if not 1 <= minutes <= MAX_AUTO_RESUME_MINUTES:
                    raise ValueError(f"auto-resume: between 1 and {MAX_AUTO_RESUME_MINUTES} minutes")
                resume_at = now + timedelta(minutes=minutes)
            return set_crisis(db, active=turning_on, reason=reason, actor=staff.username, now=now,
                              auto_resume_at=resume_at)

        done = "Crisis mode is on: automatic posting is held." if turning_on else "Crisis mode is off: posting resumes."
        return act(request, back="/queue", done=done, action=action)

    return router
