"""bot/settings.py: defaults, every problem reported at once, `.env` handling; the CLI's exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.errors import ConfigError
from bot.settings import REAL_API_BASE_URL, Settings, XCredentials, is_real_api, load_settings

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
OAUTH1 = {
    "X_CONSUMER_KEY": "ck-1111",
    "X_CONSUMER_SECRET": "cs-2222",
    "X_ACCESS_TOKEN": "at-3333",
    "X_ACCESS_TOKEN_SECRET": "as-4444",
}
# One bad value for each kind of check, plus no credentials while pointed at the real API.
BAD_ENV = {
    "DATABASE_URL": "mysql://brandbot:pw-never-shown@db/brandbot",
    "X_TIER": "platinum",
    "TEMPLATE_DIR": "/nonexistent/templates",
    "TIMEZONE": "Mars/Olympus_Mons",
    "ALERT_WEBHOOK_URL": "hooks.example.com/alert",
    "WEB_PORT": "eighty",
    "FOLLOW_ENABLED": "maybe",
}
BAD_ENV_PROBLEMS = [
    "DATABASE_URL: expected sqlite:///... or postgresql://..., got 'mysql://brandbot:***@db/brandbot'",
    "X_TIER: unknown tier 'platinum' (one of free, basic, pro, payg, enterprise)",
    "X credentials: live mode (X_API_BASE_URL is the real API) needs OAuth 1.0a keys (X_CONSUMER_KEY, "
    "X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) or X_OAUTH2_USER_TOKEN; "
    "or run `brandbot run --sandbox`",
    "TIMEZONE: unknown time zone 'Mars/Olympus_Mons' (e.g. Europe/Paris)",
    "WEB_PORT: expected an integer, got 'eighty'",
    "TEMPLATE_DIR: directory does not exist: '/nonexistent/templates'",
    "ALERT_WEBHOOK_URL: not an http(s) URL: 'hooks.example.com/alert'",
    "FOLLOW_ENABLED: expected true/false, got 'maybe'",
]
#: What a database-only command (`db current`) reports for BAD_ENV: everything but the missing X credentials.
BAD_ENV_DB_PROBLEMS = [p for p in BAD_ENV_PROBLEMS if not p.startswith("X credentials")]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative defaults (`templates`, `.env`) resolve against the repository, whatever pytest's cwd."""
    monkeypatch.chdir(REPO)


def load(env: dict[str, str], *, sandbox: bool = False) -> Settings:
    return load_settings(env, env_file=None, sandbox=sandbox)


def problems_of(env: dict[str, str], *, sandbox: bool = False) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(env, sandbox=sandbox)
    return info.value.problems


class TestDefaults:
    def test_empty_environment_in_sandbox_is_all_defaults(self) -> None:
        """With nothing set (sandbox, so no credentials needed) every field has its documented default."""
        assert load({}, sandbox=True) == Settings(sandbox=True)

    def test_default_values(self) -> None:
        """The defaults a new user gets: SQLite file, real API on basic tier, UTC, auto logs, :8080."""
        s = load({}, sandbox=True)
        assert (s.database_url, s.x_api_base_url, s.x_tier, s.timezone, s.log_format, s.log_level) == (
            "sqlite:///./brandbot.db",
            REAL_API_BASE_URL,
            "basic",
            "UTC",
            "auto",
            "INFO",
        )
        assert (s.web_host, s.web_port, s.template_dir, s.persona, s.locale) == (
            "127.0.0.1",
            8080,
            Path("templates"),
            "mars-phoenix",
            "en",
        )
        assert (s.follow_enabled, s.follow_daily_cap, s.rss_feeds, s.inbox_dir, s.credentials.kind) == (
            True,
            400,
            (),
            None,
            "none",
        )

    def test_live_mode_needs_credentials(self) -> None:
        """Without --sandbox the default API is the real one, and no credentials is the only problem."""
        assert problems_of({}) == [BAD_ENV_PROBLEMS[2]]

    def test_live_with_oauth1_keys(self) -> None:
        """The four OAuth 1.0a keys make a valid live configuration."""
        s = load(OAUTH1)
        assert (s.live, s.credentials.kind) == (True, "oauth1")

    def test_live_with_oauth2_token(self) -> None:
        """An OAuth 2.0 user token alone is enough for live mode."""
        assert load({"X_OAUTH2_USER_TOKEN": "u-token"}).credentials.kind == "oauth2"

    def test_other_api_base_is_not_live(self) -> None:
        """Pointing at a sandbox needs no credentials and is not live; a trailing slash is dropped."""
        s = load({"X_API_BASE_URL": "http://127.0.0.1:8787/"})
        assert (s.x_api_base_url, s.live) == ("http://127.0.0.1:8787", False)

    def test_values_are_normalised(self) -> None:
        """Handles lose `@`, lists are split on commas, the tier and log settings are case-folded."""
        s = load(
            {
                "BRAND_HANDLE": "@SkywaysAir",
                "BRAND_KEYWORDS": "skyways, skyways air ,",
                "FOLLOW_BLOCKLIST": "@Spammer, Bot_2",
                "X_TIER": "PRO",
                "LOG_FORMAT": "JSON",
                "LOG_LEVEL": "debug",
                "FOLLOW_ENABLED": "off",
                "INBOX_DIR": "/srv/inbox",
            },
            sandbox=True,
        )
        assert (s.brand_handle, s.brand_keywords, s.follow_blocklist) == (
            "SkywaysAir",
            ("skyways", "skyways air"),
            ("spammer", "bot_2"),
        )
        assert (s.x_tier, s.log_format, s.log_level, s.follow_enabled, s.inbox_dir) == (
            "pro",
            "json",
            "DEBUG",
            False,
            Path("/srv/inbox"),
        )


class TestProblems:
    def test_every_problem_listed_at_once(self) -> None:
        """One ConfigError lists every bad value, in the order the variables are read."""
        assert problems_of(BAD_ENV) == BAD_ENV_PROBLEMS

    def test_message_lists_every_problem(self) -> None:
        """The error's text has one bullet line per problem, ready to print."""
        with pytest.raises(ConfigError) as info:
            load(BAD_ENV)
        assert str(info.value) == "invalid configuration:\n" + "\n".join(f"  - {p}" for p in BAD_ENV_PROBLEMS)

    def test_database_password_never_printed(self) -> None:
        """A rejected DATABASE_URL is echoed with its password masked."""
        with pytest.raises(ConfigError) as info:
            load(BAD_ENV)
        assert "pw-never-shown" not in str(info.value)

    @pytest.mark.parametrize(
        ("env", "problem"),
        [
            ({"X_API_BASE_URL": "api.twitter.com"}, "X_API_BASE_URL: not an http(s) URL: 'api.twitter.com'"),
            (
                {"X_CONSUMER_KEY": "ck-1111"},
                "X credentials: OAuth 1.0a needs all four of X_CONSUMER_KEY, "
                "X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET",
            ),
            (
                {"X_OAUTH2_USER_TOKEN": "u", "X_OAUTH2_REFRESH_TOKEN": "r"},
                "X_OAUTH2_CLIENT_ID: needed to refresh X_OAUTH2_USER_TOKEN",
            ),
            ({"BRAND_HANDLE": "way_too_long_handle"}, "BRAND_HANDLE: not a valid X handle: 'way_too_long_handle'"),
            ({"BRAND_HANDLE": "my brand"}, "BRAND_HANDLE: not a valid X handle: 'my brand'"),
            ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: expected json, console or auto, got 'xml'"),
            ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR, got 'LOUD'"),
            ({"WEB_PORT": "70000"}, "WEB_PORT: 70000 is outside 0..65535"),
            ({"WEBHOOK_MAX_SKEW_SECONDS": "0"}, "WEBHOOK_MAX_SKEW_SECONDS: 0 is outside 1..86400"),
            ({"RSS_FEEDS": "https://ok.example/rss, not a url"}, "RSS_FEEDS: not a URL: 'not a url'"),
            ({"RSS_POLL_SECONDS": "1"}, "RSS_POLL_SECONDS: 1 is outside 10..86400"),
            ({"FOLLOW_DAILY_CAP": "1000"}, "FOLLOW_DAILY_CAP: 1000 is outside 0..400"),
            ({"CRISIS_WINDOW_MINUTES": "0"}, "CRISIS_WINDOW_MINUTES: 0 is outside 1..1440"),
            ({"CRISIS_MIN_COMPLAINTS": "x"}, "CRISIS_MIN_COMPLAINTS: expected an integer, got 'x'"),
            ({"CRISIS_RATIO": "four"}, "CRISIS_RATIO: expected a number, got 'four'"),
            *(
                ({"CRISIS_RATIO": ratio}, f"CRISIS_RATIO: {ratio} is below 1 (the multiple of the usual complaint "
                                          "rate that is a spike; below 1, a quieter window than usual would be one)")
                for ratio in ("0", "-2", "0.5")
            ),
            ({"CRISIS_RATIO": "nan"}, "CRISIS_RATIO: expected a finite number, got 'nan'"),
            ({"CRISIS_RATIO": "inf"}, "CRISIS_RATIO: expected a finite number, got 'inf'"),
            ({"PAYG_DAILY_BUDGET": "0"},
             "PAYG_DAILY_BUDGET: 0 is not a positive number (US dollars a day that polling may cost)"),
            ({"PAYG_DAILY_BUDGET": "-5"},
             "PAYG_DAILY_BUDGET: -5 is not a positive number (US dollars a day that polling may cost)"),
            ({"PAYG_DAILY_BUDGET": "NaN"}, "PAYG_DAILY_BUDGET: expected a finite number, got 'NaN'"),
            ({"PAYG_DAILY_BUDGET": "infinity"}, "PAYG_DAILY_BUDGET: expected a finite number, got 'infinity'"),
            ({"CRISIS_MIN_COMPLAINTS": "0"}, "CRISIS_MIN_COMPLAINTS: 0 is outside 1..100000"),
            ({"CRISIS_WINDOW_MINUTES": "-30"}, "CRISIS_WINDOW_MINUTES: -30 is outside 1..1440"),
            ({"FOLLOW_DAILY_CAP": "-1"}, "FOLLOW_DAILY_CAP: -1 is outside 0..400"),
            ({"PUBLISH_LEASE_SECONDS": "0"}, "PUBLISH_LEASE_SECONDS: 0 is outside 15..3600"),
            ({"RSS_POLL_SECONDS": "-300"}, "RSS_POLL_SECONDS: -300 is outside 10..86400"),
            ({"WEBHOOK_MAX_SKEW_SECONDS": "-1"}, "WEBHOOK_MAX_SKEW_SECONDS: -1 is outside 1..86400"),
            ({"RETRAIN_MIN_NEW_LABELS": "0"}, "RETRAIN_MIN_NEW_LABELS: 0 is outside 1..1000000"),
            ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE: unknown time zone 'Mars/Olympus' (e.g. Europe/Paris)"),
        ],
    )
    def test_single_problem(self, env: dict[str, str], problem: str) -> None:
        """Each check names the variable, what was expected and the value it got."""
        assert problems_of(env, sandbox=True) == [problem]

    def test_out_of_range_numbers_are_reported_together(self) -> None:
        """Several numbers out of range are one ConfigError listing each, in the order they are read."""
        problems = problems_of({"FOLLOW_DAILY_CAP": "-1", "CRISIS_RATIO": "0", "PAYG_DAILY_BUDGET": "-1"}, sandbox=True)
        assert [p.split(":")[0] for p in problems] == ["FOLLOW_DAILY_CAP", "CRISIS_RATIO", "PAYG_DAILY_BUDGET"]

    def test_the_lowest_meaningful_values_are_accepted(self) -> None:
        """CRISIS_RATIO=1 (any window at the usual rate), FOLLOW_DAILY_CAP=0 (decide, follow nobody), a cent a day."""
        s = load({"CRISIS_RATIO": "1", "FOLLOW_DAILY_CAP": "0", "PAYG_DAILY_BUDGET": "0.01",
                  "CRISIS_MIN_COMPLAINTS": "1", "CRISIS_WINDOW_MINUTES": "1", "RETRAIN_MIN_NEW_LABELS": "1"},
                 sandbox=True)
        assert (s.crisis_ratio, s.follow_daily_cap, s.payg_daily_budget) == (1.0, 0, 0.01)
        assert (s.crisis_min_complaints, s.crisis_window_minutes, s.retrain_min_new_labels) == (1, 1, 1)

    def test_file_feeds_are_accepted(self) -> None:
        """Local `file:` feeds are valid (handy for tests and demos)."""
        s = load({"RSS_FEEDS": "file:///srv/feed.xml, https://news.example/rss"}, sandbox=True)
        assert s.rss_feeds == ("file:///srv/feed.xml", "https://news.example/rss")


class TestDatabaseUrl:
    def test_postgresql_uses_psycopg3(self) -> None:
        """`postgresql://` (what compose and hosting providers hand out) becomes `postgresql+psycopg://`."""
        s = load({"DATABASE_URL": "postgresql://brandbot:pw@postgres:5432/brandbot"}, sandbox=True)
        assert s.database_url == "postgresql+psycopg://brandbot:pw@postgres:5432/brandbot"

    @pytest.mark.parametrize(
        "url", ["postgresql+psycopg://u@h/db", "sqlite:////data/brandbot.db", "sqlite:///:memory:"]
    )
    def test_explicit_drivers_unchanged(self, url: str) -> None:
        """URLs that already name a driver, and SQLite URLs, are kept as written."""
        assert load({"DATABASE_URL": url}, sandbox=True).database_url == url

    def test_database_password_is_a_secret(self) -> None:
        """The database password is among the values the logger redacts."""
        s = load({"DATABASE_URL": "postgresql://u:db-pass-77@h/db", **OAUTH1, "WEBHOOK_SECRET": "wh-5555"})
        assert sorted(s.secrets()) == sorted(["db-pass-77", "wh-5555", *OAUTH1.values()])


class TestEnvFile:
    def test_env_file_is_read(self, tmp_path: Path) -> None:
        """Values come from the `.env` file (python-dotenv syntax: comments, quotes, export)."""
        env_file = tmp_path / ".env"
        env_file.write_text('# comment\nX_TIER=pro\nTIMEZONE="Europe/Paris"\nexport BRAND_HANDLE=acme\n')
        s = load_settings({}, env_file=env_file, sandbox=True)
        assert (s.x_tier, s.timezone, s.brand_handle) == ("pro", "Europe/Paris", "acme")

    def test_environment_wins_over_file(self, tmp_path: Path) -> None:
        """A variable set in the real environment overrides the same one in `.env`."""
        env_file = tmp_path / ".env"
        env_file.write_text("X_TIER=pro\nPERSONA=skyways-air\n")
        s = load_settings({"X_TIER": "free"}, env_file=env_file, sandbox=True)
        assert (s.x_tier, s.persona) == ("free", "skyways-air")

    def test_os_environ_is_the_default_environment(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without an explicit mapping, `os.environ` is read, and still wins over the file."""
        env_file = tmp_path / ".env"
        env_file.write_text("X_TIER=pro\nLOCALE=fr\n")
        monkeypatch.setenv("X_TIER", "enterprise")
        s = load_settings(env_file=env_file, sandbox=True)
        assert (s.x_tier, s.locale) == ("enterprise", "fr")

    def test_default_env_file_is_dot_env_in_cwd(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """`.env` in the working directory is read when no file is named."""
        (tmp_path / "templates" / "regional-tales").mkdir(parents=True)
        (tmp_path / "templates" / "regional-tales" / "persona.toml").touch()
        (tmp_path / ".env").write_text("PERSONA=regional-tales\n")
        monkeypatch.chdir(tmp_path)
        assert load_settings({}, sandbox=True).persona == "regional-tales"

    def test_missing_file_is_fine(self, tmp_path: Path) -> None:
        """A named `.env` that does not exist is skipped, not an error."""
        assert load_settings({}, env_file=tmp_path / "absent.env", sandbox=True).x_tier == "basic"

    def test_problems_from_the_file_are_reported(self, tmp_path: Path) -> None:
        """Bad values read from the file are reported like any other."""
        env_file = tmp_path / ".env"
        env_file.write_text("X_TIER=gold\n")
        with pytest.raises(ConfigError) as info:
            load_settings({}, env_file=env_file, sandbox=True)
        assert info.value.problems == ["X_TIER: unknown tier 'gold' (one of free, basic, pro, payg, enterprise)"]


class TestRepr:
    def test_repr_shows_no_secret(self) -> None:
        """Printing the settings (or an error carrying them) never shows a key, token or secret."""
        s = Settings(
            credentials=XCredentials(**{k.removeprefix("X_").lower(): v for k, v in OAUTH1.items()}),
            webhook_secret="wh-5555",
            session_secret="sess-6666",
        )
        text = repr(s)
        for secret in [*OAUTH1.values(), "wh-5555", "sess-6666"]:
            assert secret not in text


class TestCliConfigErrors:
    def test_db_current_exits_2_listing_every_problem(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """`brandbot db current` with a bad environment prints every problem once and exits 2, no traceback.

        It needs no X credentials, so their absence is not one of the problems.
        """
        monkeypatch.chdir(tmp_path)  # no stray .env
        result = CliRunner().invoke(app, ["db", "current"], env=BAD_ENV)
        assert result.exit_code == 2
        assert isinstance(result.exception, SystemExit)
        assert result.stdout == ""
        assert result.stderr == "invalid configuration:\n" + "".join(f"  - {p}\n" for p in BAD_ENV_DB_PROBLEMS)

    def test_python_m_bot_exits_2_without_traceback(self, tmp_path: Path) -> None:
        """The real process (`python -m bot db current`) prints the problems and no traceback."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "DATABASE_URL"))}
        env.update(BAD_ENV)
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "db", "current"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stdout == ""
        for problem in BAD_ENV_DB_PROBLEMS:
            assert proc.stderr.count(problem) == 1
        assert "X credentials" not in proc.stderr


class TestLenientForms:
    def test_an_empty_value_means_the_default(self, tmp_path: Path) -> None:
        settings = load_settings({"X_TIER": "", "WEB_PORT": "", "FOLLOW_ENABLED": "", "TEMPLATE_DIR": str(TEMPLATES)},
                                 env_file=None, sandbox=True)
        defaults = Settings()
        assert (settings.x_tier, settings.web_port, settings.follow_enabled) == (
            "basic", defaults.web_port, defaults.follow_enabled
        )

    def test_postgres_scheme_is_accepted(self) -> None:
        settings = load_settings({"DATABASE_URL": "postgres://bot@db/brand", "TEMPLATE_DIR": str(TEMPLATES)},
                                 env_file=None, sandbox=True)
        assert settings.database_url == "postgresql+psycopg://bot@db/brand"

    @pytest.mark.parametrize(
        ("url", "real"),
        [("https://api.x.com", True), ("https://api.twitter.com/", True), ("http://127.0.0.1:8787", False),
         ("https://api.x.com.example.org", False), ("http://api.twitter.com", False),
         ("https://api.twitter.com/sandbox", False)],
    )
    def test_is_real_api(self, url: str, real: bool) -> None:
        """Only X's own https hosts without a path are the real API (the X client rewrites every other base)."""
        assert is_real_api(url) is real

    def test_api_x_com_is_live_and_needs_credentials(self) -> None:
        with pytest.raises(ConfigError, match="X credentials"):
            load_settings({"X_API_BASE_URL": "https://api.x.com", "TEMPLATE_DIR": str(TEMPLATES)}, env_file=None)


class TestAnecdoteTime:
    def test_default_and_a_given_time(self) -> None:
        assert load_settings({"TEMPLATE_DIR": str(TEMPLATES)}, env_file=None, sandbox=True).anecdote_time == "09:00"
        given = load_settings({"TEMPLATE_DIR": str(TEMPLATES), "ANECDOTE_TIME": "7:30"}, env_file=None, sandbox=True)
        assert given.anecdote_time == "07:30"

    @pytest.mark.parametrize("value", ["25:00", "9", "09:5", "noon"])
    def test_a_bad_time_is_a_problem(self, value: str) -> None:
        with pytest.raises(ConfigError, match="ANECDOTE_TIME: expected a time of day HH:MM"):
            load_settings({"TEMPLATE_DIR": str(TEMPLATES), "ANECDOTE_TIME": value}, env_file=None, sandbox=True)


class TestDetectorRulesFile:
    def test_unset_means_shipped_rules_only(self) -> None:
        """Without DETECTOR_RULES_FILE no brand rule file is configured."""
        assert load({"TEMPLATE_DIR": str(TEMPLATES)}, sandbox=True).detector_rules_file is None

    def test_a_valid_file_is_kept(self, tmp_path: Path) -> None:
        """The rule file's path is kept in the settings."""
        path = tmp_path / "rules.json"
        path.write_text('{"rules": [{"id": "x", "keywords": ["bricked"], "severity": "high", "reason": "r"}]}',
                        encoding="utf-8")
        settings = load({"TEMPLATE_DIR": str(TEMPLATES), "DETECTOR_RULES_FILE": str(path)}, sandbox=True)
        assert settings.detector_rules_file == path

    def test_the_file_is_not_read_here(self, tmp_path: Path) -> None:
        """Loading the settings does not read the rule file (the composition root reads and checks it, once):
        a file that does not exist yet is only a path here."""
        path = tmp_path / "absent.json"
        settings = load({"TEMPLATE_DIR": str(TEMPLATES), "DETECTOR_RULES_FILE": str(path)}, sandbox=True)
        assert settings.detector_rules_file == path

    def test_brandbot_run_stops_at_start(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """`brandbot run --sandbox` with a bad rule file exits 2 with the problem before starting anything."""
        monkeypatch.chdir(tmp_path)  # no stray .env
        path = tmp_path / "rules.json"
        path.write_text('{"rules": [{"id": "all", "pattern": "", "severity": "critical", "reason": "r"}]}',
                        encoding="utf-8")
        env = {"TEMPLATE_DIR": str(TEMPLATES), "DETECTOR_RULES_FILE": str(path),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
        result = CliRunner().invoke(app, ["run", "--sandbox", "--duration", "1"], env=env)
        assert result.exit_code == 2
        assert result.stderr == (
            "invalid configuration:\n"
            f"  - DETECTOR_RULES_FILE: {path}: rule 0 (all): 'pattern' '' matches the empty string "
            "(it would match every text)\n"
        )
        assert not (tmp_path / "b.db").exists()


class TestPersona:
    def test_each_shipped_persona_is_accepted(self) -> None:
        """Every persona folder shipped under templates/ is a valid PERSONA."""
        for name in ("mars-phoenix", "skyways-air", "regional-tales"):
            assert load({"TEMPLATE_DIR": str(TEMPLATES), "PERSONA": name}, sandbox=True).persona == name

    def test_an_unknown_persona_is_a_problem(self) -> None:
        """A PERSONA with no folder under TEMPLATE_DIR (a typo) is reported with the personas that do exist."""
        assert problems_of({"TEMPLATE_DIR": str(TEMPLATES), "PERSONA": "mars-pheonix"}, sandbox=True) == [
            f"PERSONA: no persona 'mars-pheonix' in '{TEMPLATES}' (no mars-pheonix/persona.toml; "
            "found: mars-phoenix, regional-tales, skyways-air)"
        ]

    def test_a_folder_without_persona_toml_is_a_problem(self, tmp_path: Path) -> None:
        """A folder that holds no persona.toml is not a persona (the renderer could not load it)."""
        (tmp_path / "mine").mkdir()
        assert problems_of({"TEMPLATE_DIR": str(tmp_path), "PERSONA": "mine"}, sandbox=True) == [
            f"PERSONA: no persona 'mine' in '{tmp_path}' (no mine/persona.toml; found: none)"
        ]

    def test_a_missing_template_dir_is_reported_once(self) -> None:
        """With no TEMPLATE_DIR at all, only that is reported, not the persona inside it as well."""
        assert problems_of({"TEMPLATE_DIR": "/nonexistent/templates"}, sandbox=True) == [
            "TEMPLATE_DIR: directory does not exist: '/nonexistent/templates'"
        ]

    def test_brandbot_run_stops_at_start(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """`brandbot run --sandbox` with a misspelt PERSONA exits 2 before starting anything, rather than running
        a bot whose every event and anecdote fails."""
        monkeypatch.chdir(tmp_path)  # no stray .env
        env = {"TEMPLATE_DIR": str(TEMPLATES), "PERSONA": "nope", "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
        result = CliRunner().invoke(app, ["run", "--sandbox", "--duration", "1"], env=env)
        assert result.exit_code == 2
        assert result.stderr == (
            "invalid configuration:\n"
            f"  - PERSONA: no persona 'nope' in '{TEMPLATES}' (no nope/persona.toml; "
            "found: mars-phoenix, regional-tales, skyways-air)\n"
        )
        assert not (tmp_path / "b.db").exists()
