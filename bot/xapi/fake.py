"""`FakeXClient`: an in-memory `XClient` for unit tests.

It keeps users and posts in dictionaries, hands out increasing ids, records every call in
`calls` as `(method, args)`, and enforces the rules the bot must cope with: duplicate posts
(`DuplicateContent`), over-long posts (`BadRequest`), replies to authors who did not summon
the account (`Forbidden`), and follows outside Enterprise (`NotOnTier`). `fail_next` scripts a
failure for the next call of a method.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.errors import (
    BadRequest,
    DuplicateContent,
    Forbidden,
    NotFound,
    NotOnTier,
    XApiError,
)
from bot.xapi import tiers
from bot.xapi.client import FollowResult, TweetPage, XClient, XTweet, XUser

MAX_WEIGHTED_LENGTH = 280


def _length(text: str) -> int:
    try:
        from bot.text.weighted import weighted_length  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return len(text)
    return int(weighted_length(text))


class FakeXClient:
    """An in-memory X for tests: a brand account, other users, posts, mentions and scripted failures."""

    def __init__(
        self,
        *,
        brand_username: str = "brandbot",
        brand_id: str = "1000",
        tier: str = "basic",
        clock: Clock | None = None,
    ) -> None:
        self.tier = tier
        self.clock = clock
        self.brand = XUser(id=brand_id, username=brand_username, name=brand_username)
        self.users: dict[str, XUser] = {brand_id: self.brand}
        self.tweets: dict[str, XTweet] = {}
        self.posted: list[XTweet] = []  # what the brand posted, in order (deleted ones included)
        self.deleted: list[str] = []
        self.following: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._failures: dict[str, deque[XApiError]] = defaultdict(deque)
        self._next_tweet_id = 1_900_000_000_000_000_000
        self._next_user_id = 2000
        self._tick = 0

    # -- set-up for tests --------------------------------------------------------------------

    def _now(self) -> datetime:
        if self.clock is not None:
            return self.clock.now()
        self._tick += 1
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=self._tick)

    def _new_tweet_id(self) -> str:
        self._next_tweet_id += 1
        return str(self._next_tweet_id)

    def add_user(self, username: str, **fields: Any) -> XUser:
        """Create (or return the existing) user `username`; `fields` are other `XUser` fields."""
        for user in self.users.values():
            if user.username.lower() == username.lower():
                return user
        self._next_user_id += 1
        user = XUser(id=str(self._next_user_id), username=username, name=fields.pop("name", username), **fields)
        self.users[user.id] = user
        return user

    def add_tweet(
        self,
        author_username: str,
        text: str,
        *,
        in_reply_to_tweet_id: str | None = None,
        quoted_tweet_id: str | None = None,
        lang: str = "en",
        created_at: datetime | None = None,
    ) -> XTweet:
        """A post by `author_username` (created if unknown), as if made on X."""
        author = self.add_user(author_username)
        refs: list[tuple[str, str]] = []
        in_reply_to_user_id = None
        conversation_id = None
        if in_reply_to_tweet_id is not None:
            parent = self.tweets.get(in_reply_to_tweet_id)
            refs.append(("replied_to", in_reply_to_tweet_id))
            in_reply_to_user_id = parent.author_id if parent else None
            conversation_id = parent.conversation_id if parent else in_reply_to_tweet_id
        if quoted_tweet_id is not None:
            refs.append(("quoted", quoted_tweet_id))
        tweet_id = self._new_tweet_id()
        tweet = XTweet(
            id=tweet_id,
            text=text,
            author_id=author.id,
            created_at=created_at or self._now(),
            conversation_id=conversation_id or tweet_id,
            in_reply_to_user_id=in_reply_to_user_id,
            lang=lang,
            referenced_tweets=tuple(refs),
        )
        self.tweets[tweet_id] = tweet
        return tweet

    def add_mention(self, author_username: str, text: str, **kwargs: Any) -> XTweet:
        """A post by `author_username` mentioning the brand (`@brand` is prepended when `text` lacks it)."""
        handle = f"@{self.brand.username}"
        if handle.lower() not in text.lower():
            text = f"{handle} {text}"
        return self.add_tweet(author_username, text, **kwargs)

    def fail_next(self, method_name: str, error: XApiError) -> None:
        """Make the next call of `method_name` raise `error` (queued; one error per call)."""
        self._failures[method_name].append(error)

    def _record(self, method: str, **args: Any) -> None:
        self.calls.append((method, args))
        queue = self._failures.get(method)
        if queue:
            raise queue.popleft()

    # -- helpers -----------------------------------------------------------------------------

    def _mentions_brand(self, tweet: XTweet) -> bool:
        return f"@{self.brand.username.lower()}" in tweet.text.lower()

    def _summoned(self, parent: XTweet) -> bool:
        """Whether replying to `parent` is allowed: own post, a mention of the brand, or a quote of a brand post."""
        if parent.author_id == self.brand.id or self._mentions_brand(parent):
            return True
        for kind, ref_id in parent.referenced_tweets:
            ref = self.tweets.get(ref_id)
            if kind == "quoted" and ref is not None and ref.author_id == self.brand.id:
                return True
        return False

    def _page(self, tweets: list[XTweet], *, since_id: str | None, token: str | None, max_results: int) -> TweetPage:
        ordered = sorted(
            (t for t in tweets if since_id is None or int(t.id) > int(since_id)), key=lambda t: int(t.id), reverse=True
        )
        start = int(token) if token else 0
        chunk = ordered[start : start + max_results]
        more = start + max_results < len(ordered)
        users = {t.author_id: self.users[t.author_id] for t in chunk if t.author_id in self.users}
        return TweetPage(
            tweets=chunk,
            users={k: v for k, v in users.items() if k is not None},
            newest_id=chunk[0].id if chunk else None,
            oldest_id=chunk[-1].id if chunk else None,
            next_token=str(start + max_results) if more else None,
            result_count=len(chunk),
        )

    # -- XClient -----------------------------------------------------------------------------

    def me(self) -> XUser:
        self._record("me")
        return self.brand

    def create_tweet(
        self,
        text: str,
        *,
        in_reply_to_tweet_id: str | None = None,
        media_ids: list[str] | None = None,
    ) -> XTweet:
        self._record("create_tweet", text=text, in_reply_to_tweet_id=in_reply_to_tweet_id, media_ids=media_ids)
        if _length(text) > MAX_WEIGHTED_LENGTH:
            raise BadRequest(f"text is over {MAX_WEIGHTED_LENGTH} weighted characters", status=400,
                             endpoint=tiers.POST_TWEET)
        for tweet in self.tweets.values():
            if tweet.author_id == self.brand.id and tweet.text == text:
                raise DuplicateContent("duplicate content", status=403, endpoint=tiers.POST_TWEET,
                                       body={"existing_id": tweet.id})
        if in_reply_to_tweet_id is not None:
            parent = self.tweets.get(in_reply_to_tweet_id)
            if parent is None:
                raise BadRequest("in_reply_to_tweet_id does not exist", status=400, endpoint=tiers.POST_TWEET)
            if not self._summoned(parent):
                raise Forbidden("reply not allowed: the author did not summon this account", status=403,
                                endpoint=tiers.POST_TWEET)
        tweet = self.add_tweet(self.brand.username, text, in_reply_to_tweet_id=in_reply_to_tweet_id)
        self.posted.append(tweet)
        return XTweet(id=tweet.id, text=tweet.text)

    def delete_tweet(self, tweet_id: str) -> bool:
        self._record("delete_tweet", tweet_id=tweet_id)
        tweet = self.tweets.get(tweet_id)
        if tweet is None:
            raise NotFound(f"tweet {tweet_id} not found", status=404, endpoint=tiers.DELETE_TWEET)
        if tweet.author_id != self.brand.id:
            raise Forbidden("cannot delete another user's post", status=403, endpoint=tiers.DELETE_TWEET)
        del self.tweets[tweet_id]
        self.deleted.append(tweet_id)
        return True

    def get_tweet(self, tweet_id: str) -> XTweet:
        self._record("get_tweet", tweet_id=tweet_id)
        tweet = self.tweets.get(tweet_id)
        if tweet is None:
            raise NotFound(f"tweet {tweet_id} not found", status=200, endpoint=tiers.GET_TWEET)
        return tweet

    def get_tweets(self, ids: list[str]) -> list[XTweet]:
        self._record("get_tweets", ids=list(ids))
        return [self.tweets[i] for i in ids if i in self.tweets]

    def own_recent_tweets(self, user_id: str, *, since_id: str | None = None, max_results: int = 100,
                          pagination_token: str | None = None) -> TweetPage:
        self._record("own_recent_tweets", user_id=user_id, since_id=since_id, max_results=max_results)
        own = [t for t in self.tweets.values() if t.author_id == user_id]
        return self._page(own, since_id=since_id, token=pagination_token, max_results=max_results)

    def mentions_page(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
    ) -> TweetPage:
        self._record(
            "mentions_page", user_id=user_id, since_id=since_id, pagination_token=pagination_token,
            max_results=max_results,
        )
        user = self.users.get(user_id)
        handle = f"@{user.username.lower()}" if user else None
        found = [
            t for t in self.tweets.values() if handle and handle in t.text.lower() and t.author_id != user_id
        ]
        return self._page(found, since_id=since_id, token=pagination_token, max_results=max_results)

    def search_recent_page(
        self,
        query: str,
        *,
        since_id: str | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> TweetPage:
        """Every bare term of `query` must occur (case-insensitive); operators such as `-is:retweet` are ignored."""
        self._record("search_recent_page", query=query, since_id=since_id, next_token=next_token,
                     max_results=max_results)
        terms = [t.lower().strip('"') for t in query.split() if ":" not in t and not t.startswith("-")]
        terms = [t for t in terms if t not in ("or", "and")]
        found = [t for t in self.tweets.values() if all(term in t.text.lower() for term in terms)]
        return self._page(found, since_id=since_id, token=next_token, max_results=max_results)

    def follow(self, source_user_id: str, target_user_id: str) -> FollowResult:
        self._record("follow", source_user_id=source_user_id, target_user_id=target_user_id)
        if not tiers.can_follow(self.tier):
            raise NotOnTier(f"following is not available on the {self.tier} tier", status=403,
                            endpoint=tiers.FOLLOW)
        if target_user_id not in self.users:
            raise NotFound(f"user {target_user_id} not found", status=404, endpoint=tiers.FOLLOW)
        self.following.add(target_user_id)
        return FollowResult(following=True, pending=False)

    def get_user(self, user_id: str) -> XUser:
        self._record("get_user", user_id=user_id)
        user = self.users.get(user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found", status=200, endpoint=tiers.GET_USER)
        return user

    def get_user_by_username(self, username: str) -> XUser:
        self._record("get_user_by_username", username=username)
        name = username.lstrip("@").lower()
        for user in self.users.values():
            if user.username.lower() == name:
                return user
        raise NotFound(f"user @{name} not found", status=200, endpoint=tiers.GET_USER_BY_USERNAME)

    def set_user(self, user: XUser) -> None:
        """Replace a user's data (e.g. follower counts) by id."""
        self.users[user.id] = replace(user)


if TYPE_CHECKING:
    _conforms: type[XClient] = FakeXClient  # mypy checks the fake against the protocol
