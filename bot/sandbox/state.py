"""The simulated world: users, tweets and follows, guarded by one lock.

Tweet ids are snowflake-like: `(milliseconds since X's epoch) << 22 | sequence`, so ids grow
with `created_at` and `since_id` comparisons work numerically. Tweets older than the 7-day
recent-search window are pruned, so memory stays bounded however long the sandbox runs.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import as_utc
from bot.text.urls import contains_url

BRAND_USER_ID = "1000000000000000001"
TWITTER_EPOCH_MS = 1288834974657
RETENTION = timedelta(days=7)
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


@dataclass(slots=True)
class User:
    """A simulated account; a `protected` one approves its followers (a follow is a pending request)."""

    id: str
    username: str
    name: str
    created_at: datetime
    description: str = ""
    verified: bool = False
    followers_count: int = 0
    following_count: int = 0
    protected: bool = False


@dataclass(slots=True)
class Tweet:
    """A post in the world; `mentioned_ids` are the users it mentions (or replies to)."""

    id: str
    text: str
    author_id: str
    created_at: datetime
    conversation_id: str
    lang: str = "en"
    in_reply_to_tweet_id: str | None = None
    in_reply_to_user_id: str | None = None
    quoted_tweet_id: str | None = None
    is_retweet: bool = False
    media_ids: tuple[str, ...] = ()
    mentioned_ids: frozenset[str] = field(default_factory=frozenset)
    deleted: bool = False

    @property
    def has_url(self) -> bool:
        """Whether the text carries a link (pay-per-use charges these more)."""
        return contains_url(self.text)


def snowflake(instant: datetime) -> int:
    """The smallest snowflake id for `instant`."""
    ms = int(as_utc(instant).timestamp() * 1000)
    return max(ms - TWITTER_EPOCH_MS, 0) << 22


class World:
    """Users, tweets, follows and follow requests. Callers hold `lock` around anything that must be atomic.

    Following a protected account makes a request (`follow_requests`), not a follow: it is not in
    either account's followers/following and does not move their counts, as on X until the account
    approves it (`approve_request`; the sandbox never approves one by itself). A protected account's
    tweets are seen only by itself and its approved followers (`may_see`): reads filter them out
    for anyone else, and a lookup says not authorized.
    """

    def __init__(self, *, brand_username: str, now: datetime) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.by_username: dict[str, str] = {}
        self.tweets: dict[str, Tweet] = {}
        self.follows: dict[tuple[str, str], datetime] = {}
        self.follow_requests: dict[tuple[str, str], datetime] = {}
        self._by_author: dict[str, list[str]] = {}
        self._used_ids: set[int] = set()
        self.brand = self.add_user(
            username=brand_username,
            name=brand_username.capitalize(),
            created_at=now - timedelta(days=900),
            user_id=BRAND_USER_ID,
            description="The official account (sandbox).",
            followers_count=12000,
            following_count=150,
            verified=True,
        )

    # users ---------------------------------------------------------------------------------
    def add_user(
        self,
        *,
        username: str,
        name: str = "",
        created_at: datetime,
        user_id: str | None = None,
        description: str = "",
        followers_count: int = 0,
        following_count: int = 0,
        verified: bool = False,
        protected: bool = False,
    ) -> User:
        """Create (or return the existing, unchanged) user `username`."""
        with self.lock:
            existing = self.user_by_username(username)
            if existing is not None:
                return existing
            uid = user_id or str(2000000000000000000 + len(self.users))
            user = User(
                id=uid,
                username=username,
                name=name or username,
                created_at=created_at,
                description=description,
                verified=verified,
                followers_count=followers_count,
                following_count=following_count,
                protected=protected,
            )
            self.users[uid] = user
            self.by_username[username.lower()] = uid
            return user

    def user_by_username(self, username: str) -> User | None:
        """The user called `username` (case-insensitive), if any."""
        uid = self.by_username.get(username.lower().lstrip("@"))
        return self.users.get(uid) if uid else None

    # tweets --------------------------------------------------------------------------------
    def new_id(self, instant: datetime) -> str:
        """A fresh id ordered by `instant`."""
        with self.lock:
            candidate = snowflake(instant)
            while candidate in self._used_ids:
                candidate += 1
            self._used_ids.add(candidate)
            return str(candidate)

    def add_tweet(
        self,
        *,
        author_id: str,
        text: str,
        created_at: datetime,
        lang: str = "en",
        in_reply_to: Tweet | None = None,
        quoted: Tweet | None = None,
        media_ids: tuple[str, ...] = (),
        is_retweet: bool = False,
    ) -> Tweet:
        """Create a tweet; mentions are read from the text (and the replied-to author)."""
        with self.lock:
            tid = self.new_id(created_at)
            mentioned = {
                u.id for name in _MENTION.findall(text) if (u := self.user_by_username(name)) is not None
            }
            if in_reply_to is not None and in_reply_to.author_id != author_id:
                mentioned.add(in_reply_to.author_id)
            tweet = Tweet(
                id=tid,
                text=text,
                author_id=author_id,
                created_at=created_at,
                conversation_id=in_reply_to.conversation_id if in_reply_to is not None else tid,
                lang=lang,
                in_reply_to_tweet_id=in_reply_to.id if in_reply_to is not None else None,
                in_reply_to_user_id=in_reply_to.author_id if in_reply_to is not None else None,
                quoted_tweet_id=quoted.id if quoted is not None else None,
                is_retweet=is_retweet,
                media_ids=media_ids,
                mentioned_ids=frozenset(mentioned - {author_id}),
            )
            self.tweets[tid] = tweet
            self._by_author.setdefault(author_id, []).append(tid)
            return tweet

    def latest_post(self, author_id: str, before: datetime) -> Tweet | None:
        """The author's newest visible original post (not a reply) created at or before `before`."""
        with self.lock:
            for tid in reversed(self._by_author.get(author_id, [])):
                tweet = self.tweets.get(tid)
                if tweet and not tweet.deleted and not tweet.in_reply_to_tweet_id and tweet.created_at <= before:
                    return tweet
            return None

    def visible(self, tweet_id: str, now: datetime) -> Tweet | None:
        """The tweet if it exists, is not deleted and is not in the future."""
        tweet = self.tweets.get(tweet_id)
        if tweet is None or tweet.deleted or tweet.created_at > now:
            return None
        return tweet

    def may_see(self, author_id: str, viewer_id: str | None) -> bool:
        """Whether `viewer_id` (None: an app-only caller, nobody's follower) may read `author_id`'s tweets.

        A protected account's tweets are for itself and its approved followers only; a pending
        follow request does not count.
        """
        author = self.users.get(author_id)
        if author is None or not author.protected or viewer_id == author_id:
            return True
        return viewer_id is not None and (viewer_id, author_id) in self.follows

    def timeline(self, now: datetime, *, viewer: str | None) -> list[Tweet]:
        """Every visible tweet `viewer` may read (`may_see`), newest first."""
        with self.lock:
            live = [t for t in self.tweets.values()
                    if not t.deleted and t.created_at <= now and self.may_see(t.author_id, viewer)]
        live.sort(key=lambda t: int(t.id), reverse=True)
        return live

    def summoned_by(self, tweet: Tweet, user_id: str) -> bool:
        """Whether `tweet`'s author engaged `user_id` (mentioned them, quoted them, or is them)."""
        if tweet.author_id == user_id or user_id in tweet.mentioned_ids:
            return True
        quoted = self.tweets.get(tweet.quoted_tweet_id) if tweet.quoted_tweet_id else None
        return quoted is not None and quoted.author_id == user_id

    def prune(self, now: datetime) -> int:
        """Forget tweets older than the retention window (the brand's own posts are kept); return how many."""
        cutoff = now - RETENTION
        with self.lock:
            old = [
                tid for tid, t in self.tweets.items() if t.created_at < cutoff and t.author_id != self.brand.id
            ]
            for tid in old:
                del self.tweets[tid]
                self._used_ids.discard(int(tid))
            for author, ids in self._by_author.items():
                self._by_author[author] = [tid for tid in ids if tid in self.tweets]
            return len(old)

    # follows -------------------------------------------------------------------------------
    def follow(self, source_id: str, target_id: str, now: datetime) -> bool:
        """Record a follow; False when it already existed."""
        with self.lock:
            if (source_id, target_id) in self.follows:
                return False
            self.follows[(source_id, target_id)] = now
            self.users[source_id].following_count += 1
            self.users[target_id].followers_count += 1
            return True

    def follow_or_request(self, source_id: str, target_id: str, now: datetime) -> bool:
        """Follow `target_id`, or ask to when the account is protected (once); True when now following."""
        with self.lock:
            key = (source_id, target_id)
            if key in self.follows or not self.users[target_id].protected:
                self.follow(source_id, target_id, now)
                return True
            self.follow_requests.setdefault(key, now)
            return False

    def approve_request(self, source_id: str, target_id: str, now: datetime) -> bool:
        """The protected `target_id` approves `source_id`'s pending request: it becomes a follow; False when none."""
        with self.lock:
            if self.follow_requests.pop((source_id, target_id), None) is None:
                return False
            self.follow(source_id, target_id, now)
            return True

    def set_protected(self, user_id: str, protected: bool, now: datetime) -> None:
        """Protect (or open) an account's tweets. Opening it makes its pending requests follows (nobody is left
        to approve them); protecting it keeps its existing followers, who still see its tweets."""
        with self.lock:
            self.users[user_id].protected = protected
            if not protected:
                for source, target in [k for k in self.follow_requests if k[1] == user_id]:
                    self.approve_request(source, target, now)

    def unfollow(self, source_id: str, target_id: str) -> bool:
        """Remove a follow, or withdraw a pending follow request; False when there was neither."""
        with self.lock:
            if self.follow_requests.pop((source_id, target_id), None) is not None:
                return True
            if self.follows.pop((source_id, target_id), None) is None:
                return False
            self.users[source_id].following_count -= 1
            self.users[target_id].followers_count -= 1
            return True
