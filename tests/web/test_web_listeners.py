"""Where each bot's web server listens: recorded, closed and found again the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.store.db import session_scope
from bot.store.models import WebListener
from bot.web.listeners import (
    close_listener,
    connect_host,
    healthz_url,
    http_base,
    record_listener,
    running_listener,
)

#: Processes 10 and 11 run; any other pid is gone.
RUNNING = {10, 11}


def _alive(pid: int) -> bool:
    return pid in RUNNING


def _record(session: Session, clock: ManualClock, *, hostname: str = "box", pid: int = 10, port: int = 8080,
            host: str = "0.0.0.0") -> WebListener:  # noqa: S104 - an address as recorded, nothing is bound
    return record_listener(session, worker=f"{hostname}:{pid}", hostname=hostname, pid=pid, host=host, port=port,
                           now=clock.now())


class TestRecordAndFind:
    def test_the_recorded_address_is_found_on_its_host(self, engine: Engine, clock: ManualClock) -> None:
        """A bot's row comes back whole for its host name while its process runs."""
        with session_scope(engine) as s:
            row = _record(s, clock, port=41234)
        with session_scope(engine) as s:
            found = running_listener(s, hostname="box", alive=_alive)
        assert found is not None
        assert (found.id, found.worker, found.hostname, found.pid, found.host, found.port) == (
            row.id, "box:10", "box", 10, "0.0.0.0", 41234)  # noqa: S104
        assert (found.started_at, found.stopped_at) == (clock.now(), None)

    def test_nothing_for_another_host(self, engine: Engine, clock: ManualClock) -> None:
        """Bots of other hosts sharing the database are not this host's bot."""
        with session_scope(engine) as s:
            _record(s, clock, hostname="other-container")
            assert running_listener(s, hostname="box", alive=_alive) is None

    def test_the_newest_running_one_wins(self, engine: Engine, clock: ManualClock) -> None:
        """Two bots on one host: the one that bound last is asked."""
        with session_scope(engine) as s:
            _record(s, clock, pid=10, port=8080)
            clock.advance(60)
            _record(s, clock, pid=11, port=8081)
            found = running_listener(s, hostname="box", alive=_alive)
        assert found is not None
        assert (found.pid, found.port) == (11, 8081)

    def test_a_process_that_is_gone_is_passed_over(self, engine: Engine, clock: ManualClock) -> None:
        """A bot killed before it could close its row (pid 12 no longer runs) does not hide the one still running."""
        with session_scope(engine) as s:
            _record(s, clock, pid=10, port=8080)
            _record(s, clock, pid=12, port=9999)
            found = running_listener(s, hostname="box", alive=_alive)
        assert found is not None
        assert (found.pid, found.port) == (10, 8080)

    def test_a_closed_row_is_not_running(self, engine: Engine, clock: ManualClock) -> None:
        """Once its bot stopped, a row is history: the same pid running again (a restarted container) is not it."""
        with session_scope(engine) as s:
            row = _record(s, clock)
            assert row.id is not None
            close_listener(s, listener_id=row.id, now=clock.now())
            assert running_listener(s, hostname="box", alive=_alive) is None

    def test_close_keeps_the_first_stop_time_and_the_row(self, engine: Engine, clock: ManualClock) -> None:
        """Closing twice changes nothing the second time; rows are kept (when each bot listened)."""
        with session_scope(engine) as s:
            row = _record(s, clock)
            assert row.id is not None
            first = clock.now() + timedelta(minutes=5)
            close_listener(s, listener_id=row.id, now=first)
            close_listener(s, listener_id=row.id, now=first + timedelta(minutes=5))
        with session_scope(engine) as s:
            assert [(r.id, r.stopped_at) for r in s.exec(select(WebListener))] == [(row.id, first)]


class TestAddresses:
    @pytest.mark.parametrize(
        ("bound", "connect"),
        [("0.0.0.0", "127.0.0.1"), ("::", "::1"), ("", "127.0.0.1"), ("127.0.0.1", "127.0.0.1"),  # noqa: S104
         ("10.1.2.3", "10.1.2.3"), ("localhost", "localhost")],
    )
    def test_every_interface_is_asked_on_loopback(self, bound: str, connect: str) -> None:
        """A socket bound to every interface is reached on loopback; a given address is used as it is."""
        assert connect_host(bound) == connect

    @pytest.mark.parametrize(
        ("host", "url"),
        [("0.0.0.0", "http://127.0.0.1:41234/healthz"), ("::", "http://[::1]:41234/healthz"),  # noqa: S104
         ("10.1.2.3", "http://10.1.2.3:41234/healthz"), ("bot.local", "http://bot.local:41234/healthz")],
    )
    def test_healthz_url(self, clock: ManualClock, host: str, url: str) -> None:
        """The URL `brandbot health` asks: IPv6 addresses in brackets."""
        row = WebListener(worker="box:1", hostname="box", pid=1, host=host, port=41234, started_at=clock.now())
        assert healthz_url(row) == url

    def test_http_base_shows_the_bound_address(self) -> None:
        """The start-up banner shows what was bound, IPv6 in brackets."""
        assert http_base("0.0.0.0", 8080) == "http://0.0.0.0:8080"  # noqa: S104
        assert http_base("::", 8080) == "http://[::]:8080"
