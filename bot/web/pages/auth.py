"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.domain import Role
from bot.store.coordination import audit
from bot.web.accounts import LoginFailed, LoginThrottled, StaffMember
from bot.web.context import (
    HOME_BY_ROLE,
    LoginRequired,
    WebContext,
    check_csrf,
    current_staff,
    get_ctx,
    render,
    safe_next,
    web_session,
)
from bot.web.sessions import password_fingerprint


def client_ip(request: Request) -> str:
    """The peer address (uvicorn's proxy-headers support puts the real client here behind a proxy)."""
    return request.client.host if request.client else "unknown"


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter(dependencies=[Depends(check_csrf)])

    @router.get("/", include_in_schema=False)
    def home(staff: Annotated[StaffMember, Depends(current_staff)]) -> RedirectResponse:
        return RedirectResponse(HOME_BY_ROLE[staff.role], status_code=303)

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str | None = None) -> Response:
        """The sign-in form; someone already signed in goes to their home page instead."""
        try:
            staff = current_staff(request)
        except LoginRequired:
            return render(request, "login.html", next=safe_next(next, ""), error=None, username="")
        return RedirectResponse(HOME_BY_ROLE[staff.role], status_code=303)

    @router.post("/login")
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=200)] = "",
        password: Annotated[str, Form(max_length=2048)] = "",
        next: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        if not username.strip() or not password:  # not an attempt at a password: nothing recorded
            return render(request, "login.html", status=400, next=safe_next(next, ""),
                          error="enter your username and password", username=username)
        session = web_session(request)
        now = get_ctx(request).wall_now()  # sessions and the throttle count real time (`WebContext.wall_now`)
        failure: LoginFailed | LoginThrottled | None = None
        with ctx.app.session() as db:  # committed either way: failed attempts are rows the throttle counts
            try:
                user = ctx.authenticator.sign_in(db, username=username, password=password, ip=client_ip(request),
                                                 now=now)
                name, role, fingerprint = user.username, Role(user.role), password_fingerprint(user.password_hash)
            except (LoginFailed, LoginThrottled) as exc:
                failure = exc
        if isinstance(failure, LoginThrottled):
            response = render(request, "login.html", status=429, next=safe_next(next, ""), error=str(failure),
                              username=username)
            response.headers["Retry-After"] = str(failure.retry_after)
            return response
        if failure is not None:
            return render(request, "login.html", status=401, next=safe_next(next, ""), error=str(failure),
                          username=username)
        session.sign_in(name, fingerprint, now)
        return RedirectResponse(safe_next(next, HOME_BY_ROLE[role]), status_code=303)

    @router.post("/logout")
    def logout(request: Request) -> RedirectResponse:
        session = web_session(request)
        if session.username is not None:
            with ctx.app.session() as db:
                audit(db, at=ctx.wall_now(), actor=session.username, action="logout")
        session.sign_out(ctx.wall_now())
        return RedirectResponse("/login", status_code=303)

    return router
