"""The publish queue for the PR team: queue a post, approve, edit, cancel; dead letters; the crisis switch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from bot import localtime
from bot.crisis import set_crisis
from bot.domain import PostState, Role
from bot.publish.queue import (
    approve_post,
    cancel_post,
    edit_post,
    enqueue_manual,
    get_post,
    list_posts,
)
from bot.store.models import AuditLog, DeadLetter, Post
from bot.web.accounts import StaffMember
from bot.web.context import (
    ACTION_ERRORS,
    WebContext,
    act,
    check_csrf,
    check_typed_length,
    form_text,
    render,
    require,
    sent_max_length,
    web_session,
)
from bot.web.ids import RowId

EDITOR_ROLES = (Role.EDITOR, Role.ADMIN)
#: A post's text field takes at most this many characters as typed (the textareas' `maxlength`; a thread is split
#: from it).
POST_TEXT_MAX_CHARS = 5000
MAX_AUTO_RESUME_MINUTES = 7 * 24 * 60
#: How a `datetime-local` field shows and sends a time (to the minute).
FORM_TIME = "%Y-%m-%dT%H:%M"


def parse_local(value: str, tz: ZoneInfo) -> datetime | None:
    """A `datetime-local` form value (`2026-03-01T14:30`) in `tz` as a UTC instant; blank is None.

    A wall time the clocks skip for daylight saving time is refused (`bot.localtime.parse_local`).
    """
    value = value.strip()
    if not value:
        return None
    try:
        datetime.strptime(value, FORM_TIME)  # noqa: DTZ007 - only the shape is checked here
    except ValueError:
        raise ValueError(f"time must look like 2026-03-01T14:30, got {value[:40]!r}") from None
    return localtime.parse_local(value, tz)


@dataclass(frozen=True, slots=True)
class NewPostForm:
    """What the "Queue a post" form holds (shown again, filled in, when it is refused)."""

    text: str = ""
    scheduled_at: str = ""
    requires_approval: bool = False
    thread: bool = False


@dataclass(frozen=True, slots=True)
class PostEdit:
    """A refused Edit form of one queued post: what was sent, shown again in that post's form, and why."""

    post_id: int
    text: str
    scheduled_at: str
    error: str


#: How the add form's confirmation names the state a new post landed in.
STATE_WORDS = {
    PostState.SCHEDULED.value: "scheduled",
    PostState.PENDING_APPROVAL.value: "waiting for approval",
    PostState.HELD.value: "held while crisis mode is on",
}


def cancelled_by(session: Session, posts: Sequence[Post]) -> dict[int, str]:
    """Who cancelled each of `posts`, from the `post.cancelled` audit rows.

    Every cancelled part has its own row now; older databases hold one row for a whole thread,
    naming the part that was cancelled, so a part without a row takes its thread's.
    """
    targets = {f"post {p.id}": p for p in posts}
    rows = session.exec(select(AuditLog).where(col(AuditLog.action) == "post.cancelled")
                        .where(col(AuditLog.target).in_(list(targets))))
    by_post = {targets[r.target].id: r.actor for r in rows}
    by_thread = {p.thread_key: by_post[p.id] for p in posts if p.thread_key and p.id in by_post}
    return {p.id: by_post.get(p.id) or by_thread.get(p.thread_key or "", "") for p in posts if p.id is not None}


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

    def queue_page_with(request: Request, *, status: int = 200, draft: NewPostForm | None = None,
                        editing: PostEdit | None = None) -> HTMLResponse:
        """The queue page; `draft` fills the add form, `editing` opens one post's Edit form as it was sent."""
        with ctx.app.session() as db:
            pending = list_posts(db, states=[PostState.PENDING_APPROVAL])
            upcoming = list_posts(db, states=[PostState.SCHEDULED, PostState.HELD, PostState.DRAFT])
            recent = list_posts(db, states=[PostState.POSTED, PostState.FAILED, PostState.PUBLISHING],
                                latest_outcome_first=True, limit=20)
            cancelled = list_posts(db, states=[PostState.CANCELLED], latest_outcome_first=True, limit=20)
            cancellers = cancelled_by(db, cancelled)
            dead = open_dead_letters(db)
        # A post that can no longer be edited (published or cancelled meanwhile) has no form to fill in:
        # the page then shows the refused text on its own, so that it is not lost either.
        edit_shown = editing is not None and any(p.id == editing.post_id for p in [*pending, *upcoming])
        return render(request, "queue.html", status=status, pending=pending, upcoming=upcoming, recent=recent,
                      cancelled=cancelled, cancellers=cancellers, dead=dead, draft=draft or NewPostForm(),
                      editing=editing, edit_shown=edit_shown)

    @router.get("/queue", response_class=HTMLResponse)
    def queue_page(request: Request, staff: Editor) -> HTMLResponse:
        return queue_page_with(request)

    @router.post("/queue/posts", response_model=None)
    def add(
        request: Request,
        staff: Editor,
        *,
        text: Annotated[str, Form(max_length=sent_max_length(POST_TEXT_MAX_CHARS))] = "",
        scheduled_at: Annotated[str, Form(max_length=40)] = "",
        requires_approval: Annotated[bool, Form()] = False,
        thread: Annotated[bool, Form()] = False,
    ) -> HTMLResponse | RedirectResponse:
        """Queue a manual post as `brandbot queue add` does; a refusal shows the form again, filled in."""
        text = form_text(text)
        draft = NewPostForm(text, scheduled_at, requires_approval, thread)
        session = web_session(request)
        now = ctx.now()
        try:
            check_typed_length(text, POST_TEXT_MAX_CHARS)
            when = parse_local(scheduled_at, ctx.app.settings.tz)
            with ctx.app.session() as db:
                posts = enqueue_manual(db, text=text, now=now, tz=ctx.app.settings.tz, scheduled_at=when,
                                       thread=thread, requires_approval=requires_approval, created_by=staff.username)
                first, parts, state, due = posts[0].id, len(posts), posts[0].state, posts[0].scheduled_at
        except ACTION_ERRORS as exc:
            session.flash("error", f"{exc}; nothing was queued")
            return queue_page_with(request, status=400, draft=draft)
        ctx.app.notify_queued()
        what = f"Post {first}" + (f" (a thread of {parts})" if parts > 1 else "")
        session.flash("ok", f"{what} queued: {STATE_WORDS.get(state, state)}, for {ctx.local(due)}.")
        return RedirectResponse("/queue", status_code=303)

    @router.post("/queue/posts/{post_id}/approve")
    def approve(request: Request, post_id: RowId, staff: Editor) -> RedirectResponse:
        return act(request, back="/queue", done=f"Post {post_id} approved.",
                   action=lambda db, now: approve_post(db, post_id, actor=staff.username, now=now))

    @router.post("/queue/posts/{post_id}/edit")
    def edit(
        request: Request,
        post_id: RowId,
        staff: Editor,
        text: Annotated[str, Form(max_length=sent_max_length(POST_TEXT_MAX_CHARS))] = "",
        scheduled_at: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        """The form sends both fields back; the time counts as changed only if it differs to the minute.

        A refused edit shows the queue again with this post's form open and filled in as sent.
        """
        text = form_text(text)

        def action(db: Session, now: datetime) -> object:
            check_typed_length(text, POST_TEXT_MAX_CHARS)
            when = parse_local(scheduled_at, ctx.app.settings.tz)
            if when is not None and scheduled_at.strip() == ctx.local(get_post(db, post_id).scheduled_at, FORM_TIME):
                when = None  # the time shown in the form, unchanged: keep the stored one (and its seconds)
            return edit_post(db, post_id, actor=staff.username, now=now, tz=ctx.app.settings.tz, text=text,
                             scheduled_at=when)

        def refused(exc: Exception) -> Response:
            return queue_page_with(request, status=400, editing=PostEdit(post_id, text, scheduled_at, str(exc)))

        return act(request, back="/queue", done=f"Post {post_id} saved.", action=action, refused=refused)

    @router.post("/queue/posts/{post_id}/cancel")
    def cancel(request: Request, post_id: RowId, staff: Editor,
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
