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
