"""The signed-in person's own account: changing their password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.web.accounts import StaffMember
from bot.web.context import ACTION_ERRORS, WebContext, check_csrf, current_staff, render, stay_signed_in, web_session
from bot.web.pages.auth import client_ip

#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Staff = Annotated[StaffMember, Depends(current_staff)]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/account", dependencies=[Depends(check_csrf)])

    @router.get("/password", response_class=HTMLResponse)
    def password_form(request: Request, staff: Staff) -> HTMLResponse:
        return render(request, "account_password.html")

    @router.post("/password")
    def change_password(
        request: Request,
        staff: Staff,
        current_password: Annotated[str, Form(max_length=2048)] = "",
        new_password: Annotated[str, Form(max_length=2048)] = "",
        new_password_again: Annotated[str, Form(max_length=2048)] = "",
    ) -> RedirectResponse:
        """Sign out this person's other sessions; this one is re-issued and stays signed in."""
        session = web_session(request)
        back = RedirectResponse("/account/password", status_code=303)
        if not current_password:  # not a guess at the password: no failed attempt is recorded
            session.flash("error", "enter your current password; nothing was changed")
            return back
        if new_password != new_password_again:
            session.flash("error", "the two new passwords differ; nothing was changed")
            return back
        now = ctx.wall_now()  # the sign-in throttle counts real minutes (`WebContext.wall_now`)
        with ctx.app.session() as db:  # committed either way: a wrong current password is a row the throttle counts
            try:
                user = ctx.authenticator.change_password(db, username=staff.username, current=current_password,
                                                         new=new_password, ip=client_ip(request), now=now)
            except ACTION_ERRORS as exc:
                session.flash("error", f"{exc}; nothing was changed")
                return back
            stay_signed_in(request, user)
        session.flash("ok", "Password changed: your other sessions are signed out.")
        return back

    return router
