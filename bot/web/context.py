"""What every page handler shares: the bot, the session, the signed-in person, rendering and actions.

Handlers are plain functions built by `routes(ctx)` factories; they reach the shared pieces
through the `WebContext` held by the FastAPI app (no module globals).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, overload
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from bot.crisis import CrisisState, crisis_state
from bot.domain import Role
from bot.errors import BotError, ValidationError
from bot.store.models import StaffUser
from bot.web.accounts import Authenticator, StaffMember, get_user
from bot.web.sessions import SessionCodec, WebSession, password_fingerprint

if TYPE_CHECKING:
    from bot.app import App

#: Errors a staff action can end in; shown to the person as a message, never as a 500.
ACTION_ERRORS: tuple[type[Exception], ...] = (BotError, ValueError)

#: The page each role lands on after signing in.
HOME_BY_ROLE = {Role.ADMIN: "/overview", Role.EDITOR: "/queue", Role.AGENT: "/triage"}


class LoginRequired(Exception):
    """No valid signed-in session (redirect to the login page, or 401 for scripts)."""


class RoleRefused(Exception):
    """The signed-in person's role does not allow this (403)."""

    def __init__(self, staff: StaffMember, allowed: tuple[Role, ...]) -> None:
        self.staff = staff
        self.allowed = allowed
        super().__init__(f"{staff.role.value} cannot do this (needs {' or '.join(r.value for r in allowed)})")


class CsrfRefused(Exception):
    """A POST without the session's CSRF token (403)."""


@dataclass(slots=True)
class WebContext:
    """Everything the dashboard needs, built once by `create_web_app`."""

    app: App
    codec: SessionCodec
    authenticator: Authenticator
    env: jinja2.Environment
    started_at: datetime
    secure_cookies: bool

    def now(self) -> datetime:
        """The bot's time: what staff actions, SLAs and schedules are measured in (simulated under `--speed`)."""
        return self.app.clock.now()

    def wall_now(self) -> datetime:
        """Real time (`App.wall_clock`): what sign-in sessions and the sign-in throttle are measured in, so a
        sign-in lasts 12 real hours even when the bot's clock runs 60 times faster."""
        return self.app.wall_clock.now()

    def local(self, value: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
        """`value` in the deployment's time zone (settings.timezone)."""
        return value.astimezone(self.app.settings.tz).strftime(fmt) if value else ""


def duration(minutes: int) -> str:
    """`minutes` for people: '45 min', '3 h 05 min', '2 d 4 h' (sign dropped)."""
    minutes = abs(minutes)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def get_ctx(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


def web_session(request: Request) -> WebSession:
    """This request's session, created (anonymous) on first use."""
    session: WebSession | None = getattr(request.state, "web_session", None)
    if session is None:
        session = WebSession.anonymous(get_ctx(request).wall_now())
        request.state.web_session = session
    return session


def wants_json(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch" or "application/json" in request.headers.get(
        "accept", ""
    )


def current_staff(request: Request) -> StaffMember:
    """The signed-in, enabled person (checked against the database on every request)."""
    cached: StaffMember | None = getattr(request.state, "staff", None)
    if cached is not None:
        return cached
    ctx = get_ctx(request)
    session = web_session(request)
    if session.username is None:
        raise LoginRequired
    with ctx.app.session() as db:
        user = get_user(db, session.username)
        valid = (
            user is not None
            and not user.disabled
            and session.fingerprint is not None
            and hmac.compare_digest(password_fingerprint(user.password_hash), session.fingerprint)
        )
        role = user.role if user is not None else ""
    if not valid:
        session.sign_out(ctx.wall_now())
        raise LoginRequired
    staff = StaffMember(session.username, Role(role))
    request.state.staff = staff
    return staff


def stay_signed_in(request: Request, user: StaffUser) -> None:
    """After this person's own password changed: a new session signed with the new hash (others end)."""
    web_session(request).sign_in(user.username, password_fingerprint(user.password_hash), get_ctx(request).wall_now())


def require(*roles: Role) -> Callable[[Request], StaffMember]:
    """A dependency: the signed-in person, who must hold one of `roles` (else 403)."""

    def dependency(request: Request) -> StaffMember:
        staff = current_staff(request)
        if not staff.has(*roles):
            raise RoleRefused(staff, roles)
        return staff

    return dependency


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's CSRF token (form field or X-CSRF-Token header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.headers.get("x-csrf-token")
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get("csrf_token")
            token = value if isinstance(value, str) else None
    session = web_session(request)
    if not token or not hmac.compare_digest(token.encode(), session.csrf.encode()):
        raise CsrfRefused


def safe_next(value: str | None, default: str) -> str:
    """A same-site path to go back to (never another host: `//evil`, `/\\evil`, `https://...`)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or any(c in value for c in "\r\n"):
        return default
    return value


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(target, safe="/")


def crisis_now(ctx: WebContext) -> CrisisState:
    with ctx.app.session() as db:
        return crisis_state(db, now=ctx.now())


def render(
    request: Request, template: str, *, status: int = 200, fragment: bool = False, **values: Any
) -> HTMLResponse:
    """A page: the person, the crisis banner, flashes and the CSRF token are always there.

    A `fragment` (part of a page fetched by the page's script) leaves flashes for the next page.
    """
    ctx = get_ctx(request)
    session = web_session(request)
    staff: StaffMember | None = getattr(request.state, "staff", None)
    context: dict[str, Any] = {
        "staff": staff,
        "csrf_token": session.csrf,
        "crisis": crisis_now(ctx) if staff is not None and not fragment else None,
        "flashes": [] if fragment else session.pop_flashes(),
        "path": request.url.path,
        "local": ctx.local,
        "duration": duration,
        "now": ctx.now(),
        "settings": ctx.app.settings,
        "Role": Role,
        **values,
    }
    html = ctx.env.get_template(template).render(context)
    return HTMLResponse(html, status_code=status)


@overload
def act(request: Request, *, back: str, done: str, action: Callable[[Session, datetime], Any],
        then: Callable[[Any], str] | None = None, refused: None = None) -> RedirectResponse: ...


@overload
def act(request: Request, *, back: str, done: str, action: Callable[[Session, datetime], Any],
        then: Callable[[Any], str] | None = None, refused: Callable[[Exception], Response]) -> Response: ...


def act(
    request: Request,
    *,
    back: str,
    done: str,
    action: Callable[[Session, datetime], Any],
    then: Callable[[Any], str] | None = None,
    refused: Callable[[Exception], Response] | None = None,
) -> Response:
    """Run one staff action in its own transaction; flash `done` or the error's reason; go `back` (303).

    `then` maps what the action returned to the page to go to when it succeeded (e.g. a new item's).
    `refused`, for forms where people type text, builds the page to show instead when the action is
    refused: the form again, filled in as sent, beside the flashed reason (a redirect would lose it).
    """
    ctx = get_ctx(request)
    session = web_session(request)
    try:
        with ctx.app.session() as db:
            result = action(db, ctx.now())
    except ACTION_ERRORS as exc:
        session.flash("error", str(exc))
        return refused(exc) if refused is not None else RedirectResponse(back, status_code=303)
    session.flash("ok", done)
    return RedirectResponse(then(result) if then is not None else back, status_code=303)


def form_text(value: str) -> str:
    """A textarea's text as the person typed it: browsers send every line break as CRLF (HTML form
    encoding), while the page, its live counter and X count one character for it."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def sent_max_length(max_chars: int) -> int:
    """The `Form(max_length=...)` of a textarea with `maxlength` `max_chars`: the browser holds the text to
    `max_chars` counting a line break as one, then sends it as two (CRLF). The handler checks the text as
    typed (`check_typed_length`), so that a refusal keeps the form rather than ending on a 422 page."""
    return 2 * max_chars


def check_typed_length(text: str, max_chars: int) -> None:
    """`ValidationError` if `text` (as typed: `form_text`) is longer than its field's `max_chars`."""
    if len(text) > max_chars:
        raise ValidationError(f"the text is {len(text)} characters; at most {max_chars}")
