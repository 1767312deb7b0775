"""`brandbot triage|follow|stats|classify` driven as a user would, against a temporary SQLite database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli.main import app
from bot.domain import FollowStatus
from bot.store.db import make_engine, session_scope
from bot.store.models import Author, FollowDecision, Mention
from bot.triage.routing import NewComplaint, open_triage_items

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    templates = REPO / "templates"
    return {
        "DATABASE_URL": sqlite_url,
        "TEMPLATE_DIR": str(templates if templates.is_dir() else tmp_path),
        "X_API_BASE_URL": "http://127.0.0.1:9",
        "LOG_FORMAT": "json",
    }


@pytest.fixture
def seeded(sqlite_url: str) -> list[int]:
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        session.add(Author(id="7", username="ada", first_seen_at=NOW, last_seen_at=NOW))
        session.flush()
        for n in (1, 2):
            session.add(Mention(id=str(n), author_id="7", text=f"@brandbot issue {n}", created_at=NOW, seen_at=NOW))
        session.flush()
        ids = open_triage_items(session, [NewComplaint("1", "7", "low", 0.6), NewComplaint("2", "7", "critical", 0.9)],
                                now=NOW)
        session.add(FollowDecision(author_id="7", mention_id="1", status=FollowStatus.MANUAL, reason="by hand",
                                   created_at=NOW))
    engine.dispose()
    return [ids["1"], ids["2"]]


runner = CliRunner()


class TestTriageCli:
    def test_list_json_most_urgent_first(self, env: dict[str, str], seeded: list[int]) -> None:
        """`triage list --json` lists the critical item before the low one."""
        result = runner.invoke(app, ["triage", "list", "--json"], env=env)
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert [(r["id"], r["severity"], r["author"], r["text"]) for r in rows] == [
            (seeded[1], "critical", "@ada", "@brandbot issue 2"), (seeded[0], "low", "@ada", "@brandbot issue 1")]

    def test_claim_conflict_and_not_found_exit_codes(self, env: dict[str, str], seeded: list[int]) -> None:
        """A second claimant gets exit 4; an unknown item exit 3."""
        first = runner.invoke(app, ["triage", "claim", str(seeded[0]), "--as", "sam"], env=env)
        second = runner.invoke(app, ["triage", "claim", str(seeded[0]), "--as", "kim"], env=env)
        missing = runner.invoke(app, ["triage", "resolve", "999", "--as", "sam"], env=env)
        assert (first.exit_code, first.stdout) == (0, f"item {seeded[0]} claimed by sam\n")
        assert (second.exit_code, second.stderr) == (4, f"error: triage item {seeded[0]} is already claimed by sam\n")
        assert (missing.exit_code, missing.stderr) == (3, "error: no triage item 999\n")

    def test_label_and_dismiss(self, env: dict[str, str], seeded: list[int]) -> None:
        """Labelling and dismissing print what happened; a bad label is a usage error."""
        label = runner.invoke(app, ["triage", "label", str(seeded[0]), "not-complaint", "--as", "sam"], env=env)
        bad = runner.invoke(app, ["triage", "label", str(seeded[0]), "maybe", "--as", "sam"], env=env)
        dismiss = runner.invoke(app, ["triage", "dismiss", str(seeded[0]), "--as", "sam"], env=env)
        assert (label.exit_code, label.stdout) == (0, f"item {seeded[0]} labelled not-complaint\n")
        assert bad.exit_code == 2
        assert (dismiss.exit_code, dismiss.stdout) == (0, f"item {seeded[0]} dismissed\n")


class TestFollowCli:
    def test_manual_list_and_done(self, env: dict[str, str], seeded: list[int], sqlite_url: str) -> None:
        """`follow list --status manual` shows the person to follow; `follow done` records it once."""
        listed = runner.invoke(app, ["follow", "list", "--status", "manual", "--json"], env=env)
        assert listed.exit_code == 0, listed.output
        rows = json.loads(listed.stdout)
        assert [(r["username"], r["profile"], r["reason"]) for r in rows] == [("@ada", "https://x.com/ada", "by hand")]
        decision_id = rows[0]["id"]
        done = runner.invoke(app, ["follow", "done", str(decision_id), "--by", "sam"], env=env)
        again = runner.invoke(app, ["follow", "done", str(decision_id), "--by", "sam"], env=env)
        assert (done.exit_code, again.exit_code) == (0, 4)
        engine = make_engine(sqlite_url)
        with Session(engine) as session:
            row = session.get(FollowDecision, decision_id)
            assert row is not None
            assert (row.status, row.done_by) == ("manual_done", "sam")
        engine.dispose()


class TestStatsCli:
    def test_stats_json(self, env: dict[str, str], seeded: list[int]) -> None:
        """`stats --json` reports triage by status, follows waiting for a person and no poll yet."""
        result = runner.invoke(app, ["stats", "--json"], env=env)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["triage_by_status"] == {"new": 2, "claimed": 0, "replied": 0, "resolved": 0, "dismissed": 0}
        assert (data["follows_waiting_for_a_person"], data["poll_lag_seconds"], data["x_429"]) == (1, None, 0)


class TestClassifyCli:
    def test_one_json_line_per_input_in_order(self, env: dict[str, str], tmp_path: Path) -> None:
        """stdin lines and CSV rows come back one JSON line each, in input order, with the four keys."""
        pytest.importorskip("bot.classify.detector", reason="bot.classify is not in this checkout yet")
        texts = ["@brandbot my order arrived broken and nobody answers", "@brandbot love the new app!", "third"]
        result = runner.invoke(app, ["classify"], input="\n".join(texts) + "\n", env=env)
        assert result.exit_code == 0, result.output
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [sorted(line) for line in lines] == [["complaint", "reasons", "score", "severity"]] * 3
        csv_file = tmp_path / "in.csv"
        csv_file.write_text("id,body\n1,\"" + texts[0] + "\"\n2," + texts[1] + "\n", encoding="utf-8")
        from_csv = runner.invoke(app, ["classify", "--csv", str(csv_file), "--text-col", "body"], env=env)
        assert from_csv.exit_code == 0, from_csv.output
        assert [json.loads(line) for line in from_csv.stdout.splitlines()] == lines[:2]
