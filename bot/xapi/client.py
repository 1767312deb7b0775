"""The `XClient` interface: everything the bot asks of the X API, in plain dataclasses.

Implementations: `bot.xapi.tweepy_client.TweepyXClient` (real HTTP through tweepy) and
`bot.xapi.fake.FakeXClient` (in memory, for unit tests). Every method raises only
errors from `bot.errors` (the `XApiError` subtree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class XUser:
    """A user as returned by the API (subset the bot uses)."""

    id: str
    username: str
    name: str = ""
    created_at: datetime | None = None
    followers_count: int | None = None
    following_count: int | None = None
    tweet_count: int | None = None
    verified: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class XTweet:
    """A post as returned by the API (subset the bot uses)."""

    id: str
    text: str
    author_id: str | None = None
    created_at: datetime | None = None
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    lang: str | None = None
    referenced_tweets: tuple[tuple[str, str], ...] = ()  # (type, id): replied_to / quoted / retweeted


@dataclass(frozen=True, slots=True)
class TweetPage:
    """One page of a timeline, mentions or search result."""

    tweets: list[XTweet]
    users: dict[str, XUser] = field(default_factory=dict)  # author expansion, by id
    newest_id: str | None = None
    oldest_id: str | None = None
    next_token: str | None = None
    result_count: int = 0


@dataclass(frozen=True, slots=True)
class FollowResult:
    """Outcome of a follow request."""

    following: bool
    pending: bool


class XClient(Protocol):
    """What the bot needs from X. Each call may raise an `XApiError` subclass."""

    def me(self) -> XUser:
        """The authenticated account."""
        ...

    def create_tweet(
        self,
        text: str,
        *,
        in_reply_to_tweet_id: str | None = None,
        media_ids: list[str] | None = None,
    ) -> XTweet:
        """Post; returns the new tweet (id, text)."""
        ...

    def delete_tweet(self, tweet_id: str) -> bool:
        """Delete one of the account's posts; True when deleted."""
        ...

    def get_tweet(self, tweet_id: str) -> XTweet:
        """One post; raises NotFound when it does not exist (or was deleted)."""
        ...

    def get_tweets(self, ids: list[str]) -> list[XTweet]:
        """Several posts by id (missing ones are simply absent)."""
        ...

    def own_recent_tweets(
        self, user_id: str, *, since_id: str | None = None, max_results: int = 100,
        pagination_token: str | None = None,
    ) -> TweetPage:
        """The account's own recent posts, newest first, a page at a time (used to reconcile after a crash)."""
        ...

    def mentions_page(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
    ) -> TweetPage:
        """One page of mentions, newest first, with the authors expanded."""
        ...

    def search_recent_page(
        self,
        query: str,
        *,
        since_id: str | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> TweetPage:
        """One page of recent search, newest first, with the authors expanded."""
        ...

    def follow(self, source_user_id: str, target_user_id: str) -> FollowResult:
        """Follow a user; raises NotOnTier where the tier cannot follow through the API."""
        ...

    def get_user(self, user_id: str) -> XUser:
        """One user by id."""
        ...

    def get_user_by_username(self, username: str) -> XUser:
        """One user by @username (without the @)."""
        ...
