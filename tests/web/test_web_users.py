"""The Users page (admins manage accounts) and /account/password (anyone changes their own)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlmodel import col, select
from starlette.testclient import TestClient

from bot.app import App
from bot.clock import ManualClock
from bot.store.models import AuditLog
from bot.web.accounts import LOGIN_MAX_FAILURES, get_user, list_users
from tests.web.conftest import PASSWORD, add_staff, csrf_token, post_form, refused_form, sign_in

NEW_PASSWORD = "a brand new passphrase"
_ROW = re.compile(r'<tr data-user="([^"]+)">\s*<td>([^<]+).*?</td>\s*<td>([^<]+)</td>\s*<td>(.*?)</td>\s*'
                  r"<td>([^<]+)</td>", re.S)


def _accounts(bot: App) -> list[tuple[str, str, bool]]:
    with bot.session() as session:
        return [(u.username, u.role, u.disabled) for u in list_users(session)]


def _hash(bot: App, username: str) -> str:
    with bot.session() as session:
        user = get_user(session, username)
        assert user is not None
        return user.password_hash


def _audit(bot: App, prefix: str) -> list[tuple[str, str, str, str]]:
    with bot.session() as session:
        rows = session.exec(select(AuditLog).where(col(AuditLog.action).startswith(prefix)).order_by(col(AuditLog.id)))
        return [(r.actor, r.action, r.target, r.detail) for r in rows]


def _signed_in(client: TestClient, path: str = "/overview") -> bool:
    return client.get(path, follow_redirects=False).status_code == 200


def _flashes(page: str) -> list[tuple[str, str]]:
    """The page's flash messages as (level, text), HTML entities decoded."""
    found = re.findall(r'<p class="flash flash-(ok|error)" role="status">([^<]*)</p>', page)
    return [(level, html.unescape(text)) for level, text in found]


@pytest.fixture
def second(web: FastAPI) -> Iterator[TestClient]:
    """Another browser (its own cookie jar), e.g. the same person signed in elsewhere."""
    with TestClient(web) as c:
        yield c


class TestUsersPage:
    def test_lists_every_account_in_local_time_without_hashes(self, bot: App, admin: TestClient,
                                                              clock: ManualClock) -> None:
        """Each account with role, status and creation time (Paris); no hash; no Disable button for oneself."""
        add_staff(bot, "sam", "agent")
        clock.advance(3600)
        add_staff(bot, "pat", "editor")
        post_form(admin, "/users/pat/disable", page="/users")
        page = admin.get("/users").text
        rows = [(name, shown.strip(), role, re.sub(r"<[^>]+>", "", status), created)
                for name, shown, role, status, created in _ROW.findall(page)]
        assert rows == [
            ("pat", "pat", "editor", "disabled", "2026-03-01 14:00 CET"),
            ("root", "root", "admin", "active", "2026-03-01 13:00 CET"),
            ("sam", "sam", "agent", "active", "2026-03-01 13:00 CET"),
        ]
        assert "argon2" not in page
        assert (page.count('action="/users/sam/disable"'), page.count('action="/users/root/disable"'),
                page.count('action="/users/pat/disable"')) == (1, 0, 0)
        assert len(re.findall(r'action="/users/[^"]+/password"', page)) == 3

    def test_admin_adds_an_account_that_can_sign_in(self, bot: App, admin: TestClient, second: TestClient) -> None:
        """The new account exists with its role, its password works, and the addition is audited."""
        page = post_form(admin, "/users", {"username": "kim", "role": "editor", "password": NEW_PASSWORD},
                         page="/users")
        assert _flashes(page) == [("ok", "Account kim added as editor.")]
        assert ("kim", "editor", False) in _accounts(bot)
        assert _audit(bot, "user.added")[-1] == ("root", "user.added", "user:kim", "role editor")
        sign_in(second, "kim", NEW_PASSWORD)
        assert _signed_in(second, "/queue")

    @pytest.mark.parametrize(("form", "message"), [
        ({"username": "sam", "role": "agent", "password": NEW_PASSWORD}, "user 'sam' already exists"),
        ({"username": "kim", "role": "agent", "password": "short"}, "password: at least 10 characters"),
        ({"username": "-kim", "role": "agent", "password": NEW_PASSWORD},
         "username: 1-64 characters of letters, digits, _ . @ -, starting with a letter or digit"),
        ({"username": "kim", "role": "boss", "password": NEW_PASSWORD},
         "role must be one of admin, editor, agent, got 'boss'"),
        ({"role": "agent", "password": NEW_PASSWORD},
         "username: 1-64 characters of letters, digits, _ . @ -, starting with a letter or digit"),
        ({"username": "kim", "role": "agent"}, "password: at least 10 characters"),
    ])
    def test_refused_additions_change_nothing(self, bot: App, admin: TestClient, form: dict[str, str],
                                              message: str) -> None:
        """A taken name, a weak password, a bad name or role: one error flash, no account, no audit row."""
        add_staff(bot, "sam", "agent")
        before, audited = _accounts(bot), _audit(bot, "user.")
        page = refused_form(admin, "/users", form, page="/users")
        assert _flashes(page) == [("error", message)]
        assert (_accounts(bot), _audit(bot, "user.")) == (before, audited)

    @pytest.mark.parametrize(("form", "shown"), [
        ({"username": "Sam", "role": "editor", "password": NEW_PASSWORD}, ("Sam", "editor")),
        ({"username": "kim", "role": " Admin ", "password": "short pw"}, ("kim", "admin")),
        ({"username": "<kim>", "role": "boss", "password": NEW_PASSWORD}, ("&lt;kim&gt;", None)),
    ])
    def test_refused_addition_keeps_name_and_role_but_never_the_password(
            self, bot: App, admin: TestClient, form: dict[str, str], shown: tuple[str, str | None]) -> None:
        """The form comes back (400) with the typed name (escaped) and role chosen; the password field is empty."""
        add_staff(bot, "sam", "agent")
        page = refused_form(admin, "/users", form, page="/users")
        add_form = re.search(r'<form method="post" action="/users" class="row" id="add-user">(.*?)</form>', page, re.S)
        assert add_form is not None
        username, role = shown
        assert re.findall(r'<input name="username"[^>]*>', add_form.group(1)) == [
            f'<input name="username" required maxlength="64" autocomplete="off" value="{username}">']
        assert re.findall(r'<option value="(\w+)" selected>', add_form.group(1)) == ([role] if role else [])
        assert re.findall(r'<input name="password"[^>]*>', add_form.group(1)) == [
            '<input name="password" type="password" required minlength="10" maxlength="1024"'
            ' autocomplete="new-password">']
        assert form["password"] not in page

    def test_add_form_starts_empty(self, admin: TestClient) -> None:
        """On a plain visit the add form has an empty name and no role marked selected."""
        page = admin.get("/users").text
        assert 'value=""' in re.findall(r'<input name="username"[^>]*>', page)[0]
        assert " selected>" not in page.split('id="add-user"')[1].split("</form>")[0]

    def test_admin_disables_an_account_and_its_session_ends(self, bot: App, admin: TestClient,
                                                             second: TestClient) -> None:
        """Disabling signs the person out at their next request; it is audited."""
        add_staff(bot, "sam", "agent")
        sign_in(second, "sam")
        page = post_form(admin, "/users/sam/disable", page="/users")
        assert _flashes(page) == [("ok", "Account sam disabled: it is signed out everywhere.")]
        assert ("sam", "agent", True) in _accounts(bot)
        assert not _signed_in(second, "/triage")
        assert _audit(bot, "user.disabled") == [("root", "user.disabled", "user:sam", "")]

    def test_unknown_user_is_an_error(self, bot: App, admin: TestClient) -> None:
        """Disabling or setting the password of a name that does not exist explains why and writes nothing."""
        before = _audit(bot, "user.")
        disabled = post_form(admin, "/users/nobody/disable", page="/users")
        password = post_form(admin, "/users/nobody/password", {"password": NEW_PASSWORD}, page="/users")
        short = post_form(admin, "/users/nobody/password", {"password": "short"}, page="/users")
        assert (_flashes(disabled), _flashes(password), _flashes(short)) == ([("error", "no user 'nobody'")],) * 3
        assert _audit(bot, "user.") == before

    def test_admin_cannot_disable_themselves(self, bot: App, admin: TestClient) -> None:
        """An admin's own account stays enabled, with a clear error and no audit row."""
        page = post_form(admin, "/users/root/disable", page="/users")
        assert _flashes(page) == [("error", "you cannot disable your own account")]
        assert _accounts(bot) == [("root", "admin", False)]
        assert _audit(bot, "user.disabled") == []
        assert _signed_in(admin, "/users")

    def test_names_differing_only_by_case_are_one_account(self, bot: App, admin: TestClient,
                                                          second: TestClient) -> None:
        """'Sam' next to 'sam' is refused; 'SAM' signs in as sam, and its failures count towards sam's throttle."""
        add_staff(bot, "sam", "agent")
        page = refused_form(admin, "/users", {"username": "Sam", "role": "admin", "password": NEW_PASSWORD},
                            page="/users")
        assert _flashes(page) == [("error", "user 'Sam' already exists as 'sam' (names are not case-sensitive)")]
        assert [name for name, _, _ in _accounts(bot)] == ["root", "sam"]
        sign_in(second, "SAM")
        assert '<span class="who">sam <span class="role">agent</span>' in second.get("/triage").text
        assert _audit(bot, "login.ok")[-1] == ("sam", "login.ok", "ip testclient", "")
        second.post("/logout", data={"csrf_token": csrf_token(second, "/triage")})
        token = csrf_token(second)
        for name in ("Sam", "sAm", "saM", "SAM", "sam")[:LOGIN_MAX_FAILURES]:
            second.post("/login", data={"username": name, "password": "wrong password", "csrf_token": token})
        refused = second.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token})
        assert refused.status_code == 429

    def test_disabled_account_is_enabled_again(self, bot: App, admin: TestClient, second: TestClient) -> None:
        """A disabled account gets an Enable button; enabling lets it sign in again; both are audited."""
        add_staff(bot, "sam", "agent")
        post_form(admin, "/users/sam/disable", page="/users")
        again = post_form(admin, "/users/sam/disable", page="/users")
        assert _flashes(again) == [("error", "user 'sam' is already disabled")]
        page = admin.get("/users").text
        assert (page.count('action="/users/sam/enable"'), page.count('action="/users/sam/disable"')) == (1, 0)
        enabled = post_form(admin, "/users/sam/enable", page="/users")
        assert _flashes(enabled) == [("ok", "Account sam enabled: it can sign in again.")]
        assert ("sam", "agent", False) in _accounts(bot)
        sign_in(second, "sam")
        assert _signed_in(second, "/triage")
        twice = post_form(admin, "/users/sam/enable", page="/users")
        assert _flashes(twice) == [("error", "user 'sam' is already enabled")]
        assert [a for _, a, _, _ in _audit(bot, "user.") if a != "user.added"] == ["user.disabled", "user.enabled"]

    def test_admin_changes_a_role_and_it_applies_at_once(self, bot: App, admin: TestClient,
                                                         second: TestClient) -> None:
        """An agent made editor opens the queue on their next request; the change is audited with before/after."""
        add_staff(bot, "sam", "agent")
        sign_in(second, "sam")
        assert second.get("/queue").status_code == 403
        page = post_form(admin, "/users/sam/role", {"role": "editor"}, page="/users")
        assert _flashes(page) == [("ok", "Account sam is now editor.")]
        assert second.get("/queue").status_code == 200
        same = post_form(admin, "/users/sam/role", {"role": "editor"}, page="/users")
        assert _flashes(same) == [("error", "user 'sam' is already editor")]
        bad = post_form(admin, "/users/sam/role", {"role": "boss"}, page="/users")
        assert _flashes(bad) == [("error", "role must be one of admin, editor, agent, got 'boss'")]
        assert _audit(bot, "user.role_changed") == [("root", "user.role_changed", "user:sam", "agent -> editor")]

    def test_admin_cannot_demote_or_disable_themselves_in_any_letter_case(self, bot: App, admin: TestClient) -> None:
        """Own account: no role form, no Disable button, and the actions are refused even as 'ROOT'."""
        page = admin.get("/users").text
        assert ('action="/users/root/role"' in page, 'action="/users/root/disable"' in page) == (False, False)
        demote = post_form(admin, "/users/ROOT/role", {"role": "editor"}, page="/users")
        disable = post_form(admin, "/users/Root/disable", page="/users")
        assert _flashes(demote) == [("error", "you cannot demote your own account")]
        assert _flashes(disable) == [("error", "you cannot disable your own account")]
        assert _accounts(bot) == [("root", "admin", False)]
        assert _audit(bot, "user.role_changed") + _audit(bot, "user.disabled") == []

    def test_admin_sets_a_password_and_the_old_sessions_end(self, bot: App, admin: TestClient,
                                                            second: TestClient) -> None:
        """The person's open session ends, the new password signs in and the old one no longer does."""
        add_staff(bot, "sam", "agent")
        sign_in(second, "sam")
        page = post_form(admin, "/users/sam/password", {"password": NEW_PASSWORD}, page="/users")
        assert _flashes(page) == [("ok", "New password set for sam: its other sessions are signed out.")]
        assert not _signed_in(second, "/triage")
        token = csrf_token(second)
        old = second.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token})
        assert old.status_code == 401
        sign_in(second, "sam", NEW_PASSWORD)
        assert _audit(bot, "user.password_set") == [("root", "user.password_set", "user:sam", "")]

    def test_weak_password_is_refused(self, bot: App, admin: TestClient) -> None:
        """A too-short password is an error flash; the stored hash is unchanged."""
        add_staff(bot, "sam", "agent")
        before = _hash(bot, "sam")
        page = post_form(admin, "/users/sam/password", {"password": "short"}, page="/users")
        assert _flashes(page) == [("error", "password: at least 10 characters")]
        assert _hash(bot, "sam") == before
        assert _audit(bot, "user.password_set") == []

    def test_admin_setting_their_own_password_stays_signed_in(self, bot: App, admin: TestClient,
                                                             second: TestClient) -> None:
        """The admin's session is re-issued with the new password; their other session ends."""
        sign_in(second, "root")
        post_form(admin, "/users/root/password", {"password": NEW_PASSWORD}, page="/users")
        assert (_signed_in(admin, "/users"), _signed_in(second, "/users")) == (True, False)

    @pytest.mark.parametrize("role", ["editor", "agent"])
    def test_other_roles_are_refused(self, bot: App, client: TestClient, role: str) -> None:
        """Editors and agents get the 403 page on /users and on every action, and nothing changes."""
        add_staff(bot, "sam", "agent")
        add_staff(bot, "pat", role)
        sign_in(client, "pat")
        refused = client.get("/users")
        assert refused.status_code == 403
        assert f"Your role ({role}) cannot open this page or do this action." in refused.text
        token = csrf_token(client, "/overview")
        before, hashed = _accounts(bot), _hash(bot, "sam")
        posts = [
            client.post("/users", data={"csrf_token": token, "username": "kim", "role": "admin",
                                        "password": NEW_PASSWORD}),
            client.post("/users/sam/disable", data={"csrf_token": token}),
            client.post("/users/sam/password", data={"csrf_token": token, "password": NEW_PASSWORD}),
            client.post("/users/sam/role", data={"csrf_token": token, "role": "admin"}),
            client.post("/users/sam/enable", data={"csrf_token": token}),
        ]
        assert [r.status_code for r in posts] == [403] * 5
        assert (_accounts(bot), _hash(bot, "sam")) == (before, hashed)

    def test_posts_without_the_csrf_token_are_refused(self, bot: App, admin: TestClient) -> None:
        """Adding, disabling and setting a password answer 403 without the session's token."""
        add_staff(bot, "sam", "agent")
        before, hashed = _accounts(bot), _hash(bot, "sam")
        for token in ({}, {"csrf_token": "forged"}):
            posts = [
                admin.post("/users", data={**token, "username": "kim", "role": "admin", "password": NEW_PASSWORD}),
                admin.post("/users/sam/disable", data=token),
                admin.post("/users/sam/password", data={**token, "password": NEW_PASSWORD}),
            ]
            assert [r.status_code for r in posts] == [403, 403, 403]
        assert (_accounts(bot), _hash(bot, "sam")) == (before, hashed)

    def test_nav_shows_users_to_admins_only(self, bot: App, admin: TestClient, second: TestClient) -> None:
        """Admins see the Users link; an editor does not; both see the password link by the sign-out."""
        add_staff(bot, "pat", "editor")
        sign_in(second, "pat")
        admin_page, editor_page = admin.get("/overview").text, second.get("/overview").text
        assert ('href="/users"' in admin_page, 'href="/users"' in editor_page) == (True, False)
        assert ('href="/account/password"' in admin_page, 'href="/account/password"' in editor_page) == (True, True)


class TestOwnPassword:
    def test_every_role_opens_the_form_and_anonymous_is_sent_to_login(self, bot: App, client: TestClient) -> None:
        """Any signed-in person gets the form; without a session it redirects to the login page."""
        response = client.get("/account/password", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login?next=/account/password")
        for name, role in (("sam", "agent"), ("pat", "editor"), ("root", "admin")):
            add_staff(bot, name, role)
            sign_in(client, name)
            assert 'name="current_password"' in client.get("/account/password").text

    def test_change_keeps_this_session_and_ends_the_others(self, bot: App, agent: TestClient,
                                                           second: TestClient) -> None:
        """The changer stays signed in; a session opened before the change is signed out; it is audited."""
        sign_in(second, "sam")
        assert _signed_in(second, "/triage")
        page = post_form(agent, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                      "new_password_again": NEW_PASSWORD}, page="/account/password")
        assert _flashes(page) == [("ok", "Password changed: your other sessions are signed out.")]
        assert (_signed_in(agent, "/triage"), _signed_in(second, "/triage")) == (True, False)
        sign_in(second, "sam", NEW_PASSWORD)
        assert _audit(bot, "user.password_set") == [("sam", "user.password_set", "user:sam", "")]

    @pytest.mark.parametrize(("form", "message"), [
        ({"current_password": "wrong password!", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
         "the current password is wrong; nothing was changed"),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD + "x"},
         "the two new passwords differ; nothing was changed"),
        ({"current_password": PASSWORD, "new_password": "short", "new_password_again": "short"},
         "password: at least 10 characters; nothing was changed"),
        ({"current_password": PASSWORD}, "password: at least 10 characters; nothing was changed"),
        ({"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
         "enter your current password; nothing was changed"),
    ])
    def test_refused_changes_change_nothing(self, bot: App, agent: TestClient, second: TestClient,
                                            form: dict[str, str], message: str) -> None:
        """A wrong current password, two different new ones or a weak one: an error, the same hash, both signed in."""
        sign_in(second, "sam")
        before = _hash(bot, "sam")
        page = post_form(agent, "/account/password", form, page="/account/password")
        assert _flashes(page) == [("error", message)]
        assert _hash(bot, "sam") == before
        assert (_signed_in(agent, "/triage"), _signed_in(second, "/triage")) == (True, True)
        assert _audit(bot, "user.password_set") == []

    def test_wrong_current_passwords_count_towards_the_sign_in_throttle(self, bot: App, agent: TestClient,
                                                                       second: TestClient) -> None:
        """Each wrong guess is a login.failed row; after five even the right one is refused, here and at sign-in."""
        wrong = {"current_password": "wrong password!", "new_password": NEW_PASSWORD,
                 "new_password_again": NEW_PASSWORD}
        for _ in range(LOGIN_MAX_FAILURES):
            post_form(agent, "/account/password", wrong, page="/account/password")
        assert _audit(bot, "login.failed") == [
            ("sam", "login.failed", "ip testclient", "wrong current password on the password form")
        ] * LOGIN_MAX_FAILURES
        before = _hash(bot, "sam")
        page = post_form(agent, "/account/password", {**wrong, "current_password": PASSWORD},
                         page="/account/password")
        assert _flashes(page) == [("error", "too many wrong passwords; try again later; nothing was changed")]
        assert _hash(bot, "sam") == before
        assert _audit(bot, "login.throttled") == [("sam", "login.throttled", "ip testclient", "on the password form")]
        token = csrf_token(second)
        response = second.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 429

    def test_post_without_the_csrf_token_is_refused(self, bot: App, agent: TestClient) -> None:
        """No token, no change."""
        before = _hash(bot, "sam")
        response = agent.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                          "new_password_again": NEW_PASSWORD})
        assert response.status_code == 403
        assert _hash(bot, "sam") == before
