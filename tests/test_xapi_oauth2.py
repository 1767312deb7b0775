"""OAuth 2.0 tokens: when to refresh, the in-memory store, and the refresh exchange."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from bot.errors import TransientError, Unauthorized
from bot.xapi.oauth2 import InMemoryTokenStore, OAuth2Token, refresh_token

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class StubAdapter(BaseAdapter):
    """A requests transport answering every request with one canned response (no network)."""

    def __init__(self, status: int, body: Any = None, error: Exception | None = None) -> None:
        super().__init__()
        self.status, self.body, self.error = status, body, error
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        if self.error is not None:
            raise self.error
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(self.body).encode()
        response.request = request
        return response

    def close(self) -> None:
        pass


def session_with(adapter: StubAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    return session


class TestToken:
    @pytest.mark.parametrize(
        ("token", "due"),
        [
            (OAuth2Token("a", "r", NOW + timedelta(minutes=6)), False),
            (OAuth2Token("a", "r", NOW + timedelta(minutes=5)), True),
            (OAuth2Token("a", "r", NOW - timedelta(minutes=1)), True),
            (OAuth2Token("a", "", NOW - timedelta(minutes=1)), False),
            (OAuth2Token("a", "r", None), False),
        ],
    )
    def test_needs_refresh(self, token: OAuth2Token, due: bool) -> None:
        """A refreshable token is due 5 minutes before it expires; unknown expiry is never due."""
        assert token.needs_refresh(NOW) is due

    def test_repr_hides_tokens(self) -> None:
        """Neither token appears in the repr (log safety)."""
        assert "secret-value" not in repr(OAuth2Token("secret-value", "secret-value", NOW))


class TestStore:
    def test_round_trip(self) -> None:
        """What is saved is loaded; an empty store loads None."""
        store = InMemoryTokenStore()
        assert store.load() is None
        store.save(OAuth2Token("a", "r", NOW))
        assert store.load() == OAuth2Token("a", "r", NOW)
        assert store.saves == 1


class TestRefresh:
    def test_exchange(self) -> None:
        """The refresh posts the form with basic auth and returns the new pair with its expiry."""
        adapter = StubAdapter(200, {"access_token": "n", "refresh_token": "nr", "expires_in": 7200})
        with session_with(adapter) as session:
            token = refresh_token(session, OAuth2Token("o", "or"), client_id="cid", client_secret="s", now=NOW)
        assert token == OAuth2Token("n", "nr", NOW + timedelta(hours=2))
        sent = adapter.sent[0]
        assert (sent.method, sent.url) == ("POST", "https://api.twitter.com/2/oauth2/token")
        assert sent.body == "grant_type=refresh_token&refresh_token=or&client_id=cid"
        assert sent.headers["Authorization"] == "Basic Y2lkOnM="

    def test_public_client_sends_no_basic_auth_and_keeps_the_refresh_token(self) -> None:
        """Without a client secret there is no Authorization header; a missing new refresh token keeps the old."""
        adapter = StubAdapter(200, {"access_token": "n", "expires_in": 60})
        with session_with(adapter) as session:
            token = refresh_token(session, OAuth2Token("o", "or"), client_id="cid", now=NOW)
        assert token == OAuth2Token("n", "or", NOW + timedelta(seconds=60))
        assert "Authorization" not in adapter.sent[0].headers

    @pytest.mark.parametrize(
        ("adapter", "expected"),
        [
            (StubAdapter(400, {"error": "invalid_request"}), Unauthorized),
            (StubAdapter(401, {"error": "unauthorized_client"}), Unauthorized),
            (StubAdapter(200, {"nothing": True}), Unauthorized),
            (StubAdapter(503, {}), TransientError),
            (StubAdapter(0, error=requests.ConnectTimeout()), TransientError),
        ],
    )
    def test_failures(self, adapter: StubAdapter, expected: type[Exception]) -> None:
        """A refused refresh is Unauthorized; an unreachable or failing endpoint is transient."""
        with session_with(adapter) as session, pytest.raises(expected):
            refresh_token(session, OAuth2Token("o", "or"), client_id="cid", now=NOW)

    def test_no_refresh_token(self) -> None:
        """A token without a refresh token cannot be refreshed and nothing is sent."""
        adapter = StubAdapter(200, {})
        with session_with(adapter) as session, pytest.raises(Unauthorized):
            refresh_token(session, OAuth2Token("o"), client_id="cid", now=NOW)
        assert adapter.sent == []
