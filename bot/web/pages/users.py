"""Staff accounts for admins: list, add, disable/enable, change role, set a password (`brandbot users` on the web)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from bot.domain import Role
from bot.web.accounts import (
    StaffMember,
    add_user,
    disable_user,
    enable_user,
    list_users,
    set_password,
    set_role,
)
from bot.web.context import WebContext, act, check_csrf, render, require, stay_signed_in

#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Admin = Annotated[StaffMember, Depends(require(Role.ADMIN))]


@dataclass(frozen=True, slots=True)
class NewAccountForm:
    """What the "Add an account" form holds, shown again when it is refused (never the password)."""

    username: str = ""
    role: str = ""


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/users", dependencies=[Depends(check_csrf)])

    def users_page_with(request: Request, *, status: int = 200, draft: NewAccountForm | None = None) -> HTMLResponse:
        """The Users page; `draft` fills the add form in (the password is typed again)."""
        with ctx.app.session() as db:
            users = list_users(db)
        return render(request, "users.html", status=status, users=users, roles=list(Role),
                      draft=draft or NewAccountForm())

    @router.get("", response_class=HTMLResponse)
    def users_page(request: Request, staff: Admin) -> HTMLResponse:
        return users_page_with(request)

    @router.post("")
    def add(
        request: Request,
        staff: Admin,
        username: Annotated[str, Form(max_length=200)] = "",
        role: Annotated[str, Form(max_length=20)] = "",
        password: Annotated[str, Form(max_length=2048)] = "",
    ) -> Response:
        """A refused addition (name taken, weak password …) shows the form again with the name and role kept."""

        def refused(exc: Exception) -> Response:
            return users_page_with(request, status=400, draft=NewAccountForm(username, role.strip().lower()))

        return act(request, back="/users", done=f"Account {username.strip()} added as {role.strip().lower()}.",
                   action=lambda db, now: add_user(db, username=username, role=role, password=password,
                                                   actor=staff.username, now=now, hasher=ctx.authenticator.hasher),
                   refused=refused)

    @router.post("/{username}/disable")
    def disable(request: Request, username: str, staff: Admin) -> RedirectResponse:
        return act(request, back="/users", done=f"Account {username} disabled: it is signed out everywhere.",
                   action=lambda db, now: disable_user(db, username=username, actor=staff.username, now=now))

    @router.post("/{username}/enable")
    def enable(request: Request, username: str, staff: Admin) -> RedirectResponse:
        return act(request, back="/users", done=f"Account {username} enabled: it can sign in again.",
                   action=lambda db, now: enable_user(db, username=username, actor=staff.username, now=now))

    @router.post("/{username}/role")
    def change_role(request: Request, username: str, staff: Admin,
                    role: Annotated[str, Form(max_length=20)] = "") -> RedirectResponse:
        return act(request, back="/users", done=f"Account {username} is now {role.strip().lower()}.",
                   action=lambda db, now: set_role(db, username=username, role=role, actor=staff.username, now=now))

    @router.post("/{username}/password")
    def new_password(request: Request, username: str, staff: Admin,
                     password: Annotated[str, Form(max_length=2048)] = "") -> RedirectResponse:
        def action(db: Session, now: datetime) -> object:
            user = set_password(db, username=username, password=password, actor=staff.username, now=now,
                                hasher=ctx.authenticator.hasher)
            if user.username == staff.username:
                stay_signed_in(request, user)
            return user

        return act(request, back="/users", done=f"New password set for {username}: its other sessions are signed out.",
                   action=action)

    return router
