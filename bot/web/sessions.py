"""Signed session cookies (stdlib HMAC-SHA256; no server-side session table).

A cookie is `base64url(json payload) "." base64url(hmac)`. The payload holds the session id,
its CSRF token, the signed-in user (with a fingerprint of their password hash, so changing the
password or disabling the account ends every session), when it was issued and pending flash
messages. Anything that does not verify is treated as no session at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

COOKIE_NAME = "brandbot_session"
SESSION_LIFETIME = timedelta(hours=12)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the stored hash: a session signed before a password change no longer matches."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class WebSession:
    """One browser's session; `dirty` once anything changed, so the cookie is re-issued."""

    sid: str
    csrf: str
    issued_at: float
    username: str | None = None
    fingerprint: str | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)
    dirty: bool = False

    @classmethod
    def anonymous(cls, now: datetime) -> WebSession:
        """A fresh session with no user (it still carries a CSRF token, for the login form)."""
        return cls(sid=secrets.token_urlsafe(16), csrf=secrets.token_urlsafe(32), issued_at=now.timestamp(),
                   dirty=True)

    def sign_in(self, username: str, fingerprint: str, now: datetime) -> None:
        """Become `username`'s session with a new id and CSRF token (no fixation of the old ones)."""
        self.sid = secrets.token_urlsafe(16)
        self.csrf = secrets.token_urlsafe(32)
        self.issued_at = now.timestamp()
        self.username = username
        self.fingerprint = fingerprint
        self.dirty = True

    def sign_out(self, now: datetime) -> None:
        """Forget the user; a new id and CSRF token."""
        fresh = WebSession.anonymous(now)
        self.sid, self.csrf, self.issued_at = fresh.sid, fresh.csrf, fresh.issued_at
        self.username = self.fingerprint = None
        self.dirty = True

    def flash(self, level: str, message: str) -> None:
        """Queue a message for the next page shown (`level` is ok or error)."""
        self.flashes.append((level, message))
        self.dirty = True

    def pop_flashes(self) -> list[tuple[str, str]]:
        out, self.flashes = self.flashes, []
        if out:
            self.dirty = True
        return out


class SessionCodec:
    """Signs and verifies session cookies with one secret."""

    def __init__(self, secret: bytes, *, lifetime: timedelta = SESSION_LIFETIME) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret must be at least 16 bytes")
        self._key = hashlib.sha256(b"brandbot-session:" + secret).digest()
        self.lifetime = lifetime

    def _mac(self, body: str) -> str:
        return _b64encode(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())

    def encode(self, session: WebSession) -> str:
        payload = {
            "sid": session.sid,
            "csrf": session.csrf,
            "iat": session.issued_at,
            "user": session.username,
            "fp": session.fingerprint,
            "flash": [list(f) for f in session.flashes][-5:],
        }
        body = _b64encode(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
        return f"{body}.{self._mac(body)}"

    def decode(self, cookie: str | None, *, now: datetime) -> WebSession | None:
        """The session in `cookie`, or None if it is missing, tampered with, malformed or expired."""
        if not cookie or cookie.count(".") != 1:
            return None
        body, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            payload = json.loads(_b64decode(body))
            session = WebSession(
                sid=str(payload["sid"]),
                csrf=str(payload["csrf"]),
                issued_at=float(payload["iat"]),
                username=None if payload["user"] is None else str(payload["user"]),
                fingerprint=None if payload["fp"] is None else str(payload["fp"]),
                flashes=[(str(level), str(text)) for level, text in payload["flash"]],
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        age = now.timestamp() - session.issued_at
        if age > self.lifetime.total_seconds() or age < -300:
            return None
        return session
