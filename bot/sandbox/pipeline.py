"""Serving one `/2/...` request: faults → route → auth → tier → rate limit → usage cap → credits → handler.

Every response after authentication carries the endpoint's `x-rate-limit-*` headers; posting
also carries `x-user-limit-24hour-*` and `x-app-limit-24hour-*`. Windows count every
authenticated request, as X's do; credits and the 24-hour posting caps count successes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.sandbox import endpoints as ep
from bot.sandbox import problems
from bot.sandbox.auth import AuthKind
from bot.sandbox.core import SandboxState
from bot.sandbox.faults import Fault
from bot.sandbox.limits import APP_DAILY_POSTS, limit_for, price_of
from bot.sandbox.messages import Request, Response
from bot.text.urls import contains_url
from bot.xapi import tiers

TOKEN_PATH = "/2/oauth2/token"  # noqa: S105 - a URL path
API_VERSION = "2.167"
JSON = "application/json; charset=utf-8"

_ROUTES: list[tuple[str, re.Pattern[str], str, ep.Handler]] = [
    (m, re.compile(f"^{p}$"), key, h)
    for m, p, key, h in (
        ("POST", r"/2/tweets", tiers.POST_TWEET, ep.post_tweet),
        ("GET", r"/2/tweets/search/recent", tiers.SEARCH_RECENT, ep.search_recent),
        ("DELETE", r"/2/tweets/(?P<id>\d+)", tiers.DELETE_TWEET, ep.delete_tweet),
        ("GET", r"/2/tweets/(?P<id>\d+)", tiers.GET_TWEET, ep.get_tweet),
        ("GET", r"/2/tweets", tiers.GET_TWEETS, ep.get_tweets),
        ("GET", r"/2/users/me", tiers.GET_ME, ep.get_me),
        ("GET", r"/2/users/by/username/(?P<username>\w{1,15})", tiers.GET_USER_BY_USERNAME, ep.get_user_by_username),
        ("GET", r"/2/users/by", "GET /2/users/by", ep.get_users_by),
        ("GET", r"/2/users/(?P<id>\d+)/tweets", tiers.GET_USER_TWEETS, ep.user_tweets),
        ("GET", r"/2/users/(?P<id>\d+)/mentions", tiers.GET_MENTIONS, ep.mentions),
        ("GET", r"/2/users/(?P<id>\d+)/followers", "GET /2/users/:id/followers", ep.followers),
        ("GET", r"/2/users/(?P<id>\d+)/following", "GET /2/users/:id/following", ep.following),
        ("POST", r"/2/users/(?P<id>\d+)/following", tiers.FOLLOW, ep.follow),
        ("DELETE", r"/2/users/(?P<source>\d+)/following/(?P<target>\d+)", tiers.UNFOLLOW, ep.unfollow),
        ("GET", r"/2/users/(?P<id>\d+)", tiers.GET_USER, ep.get_user),
    )
]
USER_CONTEXT_ONLY = {tiers.POST_TWEET, tiers.DELETE_TWEET, tiers.GET_ME, tiers.FOLLOW, tiers.UNFOLLOW}
READS_POSTS = {tiers.GET_TWEET, tiers.GET_TWEETS, tiers.GET_USER_TWEETS, tiers.GET_MENTIONS, tiers.SEARCH_RECENT}


def route(method: str, path: str) -> tuple[str, ep.Handler, dict[str, str]] | None:
    """The endpoint key, handler and path parameters for a request, or None."""
    for m, pattern, key, handler in _ROUTES:
        if m == method and (match := pattern.match(path)):
            return key, handler, match.groupdict()
    return None


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, body, {"content-type": JSON, "api-version": API_VERSION, **(headers or {})})


def handle_api(state: SandboxState, request: Request) -> Response:
    """Serve one request under `/2/` (the caller holds no lock; this takes it)."""
    with state.lock:
        now = state.advance()
        return _serve(state, request, now)


def _serve(state: SandboxState, request: Request, now: datetime) -> Response:
    ledger = state.ledger
    found = route(request.method, request.path)
    key = found[0] if found else f"{request.method} {request.path}"
    fault = state.faults.draw()
    if fault in (Fault.DROP, Fault.TIMEOUT):
        if fault is Fault.DROP:
            ledger.dropped += 1
        else:
            ledger.timed_out += 1
        ledger.calls[key] += 1
        return Response(0, fault=fault)
    if fault in (Fault.ERROR_500, Fault.ERROR_503):
        status = 503 if fault is Fault.ERROR_503 else 500
        ledger.record(key, status)
        return _json(status, problems.server_error(status))
    if request.method == "POST" and request.path == TOKEN_PATH:
        return _token(state, request, now)
    if found is None:
        ledger.record(key, 404)
        return _json(404, problems.no_route(request.path))
    key, handler, params = found
    response = _authorised(state, request, now=now, key=key, handler=handler, params=params, fault=fault)
    ledger.record(key, response.status)
    return response


def _authorised(
    state: SandboxState, request: Request, *, now: datetime, key: str, handler: ep.Handler, params: dict[str, str],
    fault: Fault,
) -> Response:
    caller = state.credentials.authenticate(request.headers.get("authorization", ""), now)
    if caller is None:
        return _json(401, problems.unauthorized())
    if caller.kind is AuthKind.APP_ONLY and key in USER_CONTEXT_ONLY:
        return _json(403, problems.unsupported_authentication())
    limit = limit_for(state.tier, key)
    if limit is None:
        return _json(403, problems.not_enrolled(key, state.tier))
    principal = caller.user_id or "app"
    window = state.windows.current((principal, key), limit, now)
    headers = {"x-access-level": "read-write-directmessages"}
    if fault is Fault.BURST_429 or window.used >= limit.calls:
        out = {**headers, **window.headers()}
        if fault is Fault.BURST_429:
            out["x-rate-limit-remaining"] = "0"
        return _json(429, problems.too_many_requests(), out)
    window.used += 1
    headers.update(window.headers())
    daily = _daily_windows(state, key, principal, now)
    for prefix, w in daily:
        headers.update(w.headers(prefix))
    if any(w.remaining == 0 for _, w in daily):
        return _json(429, problems.too_many_requests(), headers)
    if key in READS_POSTS and state.ledger.capped(now):
        return _json(429, problems.usage_capped(state.tier), headers)
    price = _price(key, request)
    if state.tier == "payg" and not state.ledger.affordable(price):
        return _json(402, problems.credits_depleted(), headers)
    try:
        status, body, posts_read = handler(ep.Call(state, request, caller, params, now))
    except ep.BadParamError as exc:
        return _json(400, problems.invalid_request(exc.reason, {exc.name: [exc.value]}), headers)
    if 200 <= status < 300:
        if state.tier == "payg":
            state.ledger.charge(price)
        state.ledger.read_posts(posts_read)
        for prefix, w in daily:
            w.used += 1
            headers.update(w.headers(prefix))
    return _json(status, body, headers)


def _daily_windows(state: SandboxState, key: str, principal: str, now: datetime) -> list[tuple[str, Any]]:
    """The 24-hour posting (or follow) windows that also apply to `key`."""
    if key == tiers.POST_TWEET:
        user_cap = tiers.Limit(tiers.DAILY_POST_CAP, tiers.WINDOW_24_H)
        app_cap = tiers.Limit(APP_DAILY_POSTS[state.tier], tiers.WINDOW_24_H)
        return [
            ("x-user-limit-24hour", state.windows.current(("user24", principal, key), user_cap, now)),
            ("x-app-limit-24hour", state.windows.current(("app24", key), app_cap, now)),
        ]
    if key == tiers.FOLLOW:
        cap = tiers.Limit(tiers.DAILY_FOLLOW_CAP, tiers.WINDOW_24_H)
        return [("x-user-limit-24hour", state.windows.current(("user24", principal, key), cap, now))]
    return []


def _price(key: str, request: Request) -> float:
    if key != tiers.POST_TWEET:
        return price_of(key)
    body = request.json()
    body = body if isinstance(body, dict) else {}
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    is_reply = isinstance(body.get("reply"), dict) and body["reply"].get("in_reply_to_tweet_id") is not None
    return price_of(key, has_url=contains_url(str(text)), is_reply=is_reply)


def _token(state: SandboxState, request: Request, now: datetime) -> Response:
    form = request.form()
    state.ledger.calls["POST /2/oauth2/token"] += 1
    if form.get("grant_type") != "refresh_token" or not form.get("refresh_token"):
        body = {"error": "invalid_request", "error_description": "Missing required parameter [refresh_token]."}
        return _json(400, body)
    issued = state.credentials.refresh(form["refresh_token"], now)
    if issued is None:
        return _json(400, {"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
    return _json(200, issued)
