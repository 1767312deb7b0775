"""`brandbot users add|list|disable|enable|role|passwd` driven as an administrator would."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.app import App
from bot.cli.main import app
from bot.clock import ManualClock
from bot.store.models import AuditLog
from bot.web.app import create_web_app
from tests.conftest import cli_env
from tests.web.conftest import csrf_token, make_settings, sign_in

runner = CliRunner()


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    return cli_env(sqlite_url)


class TestUsersCli:
    def test_add_list_disable(self, env: dict[str, str], sqlite_url: str) -> None:
        """An account added with --password-stdin can sign in; list never shows hashes; disable ends it."""
        added = runner.invoke(app, ["users", "add", "ann", "--role", "admin", "--password-stdin"],
                              input="a long passphrase\n", env=env)
        assert (added.exit_code, added.stdout) == (0, "user ann added with role admin\n")
        listed = runner.invoke(app, ["users", "list", "--json"], env=env)
        rows = json.loads(listed.stdout)
        assert [(r["username"], r["role"], r["disabled"]) for r in rows] == [("ann", "admin", False)]
        assert "argon2" not in listed.stdout
        bot = App(make_settings(sqlite_url), clock=ManualClock())
        with TestClient(create_web_app(bot)) as client:
            sign_in(client, "ann", "a long passphrase")
            assert client.get("/audit").status_code == 200
            assert runner.invoke(app, ["users", "disable", "ann"], env=env).exit_code == 0
            assert client.get("/audit", follow_redirects=False).status_code == 303

    def test_errors_have_the_documented_exit_codes(self, env: dict[str, str]) -> None:
        """Taken name: 4; unknown user (disable; passwd, even with a short password): 3; bad role or password: 2."""
        ok = ["users", "add", "ann", "--role", "agent", "--password-stdin"]
        assert runner.invoke(app, ok, input="a long passphrase\n", env=env).exit_code == 0
        taken = runner.invoke(app, ok, input="a long passphrase\n", env=env)
        assert (taken.exit_code, taken.stderr) == (4, "error: user 'ann' already exists\n")
        assert runner.invoke(app, ["users", "disable", "bob"], env=env).exit_code == 3
        unknown = runner.invoke(app, ["users", "passwd", "bob", "--password-stdin"], input="a long passphrase\n",
                                env=env)
        assert (unknown.exit_code, unknown.stderr) == (3, "error: no user 'bob'\n")
        unknown_and_short = runner.invoke(app, ["users", "passwd", "bob", "--password-stdin"], input="short\n",
                                          env=env)
        assert (unknown_and_short.exit_code, unknown_and_short.stderr) == (3, "error: no user 'bob'\n")
        bad_role = runner.invoke(app, ["users", "add", "bob", "--role", "boss", "--password-stdin"],
                                 input="a long passphrase\n", env=env)
        assert bad_role.exit_code == 2
        short = runner.invoke(app, ["users", "add", "bob", "--role", "agent", "--password-stdin"], input="short\n",
                              env=env)
        assert (short.exit_code, short.stderr) == (2, "error: password: at least 10 characters\n")

    def test_passwd_replaces_the_password_and_ends_sessions(self, env: dict[str, str], sqlite_url: str) -> None:
        """After `users passwd`, an open session ends, the old password fails, the new one signs in; audited."""
        add = ["users", "add", "ann", "--role", "admin", "--password-stdin"]
        assert runner.invoke(app, add, input="a long passphrase\n", env=env).exit_code == 0
        short = runner.invoke(app, ["users", "passwd", "ann", "--password-stdin"], input="short\n", env=env)
        assert (short.exit_code, short.stderr) == (2, "error: password: at least 10 characters\n")
        bot = App(make_settings(sqlite_url), clock=ManualClock())
        with TestClient(create_web_app(bot)) as client:
            sign_in(client, "ann", "a long passphrase")
            changed = runner.invoke(app, ["users", "passwd", "ann", "--password-stdin"],
                                    input="another long passphrase\n", env=env)
            assert (changed.exit_code, changed.stdout) == (0, "password of ann set\n")
            assert client.get("/audit", follow_redirects=False).status_code == 303
            token = csrf_token(client)
            old = client.post("/login", data={"username": "ann", "password": "a long passphrase", "csrf_token": token})
            assert old.status_code == 401
            sign_in(client, "ann", "another long passphrase")
        with bot.session() as session:
            rows = session.exec(select(AuditLog).where(col(AuditLog.action) == "user.password_set")).all()
            assert [(r.actor, r.target) for r in rows] == [("cli", "user:ann")]

    def test_enable_role_and_already_so(self, env: dict[str, str], sqlite_url: str) -> None:
        """Disable twice: exit 4 and one audit row; enable brings the account back; role changes it (any case)."""
        add = ["users", "add", "ann", "--role", "agent", "--password-stdin"]
        assert runner.invoke(app, add, input="a long passphrase\n", env=env).exit_code == 0
        taken = runner.invoke(app, ["users", "add", "ANN", "--role", "agent", "--password-stdin"],
                              input="a long passphrase\n", env=env)
        assert (taken.exit_code, taken.stderr) == (
            4, "error: user 'ANN' already exists as 'ann' (names are not case-sensitive)\n")
        assert runner.invoke(app, ["users", "disable", "ann"], env=env).exit_code == 0
        twice = runner.invoke(app, ["users", "disable", "ann"], env=env)
        assert (twice.exit_code, twice.stderr) == (4, "error: user 'ann' is already disabled\n")
        enabled = runner.invoke(app, ["users", "enable", "Ann"], env=env)
        assert (enabled.exit_code, enabled.stdout) == (0, "user ann enabled\n")
        assert runner.invoke(app, ["users", "enable", "ann"], env=env).exit_code == 4
        assert runner.invoke(app, ["users", "enable", "bob"], env=env).exit_code == 3
        role = runner.invoke(app, ["users", "role", "ann", "--role", "editor"], env=env)
        assert (role.exit_code, role.stdout) == (0, "user ann is now editor\n")
        assert runner.invoke(app, ["users", "role", "ann", "--role", "editor"], env=env).exit_code == 4
        assert runner.invoke(app, ["users", "role", "ann", "--role", "boss"], env=env).exit_code == 2
        listed = json.loads(runner.invoke(app, ["users", "list", "--json"], env=env).stdout)
        assert [(r["username"], r["role"], r["disabled"]) for r in listed] == [("ann", "editor", False)]
        bot = App(make_settings(sqlite_url), clock=ManualClock())
        with bot.session() as session:
            rows = session.exec(select(AuditLog).where(col(AuditLog.action).startswith("user.")).order_by(
                col(AuditLog.id))).all()
        assert [(r.action, r.detail) for r in rows] == [
            ("user.added", "role agent"), ("user.disabled", ""), ("user.enabled", ""),
            ("user.role_changed", "agent -> editor")]
