"""TweepyXClient over real HTTP against a loopback server replaying recorded X API responses."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from structlog.testing import capture_logs

from bot.clock import ManualClock
from bot.errors import (
    BadRequest,
    CreditsDepleted,
    DuplicateContent,
    Forbidden,
    NotFound,
    NotOnTier,
    RateLimited,
    TransientError,
    Unauthorized,
    UsageCapExceeded,
)
from bot.settings import XCredentials
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import FollowResult, XTweet
from bot.xapi.oauth2 import InMemoryTokenStore, OAuth2Token
from bot.xapi.tiers import Limit
from bot.xapi.tweepy_client import TweepyXClient

_SHARED_RECORDED = Path(__file__).resolve().parent.parent.parent / "shared" / "xapi" / "recorded"
#: ../shared when present, else the copies kept with the tests (tests/fixtures/xapi, tweepy's MIT licence).
RECORDED = _SHARED_RECORDED if _SHARED_RECORDED.is_dir() else Path(__file__).resolve().parent / "fixtures" / "xapi"
OAUTH1 = XCredentials(consumer_key="ck", consumer_secret="cs", access_token="1072250532645998596-at",
                      access_token_secret="ats")
OAUTH2 = XCredentials(oauth2_user_token="old-access", oauth2_refresh_token="old-refresh",
                      oauth2_client_id="cid", oauth2_client_secret="csecret")
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

DUPLICATE = {"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank",
             "title": "Forbidden", "status": 403}
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
TOO_MANY = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
USAGE_CAP = {"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap", "status": 429,
             "type": "https://api.x.com/2/problems/usage-capped"}
CREDITS = {"title": "Payment Required", "detail": "credits depleted",
           "type": "https://api.x.com/2/problems/credits-depleted"}
CLIENT_FORBIDDEN = {"title": "Client Forbidden", "detail": "This request must be made using an approved developer "
                    "account that is enrolled in the requested endpoint.", "reason": "client-not-enrolled",
                    "type": "https://api.twitter.com/2/problems/client-forbidden"}
NOT_FOUND_PARTIAL = {"errors": [{"value": "20", "detail": "Could not find tweet with id: [20].",
                                 "title": "Not Found Error", "resource_type": "tweet", "parameter": "id",
                                 "resource_id": "20", "type": "https://api.twitter.com/2/problems/resource-not-found"}]}


def recorded(name: str, index: int = 0) -> tuple[int, dict[str, str], Any]:
    """Status, headers and body of one recorded interaction (skips when ../shared is absent)."""
    path = RECORDED / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"recorded X API fixtures not found at {RECORDED} (they live in ../shared/xapi/recorded)")
    response = json.loads(path.read_text())["interactions"][index]["response"]
    return response["status"]["code"], response["headers"], response["body"]


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ReplayServer:
    """A loopback HTTP server answering each request with the next scripted reply and recording it."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.replies: deque[Reply] = deque()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                outer.seen.append(Seen(self.command, parts.path, parse_qs(parts.query),
                                       {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)))
                reply = outer.replies.popleft() if outer.replies else Reply(500, {"title": "no reply scripted"})
                if reply.delay:
                    time.sleep(reply.delay)
                payload = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in reply.headers.items():
                        if key.lower() not in ("content-type", "content-length"):
                            self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815 - http.server dispatches on these names

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def reply(self, status: int, body: Any, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.replies.append(Reply(status, body, dict(headers or {}), delay))

    def replay(self, name: str, index: int = 0) -> None:
        status, headers, body = recorded(name, index)
        self.reply(status, body, headers)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def manual() -> ManualClock:
    return ManualClock(START)


def make_client(server: ReplayServer, clock: ManualClock, *, tier: str = "pro", credentials: XCredentials = OAUTH1,
                store: InMemoryTokenStore | None = None, timeout: float = 5.0, prefix: str = "",
                budget: BudgetKeeper | None = None) -> TweepyXClient:
    return TweepyXClient(credentials, base_url=server.url + prefix, budget=budget or BudgetKeeper(tier, clock),
                         clock=clock, token_store=store, timeout=timeout)


class TestHostRewriting:
    def test_get_me_reaches_the_local_server_at_the_api_path(self, server: ReplayServer, manual: ManualClock) -> None:
        """A call tweepy addresses to api.twitter.com arrives at the local server under /2/users/me."""
        server.replay("get_me")
        with make_client(server, manual) as client:
            me = client.me()
        assert (me.id, me.username, me.name) == ("1072250532645998596", "TweepyDev", "Tweepy Testing")
        assert [(s.method, s.path) for s in server.seen] == [("GET", "/2/users/me")]
        assert server.seen[0].query == {"user.fields": ["created_at,public_metrics,verified,description"]}
        authorization = server.seen[0].headers["authorization"]
        assert authorization.startswith("OAuth ")
        assert 'oauth_consumer_key="ck"' in authorization

    def test_base_url_path_prefix_is_kept(self, server: ReplayServer, manual: ManualClock) -> None:
        """A base_url with a path prefix puts the API path under that prefix."""
        server.replay("get_me")
        with make_client(server, manual, prefix="/sandbox/x") as client:
            client.me()
        assert server.seen[0].path == "/sandbox/x/2/users/me"


class TestCalls:
    def test_create_tweet_sends_the_text_and_returns_the_new_post(self, server: ReplayServer,
                                                                  manual: ManualClock) -> None:
        """create_tweet POSTs the JSON body and maps the recorded 201 into an XTweet."""
        server.replay("create_and_delete_tweet", 0)
        with make_client(server, manual) as client:
            tweet = client.create_tweet("Test Tweet", in_reply_to_tweet_id="42")
        assert tweet == XTweet(id="1456012973835788293", text="Test Tweet")
        assert (server.seen[0].method, server.seen[0].path) == ("POST", "/2/tweets")
        assert server.seen[0].json() == {"text": "Test Tweet", "reply": {"in_reply_to_tweet_id": "42"}}

    def test_delete_tweet_returns_true(self, server: ReplayServer, manual: ManualClock) -> None:
        """delete_tweet maps the recorded {"deleted": true} to True."""
        server.replay("create_and_delete_tweet", 1)
        with make_client(server, manual) as client:
            assert client.delete_tweet("1456012973835788293") is True
        assert (server.seen[0].method, server.seen[0].path) == ("DELETE", "/2/tweets/1456012973835788293")

    def test_mentions_page_requests_expansions_and_fields(self, server: ReplayServer, manual: ManualClock) -> None:
        """mentions_page asks for the author expansion and the tweet/user fields the bot uses."""
        server.replay("get_users_mentions")
        with make_client(server, manual) as client:
            page = client.mentions_page("783214", since_id="1", max_results=500)
        seen = server.seen[0]
        assert seen.path == "/2/users/783214/mentions"
        assert seen.query == {
            "since_id": ["1"],
            "max_results": ["100"],
            "expansions": ["author_id"],
            "tweet.fields": ["created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang"],
            "user.fields": ["created_at,public_metrics,verified,description"],
        }
        assert page.result_count == 10
        assert len(page.tweets) == 10
        assert page.tweets[0].id == "1578516295611748353"
        assert page.newest_id == "1578516295611748353"
        assert page.oldest_id == "1578516107798884353"
        assert page.next_token == "7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j"

    def test_mentions_page_maps_fields_and_expanded_users(self, server: ReplayServer, manual: ManualClock) -> None:
        """Tweet fields, referenced tweets and the included author become XTweet/XUser values."""
        body = {
            "data": [{"id": "30", "text": "@brand hi", "author_id": "7", "created_at": "2026-03-01T11:59:00.000Z",
                      "conversation_id": "29", "in_reply_to_user_id": "1000", "lang": "en",
                      "referenced_tweets": [{"type": "replied_to", "id": "29"}]}],
            "includes": {"users": [{"id": "7", "username": "ann", "name": "Ann", "verified": True,
                                    "created_at": "2020-01-02T03:04:05.000Z", "description": "hello",
                                    "public_metrics": {"followers_count": 5, "following_count": 6,
                                                       "tweet_count": 7, "listed_count": 0}}]},
            "meta": {"result_count": 1, "newest_id": "30", "oldest_id": "30"},
        }
        server.reply(200, body)
        with make_client(server, manual) as client:
            page = client.mentions_page("1000")
        tweet = page.tweets[0]
        assert tweet.created_at == datetime(2026, 3, 1, 11, 59, tzinfo=UTC)
        assert (tweet.author_id, tweet.conversation_id, tweet.in_reply_to_user_id, tweet.lang) == ("7", "29", "1000",
                                                                                                    "en")
        assert tweet.referenced_tweets == (("replied_to", "29"),)
        ann = page.users["7"]
        assert (ann.username, ann.name, ann.verified, ann.description) == ("ann", "Ann", True, "hello")
        assert (ann.followers_count, ann.following_count, ann.tweet_count) == (5, 6, 7)
        assert ann.created_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert page.next_token is None

    def test_empty_mentions_page(self, server: ReplayServer, manual: ManualClock) -> None:
        """An empty page (no data, result_count 0) maps to no tweets and no users."""
        server.reply(200, {"meta": {"result_count": 0}})
        with make_client(server, manual) as client:
            page = client.mentions_page("1000")
        assert (page.tweets, page.users, page.result_count, page.newest_id) == ([], {}, 0, None)

    def test_search_recent_page(self, server: ReplayServer, manual: ManualClock) -> None:
        """search_recent_page sends the query and pagination token and maps the recorded page."""
        server.replay("search_recent_tweets")
        with make_client(server, manual) as client:
            page = client.search_recent_page("Tweepy", next_token="abc", max_results=5)
        seen = server.seen[0]
        assert seen.path == "/2/tweets/search/recent"
        assert (seen.query["query"], seen.query["next_token"], seen.query["max_results"]) == (["Tweepy"], ["abc"],
                                                                                                ["10"])
        assert [t.text for t in page.tweets][:2] == ["2022-10-07 22:42:12.637103 tweepy",
                                                      "2022-10-07 22:40:12.640354 tweepy"]
        assert page.next_token == "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul"

    def test_follow_on_enterprise_posts_the_target(self, server: ReplayServer, manual: ManualClock) -> None:
        """follow POSTs the target id to the source user's following list, with no extra lookup."""
        server.replay("follow_and_unfollow_user", 0)
        with make_client(server, manual, tier="enterprise") as client:
            result = client.follow("1072250532645998596", "17874544")
        assert result == FollowResult(following=True, pending=False)
        assert [(s.method, s.path) for s in server.seen] == [("POST", "/2/users/1072250532645998596/following")]
        assert server.seen[0].json() == {"target_user_id": "17874544"}

    def test_get_tweets_and_user_by_username(self, server: ReplayServer, manual: ManualClock) -> None:
        """get_tweets and get_user_by_username map the recorded bodies."""
        server.replay("get_tweets")
        server.replay("get_user")
        with make_client(server, manual) as client:
            tweets = client.get_tweets(["1293593516040269825", "1293595870563381249"])
            user = client.get_user_by_username("@Twitter")
        assert [t.id for t in tweets] == ["1293593516040269825", "1293595870563381249"]
        assert (user.id, user.username) == ("783214", "Twitter")
        assert server.seen[0].query["ids"] == ["1293593516040269825,1293595870563381249"]
        assert server.seen[1].path == "/2/users/by/username/Twitter"

    def test_get_tweet_of_a_deleted_post_is_not_found(self, server: ReplayServer, manual: ManualClock) -> None:
        """A 200 carrying only errors[] resource-not-found raises NotFound."""
        server.reply(200, NOT_FOUND_PARTIAL)
        with make_client(server, manual) as client, pytest.raises(NotFound) as info:
            client.get_tweet("20")
        assert info.value.status == 200


ERROR_CASES = [
    pytest.param(400, {"title": "Invalid Request", "type": "https://api.twitter.com/2/problems/invalid-request",
                       "detail": "One or more parameters to your request was invalid."}, BadRequest, id="400"),
    pytest.param(401, UNAUTHORIZED, Unauthorized, id="401"),
    pytest.param(402, CREDITS, CreditsDepleted, id="402"),
    pytest.param(403, DUPLICATE, DuplicateContent, id="403-duplicate"),
    pytest.param(403, CLIENT_FORBIDDEN, NotOnTier, id="403-client-forbidden"),
    pytest.param(403, {"title": "Forbidden", "type": "about:blank", "status": 403,
                       "detail": "Reply to this conversation is not allowed because you have not been mentioned or "
                                 "otherwise engaged by the author of the post you are replying to."},
                 Forbidden, id="403-other"),
    pytest.param(404, {"title": "Not Found Error", "type": "https://api.twitter.com/2/problems/resource-not-found",
                       "detail": "Could not find tweet"}, NotFound, id="404"),
    pytest.param(429, USAGE_CAP, UsageCapExceeded, id="429-usage-cap"),
    pytest.param(503, {"title": "Service Unavailable", "type": "about:blank", "status": 503}, TransientError,
                 id="503"),
]


class TestErrors:
    @pytest.mark.parametrize(("status", "body", "expected"), ERROR_CASES)
    def test_error_bodies_become_the_error_tree(self, server: ReplayServer, manual: ManualClock, status: int,
                                                body: dict[str, Any], expected: type[Exception]) -> None:
        """Each real error body raises exactly the expected class, carrying the status and endpoint."""
        server.reply(status, body)
        with make_client(server, manual) as client, pytest.raises(expected) as info:
            client.create_tweet("hello")
        assert type(info.value) is expected
        assert (info.value.status, info.value.endpoint) == (status, "POST /2/tweets")  # type: ignore[attr-defined]

    def test_429_carries_the_reset_header_and_is_counted(self, server: ReplayServer, manual: ManualClock) -> None:
        """A 429 raises RateLimited with reset_at from x-rate-limit-reset and the budget refuses until then."""
        reset = int((START + timedelta(minutes=7)).timestamp())
        server.reply(429, TOO_MANY, {"x-rate-limit-limit": "300", "x-rate-limit-remaining": "0",
                                     "x-rate-limit-reset": str(reset)})
        budget = BudgetKeeper("pro", manual)
        with make_client(server, manual, budget=budget) as client, pytest.raises(RateLimited) as info:
            client.mentions_page("1000")
        assert info.value.reset_at == START + timedelta(minutes=7)
        assert budget.count_429 == 1
        assert budget.next_allowed_at(tiers.GET_MENTIONS) == START + timedelta(minutes=7)

    def test_429_without_reset_header_still_has_a_reset(self, server: ReplayServer, manual: ManualClock) -> None:
        """A 429 with no reset header gets reset_at from the budget (the end of the current window)."""
        server.reply(429, TOO_MANY)
        with make_client(server, manual) as client, pytest.raises(RateLimited) as info:
            client.mentions_page("1000")
        assert info.value.reset_at == START + timedelta(minutes=15)

    def test_usage_cap_blocks_the_endpoint_without_sending_again(self, server: ReplayServer,
                                                                 manual: ManualClock) -> None:
        """After a usage-cap 429 the next call is refused locally until next month and the server sees nothing."""
        server.reply(429, USAGE_CAP)
        budget = BudgetKeeper("pro", manual)
        with make_client(server, manual, budget=budget) as client:
            with pytest.raises(UsageCapExceeded):
                client.search_recent_page("brand")
            with pytest.raises(RateLimited) as info:
                client.search_recent_page("brand")
        assert len(server.seen) == 1
        assert info.value.reset_at == datetime(2026, 4, 1, tzinfo=UTC)
        assert budget.snapshot()[tiers.SEARCH_RECENT]["blocked_reason"] == "usage_cap"

    def test_credits_depleted_blocks_every_paid_endpoint_for_an_hour(self, server: ReplayServer,
                                                                     manual: ManualClock) -> None:
        """A 402 blocks posting and paid reads for one hour, and is logged."""
        server.reply(402, CREDITS)
        budget = BudgetKeeper("payg", manual)
        with capture_logs() as logs, make_client(server, manual, budget=budget) as client:
            with pytest.raises(CreditsDepleted):
                client.create_tweet("hello")
            with pytest.raises(RateLimited):
                client.mentions_page("1000")
        assert len(server.seen) == 1
        assert budget.next_allowed_at(tiers.GET_MENTIONS) == START + timedelta(hours=1)
        assert budget.may_call(tiers.DELETE_TWEET) is True
        assert {"event": "xapi.budget.blocked", "endpoint": "POST /2/tweets", "until": "2026-03-01T13:00:00+00:00",
                "reason": "credits_depleted", "log_level": "warning"} in logs

    def test_timeout_is_transient(self, server: ReplayServer, manual: ManualClock) -> None:
        """A server slower than the client's timeout raises TransientError."""
        server.reply(200, {"data": {"id": "1", "text": "late"}}, delay=1.0)
        with make_client(server, manual, timeout=0.2) as client, pytest.raises(TransientError) as info:
            client.create_tweet("hello")
        assert type(info.value) is TransientError
        assert str(info.value) == "POST /2/tweets: ReadTimeout"

    def test_refused_connection_is_transient(self, manual: ManualClock) -> None:
        """Nothing listening on the port raises TransientError."""
        srv = ReplayServer()
        url = srv.url
        srv.httpd.server_close()
        client = TweepyXClient(OAUTH1, base_url=url, budget=BudgetKeeper("pro", manual), clock=manual)
        with client, pytest.raises(TransientError) as info:
            client.me()
        assert str(info.value) == "GET /2/users/me: ConnectionError"


class TestBudget:
    def test_follow_not_on_tier_is_refused_without_sending(self, server: ReplayServer, manual: ManualClock) -> None:
        """On basic, follow raises NotOnTier before any request is made."""
        with make_client(server, manual, tier="basic") as client, pytest.raises(NotOnTier):
            client.follow("1000", "7")
        assert server.seen == []

    def test_spent_budget_is_refused_without_sending(self, server: ReplayServer, manual: ManualClock) -> None:
        """With the window's calls used up, the next call raises RateLimited and the server sees no request."""
        budget = BudgetKeeper("basic", manual, overrides={tiers.GET_MENTIONS: Limit(1, 900)})
        server.reply(200, {"meta": {"result_count": 0}})
        with make_client(server, manual, budget=budget) as client:
            client.mentions_page("1000")
            with pytest.raises(RateLimited) as info:
                client.mentions_page("1000")
        assert len(server.seen) == 1
        assert info.value.reset_at == START + timedelta(minutes=15)
        assert info.value.status is None

    def test_headers_teach_the_budget(self, server: ReplayServer, manual: ManualClock) -> None:
        """Rate-limit and 24-hour user-limit headers of a success replace the preset counts."""
        reset = int((START + timedelta(minutes=3)).timestamp())
        day_reset = int((START + timedelta(hours=20)).timestamp())
        server.reply(201, {"data": {"id": "5", "text": "hi"}}, {
            "x-rate-limit-limit": "100", "x-rate-limit-remaining": "40", "x-rate-limit-reset": str(reset),
            "x-user-limit-24hour-limit": "50", "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(day_reset)})
        budget = BudgetKeeper("pro", manual)
        with make_client(server, manual, budget=budget) as client:
            client.create_tweet("hi")
        snap = budget.snapshot()[tiers.POST_TWEET]
        assert (snap["limit"], snap["remaining"], snap["reset_at"]) == (100, 40, START + timedelta(minutes=3))
        assert (snap["day_limit"], snap["day_remaining"]) == (50, 0)
        assert budget.may_call(tiers.POST_TWEET) is False
        assert budget.next_allowed_at(tiers.POST_TWEET) == START + timedelta(hours=20)


class TestOAuth2:
    def test_token_is_refreshed_before_expiry_and_saved(self, server: ReplayServer, manual: ManualClock) -> None:
        """A token expiring in 4 minutes is refreshed first; the new bearer is used and persisted."""
        store = InMemoryTokenStore(OAuth2Token("old-access", "old-refresh", START + timedelta(minutes=4)))
        server.reply(200, {"token_type": "bearer", "expires_in": 7200, "access_token": "new-access",
                           "refresh_token": "new-refresh", "scope": "tweet.read tweet.write offline.access"})
        server.replay("get_me")
        with capture_logs() as logs, make_client(server, manual, credentials=OAUTH2, store=store) as client:
            client.me()
        token_req, me_req = server.seen
        assert (token_req.method, token_req.path) == ("POST", "/2/oauth2/token")
        assert token_req.form() == {"grant_type": ["refresh_token"], "refresh_token": ["old-refresh"],
                                    "client_id": ["cid"]}
        assert token_req.headers["authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
        assert me_req.headers["authorization"] == "Bearer new-access"
        assert store.load() == OAuth2Token("new-access", "new-refresh", START + timedelta(hours=2))
        assert {"event": "xapi.oauth2.refreshed", "expires_at": "2026-03-01T14:00:00+00:00",
                "log_level": "info"} in logs
        assert "new-access" not in repr(logs)

    def test_fresh_token_is_not_refreshed(self, server: ReplayServer, manual: ManualClock) -> None:
        """A token with an hour left is used as is, with user_auth off (Bearer)."""
        store = InMemoryTokenStore(OAuth2Token("stored-access", "r", START + timedelta(hours=1)))
        server.replay("get_me")
        with make_client(server, manual, credentials=OAUTH2, store=store) as client:
            client.me()
        assert [s.path for s in server.seen] == ["/2/users/me"]
        assert server.seen[0].headers["authorization"] == "Bearer stored-access"
        assert store.saves == 0

    def test_401_refreshes_once_and_retries_once(self, server: ReplayServer, manual: ManualClock) -> None:
        """A 401 triggers one refresh and one retry; a second 401 is raised, not looped on."""
        store = InMemoryTokenStore()
        server.reply(401, UNAUTHORIZED)
        server.reply(200, {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 7200})
        server.reply(401, UNAUTHORIZED)
        with make_client(server, manual, credentials=OAUTH2, store=store) as client, pytest.raises(Unauthorized):
            client.me()
        assert [s.path for s in server.seen] == ["/2/users/me", "/2/oauth2/token", "/2/users/me"]
        assert [s.headers["authorization"] for s in (server.seen[0], server.seen[2])] == ["Bearer old-access",
                                                                                          "Bearer new-access"]
        assert store.saves == 2  # the initial token from the credentials, then the refreshed one

    def test_401_then_success_after_refresh(self, server: ReplayServer, manual: ManualClock) -> None:
        """When the retry after the refresh succeeds, the call returns normally."""
        server.reply(401, UNAUTHORIZED)
        server.reply(200, {"access_token": "new-access", "expires_in": 7200})
        server.replay("get_me")
        with make_client(server, manual, credentials=OAUTH2) as client:
            assert client.me().username == "TweepyDev"
        assert len(server.seen) == 3

    def test_refused_refresh_is_unauthorized(self, server: ReplayServer, manual: ManualClock) -> None:
        """An invalid_grant answer to the refresh raises Unauthorized and sends nothing else."""
        store = InMemoryTokenStore(OAuth2Token("old-access", "old-refresh", START + timedelta(minutes=1)))
        server.reply(400, {"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
        with make_client(server, manual, credentials=OAUTH2, store=store) as client, pytest.raises(Unauthorized):
            client.me()
        assert [s.path for s in server.seen] == ["/2/oauth2/token"]
