"""OAuth 2.0 user tokens: where they are kept and how they are refreshed.

An OAuth 2.0 PKCE user token expires (two hours) and tweepy does not refresh it. The
`TweepyXClient` refreshes it with its refresh token shortly before it expires (and once after
a 401), and saves the new pair through a `TokenStore` — in memory here; a database-backed
store lives with the rest of the store. Tokens are never logged.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests

from bot.errors import PermanentError, TransientError, Unauthorized
from bot.xapi.transport import TWITTER_API

#: Path of X's token endpoint (relative to the API host).
TOKEN_PATH = "/2/oauth2/token"  # noqa: S105 - a URL path, not a secret
#: Refresh this long before the token expires.
REFRESH_MARGIN = timedelta(minutes=5)
#: Endpoint key used in errors raised by a refresh (it is not rate-budgeted).
TOKEN_ENDPOINT = "POST /2/oauth2/token"  # noqa: S105 - an endpoint key, not a secret


@dataclass(frozen=True, slots=True)
class OAuth2Token:
    """An access token, the refresh token that renews it, and when it expires (None: unknown)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(default="", repr=False)
    expires_at: datetime | None = None

    def needs_refresh(self, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
        """Whether the token expires within `margin` of `now` and can be refreshed."""
        return bool(self.refresh_token) and self.expires_at is not None and now >= self.expires_at - margin


class TokenStore(Protocol):
    """Where the current OAuth 2.0 token pair is kept between runs."""

    def load(self) -> OAuth2Token | None:
        """The saved token, or None when nothing was saved yet."""
        ...

    def save(self, token: OAuth2Token) -> None:
        """Persist `token` (it replaces the previous one)."""
        ...


class InMemoryTokenStore:
    """A `TokenStore` that lives as long as the process (tests, sandbox)."""

    def __init__(self, token: OAuth2Token | None = None) -> None:
        self._token = token
        self._lock = threading.Lock()
        self.saves = 0

    def load(self) -> OAuth2Token | None:
        with self._lock:
            return self._token

    def save(self, token: OAuth2Token) -> None:
        with self._lock:
            self._token = token
            self.saves += 1


def refresh_token(
    session: requests.Session,
    token: OAuth2Token,
    *,
    client_id: str,
    client_secret: str = "",
    now: datetime,
    token_url: str = TWITTER_API + TOKEN_PATH,
) -> OAuth2Token:
    """Exchange `token.refresh_token` for a new token pair at X's token endpoint.

    Raises `Unauthorized` when the refresh token is refused and `TransientError` when the
    endpoint cannot be reached or fails.
    """
    if not token.refresh_token:
        raise Unauthorized("OAuth 2.0 token cannot be refreshed: no refresh token", endpoint=TOKEN_ENDPOINT)
    form = {"grant_type": "refresh_token", "refresh_token": token.refresh_token, "client_id": client_id}
    auth = (client_id, client_secret) if client_secret else None
    try:
        response = session.post(token_url, data=form, auth=auth)
    except requests.RequestException as exc:
        raise TransientError(f"token refresh failed: {type(exc).__name__}", endpoint=TOKEN_ENDPOINT) from exc
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if status >= 500:
        raise TransientError(f"token refresh failed: {status}", status=status, endpoint=TOKEN_ENDPOINT)
    if status in (400, 401) or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        # 400 invalid_grant: the refresh token was used, revoked or expired.
        error = body.get("error") if isinstance(body, dict) else None
        raise Unauthorized(
            f"token refresh refused: {status} {error or ''}".strip(), status=status, endpoint=TOKEN_ENDPOINT
        )
    if not 200 <= status < 300:
        raise PermanentError(f"token refresh failed: {status}", status=status, endpoint=TOKEN_ENDPOINT)
    expires_in = body.get("expires_in")
    expires_at = now + timedelta(seconds=int(expires_in)) if isinstance(expires_in, int | float) else None
    new_refresh = body.get("refresh_token")
    return OAuth2Token(
        access_token=body["access_token"],
        refresh_token=new_refresh if isinstance(new_refresh, str) and new_refresh else token.refresh_token,
        expires_at=expires_at,
    )
