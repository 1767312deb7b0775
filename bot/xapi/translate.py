"""Turn what X (or the network) said into the project's error tree (`bot.errors`).

Decisions are taken from the HTTP status, tweepy's `api_codes` and the JSON problem fields
(`type`, `title`, `reason`) of the response body. The one exception is duplicate content,
which X identifies only by its `detail` text; that single check is isolated in
`_is_duplicate_detail`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from bot.errors import (
    BadRequest,
    CreditsDepleted,
    DuplicateContent,
    Forbidden,
    NotFound,
    NotOnTier,
    NotVisible,
    PermanentError,
    RateLimited,
    TransientError,
    Unauthorized,
    UsageCapExceeded,
    XApiError,
)

#: Last path segment of problem `type` URIs meaning "this tier/app may not do that".
_NOT_ON_TIER_TYPES = frozenset({"client-forbidden", "follow-not-allowed", "not-on-tier", "access-level"})
#: `reason` values X sends with client-forbidden problems.
_NOT_ON_TIER_REASONS = frozenset({"client-not-enrolled", "official-client-forbidden"})
#: v1.1-style error codes: 453 "You currently have access to a subset of ... endpoints" (access level).
_NOT_ON_TIER_CODES = frozenset({453})
#: v1.1-style duplicate status code, sent by some gateways alongside the v2 body.
_DUPLICATE_CODES = frozenset({187})
#: Problem types inside a 200 response's `errors[]` that mean the resource is gone.
_GONE_TYPES = frozenset({"resource-not-found", "resource-unavailable"})
#: The problem type of a resource that exists but that this account may not see (a protected account's post).
_NOT_VISIBLE = "not-authorized-for-resource"


def problem_kind(value: object) -> str:
    """The last path segment of a problem `type` URI (`https://api.x.com/2/problems/usage-capped` → `usage-capped`)."""
    if not isinstance(value, str):
        return ""
    return value.rstrip("/").rsplit("/", 1)[-1]


def _is_duplicate_detail(detail: object) -> bool:
    # X marks a duplicate post only by this detail text on an otherwise generic 403
    # ("You are not allowed to create a Tweet with duplicate content."). This is the one
    # place where free text decides; keep it isolated.
    return isinstance(detail, str) and "duplicate content" in detail.lower()


def _reset_at(headers: Mapping[str, str]) -> datetime | None:
    value = headers.get("x-rate-limit-reset")
    try:
        return None if value is None else datetime.fromtimestamp(int(value), UTC)
    except ValueError:
        return None


def _json(response: requests.Response | None) -> dict[str, Any]:
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _problem_fields(body: Mapping[str, Any]) -> tuple[set[str], set[str], set[str], list[object]]:
    """Problem kinds, titles, reasons and details of the body and of each entry of its `errors[]`."""
    entries: list[Mapping[str, Any]] = [body]
    errors = body.get("errors")
    if isinstance(errors, list):
        entries.extend(e for e in errors if isinstance(e, Mapping))
    kinds = {problem_kind(e.get("type")) for e in entries} - {""}
    titles = {str(e["title"]) for e in entries if "title" in e}
    reasons = {str(e["reason"]) for e in entries if "reason" in e}
    details: list[object] = [e.get("detail") for e in entries] + [e.get("message") for e in entries]
    return kinds, titles, reasons, details


def translate_response(
    status: int,
    headers: Mapping[str, str],
    body: Mapping[str, Any],
    *,
    endpoint: str,
    api_codes: list[int] | None = None,
) -> XApiError:
    """The error for a non-2xx response with `status`, `headers` and JSON `body`."""
    codes = set(api_codes or [])
    for e in body.get("errors") or []:
        if isinstance(e, Mapping) and isinstance(e.get("code"), int):
            codes.add(e["code"])
    kinds, titles, reasons, details = _problem_fields(body)
    message = f"{endpoint}: {status} {body.get('title') or ''} {body.get('detail') or ''}".strip()
    kw: dict[str, Any] = {"status": status, "endpoint": endpoint, "body": dict(body)}

    if status == 429:
        if "usage-capped" in kinds or "UsageCapExceeded" in titles:
            return UsageCapExceeded(message, **kw)
        return RateLimited(message, reset_at=_reset_at(headers), **kw)
    if status == 402 or "credits-depleted" in kinds:
        return CreditsDepleted(message, **kw)
    if status == 400:
        return BadRequest(message, **kw)
    if status == 401:
        return Unauthorized(message, **kw)
    if status == 403:
        if codes & _DUPLICATE_CODES or any(_is_duplicate_detail(d) for d in details):
            return DuplicateContent(message, **kw)
        if kinds & _NOT_ON_TIER_TYPES or reasons & _NOT_ON_TIER_REASONS or codes & _NOT_ON_TIER_CODES:
            return NotOnTier(message, **kw)
        if _NOT_VISIBLE in kinds:
            return NotVisible(message, **kw)
        return Forbidden(message, **kw)
    if status in (404, 410):
        return NotFound(message, **kw)
    if status >= 500:
        return TransientError(message, **kw)
    return PermanentError(message, **kw)


def translate_http_error(exc: tweepy.HTTPException, *, endpoint: str) -> XApiError:
    """The error for a tweepy `HTTPException` (any non-2xx response)."""
    response: requests.Response = exc.response
    codes = [c for c in exc.api_codes if isinstance(c, int)]
    return translate_response(
        response.status_code, response.headers, _json(response), endpoint=endpoint, api_codes=codes
    )


def translate_request_error(exc: requests.RequestException, *, endpoint: str) -> XApiError:
    """The error for a failure to get any response (timeout, refused or dropped connection, ...)."""
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return TransientError(f"{endpoint}: {type(exc).__name__}", endpoint=endpoint)
    return TransientError(f"{endpoint}: request failed: {type(exc).__name__}", endpoint=endpoint)


def partial_error(body: Mapping[str, Any], *, endpoint: str) -> XApiError | None:
    """For a 2xx body without `data` but with `errors[]`: the error it means (e.g. a deleted tweet → NotFound)."""
    if body.get("data") is not None:
        return None
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    kinds, titles, _reasons, _details = _problem_fields({"errors": errors})
    first = errors[0] if isinstance(errors[0], Mapping) else {}
    message = f"{endpoint}: {first.get('title', '')} {first.get('detail', '')}".strip()
    kw: dict[str, Any] = {"status": 200, "endpoint": endpoint, "body": dict(body)}
    if kinds & _GONE_TYPES or "Not Found Error" in titles:
        return NotFound(message, **kw)
    if _NOT_VISIBLE in kinds:
        return NotVisible(message, **kw)
    if "disallowed-resource" in kinds:
        return Forbidden(message, **kw)
    return PermanentError(message, **kw)
