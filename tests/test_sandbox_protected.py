"""Protected accounts on the sandbox, over real HTTP through tweepy: their tweets are for approved followers only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import tweepy

from bot.clock import ManualClock
from bot.sandbox import BRAND_USER_ID, SANDBOX_APP_BEARER_TOKEN, SandboxConfig, SandboxServer
from bot.sandbox.testing import SandboxAdmin, tweepy_client

ME = BRAND_USER_ID


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[SandboxServer]:
    """An Enterprise sandbox (it can follow, so a request can be made and approved) with no scenario."""
    server = SandboxServer(SandboxConfig(tier="enterprise", scenario="quiet"), clock).start()
    yield server
    server.stop()


@pytest.fixture
def admin(sandbox: SandboxServer) -> Iterator[SandboxAdmin]:
    client = SandboxAdmin(sandbox.url)
    yield client
    client.close()


def _mentions(admin: SandboxAdmin, clock: ManualClock, authors: list[str]) -> list[str]:
    """One mention per entry of `authors`, a second apart, oldest first (a new `locked*` author is protected)."""
    ids = []
    for i, author in enumerate(authors):
        ids.append(admin.mention(author, f"@brandbot message {i}", protected=author.startswith("locked")))
        clock.advance(1)
    return ids


def _not_authorized(tweet_id: str, parameter: str = "id") -> dict[str, str]:
    return {
        "value": tweet_id,
        "detail": f"Sorry, you are not authorized to see the Tweet with {parameter}: [{tweet_id}].",
        "title": "Authorization Error",
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": tweet_id,
        "type": "https://api.x.com/2/problems/not-authorized-for-resource",
    }


class TestTimelines:
    def test_mentions_leave_out_a_protected_author_and_page_over_what_is_left(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """Nine mentions, three by a protected account: pages of 5 hold 5 then 1, and each page's meta
        (result_count, newest/oldest id, next_token) describes only what it returns."""
        ids = _mentions(admin, clock, ["ann", "locked", "bob", "ann", "locked", "bob", "ann", "locked", "bob"])
        visible = [i for n, i in enumerate(ids) if n % 3 != 1][::-1]  # newest first
        client = tweepy_client(sandbox.url)
        first = client.get_users_mentions(ME, max_results=5, user_auth=True)
        assert [t.id for t in first.data] == [int(i) for i in visible[:5]]
        assert {k: v for k, v in first.meta.items() if k != "next_token"} == {
            "newest_id": visible[0], "oldest_id": visible[4], "result_count": 5}
        second = client.get_users_mentions(ME, max_results=5, pagination_token=first.meta["next_token"],
                                           user_auth=True)
        assert [t.id for t in second.data] == [int(visible[5])]
        assert second.meta == {"newest_id": visible[5], "oldest_id": visible[5], "result_count": 1}
        assert admin.usage()["posts_read_this_month"] == 6

    def test_only_hidden_mentions_make_an_empty_page(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """When every new mention is hidden, the page is X's empty one: no data, result_count 0, no token."""
        _mentions(admin, clock, ["locked"])
        response = tweepy_client(sandbox.url).get_users_mentions(ME, user_auth=True)
        assert (response.data, response.meta) == (None, {"result_count": 0})

    def test_search_leaves_out_a_protected_author_for_users_and_apps(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """Recent search finds the public mention only, for the brand and for an app-only token alike."""
        ids = _mentions(admin, clock, ["ann", "locked"])
        as_brand = tweepy_client(sandbox.url).search_recent_tweets("@brandbot", user_auth=True)
        as_app = tweepy_client(sandbox.url, oauth2=True, bearer_token=SANDBOX_APP_BEARER_TOKEN)
        app_page = as_app.search_recent_tweets("@brandbot", user_auth=False)
        for page in (as_brand, app_page):
            assert [t.id for t in page.data] == [int(ids[0])]
            assert page.meta["result_count"] == 1

    def test_an_approved_request_lets_the_brand_read_them(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """Following makes a request, which hides nothing less; once approved (/_sandbox/follow-requests/approve)
        the account's tweets appear in mentions and search, and lookups return them."""
        [hidden] = _mentions(admin, clock, ["locked"])
        client = tweepy_client(sandbox.url)
        target = sandbox.state.world.by_username["locked"]
        assert client.follow_user(target).data == {"following": False, "pending_follow": True}
        assert client.get_users_mentions(ME, user_auth=True).data is None
        admin.approve_follow_request("locked")
        assert [t.id for t in client.get_users_mentions(ME, user_auth=True).data] == [int(hidden)]
        assert [t.id for t in client.search_recent_tweets("@brandbot", user_auth=True).data] == [int(hidden)]
        assert client.get_tweet(hidden, user_auth=True).data.id == int(hidden)
        assert [(f["target_username"], admin.follow_requests()) for f in admin.follows()] == [("locked", [])]

    def test_a_protected_user_timeline_is_not_authorized(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """GET /2/users/:id/tweets of a protected account the brand does not follow answers with the
        not-authorized problem for the user, not with data."""
        _mentions(admin, clock, ["locked"])
        target = sandbox.state.world.by_username["locked"]
        response = tweepy_client(sandbox.url).get_users_tweets(target, user_auth=True)
        assert response.data is None
        assert response.errors == [{
            "value": target, "detail": f"Sorry, you are not authorized to see the user with id: [{target}].",
            "title": "Authorization Error", "resource_type": "user", "parameter": "id", "resource_id": target,
            "type": "https://api.x.com/2/problems/not-authorized-for-resource",
        }]


class TestLookups:
    def test_a_hidden_tweet_is_not_authorized(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """GET /2/tweets/:id of a protected author's tweet: 200, no data, one not-authorized-for-resource
        error; nothing counts as read."""
        [hidden] = _mentions(admin, clock, ["locked"])
        response = tweepy_client(sandbox.url).request("GET", f"/2/tweets/{hidden}", user_auth=True)
        assert (response.status_code, response.json()) == (200, {"errors": [_not_authorized(hidden)]})
        assert admin.usage()["posts_read_this_month"] == 0

    def test_several_ids_split_into_data_and_errors(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """GET /2/tweets?ids=: the visible tweet is data; the hidden and the deleted ones are errors, in order."""
        public, hidden, deleted = _mentions(admin, clock, ["ann", "locked", "bob"])
        admin.delete(deleted)
        response = tweepy_client(sandbox.url).get_tweets([public, hidden, deleted], user_auth=True)
        assert [t.id for t in response.data] == [int(public)]
        assert [(e["title"], e["resource_id"]) for e in response.errors] == [
            ("Authorization Error", hidden), ("Not Found Error", deleted)]
        assert response.errors[0] == _not_authorized(hidden, "ids")

    def test_a_reply_to_a_hidden_tweet_is_refused(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """Replying to a tweet the brand may not see is X's 403 'deleted or not visible to you'; nothing is posted."""
        [hidden] = _mentions(admin, clock, ["locked"])
        with pytest.raises(tweepy.Forbidden) as info:
            tweepy_client(sandbox.url).create_tweet(text="@locked sorry to hear", in_reply_to_tweet_id=hidden)
        assert info.value.response.json()["detail"] == (
            "You attempted to reply to a Tweet that is deleted or not visible to you.")
        assert admin.posts() == []


class TestInspectionApi:
    def test_protecting_an_account_later_hides_what_it_posted_before(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """POST /_sandbox/users/:username {"protected": true} hides the account's earlier tweets too; opening it
        again shows them."""
        [tid] = _mentions(admin, clock, ["ann"])
        client = tweepy_client(sandbox.url)
        admin.protect("ann")
        assert client.get_users_mentions(ME, user_auth=True).data is None
        admin.protect("ann", protected=False)
        assert [t.id for t in client.get_users_mentions(ME, user_auth=True).data] == [int(tid)]

    def test_protecting_keeps_the_followers_it_had(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """An account the brand already followed stays readable after it protects its tweets."""
        [tid] = _mentions(admin, clock, ["ann"])
        client = tweepy_client(sandbox.url)
        assert client.follow_user(sandbox.state.world.by_username["ann"]).data["following"] is True
        admin.protect("ann")
        assert [t.id for t in client.get_users_mentions(ME, user_auth=True).data] == [int(tid)]

    def test_opening_an_account_turns_its_requests_into_follows(
        self, sandbox: SandboxServer, admin: SandboxAdmin, clock: ManualClock
    ) -> None:
        """An account that stops protecting its tweets has nobody left to approve requests: they become follows."""
        _mentions(admin, clock, ["locked"])
        tweepy_client(sandbox.url).follow_user(sandbox.state.world.by_username["locked"])
        admin.protect("locked", protected=False)
        assert (admin.follow_requests(), [f["target_username"] for f in admin.follows()]) == ([], ["locked"])

    @pytest.mark.parametrize("case", [
        ("/_sandbox/follow-requests/approve", {"target_username": "nobody"}, 404, "no such user"),
        ("/_sandbox/follow-requests/approve", {"target_username": "locked0"}, 404,
         f"no pending follow request from {ME} to @locked0"),
        ("/_sandbox/users/nobody", {"protected": True}, 404, "no such user"),
        ("/_sandbox/users/locked0", {"protected": "yes"}, 400, "protected must be true or false"),
    ])
    def test_refusals_say_why(self, sandbox: SandboxServer, admin: SandboxAdmin,
                              case: tuple[str, dict[str, object], int, str]) -> None:
        """Approving a request that was never made, or changing an unknown user, is refused with the reason."""
        path, body, status, error = case
        admin.mention("locked0", "@brandbot hi", protected=True)
        response = requests.post(f"{sandbox.url}{path}", json=body, timeout=5)
        assert (response.status_code, response.json()) == (status, {"error": error})


def test_a_scenario_author_is_hidden_from_the_brand_once_they_protect_their_account(clock: ManualClock) -> None:
    """The calm world over HTTP: a person who protects their account half a minute after a first mention
    is read in mentions until then and not after (seed 3's first such person)."""
    server = SandboxServer(SandboxConfig(tier="basic", scenario="calm", seed=3), clock).start()
    try:
        client = tweepy_client(server.url)
        runner = server.state.runner
        while not runner.protecting:
            clock.advance(10)
            server.state.advance()
        [(at, user_id)] = runner.protecting
        before = client.get_users_mentions(ME, max_results=100, user_auth=True, tweet_fields=["author_id"])
        clock.set(at)
        after = client.get_users_mentions(ME, max_results=100, user_auth=True, tweet_fields=["author_id"])
    finally:
        server.stop()
    assert int(user_id) in {t.author_id for t in before.data}
    assert int(user_id) not in {t.author_id for t in after.data}
    assert {t.id for t in before.data if t.author_id != int(user_id)} <= {t.id for t in after.data}
    assert server.state.world.users[user_id].protected
