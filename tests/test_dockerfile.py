"""Dockerfile, .dockerignore and docker-compose.yml keep their invariants (checked as text, no Docker needed; the
health check's command is run as Docker would, against a dashboard on loopback)."""

from __future__ import annotations

import fnmatch
import inspect
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.app import App
from bot.cli.health import health_cmd
from bot.cli.main import app
from bot.clock import ManualClock
from bot.settings import load_settings
from bot.store.db import make_engine, session_scope
from bot.web.app import create_web_app
from bot.web.listeners import record_listener
from tests.reliability.conftest import free_port
from tests.web.conftest import make_settings, serve

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
COMPOSE = REPO / "docker-compose.yml"
SETTINGS_SOURCE = REPO / "bot" / "settings.py"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and `\\` continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        out.append((keyword.upper(), " ".join(args.split())))
    assert not pending, "Dockerfile ends inside a continued line"
    return out


def first(keyword: str, *, containing: str = "") -> int:
    """Index of the first `keyword` instruction whose arguments contain `containing`."""
    for i, (kw, args) in enumerate(instructions()):
        if kw == keyword and containing in args:
            return i
    raise AssertionError(f"no {keyword} {containing!r} in the Dockerfile")


def healthcheck_command() -> list[str]:
    """The HEALTHCHECK's CMD, in exec form (a JSON array)."""
    _options, _, command = only("HEALTHCHECK").partition(" CMD ")
    parsed: list[str] = json.loads(command)
    return parsed


def only(keyword: str) -> str:
    found = [args for kw, args in instructions() if kw == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {found}"
    return found[0]


def env_vars() -> dict[str, str]:
    """Every variable set by ENV (the `KEY=value KEY2=value2` form)."""
    out: dict[str, str] = {}
    for kw, args in instructions():
        if kw == "ENV":
            out.update(dict(pair.split("=", 1) for pair in args.split()))
    return out


def service(name: str) -> str:
    """The text of one service block of docker-compose.yml (its indented lines)."""
    text = COMPOSE.read_text(encoding="utf-8")
    m = re.search(rf"^  {re.escape(name)}:\n((?:    .*\n|\s*\n)+)", text, flags=re.MULTILINE)
    assert m, f"no service {name!r} in docker-compose.yml"
    return m.group(1)


def ignored(path: str) -> bool:
    """Whether .dockerignore excludes `path` (simple patterns, last match wins, `!` re-includes)."""
    result = False
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("**/")
        parts = Path(path).parts
        if any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) for i in range(len(parts))) or any(
            fnmatch.fnmatch(part, pattern) for part in parts
        ):
            result = not negate
    return result


class TestImage:
    def test_base_image(self) -> None:
        """The image builds on the slim Python 3.11 base."""
        assert only("FROM") == "python:3.11-slim"

    def test_runs_as_non_root(self) -> None:
        """The last USER is a named, non-root user set before the entry point."""
        users = [args for kw, args in instructions() if kw == "USER"]
        assert users
        assert users[-1] not in ("root", "0", "0:0")
        assert first("USER") < first("ENTRYPOINT")

    def test_dependencies_are_installed_before_the_source_is_copied(self) -> None:
        """Only pyproject.toml is copied before `pip install`, so a code edit reuses the dependency layer."""
        copy_pyproject = first("COPY", containing="pyproject.toml")
        install_deps = first("RUN", containing="pip install -r")
        copy_bot = first("COPY", containing="bot")
        assert copy_pyproject < install_deps < copy_bot
        copies_before = [args for kw, args in instructions()[:install_deps] if kw in ("COPY", "ADD")]
        assert copies_before == ["pyproject.toml ./"]

    def test_dependency_list_comes_from_pyproject(self) -> None:
        """The dependency layer reads `[project].dependencies`, which must exist and be non-empty."""
        install = instructions()[first("RUN", containing="pip install -r")][1]
        assert "['project']['dependencies']" in install
        assert tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]

    def test_package_installed_without_dependencies(self) -> None:
        """The project itself is installed with --no-deps after its source is copied."""
        assert first("COPY", containing="bot") < first("RUN", containing="pip install --no-deps .")

    def test_templates_are_copied(self) -> None:
        """The personas ship in the image and TEMPLATE_DIR points at them."""
        copy = instructions()[first("COPY", containing="templates")][1]
        assert copy.split() == ["templates", "./templates"]
        assert env_vars()["TEMPLATE_DIR"] == "/app/templates"
        assert only("WORKDIR") == "/app"

    def test_copied_sources_exist(self) -> None:
        """Every COPY source is in the repository (README.md is needed: pyproject names it as the readme)."""
        for kw, args in instructions():
            if kw == "COPY":
                *sources, _dest = args.split()
                for source in sources:
                    assert (REPO / source).exists(), f"COPY {source}: missing"
                    assert not ignored(source), f"COPY {source}: excluded by .dockerignore"

    def test_healthcheck_is_brandbot_health(self) -> None:
        """The health check runs `brandbot health` (exec form: no shell, no curl in slim), which asks /healthz where
        the running bot really listens; WEB_PORT cannot tell (`--web-port`, a `.env`, WEB_PORT=0)."""
        options, _, _command = only("HEALTHCHECK").partition(" CMD ")
        assert healthcheck_command() == ["brandbot", "health"]
        assert "--interval=30s" in options
        names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
        assert "health" in names

    def test_healthcheck_timeout_covers_both_waits(self) -> None:
        """Docker's --timeout leaves room for `brandbot health`'s two waits (the database, then /healthz) and its
        start, so a slow answer is reported by the command, with its reason, rather than cut off by Docker."""
        options, _, _command = only("HEALTHCHECK").partition(" CMD ")
        timeout = re.search(r"--timeout=(\d+)s", options)
        assert timeout
        each_wait = inspect.signature(health_cmd).parameters["timeout"].default
        assert (each_wait, int(timeout.group(1))) == (3, 10)
        assert 2 * each_wait < int(timeout.group(1))

    def test_port_agrees_everywhere(self) -> None:
        """EXPOSE and WEB_PORT say 8080; the server listens on every interface (the health check asks loopback)."""
        assert only("EXPOSE") == "8080"
        assert (env_vars()["WEB_PORT"], env_vars()["WEB_HOST"]) == ("8080", "0.0.0.0")  # noqa: S104 - in a container

    def test_data_volume_holds_the_sqlite_database(self) -> None:
        """The default database is a SQLite file on the /data volume, owned by the runtime user."""
        assert env_vars()["DATABASE_URL"] == "sqlite:////data/brandbot.db"
        assert json.loads(only("VOLUME")) == ["/data"]
        assert "chown" in instructions()[first("RUN", containing="mkdir -p /data")][1]

    def test_env_defaults_are_valid_settings(self) -> None:
        """Each app variable set by ENV is one bot/settings.py reads, and together they load without error."""
        app_vars = {k: v for k, v in env_vars().items() if not k.startswith(("PYTHON", "PIP_"))}
        source = SETTINGS_SOURCE.read_text(encoding="utf-8")
        for name in app_vars:
            assert f'"{name}"' in source, f"ENV {name} is not a setting"
        settings = load_settings({**app_vars, "TEMPLATE_DIR": str(REPO / "templates")}, env_file=None, sandbox=True)
        assert (settings.web_host, settings.web_port, settings.log_format) == ("0.0.0.0", 8080, "json")  # noqa: S104

    def test_stops_on_sigterm(self) -> None:
        """`docker stop` sends SIGTERM, which `brandbot run` handles by draining."""
        assert only("STOPSIGNAL") == "SIGTERM"

    def test_entrypoint_is_the_console_script(self) -> None:
        """ENTRYPOINT is the `brandbot` script of pyproject, CMD its `run` command (exec form)."""
        assert json.loads(only("ENTRYPOINT")) == ["brandbot"]
        assert json.loads(only("CMD")) == ["run"]
        scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
        assert scripts["brandbot"] == "bot.cli.main:main"

    def test_default_command_exists(self) -> None:
        """The image's default command (`run`) is a registered CLI command."""
        names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
        assert "run" in names


class TestHealthcheckRuns:
    """The HEALTHCHECK's command, run as Docker runs it (the console script, the container's environment), against
    a dashboard on a port that no variable names."""

    def _run(self, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        program, *args = healthcheck_command()
        script = shutil.which(program, path=str(Path(sys.executable).parent))
        assert script, f"no {program} console script next to {sys.executable} (pip install -e .)"
        env = {**os.environ, "DATABASE_URL": database_url, "TEMPLATE_DIR": str(REPO / "templates"),
               "WEB_PORT": str(free_port())}  # the container's WEB_PORT, wrong: the check must not go by it
        return subprocess.run([script, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60,
                              check=False)

    def test_healthy_when_the_running_bot_answers(self, sqlite_url: str, clock: ManualClock, tmp_path: Path) -> None:
        """The dashboard listens on an OS-picked port recorded by its (running) process: healthy."""
        with serve(create_web_app(App(make_settings(sqlite_url), clock=clock))) as base_url:
            port = int(base_url.rsplit(":", 1)[1])
            engine = make_engine(sqlite_url)
            with session_scope(engine) as session:
                record_listener(session, worker="test", hostname=socket.gethostname(), pid=os.getpid(),
                                host="0.0.0.0", port=port, now=clock.now())  # noqa: S104 - as in the container
            engine.dispose()
            done = self._run(sqlite_url, tmp_path)
        assert (done.returncode, done.stdout) == (0, f"healthy: http://127.0.0.1:{port}/healthz\n"), done.stderr

    def test_unhealthy_when_no_bot_runs(self, sqlite_url: str, tmp_path: Path) -> None:
        """No running bot recorded: exit 1 (unhealthy) with the reason, not a pass."""
        done = self._run(sqlite_url, tmp_path)
        assert done.returncode == 1
        assert done.stderr.startswith("error: no running bot on host ")


class TestDockerignore:
    @pytest.mark.parametrize(
        "path", [".venv", ".git", ".env", "brandbot.db", "tests", ".pytest_cache", "bot/__pycache__/x.pyc"]
    )
    def test_excluded(self, path: str) -> None:
        """Local state, secrets and test artefacts never enter the build context."""
        assert ignored(path)

    @pytest.mark.parametrize(
        "path", ["pyproject.toml", "README.md", "bot/app.py", "templates/skyways-air/persona.toml"]
    )
    def test_included(self, path: str) -> None:
        """What the image needs stays in the build context."""
        assert not ignored(path)


class TestCompose:
    def test_postgres_service_with_healthcheck(self) -> None:
        """PostgreSQL 16 with a pg_isready health check and matching credentials."""
        pg = service("postgres")
        assert re.search(r"^    image: postgres:16$", pg, flags=re.MULTILINE)
        assert "healthcheck:" in pg
        assert "pg_isready -U brandbot -d brandbot" in pg
        for line in ("POSTGRES_USER: brandbot", "POSTGRES_PASSWORD: brandbot", "POSTGRES_DB: brandbot"):
            assert line in pg

    def test_bot_waits_for_a_healthy_postgres(self) -> None:
        """The bot starts only once postgres reports healthy."""
        bot = service("bot")
        assert re.search(r"depends_on:\n\s+postgres:\n\s+condition: service_healthy", bot)

    def test_bot_service(self) -> None:
        """The bot is built here, reads .env, talks to postgres, exposes 8080 and restarts on failure."""
        bot = service("bot")
        for line in (
            "build: .",
            "env_file: .env",
            "DATABASE_URL: postgresql://brandbot:brandbot@postgres:5432/brandbot",
            '- "8080:8080"',
            "restart: unless-stopped",
            "stop_grace_period: 15s",
        ):
            assert line in bot, line

    def test_sandbox_example_is_commented(self) -> None:
        """The embedded sandbox is shown as a commented-out command."""
        assert '# command: ["run", "--sandbox"]' in service("bot")

    def test_compose_database_url_is_valid(self) -> None:
        """The compose DATABASE_URL passes settings validation and selects psycopg 3."""
        url = re.search(r"DATABASE_URL: (\S+)", service("bot"))
        assert url
        settings = load_settings(
            {"DATABASE_URL": url.group(1), "TEMPLATE_DIR": str(REPO / "templates")}, env_file=None, sandbox=True
        )
        assert settings.database_url == "postgresql+psycopg://brandbot:brandbot@postgres:5432/brandbot"
