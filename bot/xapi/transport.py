"""The requests transport under tweepy: a default timeout, and host rewriting to reach a sandbox.

tweepy hard-codes `https://api.twitter.com`. `GatewayAdapter`, mounted on the tweepy client's
session for that prefix, sends each request to `base_url` instead (scheme, host, port and an
optional path prefix), over real HTTP. OAuth 1.0a signing happens before the adapter, so the
signature still covers the original URL. tweepy exposes no timeout, so the adapter applies one.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from requests.adapters import HTTPAdapter

from bot.settings import is_real_api

TWITTER_API = "https://api.twitter.com"


class GatewayAdapter(HTTPAdapter):
    """An `HTTPAdapter` that applies `timeout` and, when `base_url` is given, rewrites the API host to it."""

    def __init__(self, *, timeout: float, base_url: str | None = None) -> None:
        super().__init__()
        self.timeout = timeout
        self.base_url = base_url.rstrip("/") if base_url else None

    def rewrite(self, url: str) -> str:
        """`url` with the X API prefix replaced by `base_url` (unchanged when there is no `base_url`)."""
        if self.base_url is None or not url.startswith(TWITTER_API):
            return url
        rest = url[len(TWITTER_API) :]
        if rest and rest[0] not in "/?":
            return url  # e.g. https://api.twitter.com.evil.example — not ours
        return self.base_url + rest

    def send(  # type: ignore[override]  # noqa: PLR0917 - HTTPAdapter.send's signature
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if request.url is not None:
            request.url = self.rewrite(request.url)
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


def mount(session: requests.Session, *, base_url: str, timeout: float) -> GatewayAdapter:
    """Mount the gateway adapter on `session` for the X API prefix and return it."""
    adapter = GatewayAdapter(timeout=timeout, base_url=None if is_real_api(base_url) else base_url)
    session.mount(TWITTER_API, adapter)
    return adapter


def session_for(*, base_url: str, timeout: float) -> requests.Session:
    """A fresh `requests.Session` with the gateway adapter mounted."""
    session = requests.Session()
    mount(session, base_url=base_url, timeout=timeout)
    return session
