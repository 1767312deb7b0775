"""Helpers to point tweepy at a running sandbox (tests, demos, benchmarks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.constants import (
    SANDBOX_ACCESS_TOKEN,
    SANDBOX_ACCESS_TOKEN_SECRET,
    SANDBOX_CONSUMER_KEY,
    SANDBOX_CONSUMER_SECRET,
    SANDBOX_OAUTH2_TOKEN,
)
from bot.xapi.transport import TWITTER_API, GatewayAdapter

if TYPE_CHECKING:
    import tweepy

    from bot.settings import Settings, XCredentials


def sandbox_adapter(base_url: str, *, timeout: float = 5.0) -> GatewayAdapter:
    """A requests adapter that sends `https://api.twitter.com/...` to `base_url` instead."""
    return GatewayAdapter(timeout=timeout, base_url=base_url)


def tweepy_client(base_url: str, *, oauth2: bool = False, timeout: float = 5.0, **kwargs: Any) -> tweepy.Client:
    """A `tweepy.Client` with the sandbox's default credentials, talking to `base_url` over HTTP.

    With `oauth2` it authenticates with `SANDBOX_OAUTH2_TOKEN` (pass `user_auth=False` to calls);
    otherwise with the OAuth 1.0a quartet.
    """
    import tweepy

    if oauth2:
        client = tweepy.Client(bearer_token=kwargs.pop("bearer_token", SANDBOX_OAUTH2_TOKEN), **kwargs)
    else:
        client = tweepy.Client(
            consumer_key=SANDBOX_CONSUMER_KEY,
            consumer_secret=SANDBOX_CONSUMER_SECRET,
            access_token=kwargs.pop("access_token", SANDBOX_ACCESS_TOKEN),
            access_token_secret=SANDBOX_ACCESS_TOKEN_SECRET,
            **kwargs,
        )
    client.session.mount(TWITTER_API, sandbox_adapter(base_url, timeout=timeout))
    return client


class SandboxAdmin:
    """A small client of the `/_sandbox/...` inspection API (over HTTP, so it works on any sandbox)."""

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, expect: int = 200) -> Any:
        response = self._session.request(method, self.base_url + path, json=body, timeout=self.timeout)
        if response.status_code != expect:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def mention(self, author: str, text: str, **extra: Any) -> str:
        """Add a mention of the brand by `author` (created if new; `protected=True` makes a new one protected);
        returns the tweet id."""
        body = {"author_username": author, "text": text, **extra}
        return str(self._call("POST", "/_sandbox/mentions", body, 201)["id"])

    def tweet(self, author: str, text: str, **extra: Any) -> str:
        """Add a tweet by `author` that need not mention the brand; returns its id."""
        body = {"author_username": author, "text": text, **extra}
        return str(self._call("POST", "/_sandbox/tweets", body, 201)["id"])

    def delete(self, tweet_id: str) -> None:
        """Delete any tweet (e.g. a mention vanishing)."""
        self._call("POST", f"/_sandbox/tweets/{tweet_id}/delete")

    def posts(self) -> list[dict[str, Any]]:
        """The brand's posts, oldest first."""
        return list(self._call("GET", "/_sandbox/posts"))

    def follows(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_sandbox/follows"))

    def follow_requests(self) -> list[dict[str, Any]]:
        """Follows of protected accounts that wait for their approval (not in `follows`)."""
        return list(self._call("GET", "/_sandbox/follow-requests"))

    def approve_follow_request(self, target_username: str) -> None:
        """`target_username` (protected) approves the brand's pending follow request: its tweets become visible."""
        self._call("POST", "/_sandbox/follow-requests/approve", {"target_username": target_username})

    def protect(self, username: str, protected: bool = True) -> None:
        """Protect (or, with False, open) an existing account's tweets."""
        self._call("POST", f"/_sandbox/users/{username}", {"protected": protected})

    def usage(self) -> dict[str, Any]:
        return dict(self._call("GET", "/_sandbox/usage"))

    def clock(self) -> dict[str, Any]:
        return dict(self._call("GET", "/_sandbox/clock"))

    def faults(self, **settings: Any) -> dict[str, Any]:
        """Change fault settings at run time (see `FaultSettings`; `restore_token=True` undoes a revocation)."""
        return dict(self._call("POST", "/_sandbox/faults", settings))

    def reset(self) -> None:
        self._call("POST", "/_sandbox/reset")

    def close(self) -> None:
        self._session.close()


def sandbox_credentials() -> XCredentials:
    """The sandbox's documented OAuth 1.0a user-context keys, as the bot's settings hold them."""
    from bot.settings import XCredentials

    return XCredentials(consumer_key=SANDBOX_CONSUMER_KEY, consumer_secret=SANDBOX_CONSUMER_SECRET,
                        access_token=SANDBOX_ACCESS_TOKEN, access_token_secret=SANDBOX_ACCESS_TOKEN_SECRET)


def sandbox_settings(database_url: str, sandbox_url: str, tier: str = "basic", **changes: Any) -> Settings:
    """Bot settings pointed at a sandbox, with its documented OAuth 1.0a credentials (tests, benchmarks)."""
    from bot.settings import Settings, default_template_dir

    return Settings(
        database_url=database_url,
        x_api_base_url=sandbox_url,
        x_tier=tier,
        credentials=sandbox_credentials(),
        template_dir=default_template_dir(),
        sandbox=True,
    ).with_overrides(**changes)


def sandbox_env(database_url: str, sandbox_url: str, tier: str = "basic", **extra: str) -> dict[str, str]:
    """The environment of a `brandbot` child process pointed at a sandbox (nothing inherited but PATH/HOME)."""
    import os

    from bot.settings import default_template_dir

    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - only a fallback for a child's HOME
        "DATABASE_URL": database_url,
        "X_API_BASE_URL": sandbox_url,
        "X_TIER": tier,
        "X_CONSUMER_KEY": SANDBOX_CONSUMER_KEY,
        "X_CONSUMER_SECRET": SANDBOX_CONSUMER_SECRET,
        "X_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
        "X_ACCESS_TOKEN_SECRET": SANDBOX_ACCESS_TOKEN_SECRET,
        "TEMPLATE_DIR": str(default_template_dir().resolve()),
        "LOG_FORMAT": "json",
    }
    env.update(extra)
    return env
