"""X's weighted-length rules as JSON, for the live character counter of the page script (`static/app.js`).

The rules are ~95 KB of JSON (~23 KB gzipped) and change only with a release, so the body is
built and compressed once per process, sent gzipped to a browser that accepts it, and carries a
validator: a browser keeps it `CACHE_SECONDS`, then asks again with `If-None-Match` and gets an
empty 304 while the rules are the same. Only this response is compressed: the dashboard's pages
carry the session's CSRF token next to text from the query string, which compression would
expose to a length-measuring attacker (BREACH), and the other responses are small.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import Response

from bot.text.weighted import browser_rules
from bot.web.accounts import StaffMember
from bot.web.context import WebContext, current_staff

#: The rules change only with a new release; a browser keeps them this long, then revalidates (ETag).
CACHE_SECONDS = 3600
CACHE_CONTROL = f"private, max-age={CACHE_SECONDS}"

#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Staff = Annotated[StaffMember, Depends(current_staff)]


@dataclass(frozen=True, slots=True)
class EncodedRules:
    """The rules' JSON body, the same gzipped, and its ETag (weak: the two encodings share it)."""

    body: bytes
    gzipped: bytes
    etag: str

    @classmethod
    def build(cls) -> EncodedRules:
        body = json.dumps(browser_rules(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(body=body, gzipped=gzip.compress(body, compresslevel=9, mtime=0),
                   etag=f'W/"{hashlib.sha256(body).hexdigest()[:32]}"')


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an `Accept-Encoding` header allows gzip: named (or `*`) with a quality above 0.

    `gzip;q=0` refuses it, and so does `*;q=0` when gzip is not named; no header means identity.
    """
    qualities: dict[str, float] = {}
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if coding.strip():
            qualities[coding.strip().lower()] = quality
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


def etag_matches(if_none_match: str, etag: str) -> bool:
    """`If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for it) or is `*`."""
    opaque = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


@functools.cache
def encoded_rules() -> EncodedRules:
    """The rules as sent, built by the first request (~0.15 s) and kept for the process (they are the release's)."""
    return EncodedRules.build()


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter()

    @router.get("/text/rules")
    def text_rules(staff: Staff, accept_encoding: Annotated[str, Header()] = "",
                   if_none_match: Annotated[str, Header()] = "") -> Response:
        """Ranges, weights, URL patterns, domains and emoji data: what `weighted_length` counts with."""
        encoded = encoded_rules()
        headers = {"Cache-Control": CACHE_CONTROL, "ETag": encoded.etag, "Vary": "Accept-Encoding"}
        if if_none_match and etag_matches(if_none_match, encoded.etag):
            return Response(status_code=304, headers=headers)
        if accepts_gzip(accept_encoding):
            return Response(encoded.gzipped, media_type="application/json",
                            headers={**headers, "Content-Encoding": "gzip"})
        return Response(encoded.body, media_type="application/json", headers=headers)

    return router
