"""The `/_sandbox/...` inspection and control endpoints (no auth, no limits, no faults)."""

from __future__ import annotations

import re
from typing import Any

from bot.errors import ValidationError
from bot.sandbox.core import SandboxState
from bot.sandbox.faults import parse_instant
from bot.sandbox.messages import Request, Response
from bot.sandbox.render import iso

_DELETE = re.compile(r"^/_sandbox/tweets/(?P<id>\d+)/delete$")
_USER = re.compile(r"^/_sandbox/users/(?P<username>\w{1,15})$")


def _ok(body: Any, status: int = 200) -> Response:
    return Response(status, body, {"content-type": "application/json; charset=utf-8"})


def _bad(reason: str, status: int = 400) -> Response:
    return _ok({"error": reason}, status)


def handle_admin(state: SandboxState, request: Request) -> Response:
    """Serve one `/_sandbox/...` request."""
    with state.lock:
        now = state.advance()
        try:
            return _dispatch(state, request, now)
        except ValidationError as exc:
            return _bad(exc.reason)


def _dispatch(state: SandboxState, request: Request, now: Any) -> Response:
    method, path, world = request.method, request.path, state.world
    if method == "GET" and path == "/_sandbox/posts":
        posts = [t for t in sorted(world.tweets.values(), key=lambda t: int(t.id)) if t.author_id == world.brand.id]
        return _ok([
            {"id": t.id, "text": t.text, "created_at": iso(t.created_at),
             "in_reply_to_tweet_id": t.in_reply_to_tweet_id, "media_ids": list(t.media_ids), "deleted": t.deleted}
            for t in posts
        ])
    if method == "GET" and path == "/_sandbox/follows":
        return _ok([
            {"source_user_id": s, "target_user_id": t, "target_username": world.users[t].username,
             "created_at": iso(at)}
            for (s, t), at in sorted(world.follows.items(), key=lambda kv: kv[1])
        ])
    if method == "GET" and path == "/_sandbox/follow-requests":
        return _ok([
            {"source_user_id": s, "target_user_id": t, "target_username": world.users[t].username,
             "created_at": iso(at)}
            for (s, t), at in sorted(world.follow_requests.items(), key=lambda kv: kv[1])
        ])
    if method == "POST" and path == "/_sandbox/follow-requests/approve":
        return _approve(state, _object(request), now)
    if method == "POST" and (match := _USER.match(path)):
        return _set_protected(state, match["username"], _object(request), now)
    if method == "GET" and path == "/_sandbox/usage":
        return _ok(state.ledger.summary())
    if method == "GET" and path == "/_sandbox/clock":
        return _ok({"now": iso(now), "started_at": iso(state.started_at), "tier": state.tier,
                    "scenario": state.scenario.name, "brand_user_id": world.brand.id,
                    "brand_username": world.brand.username})
    if method == "GET" and path == "/_sandbox/faults":
        return _ok(state.faults.describe())
    if method == "POST" and path == "/_sandbox/faults":
        body = _object(request)
        if body.pop("restore_token", False):
            state.restore_token()
        state.faults.update(body)
        return _ok(state.faults.describe())
    if method == "POST" and path == "/_sandbox/reset":
        state.reset()
        return _ok({"reset": True})
    if method == "POST" and path in ("/_sandbox/mentions", "/_sandbox/tweets"):
        return _add_tweet(state, _object(request), now, mention=path.endswith("mentions"))
    if method == "POST" and (match := _DELETE.match(path)):
        tweet = world.tweets.get(match["id"])
        if tweet is None:
            return _bad("no such tweet", 404)
        tweet.deleted = True
        return _ok({"deleted": True})
    return _bad(f"no sandbox route {method} {path}", 404)


def _object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object")
    return body


def _approve(state: SandboxState, body: dict[str, Any], now: Any) -> Response:
    """The protected `target_username` approves the pending follow request of `source_user_id` (the brand unless
    given): from now on that follower sees its tweets."""
    world = state.world
    target = world.user_by_username(str(body.get("target_username", "")))
    source = str(body.get("source_user_id", world.brand.id))
    if target is None:
        return _bad("no such user", 404)
    if not world.approve_request(source, target.id, now):
        return _bad(f"no pending follow request from {source} to @{target.username}", 404)
    return _ok({"source_user_id": source, "target_user_id": target.id, "following": True})


def _set_protected(state: SandboxState, username: str, body: dict[str, Any], now: Any) -> Response:
    """Protect (or open) an existing account's tweets, e.g. an author locking their account after a complaint."""
    world = state.world
    user = world.user_by_username(username)
    if user is None:
        return _bad("no such user", 404)
    protected = body.get("protected")
    if not isinstance(protected, bool):
        raise ValidationError("protected must be true or false")
    world.set_protected(user.id, protected, now)
    return _ok({"id": user.id, "username": user.username, "protected": user.protected})


def _add_tweet(state: SandboxState, body: dict[str, Any], now: Any, *, mention: bool) -> Response:
    """Create a tweet by `author_username` (the user is created if new, `protected` if the body says so);
    a mention names the brand."""
    world = state.world
    author, text = body.get("author_username"), body.get("text")
    if not isinstance(author, str) or not re.fullmatch(r"\w{1,15}", author) or not isinstance(text, str) or not text:
        raise ValidationError("author_username (1-15 word characters) and text are required")
    created_at = parse_instant(str(body["created_at"])) if body.get("created_at") else now
    handle = f"@{world.brand.username}"
    if mention and handle.lower() not in text.lower():
        text = f"{handle} {text}"
    protected = body.get("protected", False)
    if not isinstance(protected, bool):
        raise ValidationError("protected must be true or false")
    user = world.add_user(username=author, created_at=created_at, followers_count=int(body.get("followers_count", 10)),
                          protected=protected)
    reply_to = world.tweets.get(str(body["in_reply_to_tweet_id"])) if body.get("in_reply_to_tweet_id") else None
    quoted = world.tweets.get(str(body["quote_tweet_id"])) if body.get("quote_tweet_id") else None
    tweet = world.add_tweet(
        author_id=user.id, text=text, created_at=created_at, lang=str(body.get("lang", "en")),
        in_reply_to=reply_to, quoted=quoted, is_retweet=bool(body.get("is_retweet", False)),
    )
    return _ok({"id": tweet.id, "author_id": user.id, "created_at": iso(created_at)}, 201)
