"""The bot's own X adapter (`TweepyXClient`) against the sandbox: the errors it raises are the tree's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.errors import DuplicateContent, NotOnTier, Unauthorized
from bot.sandbox import (
    BRAND_USER_ID,
    SANDBOX_OAUTH2_CLIENT_ID,
    SANDBOX_OAUTH2_REFRESH_TOKEN,
    SandboxConfig,
    SandboxServer,
)
from bot.sandbox.testing import SandboxAdmin, sandbox_credentials
from bot.settings import XCredentials
from bot.xapi.budget import BudgetKeeper
from bot.xapi.oauth2 import InMemoryTokenStore, OAuth2Token
from bot.xapi.tweepy_client import TweepyXClient

OAUTH1 = sandbox_credentials()


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[SandboxServer]:
    """A Basic-tier sandbox with no scenario."""
    server = SandboxServer(SandboxConfig(tier="basic", scenario="quiet"), clock).start()
    yield server
    server.stop()


def client(server: SandboxServer, clock: ManualClock, credentials: XCredentials = OAUTH1, **kw: Any) -> TweepyXClient:
    """The bot's adapter pointed at `server`."""
    return TweepyXClient(credentials, base_url=server.url, budget=BudgetKeeper("basic", clock), clock=clock, **kw)


class TestTweepyXClientOnSandbox:
    def test_me_post_and_mentions(self, sandbox: SandboxServer, clock: ManualClock) -> None:
        """me(), create_tweet() and mentions_page() round-trip with the fields the bot asks for."""
        x = client(sandbox, clock)
        assert (x.me().id, x.me().username) == (BRAND_USER_ID, "brandbot")
        tid = SandboxAdmin(sandbox.url).mention("alice", "@brandbot hi there", lang="fr")
        page = x.mentions_page(BRAND_USER_ID)
        tweet = page.tweets[0]
        assert (tweet.id, tweet.lang, tweet.created_at, page.users[tweet.author_id or ""].username) == (
            tid, "fr", clock.now(), "alice"
        )
        assert x.create_tweet("@alice bonjour", in_reply_to_tweet_id=tid).text == "@alice bonjour"

    def test_duplicate_and_follow_map_to_the_error_tree(self, sandbox: SandboxServer, clock: ManualClock) -> None:
        """A duplicate raises DuplicateContent and a follow on Basic raises NotOnTier."""
        x = client(sandbox, clock)
        x.create_tweet("once")
        with pytest.raises(DuplicateContent):
            x.create_tweet("once")
        target = sandbox.state.world.add_user(username="zed", created_at=clock.now()).id
        with pytest.raises(NotOnTier):
            x.follow(BRAND_USER_ID, target)

    def test_oauth2_token_is_refreshed_before_it_expires(self, sandbox: SandboxServer, clock: ManualClock) -> None:
        """An expiring OAuth 2.0 token is renewed through /2/oauth2/token and the call succeeds."""
        credentials = XCredentials(
            oauth2_user_token="unknown-old-token", oauth2_refresh_token=SANDBOX_OAUTH2_REFRESH_TOKEN,
            oauth2_client_id=SANDBOX_OAUTH2_CLIENT_ID,
        )
        store = InMemoryTokenStore(OAuth2Token("unknown-old-token", SANDBOX_OAUTH2_REFRESH_TOKEN, clock.now()))
        x = client(sandbox, clock, credentials, token_store=store)
        assert x.me().id == BRAND_USER_ID
        assert store.saves == 1

    def test_revoked_credentials_raise_unauthorized(self, sandbox: SandboxServer, clock: ManualClock) -> None:
        """After revoke_token_at passes, the adapter raises Unauthorized."""
        SandboxAdmin(sandbox.url).faults(revoke_token_at="2026-03-01T12:00:00Z")
        with pytest.raises(Unauthorized):
            client(sandbox, clock).me()
