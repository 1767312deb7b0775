"""`brandbot queue ...` and `brandbot crisis ...` as a user drives them, on a temporary SQLite database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import cli_env

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    return cli_env(sqlite_url, TIMEZONE="Europe/Paris")


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.output


def _list(env: dict[str, str], *extra: str) -> list[dict[str, object]]:
    code, out = _run(env, "queue", "list", "--json", *extra)
    assert code == 0, out
    rows: list[dict[str, object]] = json.loads(out.strip().splitlines()[-1])
    return rows


def test_add_list_approve_edit_cancel(env: dict[str, str]) -> None:
    code, out = _run(env, "queue", "add", "Touchdown soon!", "--at", "2030-07-01 09:00", "--approve", "--json")
    assert code == 0, out
    [row] = _list(env)
    assert row["state"] == "pending_approval"
    assert row["when"] == "2030-07-01 09:00 CEST"
    assert row["scheduled_at"] == "2030-07-01T07:00:00+00:00"
    post_id = str(row["id"])
    assert _run(env, "queue", "approve", post_id)[0] == 0
    assert _list(env)[0]["state"] == "scheduled"
    assert _run(env, "queue", "edit", post_id, "--text", "Touchdown in one hour!")[0] == 0
    assert _list(env)[0]["text"] == "Touchdown in one hour!"
    assert _run(env, "queue", "cancel", post_id, "--reason", "scrubbed")[0] == 0
    assert _list(env) == []
    assert _list(env, "--all")[0]["state"] == "cancelled"


def test_bad_input_gets_a_reason_and_an_exit_code(env: dict[str, str]) -> None:
    code, out = _run(env, "queue", "add", "x" * 300)
    assert code == 2
    assert "weighted characters" in out
    code, out = _run(env, "queue", "add", "hello", "--at", "next tuesday")
    assert code == 2
    assert "YYYY-MM-DD HH:MM" in out
    code, out = _run(env, "queue", "add", "hello", "--at", "2030-03-31 02:30")
    assert code == 2
    assert "does not exist" in out
    assert _run(env, "queue", "approve", "999")[0] == 3
    _run(env, "queue", "add", "already scheduled")
    post_id = str(_list(env)[0]["id"])
    assert _run(env, "queue", "approve", post_id)[0] == 4
    assert _list(env)[0]["text"] == "already scheduled"


def test_a_past_time_is_refused_as_on_the_dashboard(env: dict[str, str]) -> None:
    """`--at` in the past exits 2 naming it and the time now in TIMEZONE, and queues nothing; no --at means now."""
    code, out = _run(env, "queue", "add", "Doors open!", "--at", "2020-01-02 09:00")
    assert code == 2
    now = r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T"  # the CLI runs on the wall clock
    assert re.fullmatch(rf"error: 2020-01-02 09:00 CET is in the past \(it is now {now}\); pick a later time, "
                        r"or leave the time out to post it now\n", out), out
    assert _list(env, "--all") == []
    code, out = _run(env, "queue", "add", "Doors open!")
    assert code == 0, out
    assert [(r["text"], r["state"]) for r in _list(env)] == [("Doors open!", "scheduled")]


def test_thread_splits_a_long_text(env: dict[str, str]) -> None:
    long_text = " ".join(["Sol 12: the arm dug a trench and found white chips under the soil."] * 8)
    assert _run(env, "queue", "add", long_text, "--thread")[0] == 0
    rows = _list(env)
    assert len(rows) > 1
    assert next(r["thread"] for r in rows) == f"1/{len(rows)}"


def test_add_keeps_priority_promotional_and_who(env: dict[str, str]) -> None:
    """`--priority`, `--promotional` and `--as` reach the queued post (as `enqueue_manual` stores them)."""
    code, out = _run(env, "queue", "add", "  Fly with us  ", "--priority", "3", "--promotional", "--as", "pat",
                     "--json")
    assert code == 0, out
    [row] = _list(env)
    assert (row["text"], row["kind"], row["priority"], row["created_by"]) == ("Fly with us", "manual", 3, "pat")
    from bot.store.db import make_engine, session_scope
    from bot.store.models import Post

    engine = make_engine(env["DATABASE_URL"])
    with session_scope(engine) as session:
        post = session.get(Post, row["id"])
        assert post is not None
        assert post.promotional is True
    engine.dispose()


def test_cancelling_a_thread_lists_each_part_with_why(env: dict[str, str]) -> None:
    """`queue cancel` of part 1 cancels the rest; `queue list --all --json` says on each later part why."""
    long_text = " ".join(["Sol 12: the arm dug a trench and found white chips under the soil."] * 8)
    assert _run(env, "queue", "add", long_text, "--thread")[0] == 0
    first, *later = sorted(int(str(r["id"])) for r in _list(env))
    assert _run(env, "queue", "cancel", str(first), "--reason", "scrubbed", "--as", "ana") == (
        0, f"post {first}: cancelled ({len(later) + 1} part(s))\n")
    assert _list(env) == []
    rows = {r["id"]: (r["state"], r["last_error"]) for r in _list(env, "--all")}
    why = f"earlier part 1/{len(later) + 1} (post {first}) cancelled by ana: scrubbed"
    assert rows == {first: ("cancelled", "scrubbed"), **dict.fromkeys(later, ("cancelled", why))}


def test_a_cancelled_held_post_no_longer_says_held(env: dict[str, str]) -> None:
    """A post held by crisis mode, then cancelled: `queue list --all --json` shows no held reason, only why it ended."""
    _run(env, "queue", "add", "Promo: fly with us")
    assert _run(env, "crisis", "on", "--reason", "engine fire at JFK")[0] == 0
    [held] = _list(env)
    assert (held["state"], held["held_reason"]) == ("held", "crisis: engine fire at JFK")
    assert _run(env, "queue", "cancel", str(held["id"]), "--reason", "off-message")[0] == 0
    [row] = _list(env, "--all")
    assert (row["state"], row["held_reason"], row["deferred_reason"], row["last_error"]) == (
        "cancelled", None, None, "off-message")


def _table(env: dict[str, str], *extra: str) -> tuple[list[str], list[dict[str, str]]]:
    """`queue list` as a table: its column names and each row's cells by column (cut where the header's names start)."""
    code, out = _run(env, "queue", "list", *extra)
    assert code == 0, out
    header, *lines = out.splitlines()
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    return names, [{n: line[a:b].strip() for n, a, b in zip(names, starts, [*starts[1:], None], strict=True)}
                   for line in lines]


def test_list_says_why_failed_and_cancelled_posts_ended(env: dict[str, str]) -> None:
    """A "why" column (cut to 50 characters) appears with --all or when ended posts are listed; JSON is unchanged."""
    from bot.store.db import make_engine, session_scope
    from bot.store.models import Post

    reason = "the launch moved to next week\nand the partner asked us to wait for their announcement"
    for text in ("Fly with us", "Gone soon", "Refused"):
        assert _run(env, "queue", "add", text)[0] == 0
    ids = {str(r["text"]): int(str(r["id"])) for r in _list(env)}
    assert _run(env, "queue", "cancel", str(ids["Gone soon"]), "--reason", reason)[0] == 0
    engine = make_engine(env["DATABASE_URL"])
    with session_scope(engine) as session:
        post = session.get(Post, ids["Refused"])
        assert post is not None
        post.state, post.last_error = "failed", "BadRequest: 400 text refused"
    engine.dispose()

    assert _table(env)[0] == ["ID", "STATE", "WHEN", "KIND", "PRIORITY", "THREAD", "TEXT"]
    names, table = _table(env, "--all")
    assert names == ["ID", "STATE", "WHEN", "KIND", "PRIORITY", "THREAD", "TEXT", "WHY"]
    assert {r["ID"]: (r["STATE"], r["TEXT"], r["WHY"]) for r in table} == {
        str(ids["Fly with us"]): ("scheduled", "Fly with us", ""),
        str(ids["Gone soon"]): ("cancelled", "Gone soon", "the launch moved to next week and the partner ask…"),
        str(ids["Refused"]): ("failed", "Refused", "BadRequest: 400 text refused"),
    }
    names, table = _table(env, "--state", "failed")
    assert (names[-1], [r["WHY"] for r in table]) == ("WHY", ["BadRequest: 400 text refused"])
    assert _table(env, "--state", "scheduled")[0][-1] == "TEXT"
    rows = {r["id"]: r for r in _list(env, "--all")}
    assert "why" not in rows[ids["Gone soon"]]
    assert rows[ids["Gone soon"]]["last_error"] == reason


def test_crisis_on_holds_the_queue_and_off_releases_it(env: dict[str, str]) -> None:
    _run(env, "queue", "add", "Promo: fly with us")
    code, out = _run(env, "crisis", "on", "--reason", "engine fire at JFK")
    assert code == 0, out
    assert _list(env)[0]["state"] == "held"
    code, out = _run(env, "crisis", "status", "--json")
    status = json.loads(out.strip().splitlines()[-1])
    assert status["active"] is True
    assert status["reason"] == "engine fire at JFK"
    assert _run(env, "crisis", "off")[0] == 0
    assert _list(env)[0]["state"] == "scheduled"
    assert _run(env, "crisis", "status")[1].strip().endswith("OFF")


def test_crisis_on_needs_a_reason(env: dict[str, str]) -> None:
    code, _ = _run(env, "crisis", "on")
    assert code == 2


def test_crisis_off_wins_over_an_on_dated_in_the_future(env: dict[str, str]) -> None:
    """A sped-up run stamped its ON 16 minutes ahead: `crisis off` still turns it off, and status agrees."""
    from datetime import UTC, datetime, timedelta

    from bot.store.db import make_engine, session_scope
    from bot.store.models import CrisisChange

    _run(env, "queue", "add", "Promo: fly with us")
    assert _run(env, "crisis", "on", "--reason", "engine fire at JFK")[0] == 0
    engine = make_engine(env["DATABASE_URL"])
    with session_scope(engine) as session:
        session.add(CrisisChange(active=True, reason="complaint spike", actor="crisis_watch", automatic=True,
                                 created_at=datetime.now(UTC) + timedelta(minutes=16)))
    engine.dispose()
    code, out = _run(env, "crisis", "off")
    assert (code, out.strip().splitlines()[-1]) == (0, "crisis mode OFF")
    assert _run(env, "crisis", "status")[1].strip().splitlines()[-1] == "OFF"
    assert _list(env)[0]["state"] == "scheduled"
    code, out = _run(env, "crisis", "on", "--reason", "runway closed")
    assert code == 0, out
    last = out.strip().splitlines()[-1]
    assert last.startswith("crisis mode ON since ")
    assert last.endswith("by cli: runway closed")


def test_crisis_off_after_the_resume_time_releases_the_held_posts(env: dict[str, str]) -> None:
    """A pause past its `--until` time, the bot not running: `crisis off` puts its held post back on the schedule."""
    from datetime import UTC, datetime, timedelta

    from bot.store.db import make_engine, session_scope
    from bot.store.models import CrisisChange

    _run(env, "queue", "add", "Promo: fly with us")
    assert _run(env, "crisis", "on", "--reason", "engine fire at JFK")[0] == 0
    assert _list(env)[0]["state"] == "held"
    engine = make_engine(env["DATABASE_URL"])
    with session_scope(engine) as session:
        session.add(CrisisChange(active=True, reason="maintenance", actor="ops",
                                 auto_resume_at=datetime.now(UTC) - timedelta(minutes=1),
                                 created_at=datetime.now(UTC) - timedelta(minutes=30)))
    engine.dispose()
    code, out = _run(env, "crisis", "off")
    assert (code, out.strip().splitlines()[-1]) == (0, "crisis mode OFF (the pause had reached its resume time)")
    assert (_list(env)[0]["state"], _list(env)[0]["held_reason"]) == ("scheduled", None)
    assert _run(env, "crisis", "off")[1].strip().splitlines()[-1] == "crisis mode is already off"
