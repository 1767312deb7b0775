"""`brandbot events ...` and `brandbot templates check` driven as a user would, on a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import cli_env

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _line(event_id: str, **data: object) -> str:
    return json.dumps({"id": event_id, "type": "camera.image", "occurred_at": "2026-03-01T11:00:00Z",
                       "data": data or {"camera": "arm", "subject": "ice"}})


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    return cli_env(sqlite_url, PERSONA="mars-phoenix")


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "batch.ndjson"
    path.write_text("\n".join([_line("a"), "not json", _line("b")]) + "\n", encoding="utf-8")
    return path


class TestPush:
    def test_push_reports_counts_and_dead_letters(self, env: dict[str, str], batch: Path) -> None:
        """Good lines are queued, the bad one is named on stderr, and the exit code is 1."""
        result = runner.invoke(app, ["events", "push", str(batch)], env=env)
        assert (result.exit_code, result.stdout) == (1, "2 queued, 0 duplicate, 1 dead letter\n")
        assert ("batch.ndjson line 2: line is not valid JSON: Expecting value at column 1 (dead letter 1)\n"
                in result.stderr)

    def test_pushing_again_reports_duplicates(self, env: dict[str, str], tmp_path: Path) -> None:
        """The same events pushed twice are duplicates the second time (exit 0: nothing dead)."""
        path = tmp_path / "ok.ndjson"
        path.write_text(_line("a") + "\n", encoding="utf-8")
        first = runner.invoke(app, ["events", "push", str(path)], env=env)
        second = runner.invoke(app, ["events", "push", str(path)], env=env)
        assert (first.exit_code, first.stdout) == (0, "1 queued, 0 duplicate, 0 dead letters\n")
        assert (second.exit_code, second.stdout) == (0, "0 queued, 1 duplicate, 0 dead letters\n")

    def test_push_from_stdin_with_approval_by_source(self, env: dict[str, str]) -> None:
        """`-` reads stdin; APPROVAL_REQUIRED naming the --source holds the post for approval."""
        result = runner.invoke(app, ["events", "push", "-", "--source", "partner", "--json"],
                               input=_line("a") + "\n", env={**env, "APPROVAL_REQUIRED": "partner"})
        payload = json.loads(result.stdout)
        assert result.exit_code == 0
        assert payload["results"] == [{"line": 1, "status": "pending_approval", "event_id": "a", "post_ids": [1],
                                       "reason": None, "dead_letter_id": None}]
        assert payload["counts"]["pending_approval"] == 1

    def test_unreadable_file_is_a_usage_error(self, env: dict[str, str], tmp_path: Path) -> None:
        """A missing file exits 2 with the reason."""
        result = runner.invoke(app, ["events", "push", str(tmp_path / "nope.ndjson")], env=env)
        assert (result.exit_code, result.stderr) == (
            2, f"error: cannot read {tmp_path / 'nope.ndjson'}: No such file or directory\n")


class TestListAndRetry:
    def test_list_and_dead_letters(self, env: dict[str, str], batch: Path) -> None:
        """`events list` and `events dead-letters` show what was stored, as JSON for scripts."""
        runner.invoke(app, ["events", "push", str(batch)], env=env)
        events = runner.invoke(app, ["events", "list", "--json"], env=env)
        letters = runner.invoke(app, ["events", "dead-letters", "--json"], env=env)
        table = runner.invoke(app, ["events", "dead-letters"], env=env)
        assert sorted((e["id"], e["status"], e["source"]) for e in json.loads(events.stdout)) == [
            ("a", "queued", "ndjson"), ("b", "queued", "ndjson")]
        assert [(d["id"], d["status"], d["raw"], d["reason"]) for d in json.loads(letters.stdout)] == [
            (1, "open", "not json", "batch.ndjson line 2: line is not valid JSON: Expecting value at column 1")]
        assert table.stdout.splitlines()[0].split() == ["ID", "SOURCE", "RECEIVED", "STATUS", "EVENT_ID", "REASON",
                                                        "RAW"]

    def test_retry_with_a_fixed_copy(self, env: dict[str, str], batch: Path, tmp_path: Path) -> None:
        """A dead letter retried with a fixed copy is queued (exit 0); retrying it again is a conflict (exit 4)."""
        runner.invoke(app, ["events", "push", str(batch)], env=env)
        fixed = tmp_path / "fixed.json"
        fixed.write_text(_line("c"), encoding="utf-8")
        ok = runner.invoke(app, ["events", "retry", "1", "--file", str(fixed)], env=env)
        again = runner.invoke(app, ["events", "retry", "1"], env=env)
        missing = runner.invoke(app, ["events", "retry", "99"], env=env)
        open_now = runner.invoke(app, ["events", "dead-letters", "--json"], env=env)
        assert (ok.exit_code, ok.stdout) == (0, "dead letter 1 retried: event c queued as post 3\n")
        assert (again.exit_code, again.stderr) == (4, "error: dead letter 1 is retried, not open\n")
        assert (missing.exit_code, missing.stderr) == (3, "error: no dead letter 99\n")
        assert json.loads(open_now.stdout) == []

    def test_retry_that_still_fails_exits_1(self, env: dict[str, str], batch: Path) -> None:
        """Retrying unchanged invalid input says it still fails and exits 1."""
        runner.invoke(app, ["events", "push", str(batch)], env=env)
        result = runner.invoke(app, ["events", "retry", "1"], env=env)
        assert result.exit_code == 1
        assert result.stderr.endswith(
            "dead letter 1 still fails: line is not valid JSON: Expecting value at column 1\n")


class TestTemplatesCheck:
    def test_shipped_persona_passes(self, env: dict[str, str]) -> None:
        """The shipped mars-phoenix templates pass against samples and generated payloads."""
        result = runner.invoke(app, ["templates", "check", "--persona", "mars-phoenix", "--examples", "3"], env=env)
        assert (result.exit_code, result.stdout) == (0, "all templates pass: mars-phoenix\n")

    def test_failures_name_template_event_and_reason(self, tmp_path: Path) -> None:
        """A broken template fails with exit 1, naming the template, the event and the reason."""
        persona = tmp_path / "p"
        (persona / "samples").mkdir(parents=True)
        (persona / "persona.toml").write_text('name = "P"\nhandle = "p"\n', encoding="utf-8")
        (persona / "camera.image.j2").write_text("Look: {{ subjekt }}", encoding="utf-8")
        sample = {**json.loads(_line("s-1")), "source": "sample"}
        (persona / "samples" / "camera.image.json").write_text(json.dumps(sample), encoding="utf-8")
        result = runner.invoke(app, ["templates", "check", "--template-dir", str(tmp_path), "--examples", "1"])
        assert (result.exit_code, result.stdout) == (
            1, "FAIL p/camera.image.j2#0\n  event:  s-1\n  reason: p/camera.image.j2#0: missing field 'subjekt'\n"
               "1 failure in p\n")

    def test_unknown_persona_is_not_found(self, env: dict[str, str]) -> None:
        """Checking a persona that does not exist exits 3."""
        result = runner.invoke(app, ["templates", "check", "--persona", "nobody"], env=env)
        assert (result.exit_code, result.stderr) == (3, f"error: no persona 'nobody' in {REPO / 'templates'}\n")
