"""`create_web_app`: the staff dashboard and ops endpoints as one FastAPI application.

Served by `brandbot run` in the bot's process (uvicorn). Pages are server-rendered Jinja2 with
autoescaping everywhere; the only script is `static/app.js` (Content-Security-Policy forbids
inline script and anything not served from here). Every page needs a signed-in account except
`/healthz`, `/readyz`, `/metrics`, `/login`, `/static/...` and the event webhook.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import secrets
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import structlog
from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.text.weighted import MAX_WEIGHTED_LENGTH, weighted_length
from bot.web.accounts import Authenticator
from bot.web.context import (
    CsrfRefused,
    LoginRequired,
    RoleRefused,
    WebContext,
    current_staff,
    login_url,
    render,
    wants_json,
)
from bot.web.pages import account, audit, auth, follows, mentions, ops, overview, publishing, text, triage, users
from bot.web.sessions import COOKIE_NAME, SessionCodec

if TYPE_CHECKING:
    from bot.app import App

log = structlog.get_logger()

HERE = Path(__file__).parent
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
WEBHOOK_MODULE = "bot.web.webhook"
#: Every module contributing routes (each has `routes(ctx) -> APIRouter`).
ROUTE_MODULES = (ops, auth, account, triage, mentions, publishing, follows, overview, audit, users, text)
NOT_PAGES = ("/static/", "/events", "/healthz", "/readyz", "/metrics")


def template_environment() -> jinja2.Environment:
    """Jinja2 with autoescaping on for every template (tweet text and names are untrusted).

    `weighted_length` and `MAX_WEIGHTED_LENGTH` are there for the character counters (`_counter.html`).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(weighted_length=weighted_length, MAX_WEIGHTED_LENGTH=MAX_WEIGHTED_LENGTH)
    return env


def session_secret(app: App) -> bytes:
    """`settings.session_secret`, or a random per-process one (sessions then end at every restart)."""
    if app.settings.session_secret:
        return app.settings.session_secret.encode("utf-8")
    log.warning("web.session_secret_missing",
                detail="SESSION_SECRET is empty: using a random secret; every sign-in ends when the process stops "
                       "and several processes will not share sessions")
    return secrets.token_bytes(32)


def create_web_app(
    app: App,
    *,
    secure_cookies: bool = False,
    password_hasher: PasswordHasher | None = None,
) -> FastAPI:
    """The dashboard for `app`.

    `secure_cookies` marks the session cookie Secure (set it when served over HTTPS; requests
    that arrive as https get it anyway). `password_hasher` is for tests (cheaper argon2 params).
    Needs no lifespan: nothing runs at start-up, and the database schema is the caller's job
    (`app.migrate()`).
    """
    ctx = WebContext(
        app=app,
        codec=SessionCodec(session_secret(app)),
        authenticator=Authenticator(password_hasher),
        env=template_environment(),
        started_at=app.clock.now(),
        secure_cookies=secure_cookies,
    )
    web = FastAPI(title="brandbot", docs_url=None, redoc_url=None, openapi_url=None)
    web.state.web = ctx

    @web.middleware("http")
    async def sessions_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.web_session = ctx.codec.decode(request.cookies.get(COOKIE_NAME), now=ctx.wall_now())
        response = await call_next(request)
        session = request.state.web_session
        if session is not None and session.dirty:
            response.set_cookie(
                COOKIE_NAME, ctx.codec.encode(session), max_age=int(ctx.codec.lifetime.total_seconds()), path="/",
                httponly=True, samesite="lax", secure=ctx.secure_cookies or request.url.scheme == "https",
            )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # Pages, and whatever a signed-in person was sent (the reply preview's JSON holds a customer's post):
        # never kept in a cache, unless the route says otherwise (`/text/rules`).
        if response.headers.get("content-type", "").startswith("text/html") or getattr(request.state, "staff", None):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @web.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request) or request.method != "GET":
            return JSONResponse({"error": "sign in first"}, status_code=401)
        return RedirectResponse(login_url(request), status_code=303)

    @web.exception_handler(RoleRefused)
    async def role_refused(request: Request, exc: RoleRefused) -> Response:
        log.info("web.forbidden", username=exc.staff.username, role=exc.staff.role.value, path=request.url.path)
        if wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=403)
        return render(request, "error.html", status=403, title="Not allowed",
                      message=f"Your role ({exc.staff.role.value}) cannot open this page or do this action.")

    @web.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        log.info("web.csrf_refused", path=request.url.path)
        if wants_json(request):
            return JSONResponse({"error": "missing or wrong CSRF token"}, status_code=403)
        return _error_page(request, 403, "Form expired",
                           "This form is out of date or did not come from this site. Go back, reload and retry.")

    @web.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request) or not _is_page(request):
            return await http_exception_handler(request, exc)
        return _error_page(request, exc.status_code, str(exc.detail), "")

    @web.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if wants_json(request) or not _is_page(request):
            return await request_validation_exception_handler(request, exc)
        status, title, message = describe_invalid_request(exc.errors())
        return _error_page(request, status, title, message)

    web.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in ROUTE_MODULES:
        web.include_router(module.routes(ctx))
    _include_webhook(web, app)
    return web


def describe_invalid_request(errors: Sequence[Any]) -> tuple[int, str, str]:
    """FastAPI's validation errors as (status, title, one sentence for people).

    A path part that does not parse (`/triage/abc`) is a page that does not exist (404);
    anything else is a form or query the page cannot use (422), worded without pydantic's jargon.
    """
    path = [e for e in errors if e["loc"][:1] == ("path",)]
    if path:
        value = str(path[0].get("input", ""))[:40]
        return 404, "Not found", f"Not a valid id: {value!r}."
    missing = [_field(e) for e in errors if e["type"] == "missing"]
    other = [f"{_field(e)} {_problem(e)}" for e in errors if e["type"] != "missing"]
    sentences = ([f"The form was missing: {', '.join(missing)}."] if missing else []) + [
        f"{problem[0].upper()}{problem[1:]}." for problem in other]
    return 422, "Invalid input", " ".join(sentences) + " Go back and try again."


def _field(error: Any) -> str:
    return " ".join(str(part) for part in error["loc"][1:]).replace("_", " ") or "the request"


def _problem(error: Any) -> str:
    context = error.get("ctx") or {}
    if error["type"] == "string_too_long":
        return f"is too long (at most {context.get('max_length')} characters)"
    if error["type"] in ("int_parsing", "int_type"):
        return "must be a whole number"
    if error["type"] in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        return "is out of range"
    return "has a value this form does not accept"


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    """An error page with the signed-in header when someone is signed in (the handler's route may not have
    looked: a 404, a refused CSRF token or a bad form end the request before the page's own checks)."""
    with contextlib.suppress(LoginRequired):
        current_staff(request)
    return render(request, "error.html", status=status, title=title, message=message)


def _is_page(request: Request) -> bool:
    """Whether a person's browser asked for this (errors are then pages; for anything else, FastAPI's JSON)."""
    return not request.url.path.startswith(NOT_PAGES)


def _include_webhook(web: FastAPI, app: App) -> None:
    """POST /events from `bot.web.webhook`, once that module exists."""
    if importlib.util.find_spec(WEBHOOK_MODULE) is None:
        log.info("web.webhook_absent", module=WEBHOOK_MODULE)
        return
    module = importlib.import_module(WEBHOOK_MODULE)
    web.include_router(module.webhook_router(app))
