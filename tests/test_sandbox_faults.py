"""Fault injection: seeded 5xx, dropped connections, timeouts, 429 bursts and revoked credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import tweepy

from bot.clock import ManualClock
from bot.sandbox import BRAND_USER_ID, FaultSettings, SandboxConfig, SandboxServer
from bot.sandbox.faults import Fault, Faults
from bot.sandbox.testing import SandboxAdmin, tweepy_client

Start = Callable[..., SandboxServer]


@pytest.fixture
def start(clock: ManualClock) -> Iterator[Start]:
    """Start sandboxes (quiet scenario, Pro tier unless told) on the manual clock; stop them afterwards."""
    servers: list[SandboxServer] = []

    def _start(**kw: Any) -> SandboxServer:
        kw.setdefault("scenario", "quiet")
        kw.setdefault("tier", "pro")
        server = SandboxServer(SandboxConfig(**kw), clock).start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


def statuses(server: SandboxServer, count: int) -> list[int]:
    """Status codes of `count` GET /2/users/me calls."""
    client = tweepy_client(server.url)
    out = []
    for _ in range(count):
        try:
            out.append(client.request("GET", "/2/users/me", user_auth=True).status_code)
        except tweepy.HTTPException as exc:
            out.append(exc.response.status_code)
    return out


class TestFaultDraws:
    def test_same_seed_same_faults(self) -> None:
        """Two fault injectors with one seed draw the same sequence."""
        settings = FaultSettings(error_rate_5xx=0.3, drop_rate=0.1)
        a, b = Faults(settings, seed=42), Faults(settings, seed=42)
        assert [a.draw() for _ in range(50)] == [b.draw() for _ in range(50)]

    def test_burst_counts_down(self) -> None:
        """A burst of 2 gives two 429s, then nothing."""
        faults = Faults(FaultSettings(burst_429=2), seed=0)
        assert [faults.draw() for _ in range(3)] == [Fault.BURST_429, Fault.BURST_429, Fault.NONE]


class TestServerFaults:
    def test_error_rate_is_seeded(self, start: Start) -> None:
        """With error_rate_5xx=0.5 and seed 7 the same requests fail the same way on two servers."""
        faults = FaultSettings(error_rate_5xx=0.5)
        first = statuses(start(seed=7, faults=faults), 20)
        second = statuses(start(seed=7, faults=faults), 20)
        assert first == second
        assert sorted(set(first)) == [200, 500, 503]
        assert first.count(200) == 11

    def test_server_error_body_and_usage(self, start: Start) -> None:
        """A 5xx carries a JSON problem body and is counted in /_sandbox/usage."""
        server = start(faults=FaultSettings(error_rate_5xx=1.0))
        with pytest.raises(tweepy.TwitterServerError) as info:
            tweepy_client(server.url).get_me(user_auth=True)
        assert info.value.response.json()["status"] in (500, 503)
        assert SandboxAdmin(server.url).usage()["server_errors_5xx"] == 1

    def test_drop_closes_the_connection(self, start: Start) -> None:
        """drop_rate=1 closes the connection without a response."""
        server = start(faults=FaultSettings(drop_rate=1.0))
        with pytest.raises(requests.ConnectionError):
            tweepy_client(server.url).get_me(user_auth=True)
        assert SandboxAdmin(server.url).usage()["dropped"] == 1

    def test_timeout_holds_past_the_client_timeout(self, start: Start) -> None:
        """timeout_rate=1 holds the request until the client gives up."""
        server = start(faults=FaultSettings(timeout_rate=1.0, timeout_hold_seconds=5.0))
        with pytest.raises(requests.ReadTimeout):
            tweepy_client(server.url, timeout=0.2).get_me(user_auth=True)

    def test_burst_429_set_at_run_time(self, start: Start) -> None:
        """POST /_sandbox/faults {"burst_429": 2} makes the next two requests 429, then calls succeed."""
        server = start()
        SandboxAdmin(server.url).faults(burst_429=2)
        assert statuses(server, 3) == [429, 429, 200]
        assert SandboxAdmin(server.url).usage()["rate_limited_429"] == 2

    def test_revoke_then_restore(self, start: Start, clock: ManualClock) -> None:
        """Credentials work until revoke_token_at, answer 401 after it, and work again after restore_token."""
        server = start()
        admin = SandboxAdmin(server.url)
        admin.faults(revoke_token_at="2026-03-01T12:01:00Z")
        assert statuses(server, 1) == [200]
        clock.advance(61)
        assert statuses(server, 1) == [401]
        admin.faults(restore_token=True)
        assert statuses(server, 1) == [200]

    def test_invalid_fault_setting_is_refused(self, start: Start) -> None:
        """An unknown or out-of-range fault setting answers 400 and changes nothing."""
        server = start()
        response = requests.post(f"{server.url}/_sandbox/faults", json={"error_rate_5xx": 2}, timeout=5)
        assert response.status_code == 400
        assert response.json() == {"error": "error_rate_5xx must be a number between 0 and 1"}
        assert SandboxAdmin(server.url).faults()["error_rate_5xx"] == 0.0


class TestInspection:
    def test_deleted_mention_vanishes(self, start: Start) -> None:
        """A mention deleted through /_sandbox is gone from mentions and lookups."""
        server = start()
        admin = SandboxAdmin(server.url)
        tid = admin.mention("alice", "hello")
        client = tweepy_client(server.url)
        assert client.get_tweet(tid, user_auth=True).data.text == "@brandbot hello"
        admin.delete(tid)
        assert client.get_users_mentions(BRAND_USER_ID, user_auth=True).meta == {"result_count": 0}
        with pytest.raises(tweepy.NotFound):
            client.get_tweet(tid, user_auth=True)

    def test_reset_empties_the_world(self, start: Start) -> None:
        """POST /_sandbox/reset forgets posts, follows and usage."""
        server = start()
        admin = SandboxAdmin(server.url)
        tweepy_client(server.url).create_tweet(text="before reset")
        admin.reset()
        assert (admin.posts(), admin.usage()["calls"]) == ([], {})

    def test_clock_reports_sandbox_time(self, start: Start, clock: ManualClock) -> None:
        """GET /_sandbox/clock shows the sandbox clock's now."""
        server = start()
        clock.advance(90)
        assert SandboxAdmin(server.url).clock()["now"] == "2026-03-01T12:01:30.000Z"
