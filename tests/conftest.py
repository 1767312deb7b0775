"""Shared fixtures: a network guard, a manual clock, and a store on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bot.clock import ManualClock
from bot.store.db import make_engine, session_scope, upgrade
from bot.store.models import Author, Mention
from bot.triage.routing import NewComplaint, open_triage_items

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PG_ADMIN_URL = os.environ.get("BRANDBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
        raise RuntimeError(f"network access in tests is forbidden: tried to connect to {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test loudly."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """Logging configured by one test (e.g. a CLI run onto a captured stream) never leaks into the next."""
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers[:] = []


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head, dropped at the end."""
    name = f"brandbot_t_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - turned into a loud failure with the reason
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is required for the store tests: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test runs on SQLite (a fresh file) and on PostgreSQL (emptied tables)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'brandbot.db'}"
        upgrade(url)
        return url
    url: str = request.getfixturevalue("pg_database_url")
    engine = make_engine(url)
    _truncate(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database (for tests that need only one store)."""
    url = f"sqlite:///{tmp_path / 'brandbot.db'}"
    upgrade(url)
    return url


@pytest.fixture
def pg_engine(pg_database_url: str) -> Iterator[Engine]:
    """The session's PostgreSQL test database, emptied (for tests that are about PostgreSQL only)."""
    engine = make_engine(pg_database_url)
    _truncate(engine)
    yield engine
    engine.dispose()


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a one-shot CLI command in tests: the repo's templates, an X API nobody answers."""
    return {"DATABASE_URL": database_url, "TEMPLATE_DIR": str(REPO / "templates"),
            "X_API_BASE_URL": "http://127.0.0.1:9", "LOG_FORMAT": "json", **extra}


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


class FileOpens:
    """How many times each watched file was opened, seen through the interpreter's "open" audit event.

    A seam at the boundary (every `open()`, `Path.read_text()` ...), so a test counts reads of a
    file without patching the code that reads it.
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def watch(self, path: Path) -> None:
        self.counts[str(path)] = 0

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and self.counts and isinstance(args[0], (str, os.PathLike)):
            name = os.fspath(args[0])
            if name in self.counts:
                self.counts[name] += 1


@pytest.fixture(scope="session")
def _open_audit() -> FileOpens:
    """One audit hook for the session (a hook cannot be removed); it counts nothing unless a test watches a file."""
    opens = FileOpens()
    sys.addaudithook(opens)
    return opens


@pytest.fixture
def file_opens(_open_audit: FileOpens) -> Iterator[FileOpens]:
    """Count opens of the files this test `watch`es."""
    yield _open_audit
    _open_audit.counts.clear()


def open_items(engine: Engine, clock: ManualClock, severities: list[str], *, summoned: bool = True) -> list[int]:
    """One triage item per severity, on mentions "1", "2", … by author "7" (@ada), opened now; their ids."""
    now = clock.now()
    with session_scope(engine) as session:
        session.add(Author(id="7", username="ada", first_seen_at=now, last_seen_at=now))
        session.flush()
        for n, _ in enumerate(severities, start=1):
            session.add(Mention(id=str(n), author_id="7", text=f"@brandbot problem {n}", created_at=now, seen_at=now,
                                summoned=summoned))
        session.flush()
        ids = open_triage_items(
            session, [NewComplaint(str(n), "7", sev, 0.9) for n, sev in enumerate(severities, start=1)], now=now)
    return [ids[str(n)] for n in range(1, len(severities) + 1)]


def open_another_item(engine: Engine, clock: ManualClock, severity: str, *, mention_id: str) -> int:
    """One more triage item by @ada (after `open_items`), on mention `mention_id`, opened now; its id."""
    now = clock.now()
    with session_scope(engine) as session:
        session.add(Mention(id=mention_id, author_id="7", text="@brandbot again", created_at=now, seen_at=now))
        session.flush()
        ids = open_triage_items(session, [NewComplaint(mention_id, "7", severity, 0.9)], now=now)
    return ids[mention_id]
