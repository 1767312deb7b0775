"""Credentials the sandbox accepts: OAuth 1.0a user context and OAuth 2.0 bearer tokens.

OAuth 1.0a signatures are not verified, but the `Authorization: OAuth ...` header is parsed
and its `oauth_token` must not be revoked. OAuth 2.0 user tokens are issued by the sandbox
(the fixed `SANDBOX_OAUTH2_TOKEN` and those minted by `POST /2/oauth2/token`) and expire on
the sandbox clock. `revoke_all` turns every credential issued so far into a 401.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import unquote

from bot.sandbox.constants import SANDBOX_APP_BEARER_TOKEN, SANDBOX_OAUTH2_REFRESH_TOKEN, SANDBOX_OAUTH2_TOKEN

DEFAULT_SCOPE = "tweet.read tweet.write users.read follows.read follows.write offline.access"


class AuthKind(Enum):
    """How a request authenticated."""

    OAUTH1_USER = "oauth1"
    OAUTH2_USER = "oauth2"
    APP_ONLY = "app"


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated principal of a request."""

    kind: AuthKind
    user_id: str | None  # None for app-only


@dataclass(slots=True)
class _Token:
    user_id: str
    expires_at: datetime | None
    scope: str
    refresh_token: str


def parse_oauth1(header: str) -> dict[str, str]:
    """The parameters of an `OAuth k="v", ...` header (empty when it is not one)."""
    if not header.startswith("OAuth "):
        return {}
    params: dict[str, str] = {}
    for part in header[6:].split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            params[unquote(key)] = unquote(value.strip('"'))
    return params


class Credentials:
    """Tokens known to the sandbox. Not thread-safe on its own: the server holds the state lock."""

    def __init__(self, *, user_id: str, now: datetime, ttl_seconds: int) -> None:
        self.user_id = user_id
        self.ttl = timedelta(seconds=ttl_seconds)
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, str] = {}  # refresh token -> user id
        self._revoked_oauth1: set[str] = set()
        self._revoked_all_before: datetime | None = None
        self._issued_at: dict[str, datetime] = {}
        self.register(SANDBOX_OAUTH2_TOKEN, SANDBOX_OAUTH2_REFRESH_TOKEN, now=now, expires=False)

    def register(self, access: str, refresh: str, *, now: datetime, expires: bool = True) -> None:
        """Accept `access` (expiring after the TTL unless `expires` is False) renewable with `refresh`."""
        self._access[access] = _Token(self.user_id, now + self.ttl if expires else None, DEFAULT_SCOPE, refresh)
        self._issued_at[access] = now
        if refresh:
            self._refresh[refresh] = self.user_id

    def authenticate(self, header: str, now: datetime) -> Caller | None:
        """The caller for an `Authorization` header, or None (401)."""
        if self._revoked_all_before is not None and now >= self._revoked_all_before:
            revoked_since = self._revoked_all_before
        else:
            revoked_since = None
        oauth1 = parse_oauth1(header)
        if oauth1:
            token = oauth1.get("oauth_token", "")
            if not token or not oauth1.get("oauth_consumer_key") or token in self._revoked_oauth1:
                return None
            if revoked_since is not None:
                return None
            return Caller(AuthKind.OAUTH1_USER, self.user_id)
        if not header.startswith("Bearer "):
            return None
        bearer = header[7:].strip()
        if bearer == SANDBOX_APP_BEARER_TOKEN:
            return Caller(AuthKind.APP_ONLY, None)
        info = self._access.get(bearer)
        if info is None or (info.expires_at is not None and now >= info.expires_at):
            return None
        if revoked_since is not None and self._issued_at[bearer] <= revoked_since:
            return None
        return Caller(AuthKind.OAUTH2_USER, info.user_id)

    def refresh(self, refresh_token: str, now: datetime) -> dict[str, object] | None:
        """Exchange a refresh token for a new pair (the old refresh token is used up), or None."""
        user_id = self._refresh.get(refresh_token)
        if refresh_token != SANDBOX_OAUTH2_REFRESH_TOKEN:
            self._refresh.pop(refresh_token, None)  # issued refresh tokens rotate; the documented one is reusable
        if user_id is None:
            return None
        if self._revoked_all_before is not None and now >= self._revoked_all_before:
            return None
        access, new_refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.register(access, new_refresh, now=now)
        return {
            "token_type": "bearer",
            "expires_in": int(self.ttl.total_seconds()),
            "access_token": access,
            "scope": DEFAULT_SCOPE,
            "refresh_token": new_refresh,
        }

    def revoke_all(self, at: datetime) -> None:
        """From `at` on, every credential issued up to then is refused."""
        self._revoked_all_before = at

    def restore(self) -> None:
        """Undo `revoke_all` (the user re-authorised the app)."""
        self._revoked_all_before = None
        self._revoked_oauth1.clear()

    def revoke_oauth1(self, token: str) -> None:
        """Refuse one OAuth 1.0a access token."""
        self._revoked_oauth1.add(token)
