"""Per-tier rate limits of the X API (2026), shared by the budget keeper and the sandbox.

Source: ../shared/xapi/README.md ("Rate limits"). Each endpoint key is `METHOD path-template`.
A `Limit` is `calls` per `window_seconds`; `None` means the capability is not available
through the API on that tier (follow on self-serve tiers since April 2026).
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOW_15_MIN = 15 * 60
WINDOW_24_H = 24 * 60 * 60

POST_TWEET = "POST /2/tweets"
DELETE_TWEET = "DELETE /2/tweets/:id"
GET_TWEET = "GET /2/tweets/:id"
GET_TWEETS = "GET /2/tweets"
GET_ME = "GET /2/users/me"
GET_USER = "GET /2/users/:id"
GET_USER_BY_USERNAME = "GET /2/users/by/username/:username"
GET_USER_TWEETS = "GET /2/users/:id/tweets"
GET_MENTIONS = "GET /2/users/:id/mentions"
SEARCH_RECENT = "GET /2/tweets/search/recent"
FOLLOW = "POST /2/users/:id/following"
UNFOLLOW = "DELETE /2/users/:source/following/:target"

ENDPOINTS = (
    POST_TWEET, DELETE_TWEET, GET_TWEET, GET_TWEETS, GET_ME, GET_USER, GET_USER_BY_USERNAME,
    GET_USER_TWEETS, GET_MENTIONS, SEARCH_RECENT, FOLLOW, UNFOLLOW,
)


@dataclass(frozen=True, slots=True)
class Limit:
    """`calls` requests per `window_seconds` (per user)."""

    calls: int
    window_seconds: int


Tier = dict[str, Limit | None]


def _l(calls: int, window: int = WINDOW_15_MIN) -> Limit:
    return Limit(calls, window)


TIER_LIMITS: dict[str, Tier] = {
    "free": {
        POST_TWEET: _l(17, WINDOW_24_H),
        DELETE_TWEET: _l(17, WINDOW_24_H),
        GET_TWEET: _l(1),
        GET_TWEETS: _l(1),
        GET_ME: _l(25, WINDOW_24_H),
        GET_USER: _l(1),
        GET_USER_BY_USERNAME: _l(3),
        GET_USER_TWEETS: _l(1),
        GET_MENTIONS: _l(1),
        SEARCH_RECENT: _l(1),
        FOLLOW: None,
        UNFOLLOW: None,
    },
    "basic": {
        POST_TWEET: _l(100, WINDOW_24_H),
        DELETE_TWEET: _l(17),
        GET_TWEET: _l(15),
        GET_TWEETS: _l(15),
        GET_ME: _l(250, WINDOW_24_H),
        GET_USER: _l(100, WINDOW_24_H),
        GET_USER_BY_USERNAME: _l(100, WINDOW_24_H),
        GET_USER_TWEETS: _l(10),
        GET_MENTIONS: _l(10),
        SEARCH_RECENT: _l(60),
        FOLLOW: None,
        UNFOLLOW: None,
    },
    "pro": {
        POST_TWEET: _l(100),
        DELETE_TWEET: _l(50),
        GET_TWEET: _l(900),
        GET_TWEETS: _l(900),
        GET_ME: _l(75),
        GET_USER: _l(900),
        GET_USER_BY_USERNAME: _l(900),
        GET_USER_TWEETS: _l(900),
        GET_MENTIONS: _l(300),
        SEARCH_RECENT: _l(300),
        FOLLOW: None,
        UNFOLLOW: None,
    },
    "payg": {
        POST_TWEET: _l(100),
        DELETE_TWEET: _l(50),
        GET_TWEET: _l(900),
        GET_TWEETS: _l(900),
        GET_ME: _l(75),
        GET_USER: _l(900),
        GET_USER_BY_USERNAME: _l(900),
        GET_USER_TWEETS: _l(900),
        GET_MENTIONS: _l(300),
        SEARCH_RECENT: _l(300),
        FOLLOW: None,
        UNFOLLOW: None,
    },
    "enterprise": {
        POST_TWEET: _l(300),
        DELETE_TWEET: _l(50),
        GET_TWEET: _l(900),
        GET_TWEETS: _l(900),
        GET_ME: _l(75),
        GET_USER: _l(900),
        GET_USER_BY_USERNAME: _l(900),
        GET_USER_TWEETS: _l(1500),
        GET_MENTIONS: _l(450),
        SEARCH_RECENT: _l(450),
        FOLLOW: _l(50),
        UNFOLLOW: _l(50),
    },
}

# Account-wide daily caps (across all clients), per tier.
DAILY_POST_CAP = 2400
DAILY_FOLLOW_CAP = 400

# Pay-per-use prices in US dollars (2026).
PAYG_PRICES: dict[str, float] = {
    POST_TWEET: 0.015,
    "POST /2/tweets (url)": 0.20,
    "POST /2/tweets (reply)": 0.01,
    GET_TWEET: 0.005,
    GET_TWEETS: 0.005,
    GET_USER: 0.010,
    GET_USER_BY_USERNAME: 0.010,
    GET_ME: 0.001,
    GET_MENTIONS: 0.001,
    GET_USER_TWEETS: 0.001,
    SEARCH_RECENT: 0.005,
    DELETE_TWEET: 0.0,
}


def limits_for(tier: str) -> Tier:
    """The preset limits of `tier` (KeyError for an unknown tier)."""
    return TIER_LIMITS[tier]


def can_follow(tier: str) -> bool:
    """Whether following through the API is possible on `tier` (Enterprise only, since April 2026)."""
    return TIER_LIMITS[tier][FOLLOW] is not None
