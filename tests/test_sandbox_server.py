"""The sandbox over real HTTP through tweepy: posting, reading, limits, tiers, credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import requests
import tweepy

from bot.clock import ManualClock
from bot.sandbox import (
    BRAND_USER_ID,
    SANDBOX_APP_BEARER_TOKEN,
    SANDBOX_OAUTH2_CLIENT_ID,
    SANDBOX_OAUTH2_REFRESH_TOKEN,
    SandboxConfig,
    SandboxServer,
)
from bot.sandbox.testing import SandboxAdmin, tweepy_client

ME = BRAND_USER_ID
Start = Callable[..., SandboxServer]


@pytest.fixture
def start(clock: ManualClock) -> Iterator[Start]:
    """Start sandboxes with a given config on the shared manual clock; stop them after the test."""
    servers: list[SandboxServer] = []

    def _start(**kw: Any) -> SandboxServer:
        kw.setdefault("scenario", "quiet")
        server = SandboxServer(SandboxConfig(**kw), clock).start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


def mention(server: SandboxServer, author: str, text: str, **extra: object) -> str:
    """Add a mention through the inspection API and return its id."""
    return SandboxAdmin(server.url).mention(author, text, **extra)


def seed_mentions(server: SandboxServer, clock: ManualClock, count: int) -> list[str]:
    """Add `count` mentions one second apart, directly in the world (fast); return their ids oldest first."""
    world = server.state.world
    ids = []
    with world.lock:
        user = world.add_user(username="fan", created_at=clock.now())
        for i in range(count):
            at = clock.now() - timedelta(seconds=count - i)
            ids.append(world.add_tweet(author_id=user.id, text=f"@brandbot message {i}", created_at=at).id)
    return ids


class TestPosting:
    def test_post_returns_201_with_id_and_text(self, start: Start) -> None:
        """A post answers 201 with `data` holding the new id and the text."""
        server = start(tier="basic")
        response = tweepy_client(server.url).create_tweet(text="Hello from the sandbox")
        assert response.data["text"] == "Hello from the sandbox"
        assert response.data["id"].isdigit()
        assert sorted(response.data) == ["id", "text"]

    def test_duplicate_text_is_forbidden_with_the_real_body(self, start: Start) -> None:
        """Posting the same text twice within 24 h raises Forbidden with X's exact body."""
        server = start(tier="basic")
        client = tweepy_client(server.url)
        client.create_tweet(text="Same words")
        with pytest.raises(tweepy.Forbidden) as info:
            client.create_tweet(text="Same words")
        assert info.value.response.json() == {
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
        }

    def test_duplicate_allowed_after_24_hours(self, start: Start, clock: ManualClock) -> None:
        """The same text can be posted again once 24 hours have passed."""
        server = start(tier="pro")
        client = tweepy_client(server.url)
        client.create_tweet(text="Good morning")
        clock.advance(24 * 3600 + 1)
        assert client.create_tweet(text="Good morning").data["text"] == "Good morning"

    def test_281_weighted_characters_is_bad_request(self, start: Start) -> None:
        """Text over 280 weighted characters (141 CJK characters weigh 282) is refused with 400."""
        server = start(tier="basic")
        client = tweepy_client(server.url)
        with pytest.raises(tweepy.BadRequest):
            client.create_tweet(text="a" * 281)
        with pytest.raises(tweepy.BadRequest):
            client.create_tweet(text="漢" * 141)
        assert client.create_tweet(text="a" * 280).data["id"].isdigit()

    def test_reply_to_an_unsummoning_author_is_forbidden(self, start: Start) -> None:
        """Replying to a tweet that does not mention the brand is refused with X's 2026 body."""
        server = start(tier="pro")
        tid = SandboxAdmin(server.url).tweet("stranger", "just my day")
        with pytest.raises(tweepy.Forbidden) as info:
            tweepy_client(server.url).create_tweet(text="Hi!", in_reply_to_tweet_id=tid)
        assert info.value.response.json()["detail"] == (
            "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
            "engaged by the author of the post you are replying to."
        )

    def test_reply_to_a_mention_is_allowed_and_recorded(self, start: Start) -> None:
        """A reply to a mention is created and shows in /_sandbox/posts with its parent id."""
        server = start(tier="basic")
        tid = mention(server, "alice", "@brandbot where is my parcel?")
        new = tweepy_client(server.url).create_tweet(text="@alice let us check", in_reply_to_tweet_id=tid)
        posts = SandboxAdmin(server.url).posts()
        assert [(p["id"], p["in_reply_to_tweet_id"]) for p in posts] == [(new.data["id"], tid)]

    def test_unsummoned_reply_is_allowed_on_enterprise(self, start: Start) -> None:
        """Enterprise may reply to anyone."""
        server = start(tier="enterprise")
        tid = SandboxAdmin(server.url).tweet("stranger", "nice weather")
        assert tweepy_client(server.url).create_tweet(text="Indeed", in_reply_to_tweet_id=tid).data["text"] == "Indeed"

    def test_concurrent_posts_get_distinct_ids_and_exact_counts(self, start: Start) -> None:
        """20 posts from 5 threads at once get 20 distinct ids and the window counts exactly 20."""
        server = start(tier="pro")
        client = tweepy_client(server.url)

        def post(i: int) -> str:
            return str(tweepy_client(server.url).create_tweet(text=f"parallel {i}").data["id"])

        with ThreadPoolExecutor(max_workers=5) as pool:
            ids = list(pool.map(post, range(20)))
        assert len(set(ids)) == 20
        r = client.request("POST", "/2/tweets", json={"text": "one more"}, user_auth=True)
        assert r.headers["x-rate-limit-remaining"] == "79"

    def test_delete_then_get_is_not_found(self, start: Start) -> None:
        """A deleted post answers 404 with the v2 Not Found shape."""
        server = start(tier="pro")
        client = tweepy_client(server.url)
        tid = client.create_tweet(text="oops").data["id"]
        assert client.delete_tweet(tid).data == {"deleted": True}
        with pytest.raises(tweepy.NotFound) as info:
            client.get_tweet(tid, user_auth=True)
        error = info.value.response.json()["errors"][0]
        assert (error["title"], error["resource_type"], error["resource_id"]) == ("Not Found Error", "tweet", tid)


class TestReading:
    def test_mentions_paginate_with_next_token_then_since_id(self, start: Start, clock: ManualClock) -> None:
        """250 mentions come back in pages of 100/100/50; since_id then returns only newer ones."""
        server = start(tier="pro")
        ids = seed_mentions(server, clock, 250)
        client = tweepy_client(server.url)
        pages = list(tweepy.Paginator(client.get_users_mentions, ME, max_results=100, user_auth=True))
        assert [p.meta["result_count"] for p in pages] == [100, 100, 50]
        seen = [t.id for p in pages for t in p.data]
        assert seen == [int(i) for i in reversed(ids)]
        assert pages[0].meta["newest_id"] == ids[-1]
        later = mention(server, "bob", "@brandbot hello again")
        fresh = client.get_users_mentions(ME, since_id=ids[-1], user_auth=True)
        assert [t.id for t in fresh.data] == [int(later)]
        empty = client.get_users_mentions(ME, since_id=later, user_auth=True)
        assert (empty.data, empty.meta) == (None, {"result_count": 0})

    def test_mentions_expand_authors_and_fields(self, start: Start) -> None:
        """expansions=author_id fills includes.users; tweet.fields adds only what was asked."""
        server = start(tier="basic")
        tid = mention(server, "carol", "@brandbot love it")
        page = tweepy_client(server.url).get_users_mentions(
            ME, expansions=["author_id"], tweet_fields=["author_id", "created_at"],
            user_fields=["public_metrics"], user_auth=True,
        )
        tweet = page.data[0]
        assert sorted(tweet.data) == ["author_id", "created_at", "edit_history_tweet_ids", "id", "text"]
        assert (str(tweet.id), tweet.data["created_at"]) == (tid, "2026-03-01T12:00:00.000Z")
        user = page.includes["users"][0]
        assert (user.username, user.id, user.public_metrics["followers_count"]) == ("carol", tweet.author_id, 10)

    def test_future_mentions_stay_hidden_until_due(self, start: Start, clock: ManualClock) -> None:
        """A mention dated in the future is invisible until the sandbox clock reaches it."""
        server = start(tier="pro")
        mention(server, "dave", "@brandbot later", created_at="2026-03-01T12:10:00Z")
        client = tweepy_client(server.url)
        assert client.get_users_mentions(ME, user_auth=True).meta == {"result_count": 0}
        clock.advance(600)
        assert client.get_users_mentions(ME, user_auth=True).meta["result_count"] == 1

    def test_search_query_syntax(self, start: Start) -> None:
        """Search honours @handle, quoted phrases, OR, -is:retweet and -term."""
        server = start(tier="pro")
        a = mention(server, "eve", "@brandbot my order is late again")
        b = mention(server, "frank", "@brandbot the app crashed")
        mention(server, "gina", "@brandbot the app crashed spam")
        SandboxAdmin(server.url).tweet("hal", "order is late")
        SandboxAdmin(server.url).tweet("ivy", "RT @brandbot my order is late", is_retweet=True)
        client = tweepy_client(server.url)
        query = '@brandbot ("order is late" OR crashed) -is:retweet -spam'
        found = client.search_recent_tweets(query, user_auth=True)
        assert sorted(str(t.id) for t in found.data) == sorted([a, b])
        with pytest.raises(tweepy.BadRequest):
            client.search_recent_tweets("-spam", user_auth=True)

    def test_search_paginates_with_next_token(self, start: Start, clock: ManualClock) -> None:
        """12 matches come back as 10 then 2 through next_token; since_id skips what was seen."""
        server = start(tier="pro")
        ids = seed_mentions(server, clock, 12)
        client = tweepy_client(server.url)
        pages = list(tweepy.Paginator(client.search_recent_tweets, "message", max_results=10, user_auth=True))
        assert [p.meta["result_count"] for p in pages] == [10, 2]
        assert "next_token" in pages[0].meta
        newer = client.search_recent_tweets("message", since_id=ids[-3], user_auth=True)
        assert [str(t.id) for t in newer.data] == [ids[-1], ids[-2]]

    def test_users_by_id_username_and_me(self, start: Start) -> None:
        """User lookups return the default fields, and 404 for an unknown username."""
        server = start(tier="pro", brand_username="acme")
        client = tweepy_client(server.url)
        assert client.get_me(user_auth=True).data.data == {"id": ME, "name": "Acme", "username": "acme"}
        assert client.get_user(username="ACME", user_auth=True).data.id == int(ME)
        with pytest.raises(tweepy.NotFound):
            client.get_user(username="nobody", user_auth=True)

    def test_max_results_out_of_range_is_bad_request(self, start: Start) -> None:
        """mentions max_results must be 5..100, as on X."""
        server = start(tier="pro")
        with pytest.raises(tweepy.BadRequest) as info:
            tweepy_client(server.url).get_users_mentions(ME, max_results=4, user_auth=True)
        assert info.value.api_messages == ["The `max_results` query parameter value [4] is not between 5 and 100"]


class TestTiers:
    def test_follow_refused_on_basic(self, start: Start) -> None:
        """Following is not available on Basic: 403 Client Forbidden, and nothing is recorded."""
        server = start(tier="basic")
        target = server.state.world.add_user(username="zed", created_at=server.state.now()).id
        with pytest.raises(tweepy.Forbidden) as info:
            tweepy_client(server.url).follow_user(target)
        body = info.value.response.json()
        assert (body["title"], body["type"], body["reason"]) == (
            "Client Forbidden", "https://api.x.com/2/problems/client-forbidden", "client-not-enrolled"
        )
        assert SandboxAdmin(server.url).follows() == []

    def test_follow_and_unfollow_on_enterprise(self, start: Start) -> None:
        """Enterprise follows (recorded in /_sandbox/follows) and unfollows."""
        server = start(tier="enterprise")
        target = server.state.world.add_user(username="zed", created_at=server.state.now()).id
        client = tweepy_client(server.url)
        assert client.follow_user(target).data == {"following": True, "pending_follow": False}
        follows = SandboxAdmin(server.url).follows()
        assert [(f["target_user_id"], f["target_username"]) for f in follows] == [(target, "zed")]
        assert client.unfollow_user(target).data == {"following": False}

    def test_following_a_protected_account_is_a_pending_request(self, start: Start) -> None:
        """A protected account gets a follow request (`following` false, `pending_follow` true, as X answers),
        once however often it is asked; it is not a follow, and unfollowing withdraws it."""
        server = start(tier="enterprise")
        admin = SandboxAdmin(server.url)
        mention(server, "locked", "@brandbot where is my order", protected=True)
        target = server.state.world.by_username["locked"]
        client = tweepy_client(server.url)
        user = client.get_user(id=target, user_fields=["protected"], user_auth=True).data
        assert (user.username, user.protected) == ("locked", True)
        assert client.follow_user(target).data == {"following": False, "pending_follow": True}
        assert client.follow_user(target).data == {"following": False, "pending_follow": True}
        requests_ = admin.follow_requests()
        assert [(r["source_user_id"], r["target_user_id"], r["target_username"]) for r in requests_] == [
            (ME, target, "locked")]
        assert admin.follows() == []
        assert client.get_users_following(ME, user_auth=True).data is None
        assert client.unfollow_user(target).data == {"following": False}
        assert admin.follow_requests() == []

    def test_protected_must_be_a_boolean(self, start: Start) -> None:
        """The inspection API refuses `"protected": "yes"` rather than guessing."""
        server = start(tier="enterprise")
        response = requests.post(f"{server.url}/_sandbox/mentions", timeout=5,
                                 json={"author_username": "locked", "text": "hi", "protected": "yes"})
        assert (response.status_code, response.json()) == (400, {"error": "protected must be true or false"})

    def test_rate_limit_counts_down_then_429_then_resets(self, start: Start, clock: ManualClock) -> None:
        """Basic allows 10 mentions reads per 15 min; the 11th is 429; a new window opens after the reset."""
        server = start(tier="basic")
        client = tweepy_client(server.url)
        counts = []
        for _ in range(10):
            r = client.request("GET", f"/2/users/{ME}/mentions", user_auth=True)
            counts.append((r.headers["x-rate-limit-limit"], r.headers["x-rate-limit-remaining"]))
        assert counts == [("10", str(9 - i)) for i in range(10)]
        with pytest.raises(tweepy.TooManyRequests) as info:
            client.get_users_mentions(ME, user_auth=True)
        reset = int(info.value.response.headers["x-rate-limit-reset"])
        assert reset == int(clock.now().timestamp()) + 900
        assert info.value.response.json() == {
            "title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429
        }
        clock.advance(900)
        r = client.request("GET", f"/2/users/{ME}/mentions", user_auth=True)
        assert r.headers["x-rate-limit-remaining"] == "9"

    def test_post_carries_24_hour_headers(self, start: Start) -> None:
        """A post sends the per-user and per-app 24-hour limits (Basic: 100/24 h user, 1,667 app)."""
        server = start(tier="basic")
        r = tweepy_client(server.url).request("POST", "/2/tweets", json={"text": "hi"}, user_auth=True)
        assert [r.headers[h] for h in (
            "x-rate-limit-limit", "x-rate-limit-remaining", "x-user-limit-24hour-limit",
            "x-user-limit-24hour-remaining", "x-app-limit-24hour-limit", "x-app-limit-24hour-remaining",
        )] == ["100", "99", "2400", "2399", "1667", "1666"]

    def test_payg_credits_deplete_into_402(self, start: Start) -> None:
        """With $0.04 of credit two plain posts ($0.015 each) pass and the third is 402 credits depleted."""
        server = start(tier="payg", credits=0.04)
        client = tweepy_client(server.url)
        client.create_tweet(text="one")
        client.create_tweet(text="two")
        with pytest.raises(tweepy.HTTPException) as info:
            client.create_tweet(text="three")
        assert info.value.response.status_code == 402
        assert info.value.response.json()["type"] == "https://api.x.com/2/problems/credits-depleted"
        usage = SandboxAdmin(server.url).usage()
        assert usage["credits_spent"] == 0.03

    def test_payg_link_posts_cost_more(self, start: Start) -> None:
        """A post with a URL costs $0.20 and a summoned reply $0.01."""
        server = start(tier="payg", credits=1.0)
        client = tweepy_client(server.url)
        tid = mention(server, "alice", "@brandbot hi")
        client.create_tweet(text="see https://example.com/news")
        client.create_tweet(text="@alice hello", in_reply_to_tweet_id=tid)
        assert SandboxAdmin(server.url).usage()["credits_spent"] == 0.21

    def test_usage_cap_429_does_not_clear_at_window_reset(self, start: Start, clock: ManualClock) -> None:
        """Once the monthly post-read cap is spent, reads get UsageCapExceeded even in a new window."""
        server = start(tier="pro", usage_cap_posts=3)
        seed_mentions(server, clock, 3)
        client = tweepy_client(server.url)
        assert client.get_users_mentions(ME, user_auth=True).meta["result_count"] == 3
        clock.advance(900)
        with pytest.raises(tweepy.TooManyRequests) as info:
            client.get_users_mentions(ME, user_auth=True)
        body = info.value.response.json()
        assert (body["title"], body["type"]) == ("UsageCapExceeded", "https://api.x.com/2/problems/usage-capped")


class TestCredentials:
    def test_unknown_bearer_token_is_401_with_real_body(self, start: Start) -> None:
        """An unknown OAuth 2.0 token answers 401 with X's body."""
        server = start(tier="pro")
        client = tweepy_client(server.url, oauth2=True, bearer_token="nope")
        with pytest.raises(tweepy.Unauthorized) as info:
            client.get_me(user_auth=False)
        assert info.value.response.json() == {
            "title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"
        }

    def test_refresh_issues_an_expiring_token(self, start: Start, clock: ManualClock) -> None:
        """The refreshed token works, then fails with 401 after 7200 s; an issued refresh token is single-use."""
        server = start(tier="pro")
        form = {"grant_type": "refresh_token", "refresh_token": SANDBOX_OAUTH2_REFRESH_TOKEN,
                "client_id": SANDBOX_OAUTH2_CLIENT_ID}
        issued = requests.post(f"{server.url}/2/oauth2/token", data=form, timeout=5).json()
        assert (issued["token_type"], issued["expires_in"]) == ("bearer", 7200)
        assert sorted(issued) == ["access_token", "expires_in", "refresh_token", "scope", "token_type"]
        client = tweepy_client(server.url, oauth2=True, bearer_token=issued["access_token"])
        assert client.get_me(user_auth=False).data.username == "brandbot"
        clock.advance(7200)
        with pytest.raises(tweepy.Unauthorized):
            client.get_me(user_auth=False)
        again = {**form, "refresh_token": issued["refresh_token"]}
        assert requests.post(f"{server.url}/2/oauth2/token", data=again, timeout=5).status_code == 200
        assert requests.post(f"{server.url}/2/oauth2/token", data=again, timeout=5).status_code == 400

    def test_app_only_token_reads_but_cannot_post(self, start: Start) -> None:
        """An app-only bearer token can read mentions but posting is 403 Unsupported Authentication."""
        server = start(tier="pro")
        client = tweepy_client(server.url, oauth2=True, bearer_token=SANDBOX_APP_BEARER_TOKEN)
        assert client.get_users_mentions(ME).meta == {"result_count": 0}
        with pytest.raises(tweepy.Forbidden) as info:
            client.create_tweet(text="hi", user_auth=False)
        assert info.value.response.json()["title"] == "Unsupported Authentication"
