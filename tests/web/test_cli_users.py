"""`brandbot users add|list|disable` driven as an administrator would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.app import App
from bot.cli.main import app
from bot.clock import ManualClock
from bot.web.app import create_web_app
from tests.web.conftest import REPO, make_settings, sign_in

runner = CliRunner()


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": sqlite_url, "TEMPLATE_DIR": str(REPO / "templates"), "X_API_BASE_URL": "http://127.0.0.1:9",
            "LOG_FORMAT": "json"}


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
        """Taken name: 4; unknown user: 3; bad role or short password: 2."""
        ok = ["users", "add", "ann", "--role", "agent", "--password-stdin"]
        assert runner.invoke(app, ok, input="a long passphrase\n", env=env).exit_code == 0
        taken = runner.invoke(app, ok, input="a long passphrase\n", env=env)
        assert (taken.exit_code, taken.stderr) == (4, "error: user 'ann' already exists\n")
        assert runner.invoke(app, ["users", "disable", "bob"], env=env).exit_code == 3
        bad_role = runner.invoke(app, ["users", "add", "bob", "--role", "boss", "--password-stdin"],
                                 input="a long passphrase\n", env=env)
        assert bad_role.exit_code == 2
        short = runner.invoke(app, ["users", "add", "bob", "--role", "agent", "--password-stdin"], input="short\n",
                              env=env)
        assert (short.exit_code, short.stderr) == (2, "error: password: at least 10 characters\n")
