"""`brandbot triage|follow|stats|classify` driven as a user would, against a temporary SQLite database."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.domain import FollowStatus
from bot.publish.queue import cancel_post
from bot.store.db import make_engine, session_scope
from bot.store.models import Author, Classification, FollowDecision, Mention, Post, TrainingLabel, TriageItem
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


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["triage", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def _post_states(sqlite_url: str) -> dict[int, str]:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        states = {p.id or 0: p.state for p in session.exec(select(Post))}
    engine.dispose()
    return states


class TestTriageReplyCli:
    def test_replying_twice_queues_one_post(self, env: dict[str, str], seeded: list[int], sqlite_url: str) -> None:
        """The second `triage reply` exits 4 naming the queued post; --follow-up does not bypass a queued one."""
        item = str(seeded[0])
        first = _invoke(env, "reply", item, "--text", "@ada so sorry", "--as", "alice")
        second = _invoke(env, "reply", item, "--text", "@ada so sorry!", "--as", "alice")
        follow = _invoke(env, "reply", item, "--text", "@ada more", "--follow-up", "--as", "alice")
        assert first == (0, f"item {item}: reply queued as post 1 (scheduled): @ada so sorry\n", "")
        message = (f"error: triage item {item} already has reply post 1 (scheduled); cancel it or wait until it is "
                   "posted or fails before replying again\n")
        assert second == (4, "", message)
        assert follow == (4, "", message)
        assert _post_states(sqlite_url) == {1: "scheduled"}

    def test_a_second_reply_after_a_posted_one_names_the_flag(self, env: dict[str, str], seeded: list[int],
                                                             sqlite_url: str) -> None:
        """Once the reply is posted, `triage reply` again exits 4 and the CLI's hint is --follow-up."""
        item = str(seeded[0])
        assert _invoke(env, "reply", item, "--text", "@ada sorry", "--as", "alice")[0] == 0
        engine = make_engine(sqlite_url)
        with session_scope(engine) as session:
            post = session.get(Post, 1)
            assert post is not None
            post.state = "posted"
            session.add(post)
        engine.dispose()
        assert _invoke(env, "reply", item, "--text", "@ada more", "--as", "alice") == (
            4, "", f"error: triage item {item} was already answered by reply post 1 (posted); another reply must be "
                   "sent as a follow-up (--follow-up)\n")
        assert _invoke(env, "reply", item, "--text", "@ada more", "--follow-up", "--as", "alice")[0] == 0

    def test_dismiss_cancels_the_queued_reply(self, env: dict[str, str], seeded: list[int], sqlite_url: str) -> None:
        """`triage reply` then `triage dismiss`: the reply post is cancelled and the CLI says so."""
        item = str(seeded[0])
        assert _invoke(env, "reply", item, "--text", "@ada sorry", "--as", "alice")[0] == 0
        assert _invoke(env, "dismiss", item, "--as", "alice") == (0, f"item {item} dismissed; reply post 1 cancelled\n",
                                                                   "")
        assert _post_states(sqlite_url) == {1: "cancelled"}

    def test_resolve_and_dismiss_need_the_holder_or_override(self, env: dict[str, str], seeded: list[int]) -> None:
        """kim cannot close alice's items (exit 4 naming alice); a supervisor with --override can."""
        low, critical = (str(i) for i in seeded)
        for item in (low, critical):
            assert _invoke(env, "claim", item, "--as", "alice")[0] == 0
        assert _invoke(env, "resolve", low, "--as", "kim") == (4, "", f"error: triage item {low} is claimed by alice\n")
        assert _invoke(env, "dismiss", critical, "--as", "kim") == (
            4, "", f"error: triage item {critical} is claimed by alice\n")
        assert _invoke(env, "resolve", low, "--as", "lead", "--override") == (0, f"item {low} resolved\n", "")
        assert _invoke(env, "dismiss", critical, "--as", "alice") == (0, f"item {critical} dismissed\n", "")
        code, out, _ = _invoke(env, "history", low, "--json")
        assert (code, json.loads(out)[-1]["detail"]) == (0, "(override: claimed by alice)")

    def test_assign_someone_elses_item_needs_override(self, env: dict[str, str], seeded: list[int]) -> None:
        """kim cannot take alice's item with `triage assign` (exit 4); a supervisor with --override can."""
        item = str(seeded[0])
        assert _invoke(env, "claim", item, "--as", "alice")[0] == 0
        assert _invoke(env, "assign", item, "--to", "kim", "--as", "kim") == (
            4, "", f"error: triage item {item} is claimed by alice\n")
        assert _invoke(env, "assign", item, "--to", "kim", "--as", "lead", "--override") == (
            0, f"item {item} assigned to kim\n", "")
        code, out, _ = _invoke(env, "history", item, "--json")
        assert (code, json.loads(out)[-1]["detail"]) == (0, "to kim (override: claimed by alice)")

    def test_list_shows_a_failed_reply(self, env: dict[str, str], seeded: list[int], sqlite_url: str) -> None:
        """A cancelled reply puts the item back to claimed; list and --json show the reply post's state."""
        item = seeded[0]
        assert _invoke(env, "reply", str(item), "--text", "@ada sorry", "--as", "alice")[0] == 0
        engine = make_engine(sqlite_url)
        with session_scope(engine) as session:
            cancel_post(session, 1, actor="ed", now=NOW, reason="wrong tone")
        engine.dispose()
        code, out, _ = _invoke(env, "list", "--json")
        row = next(r for r in json.loads(out) if r["id"] == item)
        assert (code, row["status"], row["assignee"], row["reply"], row["reply_state"], row["reply_error"]) == (
            0, "claimed", "alice", "post 1 cancelled", "cancelled", "wrong tone")
        assert "post 1 cancelled" in _invoke(env, "list")[1]



class TestTriageStaffNames:
    def test_as_and_to_take_the_account_spelling(self, env: dict[str, str], seeded: list[int]) -> None:
        """`--as ANN` and `--to Ann` act as the dashboard account `ann`, so the item stays hers whatever the case."""
        item = str(seeded[0])
        added = runner.invoke(app, ["users", "add", "ann", "--role", "agent", "--password-stdin"],
                              input="a long passphrase\n", env=env)
        assert added.exit_code == 0, added.output
        assert _invoke(env, "claim", item, "--as", "ANN") == (0, f"item {item} claimed by ann\n", "")
        assert _invoke(env, "assign", item, "--to", " Ann ", "--as", "ann") == (0, f"item {item} assigned to ann\n", "")
        assert _invoke(env, "resolve", item, "--as", "Ann") == (0, f"item {item} resolved\n", "")

    def test_an_empty_name_is_refused(self, env: dict[str, str], seeded: list[int]) -> None:
        """An empty `--as` or `--to` (an unset shell variable) is exit 2 and leaves the item unclaimed."""
        item = str(seeded[0])
        code, _, err = _invoke(env, "claim", item, "--as", "")
        assert (code, "must name who is doing this, not be blank" in err) == (2, True)
        assert _invoke(env, "assign", item, "--to", " ", "--as", "kim") == (2, "", "error: --to must name a person\n")
        code, out, _ = _invoke(env, "list", "--json")
        row = next(r for r in json.loads(out) if r["id"] == seeded[0])
        assert (code, row["status"], row["assignee"]) == (0, "new", None)

class TestTriageListLimit:
    def test_json_lists_every_open_item_and_limit_says_what_it_left_out(
        self, env: dict[str, str], seeded: list[int], sqlite_url: str
    ) -> None:
        """With 202 open items --json returns all 202; --limit 1 prints one and 'showing 1 of 202' on stderr."""
        engine = make_engine(sqlite_url)
        with session_scope(engine) as session:
            for n in range(100, 300):
                session.add(Mention(id=str(n), author_id="7", text=f"@brandbot more {n}", created_at=NOW, seen_at=NOW))
            session.flush()
            open_triage_items(session, [NewComplaint(str(n), "7", "low", 0.5) for n in range(100, 300)], now=NOW)
        engine.dispose()
        code, out, err = _invoke(env, "list", "--json")
        assert (code, len(json.loads(out)), err) == (0, 202, "")
        code, out, err = _invoke(env, "list", "--json", "--limit", "1")
        assert (code, [r["id"] for r in json.loads(out)]) == (0, [seeded[1]])
        assert err == "showing 1 of 202 items (--limit 1)\n"
        assert _invoke(env, "list", "--limit", "0")[0] == 2


@pytest.fixture
def missed(sqlite_url: str, seeded: list[int]) -> str:
    """Mention 3, a minute after the others, that the detector did not take for a complaint."""
    engine = make_engine(sqlite_url)
    at = NOW + timedelta(minutes=1)
    with session_scope(engine) as session:
        session.add(Mention(id="3", author_id="7", text="@brandbot the hinge snapped on day two", created_at=at,
                            seen_at=at))
        session.flush()
        session.add(Classification(mention_id="3", complaint=False, score=0.184, severity="low", reasons=[],
                                   created_at=at))
    engine.dispose()
    return "3"


class TestTriageMentionsCli:
    def test_json_newest_first_with_score_and_item(self, env: dict[str, str], seeded: list[int], missed: str) -> None:
        """`triage mentions --json` lists every stored mention newest first, in TIMEZONE, with its item or null."""
        code, out, err = _invoke({**env, "TIMEZONE": "Europe/Paris"}, "mentions", "--json")
        rows = json.loads(out)
        assert (code, err) == (0, "")
        assert [(r["id"], r["author"], r["at"], r["score"], r["complaint"], r["item"]) for r in rows] == [
            ("3", "@ada", "2026-03-01 13:01 CET", 0.18, False, None),
            ("2", "@ada", "2026-03-01 13:00 CET", None, None, seeded[1]),
            ("1", "@ada", "2026-03-01 13:00 CET", None, None, seeded[0]),
        ]
        assert rows[0]["text"] == "@brandbot the hinge snapped on day two"

    def test_unflagged_table_and_limit(self, env: dict[str, str], seeded: list[int], missed: str) -> None:
        """--unflagged leaves only the mention with no item; --limit caps the list (all of it when it fits exactly)."""
        code, out, _ = _invoke(env, "mentions", "--unflagged")
        assert code == 0
        assert out.splitlines() == [
            "ID  AUTHOR  AT                    SCORE  ITEM  TEXT                                  ",
            "3   @ada    2026-03-01 12:01 UTC  0.18         @brandbot the hinge snapped on day two",
        ]
        code, out, _ = _invoke(env, "mentions", "--json", "--limit", "1")
        assert (code, [r["id"] for r in json.loads(out)]) == (0, ["3"])
        code, out, _ = _invoke(env, "mentions", "--json", "--limit", "2")
        assert (code, [r["id"] for r in json.loads(out)]) == (0, ["3", "2"])
        code, out, _ = _invoke(env, "mentions", "--json", "--limit", "3")
        assert (code, [r["id"] for r in json.loads(out)]) == (0, ["3", "2", "1"])
        code, out, err = _invoke(env, "mentions", "--limit", "0")
        assert (code, out) == (2, "")
        assert "--limit" in err


class TestTriageFlagCli:
    def test_flag_puts_the_mention_in_the_queue(
        self, env: dict[str, str], seeded: list[int], missed: str, sqlite_url: str
    ) -> None:
        """`triage flag` opens a high item due in an hour, with the note on its history and a complaint label."""
        code, out, err = _invoke(env, "flag", missed, "--severity", "high", "--note", "broken hinge", "--as", "sam")
        assert (code, err) == (0, "")
        due = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"  # the CLI runs on the wall clock; the SLA is checked below
        assert re.fullmatch(rf"mention 3 flagged by sam: triage item 3 \(high, due {due}\)\n", out), out
        code, out, _ = _invoke(env, "list", "--json")
        assert [(r["id"], r["severity"], r["mention_id"], r["label"]) for r in json.loads(out)] == [
            (seeded[1], "critical", "2", None), (3, "high", "3", "complaint"), (seeded[0], "low", "1", None)]
        code, out, _ = _invoke(env, "history", "3", "--json")
        assert [(r["actor"], r["action"], r["detail"]) for r in json.loads(out)] == [
            ("sam", "created", "severity high, score 0.18"),
            ("sam", "flagged", "flagged by sam: broken hinge"),
            ("sam", "labelled", "complaint"),
        ]
        assert json.loads(_invoke(env, "mentions", "--json", "--unflagged")[1]) == []
        engine = make_engine(sqlite_url)
        with Session(engine) as session:
            assert [(t.mention_id, t.label, t.actor) for t in session.exec(select(TrainingLabel))] == [("3", 1, "sam")]
            item = session.get(TriageItem, 3)
            assert item is not None
            assert item.sla_due_at - item.created_at == timedelta(hours=1)
        engine.dispose()

    def test_exit_codes(self, env: dict[str, str], seeded: list[int], missed: str) -> None:
        """Already in the queue: exit 4 naming the item; unknown mention: 3; unknown severity or no --as: 2."""
        assert _invoke(env, "flag", "1", "--as", "sam") == (
            4, "", f"error: mention 1 already has triage item {seeded[0]} (new)\n")
        assert _invoke(env, "flag", "999", "--as", "sam") == (3, "", "error: no mention 999\n")
        assert _invoke(env, "flag", missed, "--severity", "urgent", "--as", "sam") == (
            2, "", "error: severity must be one of low, medium, high, critical, got 'urgent'\n")
        assert _invoke(env, "flag", missed)[0] == 2
        code, out, _ = _invoke(env, "flag", missed, "--as", "kim", "--json")
        assert (code, json.loads(out)["severity"], json.loads(out)["status"]) == (0, "medium", "new")


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

    def test_a_flagged_complaint_counts_in_stats(self, env: dict[str, str], seeded: list[int],
                                                 sqlite_url: str) -> None:
        """After `triage flag`, `stats` counts the complaint, and says it came from staff, not the detector."""
        engine = make_engine(sqlite_url)
        with session_scope(engine) as session:
            session.add(Mention(id="3", author_id="7", text="@brandbot three weeks, no parcel", created_at=NOW,
                                seen_at=NOW))
        engine.dispose()
        assert runner.invoke(app, ["triage", "flag", "3", "--as", "sam"], env=env).exit_code == 0
        data = json.loads(runner.invoke(app, ["stats", "--json"], env=env).stdout)
        assert {k: v for k, v in data.items() if k.startswith("complaints")} == {
            "complaints": 1, "complaints_by_detector": 0, "complaints_added_by_staff": 1,
            "complaints_removed_by_staff": 0}
        text = runner.invoke(app, ["stats"], env=env).stdout.splitlines()
        assert text[1:5] == [
            "complaints             1 (as staff corrected the detector)",
            "  by the detector      0",
            "  added by staff       1 (missed by the detector, flagged by a person)",
            "  removed by staff     0 (labelled not-complaint)",
        ]


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
