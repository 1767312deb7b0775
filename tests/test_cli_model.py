"""`brandbot model train|list` and `brandbot classify` driven as a user would, against a temporary SQLite database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import FileOpens, cli_env

REPO = Path(__file__).resolve().parent.parent
BRAND_RULES = REPO / "tests" / "fixtures" / "classify" / "brand_rules.json"

runner = CliRunner()


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    return cli_env(sqlite_url)


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


    def test_the_rule_file_is_read_once(self, env: dict[str, str], file_opens: FileOpens) -> None:
        """`classify` checks the file at start and classifies with it, reading it once."""
        file_opens.watch(BRAND_RULES)
        result = runner.invoke(app, ["classify"], input="my battery puffed after two flights\n",
                               env={**env, "DETECTOR_RULES_FILE": str(BRAND_RULES)})
        assert result.exit_code == 0, result.output
        assert _verdicts(result.stdout)[0]["severity"] == "critical"
        assert file_opens.counts == {str(BRAND_RULES): 1}


class TestClassifyInput:
    def test_blank_lines_keep_their_place(self, env: dict[str, str], tmp_path: Path) -> None:
        """Every stdin line gets one output line; blank ones are scored like an empty CSV cell."""
        result = runner.invoke(app, ["classify"], input="my order arrived broken\n\nlove it\n   \n", env=env)
        assert result.exit_code == 0, result.output
        verdicts = _verdicts(result.stdout)
        assert len(verdicts) == 4
        empty_cell = tmp_path / "empty.csv"
        empty_cell.write_text('text\n""\n', encoding="utf-8")
        from_csv = runner.invoke(app, ["classify", "--csv", str(empty_cell)], env=env)
        assert from_csv.exit_code == 0, from_csv.output
        assert verdicts[1] == verdicts[3] == _verdicts(from_csv.stdout)[0]
        assert verdicts[0]["complaint"] is True
        assert verdicts[2]["complaint"] is False

    def test_a_bad_byte_on_stdin_costs_one_character(self, env: dict[str, str]) -> None:
        """Undecodable bytes are replaced: the batch is scored, one line per input line."""
        data = b"my order arrived broken\n\xff\xfe nobody answers\r\nthanks!\n"
        result = runner.invoke(app, ["classify"], input=data, env=env)
        assert result.exit_code == 0, result.output
        clean = runner.invoke(app, ["classify"], input="\ufffd\ufffd nobody answers\n", env=env)
        verdicts = _verdicts(result.stdout)
        assert len(verdicts) == 3
        assert verdicts[1] == _verdicts(clean.stdout)[0]

    def test_csv_decode_error_names_file_and_line(self, env: dict[str, str], tmp_path: Path) -> None:
        """A CSV with a byte that is not UTF-8 is refused with its file and line, exit 2."""
        path = tmp_path / "in.csv"
        path.write_bytes(b"text\nfine\nbad \xff byte\n")
        result = runner.invoke(app, ["classify", "--csv", str(path)], env=env)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == f"error: {path}: line 3: not UTF-8 text (byte 0xff at column 5)\n"

    def test_a_field_over_128_kib_is_scored(self, env: dict[str, str], tmp_path: Path) -> None:
        """A 200 KiB field (over the csv module's default limit) is scored like its first characters."""
        path = tmp_path / "long.csv"
        long_text = "my order arrived broken " * 8600
        path.write_text(f'text\n"{long_text}"\nthanks\n', encoding="utf-8")
        assert path.stat().st_size > 200 * 1024
        result = runner.invoke(app, ["classify", "--csv", str(path)], env=env)
        assert result.exit_code == 0, result.output
        assert [v["complaint"] for v in _verdicts(result.stdout)] == [True, False]

    def test_a_field_over_the_limit_names_file_and_line(self, env: dict[str, str], tmp_path: Path) -> None:
        """A field over 1 MiB is a clear error naming the file and line (exit 2), never a traceback."""
        path = tmp_path / "huge.csv"
        path.write_text('text\nfine\n"' + "x" * (1 << 20) + 'y"\n', encoding="utf-8")
        result = runner.invoke(app, ["classify", "--csv", str(path)], env=env)
        assert result.exit_code == 2
        assert result.stderr == f"error: {path}: line 3: not valid CSV: field larger than field limit (1048576)\n"

    def test_a_quote_never_closed_loses_no_row_silently(self, env: dict[str, str], tmp_path: Path) -> None:
        """Four rows, the second opening a quote it never closes: exit 2 naming the row, not two verdicts."""
        path = tmp_path / "in.csv"
        path.write_text('text\nfine\n"broken start\nrow three\nrow four\n', encoding="utf-8")
        result = runner.invoke(app, ["classify", "--csv", str(path)], env=env)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == (
            f"error: {path}: line 5: not valid CSV: unexpected end of data (in the row that starts on line 3)\n"
        )


class TestTrainCsvErrors:
    def test_header_only_csv_says_so(self, env: dict[str, str], tmp_path: Path) -> None:
        """A training CSV with a header and no rows is named as having no labelled rows (exit 2)."""
        path = tmp_path / "labels.csv"
        path.write_text("text,label\n", encoding="utf-8")
        result = runner.invoke(app, ["model", "train", "--csv", str(path)], env=env)
        assert result.exit_code == 2
        assert result.stderr == f"error: {path}: no labelled rows\n"

    def test_a_field_over_the_limit_names_file_and_line(self, env: dict[str, str], tmp_path: Path) -> None:
        """`model train --csv` with a field over 1 MiB fails with file and line, exit 2, no traceback."""
        path = tmp_path / "labels.csv"
        path.write_text('text,label\nfine,0\n"' + "x" * (1 << 20) + 'y",1\n', encoding="utf-8")
        result = runner.invoke(app, ["model", "train", "--csv", str(path)], env=env)
        assert result.exit_code == 2
        assert result.stderr == f"error: {path}: line 3: not valid CSV: field larger than field limit (1048576)\n"

    def test_a_bad_label_names_file_and_line(self, env: dict[str, str], tmp_path: Path) -> None:
        """An unreadable label names the file, the line and the column (exit 2)."""
        path = tmp_path / "labels.csv"
        path.write_text('text,label\n"two\nlines",1\nbroken again,maybe\n', encoding="utf-8")
        result = runner.invoke(app, ["model", "train", "--csv", str(path)], env=env)
        assert result.exit_code == 2
        assert result.stderr == (
            f"error: {path}: line 4: column 'label' must be 1/0, true/false or complaint/not-complaint, got 'maybe'\n"
        )


def _kits_csv(path: Path, complaints: int, others: int) -> Path:
    lines = ["text,label"]
    lines += [f"the qwzx kit {i} came today,complaint" for i in range(complaints)]
    lines += [f"the plmk kit {i} came today,not-complaint" for i in range(others)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TestModelTrain:
    def test_too_few_examples_is_exit_2(self, env: dict[str, str], tmp_path: Path) -> None:
        """Two examples are refused (exit 2) and no model is stored."""
        result = runner.invoke(app, ["model", "train", "--csv", str(_kits_csv(tmp_path / "two.csv", 1, 1))], env=env)
        assert result.exit_code == 2
        assert result.stderr == ("error: training needs at least 10 complaints and 10 non-complaints; have 1 and 1 "
                                 "(0 staff labels, 2 CSV examples)\n")
        listed = runner.invoke(app, ["model", "list", "--json"], env=env)
        assert json.loads(listed.stdout) == []

    def test_csv_examples_are_kept_once_and_counted_in_model_list(self, env: dict[str, str], tmp_path: Path) -> None:
        """Training twice on one CSV stores its examples once; `model list` shows examples, labels and CSV rows."""
        path = _kits_csv(tmp_path / "kits.csv", 12, 12)
        for model_id in (1, 2):
            result = runner.invoke(app, ["model", "train", "--csv", str(path)], env=env)
            assert result.exit_code == 0, result.output
            assert re.fullmatch(rf"model {model_id} trained \(\S+\) on 24 examples: 0 staff labels, 24 CSV examples\n",
                                result.stdout)
        listed = runner.invoke(app, ["model", "list", "--json"], env=env)
        assert listed.exit_code == 0, listed.output
        models = json.loads(listed.stdout)
        assert [(m["id"], m["examples"], m["labels"], m["csv_examples"], m["by"]) for m in models] == [
            (2, 24, 0, 24, "cli"), (1, 24, 0, 24, "cli")]
        table = runner.invoke(app, ["model", "list"], env=env)
        header = table.stdout.splitlines()[0].split()
        assert header == ["ID", "VERSION", "EXAMPLES", "LABELS", "CSV_EXAMPLES", "TRAINED", "BY"]
        verdict = runner.invoke(app, ["classify"], input="the qwzx kit came today\n", env=env)
        assert _verdicts(verdict.stdout)[0]["complaint"] is True
