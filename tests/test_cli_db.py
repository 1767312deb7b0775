"""`brandbot db upgrade|current`: schema commands need only DATABASE_URL, never X credentials."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app

runner = CliRunner()

#: Live mode (the real X API) with no credentials at all: only `brandbot run` may refuse this.
NO_KEYS = {
    "X_API_BASE_URL": "https://api.x.com",
    "X_CONSUMER_KEY": "",
    "X_CONSUMER_SECRET": "",
    "X_ACCESS_TOKEN": "",
    "X_ACCESS_TOKEN_SECRET": "",
    "X_OAUTH2_USER_TOKEN": "",
    "LOG_FORMAT": "json",
}


class TestDbCommands:
    def test_upgrade_runs_without_x_credentials(self, tmp_path: Path) -> None:
        """`db upgrade` on a fresh SQLite file in live mode without keys migrates to head and exits 0."""
        env = {**NO_KEYS, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
        result = runner.invoke(app, ["db", "upgrade"], env=env)
        assert result.exit_code == 0, result.output
        assert result.stdout == "database at revision 0003\n"
        assert (tmp_path / "fresh.db").is_file()

    def test_current_runs_without_x_credentials(self, sqlite_url: str) -> None:
        """`db current` in live mode without keys prints the revision and exits 0."""
        result = runner.invoke(app, ["db", "current"], env={**NO_KEYS, "DATABASE_URL": sqlite_url})
        assert result.exit_code == 0, result.output
        assert result.stdout == "0003\n"

    def test_bad_database_url_is_exit_2(self) -> None:
        """An invalid DATABASE_URL is still a configuration error (exit 2), not a traceback."""
        result = runner.invoke(app, ["db", "upgrade"], env={**NO_KEYS, "DATABASE_URL": "mysql://x"})
        assert result.exit_code == 2
        assert "DATABASE_URL: expected sqlite:///... or postgresql://..." in result.output
