"""The gateway transport: URL rewriting and the real-API check."""

from __future__ import annotations

import pytest
import requests

from bot.xapi.transport import GatewayAdapter, mount


class TestRewrite:
    @pytest.mark.parametrize(
        ("base_url", "url", "expected"),
        [
            ("http://127.0.0.1:8099", "https://api.twitter.com/2/tweets", "http://127.0.0.1:8099/2/tweets"),
            ("http://127.0.0.1:8099/x/", "https://api.twitter.com/2/tweets/search/recent?query=a",
             "http://127.0.0.1:8099/x/2/tweets/search/recent?query=a"),
            ("http://127.0.0.1:8099", "https://api.twitter.com.evil.example/2/tweets",
             "https://api.twitter.com.evil.example/2/tweets"),
            ("http://127.0.0.1:8099", "https://upload.twitter.com/1.1/media", "https://upload.twitter.com/1.1/media"),
            (None, "https://api.twitter.com/2/tweets", "https://api.twitter.com/2/tweets"),
        ],
    )
    def test_rewrite(self, base_url: str | None, url: str, expected: str) -> None:
        """Only the exact X API prefix is replaced by base_url."""
        assert GatewayAdapter(timeout=1.0, base_url=base_url).rewrite(url) == expected


class TestMount:
    def test_real_api_gets_a_timeout_but_no_rewriting(self) -> None:
        """For the real API the adapter keeps the URL and still applies the timeout."""
        with requests.Session() as session:
            adapter = mount(session, base_url="https://api.twitter.com", timeout=3.0)
            assert session.get_adapter("https://api.twitter.com/2/tweets") is adapter
        assert (adapter.base_url, adapter.timeout) == (None, 3.0)
