"""`brandbot model train|list` and `brandbot classify` driven as a user would, against a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app

REPO = Path(__file__).resolve().parent.parent
BRAND_RULES = REPO / "tests" / "fixtures" / "classify" / "brand_rules.json"

runner = CliRunner()


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    return {
        "DATABASE_URL": sqlite_url,
        "TEMPLATE_DIR": str(REPO / "templates"),
        "X_API_BASE_URL": "http://127.0.0.1:9",
        "LOG_FORMAT": "json",
    }


def _verdicts(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


class TestClassifyBrandRules:
    def test_brand_critical_rule_fires(self, env: dict[str, str]) -> None:
        """With DETECTOR_RULES_FILE, a text hitting the brand's critical rule is critical with the rule's reason."""
        texts = "my battery puffed after two flights\nFirmware 3.1 bricked it\n"
        result = runner.invoke(app, ["classify"], input=texts, env={**env, "DETECTOR_RULES_FILE": str(BRAND_RULES)})
        assert result.exit_code == 0, result.output
        battery, firmware = _verdicts(result.stdout)
        assert (battery["complaint"], battery["severity"]) == (True, "critical")
        assert isinstance(battery["score"], float)
        assert battery["score"] >= 0.9
        assert battery["reasons"][0] == "rule: drone battery swelling 'battery puffed'"  # type: ignore[index]
        assert firmware["reasons"][0] == "rule: firmware bricked a device 'firmware 3.1 bricked'"  # type: ignore[index]

    def test_without_the_file_the_rule_is_absent(self, env: dict[str, str]) -> None:
        """The same text without DETECTOR_RULES_FILE carries no brand rule reason."""
        result = runner.invoke(app, ["classify"], input="my battery puffed after two flights\n", env=env)
        assert result.exit_code == 0, result.output
        (verdict,) = _verdicts(result.stdout)
        assert not any(str(r).startswith("rule:") for r in verdict["reasons"])  # type: ignore[attr-defined]

    def test_bad_rule_file_is_exit_2(self, env: dict[str, str], tmp_path: Path) -> None:
        """A rule file with a blank keyword stops `classify` at start with the problem, exit 2."""
        path = tmp_path / "rules.json"
        path.write_text('{"rules": [{"id": "all", "keywords": [" "], "severity": "critical", "reason": "r"}]}',
                        encoding="utf-8")
        result = runner.invoke(app, ["classify"], input="hello\n", env={**env, "DETECTOR_RULES_FILE": str(path)})
        assert result.exit_code == 2
        assert result.stdout == ""
        assert f"DETECTOR_RULES_FILE: {path}: rule 0 (all): keyword 0 is blank" in result.stderr
