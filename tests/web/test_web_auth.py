"""Sign-in, sessions, roles, CSRF and the security headers of the dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlmodel import col, select
from starlette.testclient import TestClient
from structlog.testing import capture_logs

from bot.app import App
from bot.clock import ManualClock
from bot.store.models import AuditLog, CrisisChange
from bot.web.accounts import LOGIN_MAX_FAILURES, disable_user
from bot.web.app import CONTENT_SECURITY_POLICY, ROUTE_MODULES, create_web_app
from bot.web.sessions import COOKIE_NAME
from tests.web.conftest import CHEAP_HASHER, PASSWORD, add_staff, csrf_token, make_settings, sign_in


def _audit(bot: App, action: str) -> list[tuple[str, str]]:
    with bot.session() as session:
        rows = session.exec(select(AuditLog).where(col(AuditLog.action) == action).order_by(col(AuditLog.id)))
        return [(r.actor, r.target) for r in rows]


class TestSignIn:
    def test_pages_need_a_login(self, client: TestClient) -> None:
        """A page without a session redirects to the login form, remembering where to go back."""
        response = client.get("/triage?status=open", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login?next=/triage%3Fstatus%3Dopen")

    def test_script_requests_get_401(self, client: TestClient) -> None:
        """The list refresh and the preview get 401 instead of a redirect."""
        response = client.get("/triage/items", headers={"X-Requested-With": "fetch"})
        assert (response.status_code, response.json()) == (401, {"error": "sign in first"})

    def test_sign_in_lands_on_the_role_home_with_a_strict_cookie(self, bot: App, client: TestClient) -> None:
        """An agent lands on /triage; the cookie is HttpOnly and SameSite=Lax; the sign-in is audited."""
        add_staff(bot, "sam", "agent")
        token = csrf_token(client)
        response = client.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token},
                               follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/triage")
        cookie = response.headers["set-cookie"].lower()
        assert cookie.startswith(f"{COOKIE_NAME}=")
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" not in cookie
        assert _audit(bot, "login.ok") == [("sam", "ip testclient")]
        assert client.get("/triage").status_code == 200

    def test_secure_cookie_when_configured(self, bot: App) -> None:
        """`secure_cookies=True` marks the session cookie Secure."""
        with TestClient(create_web_app(bot, secure_cookies=True, password_hasher=CHEAP_HASHER)) as c:
            cookie = c.get("/login").headers["set-cookie"].lower()
        assert "; secure" in cookie

    def test_wrong_password_is_refused_and_recorded(self, bot: App, client: TestClient) -> None:
        """A wrong password answers 401 with one message for every cause and writes a login.failed row."""
        add_staff(bot, "sam", "agent")
        token = csrf_token(client)
        wrong = client.post("/login", data={"username": "sam", "password": "nope-nope-nope", "csrf_token": token})
        unknown = client.post("/login", data={"username": "kim", "password": PASSWORD, "csrf_token": token})
        assert (wrong.status_code, unknown.status_code) == (401, 401)
        assert "wrong username or password" in wrong.text
        assert "wrong username or password" in unknown.text
        assert _audit(bot, "login.failed") == [("sam", "ip testclient"), ("kim", "ip testclient")]

    def test_login_is_throttled_per_username_and_address_across_processes(
        self, bot: App, web: FastAPI, client: TestClient
    ) -> None:
        """After 5 failures the right password is refused (429), also by another process; other addresses are not."""
        add_staff(bot, "sam", "agent")
        token = csrf_token(client)
        for _ in range(LOGIN_MAX_FAILURES):
            client.post("/login", data={"username": "sam", "password": "wrong-password!", "csrf_token": token})
        right = {"username": "sam", "password": PASSWORD, "csrf_token": token}
        throttled = client.post("/login", data=right)
        assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "900")
        other_process = App(make_settings(bot.settings.database_url), clock=bot.clock)
        with TestClient(create_web_app(other_process, password_hasher=CHEAP_HASHER)) as second:
            token2 = csrf_token(second)
            assert second.post("/login", data={**right, "csrf_token": token2}).status_code == 429
        with TestClient(web, client=("10.0.0.9", 4000)) as elsewhere:
            token3 = csrf_token(elsewhere)
            response = elsewhere.post("/login", data={**right, "csrf_token": token3}, follow_redirects=False)
            assert response.status_code == 303

    def test_throttle_window_passes(self, bot: App, client: TestClient, clock: ManualClock) -> None:
        """Fifteen minutes after the failures, the right password works again."""
        add_staff(bot, "sam", "agent")
        token = csrf_token(client)
        for _ in range(LOGIN_MAX_FAILURES):
            client.post("/login", data={"username": "sam", "password": "wrong-password!", "csrf_token": token})
        clock.advance(15 * 60 + 1)
        sign_in(client, "sam")

    def test_next_is_followed_only_on_this_site(self, bot: App, client: TestClient) -> None:
        """`next=/follows` is honoured; `//evil.example` falls back to the role's home page."""
        add_staff(bot, "pat", "editor")
        for target, expected in (("/follows", "/follows"), ("//evil.example/x", "/queue"),
                                 ("https://evil.example", "/queue")):
            token = csrf_token(client)
            response = client.post("/login", data={"username": "pat", "password": PASSWORD, "csrf_token": token,
                                                    "next": target}, follow_redirects=False)
            assert response.headers["location"] == expected

    def test_disabled_account_loses_its_session(self, bot: App, agent: TestClient) -> None:
        """Disabling an account ends its open session at the next request."""
        assert agent.get("/triage").status_code == 200
        with bot.session() as session:
            disable_user(session, username="sam", actor="root", now=bot.clock.now())
        response = agent.get("/triage", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login?next=/triage")

    def test_tampered_cookie_is_no_session(self, agent: TestClient) -> None:
        """A cookie whose signature does not match counts as signed out."""
        [stored] = [c for c in agent.cookies.jar if c.name == COOKIE_NAME]
        value = stored.value or ""
        agent.cookies.clear()  # replace the cookie itself (a second one of the same name may not be the one sent)
        agent.cookies.set(
            COOKIE_NAME, value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1], domain=stored.domain,
            path=stored.path,
        )
        assert agent.get("/triage", follow_redirects=False).status_code == 303

    def test_sign_out(self, bot: App, agent: TestClient) -> None:
        """Signing out ends the session and is audited."""
        token = csrf_token(agent, "/triage")
        response = agent.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login")
        assert agent.get("/triage", follow_redirects=False).status_code == 303
        assert _audit(bot, "logout") == [("sam", "")]

    def test_missing_session_secret_warns_and_still_works(self, sqlite_url: str, clock: ManualClock) -> None:
        """An empty SESSION_SECRET logs a warning and uses a random per-process secret."""
        bot = App(make_settings(sqlite_url, session_secret=""), clock=clock)
        with capture_logs() as logs:
            web = create_web_app(bot, password_hasher=CHEAP_HASHER)
        assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["web.session_secret_missing"]
        add_staff(bot, "sam", "agent")
        with TestClient(web) as c:
            sign_in(c, "sam")
            assert c.get("/triage").status_code == 200

    def test_the_login_page_sends_someone_signed_in_home(self, agent: TestClient) -> None:
        """A signed-in person opening /login lands on their home page instead of the form."""
        response = agent.get("/login", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/triage")

    def test_empty_sign_in_is_a_message_not_an_attempt(self, bot: App, client: TestClient) -> None:
        """No username or no password: the form again with a sentence; no failed attempt is recorded."""
        add_staff(bot, "sam", "agent")
        token = csrf_token(client)
        for form in ({"username": "sam"}, {"password": PASSWORD}, {"username": " ", "password": PASSWORD}):
            response = client.post("/login", data={**form, "csrf_token": token})
            assert response.status_code == 400
            assert "enter your username and password" in response.text
            assert 'name="password"' in response.text
        assert _audit(bot, "login.failed") == []


class TestErrorPages:
    def test_not_found_keeps_the_signed_in_header(self, agent: TestClient, client: TestClient) -> None:
        """A 404 page shows the header and nav to a signed-in person."""
        page = agent.get("/no-such-page")
        assert page.status_code == 404
        assert '<header class="top">' in page.text
        assert "sam <span class=\"role\">agent</span>" in page.text

    def test_anonymous_not_found_has_no_header(self, client: TestClient) -> None:
        """Without a session the same page has no header."""
        page = client.get("/no-such-page")
        assert page.status_code == 404
        assert '<header class="top">' not in page.text

    def test_refused_csrf_keeps_the_signed_in_header(self, editor: TestClient) -> None:
        """The 'Form expired' page keeps the header of the signed-in person."""
        page = editor.post("/crisis", data={"active": "on", "reason": "x", "csrf_token": "forged"})
        assert page.status_code == 403
        assert "Form expired" in page.text
        assert '<header class="top">' in page.text

    def test_an_id_that_is_not_a_number_is_not_found(self, agent: TestClient) -> None:
        """/triage/abc is a 404 page saying the id is not valid, without pydantic's wording."""
        page = agent.get("/triage/abc")
        assert page.status_code == 404
        assert "Not a valid id: &#39;abc&#39;." in page.text
        assert "Input should be" not in page.text
        assert '<header class="top">' in page.text

    def test_a_form_missing_a_field_names_it(self, editor: TestClient) -> None:
        """A form without a field the page needs answers with a sentence naming it, in the signed-in layout."""
        token = csrf_token(editor, "/queue")
        page = editor.post("/crisis", data={"reason": "x", "csrf_token": token})
        assert page.status_code == 422
        assert "The form was missing: active. Go back and try again." in page.text
        assert "Field required" not in page.text
        assert '<header class="top">' in page.text
        too_long = editor.post("/crisis", data={"active": "on", "reason": "x" * 501, "csrf_token": token})
        assert "Reason is too long (at most 500 characters). Go back and try again." in too_long.text


class TestRoles:
    def test_agent_cannot_open_editor_or_admin_pages(self, agent: TestClient) -> None:
        """An agent gets 403 on the queue and the audit log."""
        assert [agent.get(p).status_code for p in ("/queue", "/audit")] == [403, 403]
        assert "Your role (agent)" in agent.get("/queue").text

    def test_agent_cannot_act_as_an_editor(self, bot: App, agent: TestClient) -> None:
        """Crisis toggle, approve and cancel answer 403 for an agent and change nothing."""
        token = csrf_token(agent, "/triage")
        responses = [
            agent.post("/crisis", data={"csrf_token": token, "active": "on", "reason": "x"}),
            agent.post("/queue/posts/1/approve", data={"csrf_token": token}),
            agent.post("/queue/posts/1/cancel", data={"csrf_token": token}),
        ]
        assert [r.status_code for r in responses] == [403, 403, 403]
        with bot.session() as session:
            assert session.exec(select(CrisisChange)).all() == []

    def test_editor_cannot_triage(self, editor: TestClient) -> None:
        """An editor gets 403 on the triage page and its actions."""
        token = csrf_token(editor, "/queue")
        assert editor.get("/triage").status_code == 403
        assert editor.post("/triage/1/claim", data={"csrf_token": token}).status_code == 403

    def test_admin_opens_every_page(self, admin: TestClient) -> None:
        """An admin can open every page."""
        pages = ("/overview", "/triage", "/mentions", "/queue", "/follows", "/audit", "/users", "/account/password")
        assert [admin.get(p).status_code for p in pages] == [200] * len(pages)


class TestCsrf:
    def test_every_post_route_refuses_a_missing_or_wrong_token(self, bot: App, web: FastAPI, admin: TestClient) -> None:
        """Every POST of the dashboard (webhook aside) answers 403 without the session's token."""
        routes = [r for module in ROUTE_MODULES for r in module.routes(web.state.web).routes]
        posts = sorted({r.path for r in routes if isinstance(r, APIRoute) and "POST" in r.methods})
        assert posts == [
            "/account/password", "/crisis", "/follows/{decision_id}/done", "/follows/{decision_id}/skip", "/login",
            "/logout", "/mentions/{mention_id}/flag", "/queue/posts",
            "/queue/posts/{post_id}/approve", "/queue/posts/{post_id}/cancel", "/queue/posts/{post_id}/edit",
            "/triage/{item_id}/assign", "/triage/{item_id}/claim", "/triage/{item_id}/dismiss",
            "/triage/{item_id}/label", "/triage/{item_id}/reply", "/triage/{item_id}/resolve", "/users",
            "/users/{username}/disable", "/users/{username}/enable", "/users/{username}/password",
            "/users/{username}/role",
        ]
        form = {"active": "on", "reason": "r", "text": "t", "assignee": "root", "template": "apology",
                "label": "complaint", "username": "root", "password": PASSWORD, "role": "admin",
                "current_password": PASSWORD, "new_password": PASSWORD, "new_password_again": PASSWORD}
        for path in posts:
            concrete = (path.replace("{decision_id}", "1").replace("{post_id}", "1").replace("{item_id}", "1")
                        .replace("{username}", "root").replace("{mention_id}", "1"))
            assert admin.post(concrete, data=form).status_code == 403, path
            assert admin.post(concrete, data={**form, "csrf_token": "forged"}).status_code == 403, path
        assert admin.get("/overview").status_code == 200  # still signed in: nothing was done
        with bot.session() as session:
            assert session.exec(select(CrisisChange)).all() == []

    def test_header_token_is_accepted(self, bot: App, editor: TestClient) -> None:
        """Scripts may send the token as X-CSRF-Token."""
        token = csrf_token(editor, "/queue")
        response = editor.post("/crisis", data={"active": "on", "reason": "storm"}, headers={"X-CSRF-Token": token})
        assert response.status_code == 200
        with bot.session() as session:
            assert [c.reason for c in session.exec(select(CrisisChange))] == ["storm"]


class TestHeaders:
    def test_pages_and_ops_carry_the_security_headers(self, client: TestClient) -> None:
        """CSP without inline script, no framing, no sniffing, on pages and ops endpoints alike."""
        for path in ("/login", "/healthz", "/static/app.js"):
            headers = client.get(path).headers
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert (headers["x-frame-options"], headers["x-content-type-options"]) == ("DENY", "nosniff")
        assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
        assert client.get("/login").headers["cache-control"] == "no-store"


class TestRealTime:
    """Sign-ins are real people's time: measured on `App.wall_clock`, never on the bot's simulated clock."""

    @pytest.fixture
    def wall(self) -> ManualClock:
        return ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))

    @pytest.fixture
    def simulated(self, bot: App, wall: ManualClock) -> App:
        """The bot's clock runs ahead on its own (as under `brandbot run --sandbox --speed 60`)."""
        return App(bot.settings, clock=bot.clock, wall_clock=wall)

    @pytest.fixture
    def sped(self, simulated: App) -> Iterator[TestClient]:
        with TestClient(create_web_app(simulated, password_hasher=CHEAP_HASHER)) as c:
            yield c

    def test_a_sign_in_lasts_twelve_real_hours_whatever_the_bot_clock_does(
        self, simulated: App, sped: TestClient, clock: ManualClock, wall: ManualClock
    ) -> None:
        """Thirty simulated days do not end a session; twelve real hours and a second do."""
        add_staff(simulated, "sam", "agent")
        sign_in(sped, "sam")
        clock.advance(30 * 86400)
        assert sped.get("/triage", follow_redirects=False).status_code == 200
        wall.advance(12 * 3600 - 1)
        assert sped.get("/triage", follow_redirects=False).status_code == 200
        wall.advance(2)
        response = sped.get("/triage", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login?next=/triage")

    def test_the_throttle_window_is_fifteen_real_minutes(
        self, simulated: App, sped: TestClient, clock: ManualClock, wall: ManualClock
    ) -> None:
        """A simulated day does not lift the throttle; fifteen real minutes do."""
        add_staff(simulated, "sam", "agent")
        token = csrf_token(sped)
        for _ in range(LOGIN_MAX_FAILURES):
            sped.post("/login", data={"username": "sam", "password": "wrong-password!", "csrf_token": token})
        right = {"username": "sam", "password": PASSWORD, "csrf_token": token}
        clock.advance(86400)
        assert sped.post("/login", data=right).status_code == 429
        wall.advance(15 * 60 + 1)
        sign_in(sped, "sam")

    @pytest.mark.parametrize(
        ("path", "form"),
        [
            ("/account/password", {"current_password": PASSWORD, "new_password": "another long one",
                                   "new_password_again": "another long one"}),
            ("/users/root/password", {"password": "another long one"}),
        ],
    )
    def test_changing_ones_own_password_keeps_the_session_with_a_bot_clock_far_ahead(
        self, simulated: App, sped: TestClient, clock: ManualClock, path: str, form: dict[str, str]
    ) -> None:
        """The re-issued session is dated in real time too (on the bot clock, days ahead, it would not verify)."""
        clock.advance(30 * 86400)
        add_staff(simulated, "root", "admin")
        sign_in(sped, "root")
        response = sped.post(path, data={**form, "csrf_token": csrf_token(sped, "/users")}, follow_redirects=False)
        assert response.status_code == 303
        assert sped.get("/users", follow_redirects=False).status_code == 200
