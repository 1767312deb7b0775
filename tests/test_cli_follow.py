"""`brandbot follow ...` as a person drives it, on a temporary SQLite database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.domain import FollowStatus
from bot.store.db import make_engine, session_scope
from bot.store.models import AuditLog, Author, FollowDecision
from tests.conftest import cli_env

REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def env(sqlite_url: str) -> dict[str, str]:
    return cli_env(sqlite_url, TIMEZONE="Europe/Paris")


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _seed(env: dict[str, str], statuses: list[FollowStatus]) -> list[int]:
    """One author and decision per status, decided a minute apart (in list order)."""
    engine = make_engine(env["DATABASE_URL"])
    ids = []
    with session_scope(engine) as session:
        for n, status in enumerate(statuses):
            at = T0 + timedelta(minutes=n)
            session.add(Author(id=str(7000 + n), username=f"fan{n:03d}", first_seen_at=at, last_seen_at=at))
            session.flush()
            row = FollowDecision(author_id=str(7000 + n), status=status.value, reason="tier cannot follow",
                                 created_at=at)
            session.add(row)
            session.flush()
            assert row.id is not None
            ids.append(row.id)
    engine.dispose()
    return ids


def _listed(env: dict[str, str], *args: str) -> list[dict[str, object]]:
    code, out = _run(env, "follow", "list", "--json", *args)
    assert code == 0, out
    rows: list[dict[str, object]] = json.loads(out.strip().splitlines()[-1])
    return rows


class TestFollowList:
    def test_manual_list_is_newest_first_and_limit_keeps_the_newest(self, env: dict[str, str]) -> None:
        """`--status manual` lists every entry newest first; `--limit 2` shows the two newest."""
        ids = _seed(env, [FollowStatus.MANUAL] * 5 + [FollowStatus.DONE])
        assert [r["id"] for r in _listed(env, "--status", "manual")] == ids[4::-1]
        assert [r["id"] for r in _listed(env, "--status", "manual", "--limit", "2")] == [ids[4], ids[3]]

    def test_limit_must_be_positive(self, env: dict[str, str]) -> None:
        """`--limit 0` is bad usage (exit 2)."""
        assert _run(env, "follow", "list", "--limit", "0")[0] == 2


class TestFollowSkip:
    def test_skip_takes_an_entry_off_the_list(self, env: dict[str, str]) -> None:
        """`follow skip ID --by kim --reason ...` moves manual → skipped, audited; the list no longer shows it."""
        first, second = _seed(env, [FollowStatus.MANUAL, FollowStatus.MANUAL])
        code, out = _run(env, "follow", "skip", str(first), "--by", "kim", "--reason", "parody account")
        assert (code, out.strip().splitlines()[-1]) == (0, f"follow {first} skipped by kim (author 7000)")
        assert [r["id"] for r in _listed(env, "--status", "manual")] == [second]
        [skipped] = _listed(env, "--status", "skipped")
        assert (skipped["id"], skipped["reason"], skipped["done_by"]) == (
            first, "skipped by kim: parody account", "kim")
        engine = make_engine(env["DATABASE_URL"])
        with Session(engine) as session:
            actions = [(a.actor, a.action) for a in session.exec(select(AuditLog))]
        engine.dispose()
        assert actions == [("kim", "follow.manual_skipped")]

    def test_exit_codes(self, env: dict[str, str]) -> None:
        """Unknown id → 3; not manual any more → 4; --by missing → 2."""
        (decision,) = _seed(env, [FollowStatus.MANUAL])
        assert _run(env, "follow", "skip", "999", "--by", "kim")[0] == 3
        assert _run(env, "follow", "skip", str(decision))[0] == 2
        assert _run(env, "follow", "done", str(decision), "--by", "sam")[0] == 0
        code, out = _run(env, "follow", "skip", str(decision), "--by", "kim")
        assert code == 4
        assert f"follow decision {decision} is already marked followed by sam" in out


class TestFollowApiRetry:
    def test_clears_the_refusal_once(self, env: dict[str, str]) -> None:
        """`follow api-retry` lowers the refusal flag with an audit row; a second run has nothing to do."""
        from bot.follow.refusal import follow_refused, mark_follow_refused

        engine = make_engine(env["DATABASE_URL"])
        with session_scope(engine) as session:
            mark_follow_refused(session, now=T0, actor="w1", detail="NotOnTier: no")
        code, out = _run(env, "follow", "api-retry", "--by", "ops")
        assert (code, out.strip().splitlines()[-1]) == (0, "following through the API allowed again")
        code, out = _run(env, "follow", "api-retry", "--by", "ops")
        assert (code, out.strip().splitlines()[-1]) == (0, "X had not refused following: nothing to do")
        with Session(engine) as session:
            assert follow_refused(session) is False
            actions = [(a.actor, a.action) for a in session.exec(select(AuditLog))]
        engine.dispose()
        assert actions == [("w1", "follow.api_refused"), ("ops", "follow.api_retry")]
