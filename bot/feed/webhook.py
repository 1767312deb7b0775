"""Signing and verifying webhook requests (pure functions; the HTTP endpoint is `bot.web.webhook`).

A sender signs each request with the shared secret (`WEBHOOK_SECRET`)::

    X-Brandbot-Timestamp: 1772366400                      (unix seconds, when it was sent)
    X-Brandbot-Signature: sha256=<hex HMAC-SHA256 of b"<timestamp>." + body>

Including the timestamp in the signed bytes means an old request cannot be replayed with a
fresh timestamp; a timestamp further than `max_skew` seconds from the receiver's clock (past
or future) is refused. Within that window a replay is harmless: events are idempotent by id.

Example (Python)::

    ts = str(int(time.time()))
    sig = "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + body, "sha256").hexdigest()
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime

from bot.errors import BotError

SIGNATURE_HEADER = "X-Brandbot-Signature"
TIMESTAMP_HEADER = "X-Brandbot-Timestamp"
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SignatureError(BotError):
    """A webhook request is not signed correctly; `code` is machine-readable, `reason` says why."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(reason)


class StaleTimestampError(SignatureError):
    """The signed timestamp is too far from the receiver's clock (`skew_seconds`, positive = in the past)."""

    def __init__(self, skew_seconds: int, max_skew: float) -> None:
        self.skew_seconds = skew_seconds
        when = "old" if skew_seconds > 0 else "in the future"
        super().__init__(
            "stale_timestamp",
            f"{TIMESTAMP_HEADER} is {abs(skew_seconds)} s {when}; at most {max_skew:g} s is allowed",
        )


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The `X-Brandbot-Signature` value for `body` sent at `timestamp`: `sha256=<hex>`."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, max_skew: float) -> int:
    """Check the signature and freshness of a request; return its timestamp or raise `SignatureError`."""
    if not secret:
        raise SignatureError("not_configured", "no webhook secret is configured; unsigned requests are refused")
    raw_ts = _header(headers, TIMESTAMP_HEADER)
    raw_sig = _header(headers, SIGNATURE_HEADER)
    if raw_ts is None or raw_sig is None:
        missing = [n for n, v in ((TIMESTAMP_HEADER, raw_ts), (SIGNATURE_HEADER, raw_sig)) if v is None]
        raise SignatureError("missing_signature", f"missing header(s): {', '.join(missing)}")
    raw_ts = raw_ts.strip()
    if not _TIMESTAMP.fullmatch(raw_ts):
        raise SignatureError("bad_timestamp", f"{TIMESTAMP_HEADER} must be unix seconds (digits only)")
    match = _SIGNATURE.fullmatch(raw_sig.strip())
    if match is None:
        raise SignatureError("bad_signature", f"{SIGNATURE_HEADER} must be 'sha256=' and 64 hex digits")
    expected = sign(secret, raw_ts, body).removeprefix("sha256=")
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise SignatureError("bad_signature", "signature does not match the body and timestamp")
    timestamp = int(raw_ts)
    skew = int(now.timestamp()) - timestamp
    if abs(skew) > max_skew:
        raise StaleTimestampError(skew, max_skew)
    return timestamp
