"""Tweets and users as v2 JSON: only the fields asked for, as the real API does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.clock import as_utc
from bot.sandbox.state import Tweet, User, World

TWEET_FIELDS = frozenset(
    {"created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "lang",
     "public_metrics", "entities", "attachments", "edit_history_tweet_ids", "id", "text"}
)
USER_FIELDS = frozenset(
    {"created_at", "description", "public_metrics", "verified", "protected", "name", "username", "id", "location",
     "url", "profile_image_url"}
)


def iso(instant: datetime) -> str:
    """`2022-10-07T22:42:12.000Z`, as X writes times."""
    return as_utc(instant).strftime("%Y-%m-%dT%H:%M:%S.") + f"{as_utc(instant).microsecond // 1000:03d}Z"


def csv_param(query: Mapping[str, list[str]], name: str) -> set[str]:
    """The comma-separated values of a query parameter."""
    out: set[str] = set()
    for raw in query.get(name, []):
        out.update(v for v in raw.split(",") if v)
    return out


def tweet_json(tweet: Tweet, fields: set[str]) -> dict[str, Any]:
    """A tweet object with the default fields plus `fields` (absent values are omitted)."""
    out: dict[str, Any] = {"edit_history_tweet_ids": [tweet.id], "id": tweet.id, "text": tweet.text}
    if "created_at" in fields:
        out["created_at"] = iso(tweet.created_at)
    if "author_id" in fields:
        out["author_id"] = tweet.author_id
    if "conversation_id" in fields:
        out["conversation_id"] = tweet.conversation_id
    if "in_reply_to_user_id" in fields and tweet.in_reply_to_user_id:
        out["in_reply_to_user_id"] = tweet.in_reply_to_user_id
    if "referenced_tweets" in fields:
        refs = []
        if tweet.in_reply_to_tweet_id:
            refs.append({"type": "replied_to", "id": tweet.in_reply_to_tweet_id})
        if tweet.quoted_tweet_id:
            refs.append({"type": "quoted", "id": tweet.quoted_tweet_id})
        if refs:
            out["referenced_tweets"] = refs
    if "lang" in fields:
        out["lang"] = tweet.lang
    if "attachments" in fields and tweet.media_ids:
        out["attachments"] = {"media_keys": [f"3_{m}" for m in tweet.media_ids]}
    if "public_metrics" in fields:
        out["public_metrics"] = {
            "retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0, "bookmark_count": 0,
            "impression_count": 0,
        }
    return out


def user_json(user: User, fields: set[str]) -> dict[str, Any]:
    """A user object with the default fields plus `fields`."""
    out: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
    if "created_at" in fields:
        out["created_at"] = iso(user.created_at)
    if "description" in fields:
        out["description"] = user.description
    if "verified" in fields:
        out["verified"] = user.verified
    if "protected" in fields:
        out["protected"] = user.protected
    if "public_metrics" in fields:
        out["public_metrics"] = {
            "followers_count": user.followers_count,
            "following_count": user.following_count,
            "tweet_count": 0,
            "listed_count": 0,
            "like_count": 0,
            "media_count": 0,
        }
    return out


def encode_token(tweet_id: str) -> str:
    """An opaque pagination token meaning "continue below `tweet_id`"."""
    return "7140dibdnow9c7btw" + format(int(tweet_id), "x")


def decode_token(token: str) -> int | None:
    """The id a token continues below, or None when the token is not one of ours."""
    if not token.startswith("7140dibdnow9c7btw"):
        return None
    try:
        return int(token[len("7140dibdnow9c7btw") :], 16)
    except ValueError:
        return None


def page(
    tweets: list[Tweet],
    *,
    world: World,
    max_results: int,
    query: Mapping[str, list[str]],
) -> dict[str, Any]:
    """One page of `tweets` (already filtered, newest first) in the v2 shape, with expansions."""
    chunk = tweets[:max_results]
    if not chunk:
        return {"meta": {"result_count": 0}}
    fields = csv_param(query, "tweet.fields")
    body: dict[str, Any] = {"data": [tweet_json(t, fields) for t in chunk]}
    includes = expand(chunk, world=world, query=query)
    if includes:
        body["includes"] = includes
    meta: dict[str, Any] = {"newest_id": chunk[0].id, "oldest_id": chunk[-1].id, "result_count": len(chunk)}
    if len(tweets) > max_results:
        meta["next_token"] = encode_token(chunk[-1].id)
    body["meta"] = meta
    return body


def expand(tweets: Iterable[Tweet], *, world: World, query: Mapping[str, list[str]]) -> dict[str, Any]:
    """`includes` for the `author_id` expansion (the only one the sandbox serves)."""
    if "author_id" not in csv_param(query, "expansions"):
        return {}
    user_fields = csv_param(query, "user.fields")
    seen: dict[str, dict[str, Any]] = {}
    for tweet in tweets:
        user = world.users.get(tweet.author_id)
        if user is not None and user.id not in seen:
            seen[user.id] = user_json(user, user_fields)
    return {"users": list(seen.values())} if seen else {}
