"""Handlers of the `/2/...` endpoints. Each takes a `Call` and returns (status, body, posts read).

What a caller reads is what it may see (`World.may_see`): a protected account's tweets are left out
of mentions and search before paging (so `result_count`, `newest_id`/`oldest_id` and `next_token`
describe only what is returned), and looking one up, or the account's timeline, answers 200 with a
not-authorized `errors[]` item instead of data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.errors import ValidationError
from bot.sandbox import problems, search_query
from bot.sandbox.auth import Caller
from bot.sandbox.core import SandboxState
from bot.sandbox.messages import Request
from bot.sandbox.render import csv_param, decode_token, encode_token, expand, page, tweet_json, user_json
from bot.sandbox.state import Tweet
from bot.text.weighted import weighted_length

MAX_WEIGHTED_LENGTH = 280
DUPLICATE_WINDOW = timedelta(hours=24)
SEARCH_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Call:
    """An authenticated API request being served."""

    state: SandboxState
    request: Request
    caller: Caller
    params: dict[str, str]
    now: datetime

    @property
    def viewer(self) -> str | None:
        """Whose eyes the request reads with: the user, or None for an app-only caller (nobody's follower)."""
        return self.caller.user_id


Outcome = tuple[int, dict[str, Any], int]
Handler = Callable[[Call], Outcome]


class BadParamError(ValidationError):
    """A query parameter is invalid; becomes a 400 Invalid Request."""

    def __init__(self, name: str, value: str, message: str) -> None:
        self.name, self.value = name, value
        super().__init__(message)


def _int_param(call: Call, name: str, default: int, lo: int, hi: int) -> int:
    raw = call.request.arg(name)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise BadParamError(name, raw, f"The `{name}` query parameter value [{raw}] is not between {lo} and {hi}")
    return int(raw)


def _id_param(call: Call, name: str) -> int | None:
    raw = call.request.arg(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadParamError(name, raw, f"The `{name}` query parameter value [{raw}] is not valid")
    return int(raw)


def _below(call: Call, name: str) -> int | None:
    raw = call.request.arg(name)
    if raw is None:
        return None
    below = decode_token(raw)
    if below is None:
        raise BadParamError(name, raw, f"The `{name}` query parameter value [{raw}] is not valid")
    return below


def _window(call: Call, tweets: list[Tweet], *, page_param: str, max_lo: int) -> Outcome:
    """Apply since_id / until_id / start_time / end_time / pagination and render one page."""
    max_results = _int_param(call, "max_results", 10, max_lo, 100)
    since, until = _id_param(call, "since_id"), _id_param(call, "until_id")
    below = _below(call, page_param)
    selected = [
        t for t in tweets
        if (since is None or int(t.id) > since)
        and (until is None or int(t.id) < until)
        and (below is None or int(t.id) < below)
    ]
    body = page(selected, world=call.state.world, max_results=max_results, query=call.request.query)
    return 200, body, min(len(selected), max_results)


def _tweet_body(call: Call) -> dict[str, Any]:
    body = call.request.json()
    if not isinstance(body, dict):
        raise BadParamError("body", "", "Request body must be a JSON object")
    return body


def post_tweet(call: Call) -> Outcome:
    state, body = call.state, _tweet_body(call)
    world, me = state.world, call.caller.user_id or ""
    text = body.get("text", "")
    media = body.get("media") or {}
    media_ids = tuple(str(m) for m in (media.get("media_ids") or []) if isinstance(media, dict))
    if not isinstance(text, str) or (not text and not media_ids):
        return 400, problems.invalid_request("Your request must contain text or media."), 0
    if any(not m.isdigit() for m in media_ids):
        return 400, problems.invalid_request("Your media IDs are invalid.", {"media.media_ids": list(media_ids)}), 0
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        return 400, problems.invalid_request(
            f"Your Tweet text is too long: weighted length {weighted_length(text)} is over {MAX_WEIGHTED_LENGTH}.",
            {"text": [text]},
        ), 0
    reply_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    target = None
    if reply_id is not None:
        target = world.visible(str(reply_id), call.now)
        if target is None or not world.may_see(target.author_id, me):
            return 403, problems.reply_target_gone(), 0
        if state.tier != "enterprise" and not world.summoned_by(target, me):
            return 403, problems.reply_not_summoned(), 0
    quoted = None
    if body.get("quote_tweet_id") is not None:
        if state.tier != "enterprise":
            return 403, problems.not_enrolled("POST /2/tweets (quote_tweet_id)", state.tier), 0
        quoted = world.visible(str(body["quote_tweet_id"]), call.now)
        quoted = quoted if quoted is not None and world.may_see(quoted.author_id, me) else None
    with world.lock:
        for t in world.tweets.values():
            if t.author_id == me and t.text == text and not t.deleted and call.now - t.created_at < DUPLICATE_WINDOW:
                return 403, problems.duplicate(), 0
        tweet = world.add_tweet(
            author_id=me, text=text, created_at=call.now, in_reply_to=target, quoted=quoted, media_ids=media_ids
        )
    return 201, {"data": {"id": tweet.id, "text": tweet.text}}, 0


def delete_tweet(call: Call) -> Outcome:
    world = call.state.world
    tweet = world.visible(call.params["id"], call.now)
    if tweet is None:
        return 404, {"errors": [problems.not_found("tweet", "id", call.params["id"])]}, 0
    if tweet.author_id != call.caller.user_id:
        return 403, problems.forbidden("You are not allowed to delete a Tweet that is not yours."), 0
    tweet.deleted = True
    return 200, {"data": {"deleted": True}}, 0


def get_tweet(call: Call) -> Outcome:
    tweet = call.state.world.visible(call.params["id"], call.now)
    if tweet is None:
        return 404, {"errors": [problems.not_found("tweet", "id", call.params["id"])]}, 0
    if not call.state.world.may_see(tweet.author_id, call.viewer):
        return _lookup_body(call, [], [problems.not_authorized("tweet", "id", tweet.id)], single=True)
    return _lookup_body(call, [tweet], [], single=True)


def get_tweets(call: Call) -> Outcome:
    raw = call.request.arg("ids") or ""
    ids = [i for i in raw.split(",") if i]
    if not 1 <= len(ids) <= 100 or any(not i.isdigit() for i in ids):
        raise BadParamError("ids", raw, f"The `ids` query parameter value [{raw}] is not valid")
    world = call.state.world
    found: list[Tweet] = []
    errors: list[dict[str, Any]] = []
    for i in ids:
        tweet = world.visible(i, call.now)
        if tweet is None:
            errors.append(problems.not_found("tweet", "ids", i))
        elif not world.may_see(tweet.author_id, call.viewer):
            errors.append(problems.not_authorized("tweet", "ids", i))
        else:
            found.append(tweet)
    return _lookup_body(call, found, errors, single=False)


def _lookup_body(call: Call, tweets: list[Tweet], errors: list[dict[str, Any]], *, single: bool) -> Outcome:
    fields = csv_param(call.request.query, "tweet.fields")
    body: dict[str, Any] = {}
    if tweets:
        body["data"] = tweet_json(tweets[0], fields) if single else [tweet_json(t, fields) for t in tweets]
        includes = expand(tweets, world=call.state.world, query=call.request.query)
        if includes:
            body["includes"] = includes
    if errors:
        body["errors"] = errors
    return 200, body, len(tweets)


def _user_outcome(call: Call, user_id: str | None, parameter: str, value: str) -> Outcome:
    user = call.state.world.users.get(user_id or "")
    if user is None:
        return 404, {"errors": [problems.not_found("user", parameter, value)]}, 0
    return 200, {"data": user_json(user, csv_param(call.request.query, "user.fields"))}, 0


def get_me(call: Call) -> Outcome:
    return _user_outcome(call, call.caller.user_id, "id", call.caller.user_id or "")


def get_user(call: Call) -> Outcome:
    return _user_outcome(call, call.params["id"], "id", call.params["id"])


def get_user_by_username(call: Call) -> Outcome:
    name = call.params["username"]
    user = call.state.world.user_by_username(name)
    return _user_outcome(call, user.id if user else None, "username", name)


def get_users_by(call: Call) -> Outcome:
    raw = call.request.arg("usernames") or ""
    names = [n for n in raw.split(",") if n]
    if not 1 <= len(names) <= 100:
        raise BadParamError("usernames", raw, f"The `usernames` query parameter value [{raw}] is not valid")
    fields = csv_param(call.request.query, "user.fields")
    body: dict[str, Any] = {}
    users = [(n, call.state.world.user_by_username(n)) for n in names]
    found = [user_json(u, fields) for _, u in users if u is not None]
    if found:
        body["data"] = found
    errors = [problems.not_found("user", "usernames", n) for n, u in users if u is None]
    if errors:
        body["errors"] = errors
    return 200, body, 0


def _known_user(call: Call) -> Outcome | None:
    if call.params["id"] not in call.state.world.users:
        return 404, {"errors": [problems.not_found("user", "id", call.params["id"])]}, 0
    return None


def user_tweets(call: Call) -> Outcome:
    if (missing := _known_user(call)) is not None:
        return missing
    world, uid = call.state.world, call.params["id"]
    if not world.may_see(uid, call.viewer):
        return 200, {"errors": [problems.not_authorized("user", "id", uid)]}, 0
    tweets = [t for t in world.timeline(call.now, viewer=call.viewer) if t.author_id == uid]
    return _window(call, tweets, page_param="pagination_token", max_lo=5)


def mentions(call: Call) -> Outcome:
    if (missing := _known_user(call)) is not None:
        return missing
    uid = call.params["id"]
    tweets = [t for t in call.state.world.timeline(call.now, viewer=call.viewer) if uid in t.mentioned_ids]
    return _window(call, tweets, page_param="pagination_token", max_lo=5)


def search_recent(call: Call) -> Outcome:
    raw = call.request.arg("query")
    if raw is None:
        raise BadParamError("query", "", "The `query` query parameter can not be empty")
    try:
        query = search_query.parse(raw)
    except ValidationError as exc:
        raise BadParamError("query", raw, f"There were errors processing your request: {exc.reason}") from exc
    world, oldest = call.state.world, call.now - SEARCH_WINDOW
    tweets = [t for t in world.timeline(call.now, viewer=call.viewer)
              if t.created_at >= oldest and query.matches(t, world)]
    return _window(call, tweets, page_param="next_token", max_lo=10)


def _users_page(call: Call, ids: list[str]) -> Outcome:
    max_results = _int_param(call, "max_results", 100, 1, 1000)
    token = call.request.arg("pagination_token")
    start = 0
    if token is not None:
        decoded = decode_token(token)
        if decoded is None:
            message = f"The `pagination_token` query parameter value [{token}] is not valid"
            raise BadParamError("pagination_token", token, message)
        start = decoded
    chunk = ids[start : start + max_results]
    if not chunk:
        return 200, {"meta": {"result_count": 0}}, 0
    fields = csv_param(call.request.query, "user.fields")
    meta: dict[str, Any] = {"result_count": len(chunk)}
    if start + max_results < len(ids):
        meta["next_token"] = encode_token(str(start + max_results))
    users = [user_json(call.state.world.users[i], fields) for i in chunk]
    return 200, {"data": users, "meta": meta}, 0


def followers(call: Call) -> Outcome:
    if (missing := _known_user(call)) is not None:
        return missing
    follows = call.state.world.follows
    return _users_page(call, [s for (s, t) in sorted(follows, key=lambda k: follows[k], reverse=True)
                              if t == call.params["id"]])


def following(call: Call) -> Outcome:
    if (missing := _known_user(call)) is not None:
        return missing
    follows = call.state.world.follows
    return _users_page(call, [t for (s, t) in sorted(follows, key=lambda k: follows[k], reverse=True)
                              if s == call.params["id"]])


def follow(call: Call) -> Outcome:
    world, me = call.state.world, call.caller.user_id or ""
    if call.params["id"] != me:
        return 403, problems.forbidden("You are not permitted to perform this action on behalf of another user."), 0
    body = call.request.json()
    target = body.get("target_user_id") if isinstance(body, dict) else None
    if not isinstance(target, str) or not target.isdigit():
        return 400, problems.invalid_request("The `target_user_id` field is required", {"target_user_id": [""]}), 0
    if target not in world.users:
        return 404, {"errors": [problems.not_found("user", "target_user_id", target)]}, 0
    if target == me:
        return 400, problems.invalid_request("You cannot follow yourself.", {"target_user_id": [target]}), 0
    following = world.follow_or_request(me, target, call.now)  # a protected account only gets a request
    return 200, {"data": {"following": following, "pending_follow": not following}}, 0


def unfollow(call: Call) -> Outcome:
    if call.params["source"] != call.caller.user_id:
        return 403, problems.forbidden("You are not permitted to perform this action on behalf of another user."), 0
    call.state.world.unfollow(call.params["source"], call.params["target"])
    return 200, {"data": {"following": False}}, 0
