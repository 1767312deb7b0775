"""bot.web.accounts against the store (SQLite and PostgreSQL): one account per name, whatever its letter case."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.store.db import session_scope
from bot.store.models import AuditLog, StaffUser
from bot.web.accounts import UserExistsError, add_user, get_user
from tests.web.conftest import CHEAP_HASHER

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PASSWORD = "long enough!"
TAKEN_AS_SAM = "user 'sam' already exists as 'Sam' (names are not case-sensitive)"
#: Another create's row, written straight to the database (as a second dashboard process would).
INSERT_SAM = ("INSERT INTO staff_users (username, role, password_hash, disabled, created_at) "
              "VALUES ('Sam', 'admin', 'hash', FALSE, '2026-03-01 12:00:00')")


def _add(session: Session, username: str) -> StaffUser:
    return add_user(session, username=username, role="agent", password=PASSWORD, actor="t", now=T0,
                    hasher=CHEAP_HASHER)


def _names(engine: Engine) -> list[str]:
    with Session(engine) as s:
        return [u.username for u in s.exec(select(StaffUser).order_by(col(StaffUser.id)))]


class TestOneAccountPerName:
    def test_the_database_refuses_a_name_differing_only_by_case(self, engine: Engine) -> None:
        """Past `add_user`'s check, the unique index on lower(username) refuses 'SAM' next to 'sam'."""
        with session_scope(engine) as s:
            _add(s, "sam")
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(INSERT_SAM))
        assert _names(engine) == ["sam"]

    def test_get_user_ignores_letter_case(self, engine: Engine) -> None:
        """'SAM', 'Sam' and 'sam' all find the one account, spelled as it was created."""
        with session_scope(engine) as s:
            _add(s, "Sam")
        with Session(engine) as s:
            found = [get_user(s, name) for name in ("SAM", "Sam", "sam", "sa")]
        assert [u.username if u else None for u in found] == ["Sam", "Sam", "Sam", None]

    def test_a_create_that_loses_the_race_says_the_name_is_taken(self, engine: Engine) -> None:
        """'Sam' written by someone else between the check and the insert: 'sam' gets the check's own error."""
        with _another_create_just_before_the_insert(engine) as injected, pytest.raises(UserExistsError) as refused, \
                session_scope(engine) as s:
            _add(s, "sam")
        assert injected == [True]
        assert str(refused.value) == TAKEN_AS_SAM
        assert _names(engine) == []  # the caller's transaction rolled back, the injected row with it

    def test_after_a_lost_race_the_transaction_is_still_usable(self, engine: Engine) -> None:
        """The refused insert is undone to its savepoint: the caller's other work in the transaction commits."""
        with _another_create_just_before_the_insert(engine) as injected, session_scope(engine) as s:
            with pytest.raises(UserExistsError):
                _add(s, "sam")
            s.add(AuditLog(at=T0, actor="t", action="user.add_refused", target="user:sam"))
        assert injected == [True]
        assert _names(engine) == ["Sam"]
        with Session(engine) as s:
            assert [a.action for a in s.exec(select(AuditLog))] == ["user.add_refused"]


@contextmanager
def _another_create_just_before_the_insert(engine: Engine) -> Iterator[list[bool]]:
    """Another writer adds 'Sam' after `add_user`'s check, just before it writes (its savepoint or insert).

    On SQLite no second connection can write while this one holds the write lock, so the row is
    written on the same connection, outside the savepoint, as a committed neighbour would be seen.
    """
    injected: list[bool] = []

    def other_create(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not injected and statement.lstrip().upper().startswith(("SAVEPOINT", "INSERT INTO STAFF_USERS")):
            injected.append(True)
            other = cursor.connection.cursor()
            other.execute(INSERT_SAM)
            other.close()

    event.listen(engine, "before_cursor_execute", other_create)
    try:
        yield injected
    finally:
        event.remove(engine, "before_cursor_execute", other_create)


def _blocked_on_a_lock(engine: Engine) -> bool:
    """Whether a session of this database waits for another transaction (PostgreSQL)."""
    query = text("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                 "WHERE NOT l.granted AND a.datname = current_database()")
    with engine.connect() as conn:
        return bool(conn.execute(query).scalar_one())


@pytest.mark.postgres
class TestConcurrentCreatesOnPostgres:
    def test_two_concurrent_creates_cannot_both_succeed(self, pg_engine: Engine) -> None:
        """'Sam' is added but not committed; 'sam', checked meanwhile, waits on the index and is then refused."""
        outcome: list[BaseException | str] = []

        def second_create() -> None:
            try:
                with session_scope(pg_engine) as s:
                    outcome.append(_add(s, "sam").username)
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                outcome.append(exc)

        with session_scope(pg_engine) as first:
            _add(first, "Sam")  # flushed, not committed: invisible to the second create's check
            racer = threading.Thread(target=second_create)
            racer.start()
            deadline = time.monotonic() + 30
            while racer.is_alive() and not _blocked_on_a_lock(pg_engine):
                assert time.monotonic() < deadline, "the second create neither finished nor waited"
                time.sleep(0.01)
        racer.join(timeout=30)
        assert len(outcome) == 1
        assert isinstance(outcome[0], UserExistsError), outcome
        assert str(outcome[0]) == TAKEN_AS_SAM
        assert _names(pg_engine) == ["Sam"]
