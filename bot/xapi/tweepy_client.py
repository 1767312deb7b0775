"""`TweepyXClient`: the `XClient` over real HTTP through tweepy — the only module that calls tweepy.

Every call goes: refresh the OAuth 2.0 token if it is about to expire → `budget.acquire`
(raises without sending when the budget is spent) → tweepy over the gateway transport →
`budget.observe` of the response headers → translation of any failure into `bot.errors`.
A usage cap or depleted credits blocks the endpoint(s) in the budget instead of looping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests
import structlog
import tweepy

from bot.clock import Clock
from bot.errors import (
    ConfigError,
    CreditsDepleted,
    RateLimited,
    TransientError,
    Unauthorized,
    UsageCapExceeded,
    XApiError,
)
from bot.settings import XCredentials
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import FollowResult, TweetPage, XClient, XTweet, XUser
from bot.xapi.oauth2 import OAuth2Token, TokenStore, refresh_token
from bot.xapi.translate import partial_error, translate_http_error, translate_request_error
from bot.xapi.transport import session_for

log = structlog.get_logger()

TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "lang"]
USER_FIELDS = ["created_at", "public_metrics", "verified", "description"]
EXPANSIONS = ["author_id"]
_IDS_PER_LOOKUP = 100

Send = Callable[[tweepy.Client], requests.Response]


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def tweet_from(data: Mapping[str, Any]) -> XTweet:
    """An `XTweet` from the API's JSON object of a post."""
    refs = data.get("referenced_tweets") or []
    return XTweet(
        id=str(data["id"]),
        text=str(data.get("text", "")),
        author_id=_str_or_none(data.get("author_id")),
        created_at=_time(data.get("created_at")),
        conversation_id=_str_or_none(data.get("conversation_id")),
        in_reply_to_user_id=_str_or_none(data.get("in_reply_to_user_id")),
        lang=_str_or_none(data.get("lang")),
        referenced_tweets=tuple((str(r["type"]), str(r["id"])) for r in refs if isinstance(r, Mapping)),
    )


def user_from(data: Mapping[str, Any]) -> XUser:
    """An `XUser` from the API's JSON object of a user."""
    metrics = data.get("public_metrics") or {}
    return XUser(
        id=str(data["id"]),
        username=str(data.get("username", "")),
        name=str(data.get("name", "")),
        created_at=_time(data.get("created_at")),
        followers_count=metrics.get("followers_count"),
        following_count=metrics.get("following_count"),
        tweet_count=metrics.get("tweet_count"),
        verified=bool(data.get("verified", False)),
        description=str(data.get("description") or ""),
    )


def page_from(body: Mapping[str, Any]) -> TweetPage:
    """A `TweetPage` from a timeline/mentions/search response body (an empty page has no `data`)."""
    meta = body.get("meta") or {}
    users = (body.get("includes") or {}).get("users") or []
    return TweetPage(
        tweets=[tweet_from(t) for t in body.get("data") or []],
        users={str(u["id"]): user_from(u) for u in users},
        newest_id=_str_or_none(meta.get("newest_id")),
        oldest_id=_str_or_none(meta.get("oldest_id")),
        next_token=_str_or_none(meta.get("next_token")),
        result_count=int(meta.get("result_count", 0)),
    )


def _clamp(value: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, value))


class TweepyXClient:
    """`XClient` through tweepy, budgeted, with errors translated and OAuth 2.0 tokens refreshed."""

    def __init__(
        self,
        credentials: XCredentials,
        *,
        base_url: str,
        budget: BudgetKeeper,
        clock: Clock,
        token_store: TokenStore | None = None,
        timeout: float = 10.0,
    ) -> None:
        if credentials.kind == "none":
            raise ConfigError(["X credentials: TweepyXClient needs OAuth 1.0a keys or an OAuth 2.0 user token"])
        self._credentials = credentials
        self._budget = budget
        self._clock = clock
        self._store = token_store
        self._session = session_for(base_url=base_url, timeout=timeout)
        self._lock = threading.RLock()
        self._oauth2 = credentials.kind == "oauth2"
        self._token: OAuth2Token | None = None
        if self._oauth2:
            stored = token_store.load() if token_store is not None else None
            self._token = stored or OAuth2Token(credentials.oauth2_user_token, credentials.oauth2_refresh_token)
            if stored is None and token_store is not None:
                token_store.save(self._token)
        self._client = self._build()

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def _user_auth(self) -> bool:
        return not self._oauth2

    def _build(self) -> tweepy.Client:
        c = self._credentials
        if self._token is not None:
            client = tweepy.Client(bearer_token=self._token.access_token, return_type=requests.Response)
        else:
            client = tweepy.Client(
                consumer_key=c.consumer_key,
                consumer_secret=c.consumer_secret,
                access_token=c.access_token,
                access_token_secret=c.access_token_secret,
                return_type=requests.Response,
            )
        client.session.close()
        client.session = self._session
        return client

    def close(self) -> None:
        """Close the HTTP connections."""
        self._session.close()

    def __enter__(self) -> TweepyXClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _refresh(self, stale: OAuth2Token | None) -> None:
        """Refresh the OAuth 2.0 token unless another thread already replaced `stale`."""
        with self._lock:
            current = self._token
            if current is None or current is not stale:
                return
            try:
                fresh = refresh_token(
                    self._session,
                    current,
                    client_id=self._credentials.oauth2_client_id,
                    client_secret=self._credentials.oauth2_client_secret,
                    now=self._clock.now(),
                )
            except XApiError as exc:
                log.error("xapi.oauth2.refresh_failed", error=type(exc).__name__, status=exc.status)
                raise
            self._token = fresh
            if self._store is not None:
                self._store.save(fresh)
            self._client = self._build()
            expires = fresh.expires_at.isoformat() if fresh.expires_at else None
            log.info("xapi.oauth2.refreshed", expires_at=expires)

    def _refresh_if_due(self) -> None:
        token = self._token
        if token is not None and token.needs_refresh(self._clock.now()):
            self._refresh(token)

    def _call(self, endpoint: str, send: Send) -> dict[str, Any]:
        self._refresh_if_due()
        token = self._token
        try:
            return self._send(endpoint, send)
        except Unauthorized:
            if token is None or not token.refresh_token:
                raise
            log.info("xapi.oauth2.unauthorized_retry", endpoint=endpoint)
            self._refresh(token)
            return self._send(endpoint, send)

    def _send(self, endpoint: str, send: Send) -> dict[str, Any]:
        self._budget.acquire(endpoint)
        with self._lock:
            client = self._client
        try:
            response = send(client)
        except tweepy.HTTPException as exc:
            self._budget.observe(endpoint, exc.response.status_code, exc.response.headers)
            raise self._failed(endpoint, translate_http_error(exc, endpoint=endpoint), exc.response.headers) from exc
        except requests.RequestException as exc:
            error = translate_request_error(exc, endpoint=endpoint)
            log.warning("xapi.error", endpoint=endpoint, status=None, error=type(error).__name__)
            raise error from exc
        self._budget.observe(endpoint, response.status_code, response.headers)
        try:
            body = response.json()
        except ValueError as exc:
            status = response.status_code
            raise TransientError(f"{endpoint}: response is not JSON", status=status, endpoint=endpoint) from exc
        if not isinstance(body, dict):
            raise TransientError(f"{endpoint}: unexpected JSON", status=response.status_code, endpoint=endpoint)
        return body

    def _failed(self, endpoint: str, error: XApiError, headers: Mapping[str, str]) -> XApiError:
        """Record what the error means for the budget; return the error to raise."""
        if isinstance(error, UsageCapExceeded):
            self._budget.block(endpoint, self._budget.usage_cap_until(endpoint, headers), "usage_cap")
        elif isinstance(error, CreditsDepleted):
            until = self._budget.credits_until()
            self._budget.block(endpoint, until, "credits_depleted")
            self._budget.block_paid(until, "credits_depleted")
        elif isinstance(error, RateLimited) and error.reset_at is None:
            error = RateLimited(
                str(error),
                reset_at=self._budget.next_allowed_at(endpoint),
                status=error.status,
                endpoint=endpoint,
                body=error.body,
            )
        log.warning("xapi.error", endpoint=endpoint, status=error.status, error=type(error).__name__)
        return error

    def _data(self, endpoint: str, body: Mapping[str, Any]) -> Any:
        error = partial_error(body, endpoint=endpoint)
        if error is not None:
            log.info("xapi.partial_error", endpoint=endpoint, error=type(error).__name__)
            raise error
        if body.get("data") is None:
            raise TransientError(f"{endpoint}: response has no data", status=200, endpoint=endpoint, body=dict(body))
        return body["data"]

    def _lookup(self, ids: list[str]) -> Send:
        return lambda c: c.get_tweets(ids, tweet_fields=TWEET_FIELDS, user_auth=self._user_auth)  # type: ignore[no-any-return]

    # -- XClient -----------------------------------------------------------------------------

    def me(self) -> XUser:
        body = self._call(tiers.GET_ME, lambda c: c.get_me(user_fields=USER_FIELDS, user_auth=self._user_auth))
        return user_from(self._data(tiers.GET_ME, body))

    def create_tweet(
        self,
        text: str,
        *,
        in_reply_to_tweet_id: str | None = None,
        media_ids: list[str] | None = None,
    ) -> XTweet:
        body = self._call(
            tiers.POST_TWEET,
            lambda c: c.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to_tweet_id, media_ids=media_ids, user_auth=self._user_auth
            ),
        )
        data = self._data(tiers.POST_TWEET, body)
        return XTweet(id=str(data["id"]), text=str(data.get("text", text)))

    def delete_tweet(self, tweet_id: str) -> bool:
        body = self._call(tiers.DELETE_TWEET, lambda c: c.delete_tweet(tweet_id, user_auth=self._user_auth))
        return bool(self._data(tiers.DELETE_TWEET, body).get("deleted", False))

    def get_tweet(self, tweet_id: str) -> XTweet:
        body = self._call(
            tiers.GET_TWEET,
            lambda c: c.get_tweet(tweet_id, tweet_fields=TWEET_FIELDS, user_auth=self._user_auth),
        )
        return tweet_from(self._data(tiers.GET_TWEET, body))

    def get_tweets(self, ids: list[str]) -> list[XTweet]:
        out: list[XTweet] = []
        for start in range(0, len(ids), _IDS_PER_LOOKUP):
            chunk = ids[start : start + _IDS_PER_LOOKUP]
            body = self._call(tiers.GET_TWEETS, self._lookup(chunk))
            out.extend(tweet_from(t) for t in body.get("data") or [])
        return out

    def own_recent_tweets(self, user_id: str, *, since_id: str | None = None, max_results: int = 100,
                          pagination_token: str | None = None) -> TweetPage:
        body = self._call(
            tiers.GET_USER_TWEETS,
            lambda c: c.get_users_tweets(
                user_id,
                since_id=since_id,
                pagination_token=pagination_token,
                max_results=_clamp(max_results, 5, 100),
                tweet_fields=TWEET_FIELDS,
                user_auth=self._user_auth,
            ),
        )
        return page_from(body)

    def mentions_page(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
    ) -> TweetPage:
        body = self._call(
            tiers.GET_MENTIONS,
            lambda c: c.get_users_mentions(
                user_id,
                since_id=since_id,
                pagination_token=pagination_token,
                max_results=_clamp(max_results, 5, 100),
                expansions=EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
                user_auth=self._user_auth,
            ),
        )
        return page_from(body)

    def search_recent_page(
        self,
        query: str,
        *,
        since_id: str | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> TweetPage:
        body = self._call(
            tiers.SEARCH_RECENT,
            lambda c: c.search_recent_tweets(
                query,
                since_id=since_id,
                next_token=next_token,
                max_results=_clamp(max_results, 10, 100),
                expansions=EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
                user_auth=self._user_auth,
            ),
        )
        return page_from(body)

    def follow(self, source_user_id: str, target_user_id: str) -> FollowResult:
        # BaseClient.request, not follow_user: follow_user looks the source id up with an
        # extra, unbudgeted GET /2/users/me under OAuth 2.0.
        body = self._call(
            tiers.FOLLOW,
            lambda c: c.request(
                "POST",
                f"/2/users/{source_user_id}/following",
                json={"target_user_id": str(target_user_id)},
                user_auth=self._user_auth,
            ),
        )
        data = self._data(tiers.FOLLOW, body)
        return FollowResult(following=bool(data.get("following")), pending=bool(data.get("pending_follow")))

    def get_user(self, user_id: str) -> XUser:
        body = self._call(
            tiers.GET_USER,
            lambda c: c.get_user(id=user_id, user_fields=USER_FIELDS, user_auth=self._user_auth),
        )
        return user_from(self._data(tiers.GET_USER, body))

    def get_user_by_username(self, username: str) -> XUser:
        name = username.lstrip("@")
        body = self._call(
            tiers.GET_USER_BY_USERNAME,
            lambda c: c.get_user(username=name, user_fields=USER_FIELDS, user_auth=self._user_auth),
        )
        return user_from(self._data(tiers.GET_USER_BY_USERNAME, body))


if TYPE_CHECKING:
    _conforms: type[XClient] = TweepyXClient  # mypy checks the client against the protocol
