""".env.example documents every variable bot/settings.py reads, with true defaults, and loads cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / ".env.example"
SETTINGS_SOURCE = REPO / "bot" / "settings.py"
# `get("NAME"`, `_int("NAME"`, `_bool("NAME"`, `_float("NAME"`, possibly with the name on the next line.
READ = re.compile(r"\b(?:get|_int|_bool|_float)\(\s*\"([A-Z][A-Z0-9_]*)\"")
# `NAME=value` or `# NAME=value` (a documented default).
ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def variables_read() -> set[str]:
    return set(READ.findall(SETTINGS_SOURCE.read_text(encoding="utf-8")))


def example_lines() -> list[str]:
    return EXAMPLE.read_text(encoding="utf-8").splitlines()


def documented() -> dict[str, tuple[bool, str]]:
    """Variable -> (commented out, value) for every assignment line of .env.example."""
    out: dict[str, tuple[bool, str]] = {}
    for line in example_lines():
        m = ASSIGNMENT.match(line)
        if m:
            assert m.group(2) not in out, f"{m.group(2)} documented twice"
            out[m.group(2)] = (m.group(1) is not None, m.group(3))
    return out


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


class TestCoverage:
    def test_extraction_finds_the_settings(self) -> None:
        """The regex sees the variables settings.py reads (guards against it silently matching nothing)."""
        names = variables_read()
        assert {"DATABASE_URL", "X_API_BASE_URL", "X_TIER", "X_CONSUMER_KEY", "CRISIS_WINDOW_MINUTES"} <= names
        assert len(names) >= 36

    def test_every_variable_is_documented(self) -> None:
        """Each variable load_settings reads appears in .env.example."""
        assert sorted(variables_read() - documented().keys()) == []

    def test_nothing_undocumented_is_invented(self) -> None:
        """.env.example lists no variable the code does not read (a typo would be silently ignored)."""
        assert sorted(documented().keys() - variables_read()) == []

    def test_every_variable_has_a_comment_line(self) -> None:
        """The line above each variable is a one-line comment explaining it."""
        lines = example_lines()
        for i, line in enumerate(lines):
            m = ASSIGNMENT.match(line)
            if m:
                above = lines[i - 1]
                assert above.startswith("# "), f"{m.group(2)} has no comment"
                assert not ASSIGNMENT.match(above), f"{m.group(2)} has no comment of its own"


class TestLoading:
    def test_loads_without_error_in_sandbox(self) -> None:
        """Used as a `.env` file as-is (credentials still empty), it is a valid sandbox configuration."""
        settings = load_settings({}, env_file=EXAMPLE, sandbox=True)
        assert (settings.sandbox, settings.credentials.kind) == (True, "none")

    def test_documented_defaults_are_the_real_defaults(self, tmp_path: Path) -> None:
        """Uncommenting every `# NAME=default` line changes nothing: the documented defaults are true."""
        uncommented = tmp_path / ".env"
        uncommented.write_text(
            "\n".join(re.sub(r"^#\s*(?=[A-Z][A-Z0-9_]*=)", "", line) for line in example_lines()),
            encoding="utf-8",
        )
        as_shipped = load_settings({}, env_file=EXAMPLE, sandbox=True)
        assert load_settings({}, env_file=uncommented, sandbox=True) == as_shipped

    def test_only_variables_without_a_default_are_active(self) -> None:
        """Active (uncommented) lines are the secrets to fill in; they ship empty."""
        active = {name: value for name, (commented, value) in documented().items() if not commented}
        assert active == {
            "X_CONSUMER_KEY": "",
            "X_CONSUMER_SECRET": "",
            "X_ACCESS_TOKEN": "",
            "X_ACCESS_TOKEN_SECRET": "",
            "X_OAUTH2_USER_TOKEN": "",
            "X_OAUTH2_REFRESH_TOKEN": "",
            "X_OAUTH2_CLIENT_ID": "",
            "X_OAUTH2_CLIENT_SECRET": "",
            "WEBHOOK_SECRET": "",
            "SESSION_SECRET": "",
        }
