"""FakeXClient: the in-memory X used by unit tests behaves like the rules the bot must respect."""

from __future__ import annotations

import pytest

from bot.errors import BadRequest, DuplicateContent, Forbidden, NotFound, NotOnTier, TransientError
from bot.xapi.client import FollowResult, XClient
from bot.xapi.fake import FakeXClient


@pytest.fixture
def fake() -> FakeXClient:
    return FakeXClient(brand_username="brand", brand_id="1000")


class TestPosting:
    def test_posts_get_increasing_ids_and_are_recorded(self, fake: FakeXClient) -> None:
        """Two posts get increasing ids, appear in posted, and the calls are recorded with their arguments."""
        first = fake.create_tweet("one")
        second = fake.create_tweet("two")
        assert int(second.id) == int(first.id) + 1
        assert [t.text for t in fake.posted] == ["one", "two"]
        assert fake.calls[0] == ("create_tweet", {"text": "one", "in_reply_to_tweet_id": None, "media_ids": None})

    def test_duplicate_is_refused(self, fake: FakeXClient) -> None:
        """The same text twice raises DuplicateContent carrying the existing id."""
        first = fake.create_tweet("same")
        with pytest.raises(DuplicateContent) as info:
            fake.create_tweet("same")
        assert info.value.body == {"existing_id": first.id}

    def test_over_280_is_bad_request(self, fake: FakeXClient) -> None:
        """281 characters raise BadRequest; 280 pass."""
        fake.create_tweet("a" * 280)
        with pytest.raises(BadRequest):
            fake.create_tweet("b" * 281)

    def test_reply_to_a_summoning_mention_is_allowed(self, fake: FakeXClient) -> None:
        """Replying to a post that mentions the brand works and threads under it."""
        mention = fake.add_mention("ann", "where is my order?")
        reply = fake.create_tweet("On its way!", in_reply_to_tweet_id=mention.id)
        stored = fake.tweets[reply.id]
        assert mention.text == "@brand where is my order?"
        assert (stored.in_reply_to_user_id, stored.conversation_id) == (mention.author_id, mention.id)

    def test_reply_to_a_quote_of_a_brand_post_is_allowed(self, fake: FakeXClient) -> None:
        """Quoting the brand's post summons it."""
        own = fake.create_tweet("launch day")
        quote = fake.add_tweet("bob", "look at this", quoted_tweet_id=own.id)
        assert fake.create_tweet("thanks Bob", in_reply_to_tweet_id=quote.id).text == "thanks Bob"

    def test_reply_not_summoned_is_forbidden(self, fake: FakeXClient) -> None:
        """Replying to a stranger who did not mention the brand raises Forbidden (not NotOnTier)."""
        stranger = fake.add_tweet("carl", "nice weather")
        with pytest.raises(Forbidden) as info:
            fake.create_tweet("hi", in_reply_to_tweet_id=stranger.id)
        assert type(info.value) is Forbidden

    def test_delete(self, fake: FakeXClient) -> None:
        """Deleting an own post removes it; deleting it again is NotFound."""
        post = fake.create_tweet("oops")
        assert fake.delete_tweet(post.id) is True
        assert fake.deleted == [post.id]
        with pytest.raises(NotFound):
            fake.get_tweet(post.id)
        with pytest.raises(NotFound):
            fake.delete_tweet(post.id)


class TestReading:
    def test_mentions_newest_first_with_paging_and_since_id(self, fake: FakeXClient) -> None:
        """Mentions come newest first, two per page, with authors expanded and since_id honoured."""
        a = fake.add_mention("ann", "one")
        fake.add_tweet("ann", "not a mention")
        b = fake.add_mention("bob", "two")
        c = fake.add_mention("cat", "three")
        page = fake.mentions_page("1000", max_results=2)
        assert [t.id for t in page.tweets] == [c.id, b.id]
        assert sorted(u.username for u in page.users.values()) == ["bob", "cat"]
        assert page.next_token == "2"
        last = fake.mentions_page("1000", max_results=2, pagination_token=page.next_token)
        assert ([t.id for t in last.tweets], last.next_token) == ([a.id], None)
        assert [t.id for t in fake.mentions_page("1000", since_id=b.id).tweets] == [c.id]

    def test_own_posts_are_not_mentions(self, fake: FakeXClient) -> None:
        """A brand post naming itself is not returned as a mention."""
        fake.create_tweet("we are @brand")
        assert fake.mentions_page("1000").tweets == []

    def test_search_matches_all_bare_terms(self, fake: FakeXClient) -> None:
        """Every bare term must occur; operators are ignored."""
        hit = fake.add_tweet("ann", "Brand coffee is great")
        fake.add_tweet("bob", "coffee only")
        page = fake.search_recent_page("brand coffee -is:retweet lang:en")
        assert [t.id for t in page.tweets] == [hit.id]

    def test_users_and_lookups(self, fake: FakeXClient) -> None:
        """Users are found by id and @username; unknown ones are NotFound; get_tweets skips missing ids."""
        ann = fake.add_user("ann", followers_count=12)
        post = fake.add_tweet("ann", "hello")
        assert fake.get_user(ann.id).followers_count == 12
        assert fake.get_user_by_username("@ANN") == ann
        assert fake.me() == fake.brand
        assert fake.get_tweets([post.id, "404"]) == [post]
        with pytest.raises(NotFound):
            fake.get_user_by_username("nobody")


class TestFollowAndFailures:
    def test_follow_outside_enterprise_is_not_on_tier(self, fake: FakeXClient) -> None:
        """On basic, follow raises NotOnTier and the call is still recorded."""
        ann = fake.add_user("ann")
        with pytest.raises(NotOnTier):
            fake.follow("1000", ann.id)
        assert fake.calls == [("follow", {"source_user_id": "1000", "target_user_id": ann.id})]

    def test_follow_on_enterprise(self) -> None:
        """On enterprise the follow succeeds and is remembered."""
        fake = FakeXClient(tier="enterprise")
        ann = fake.add_user("ann")
        assert fake.follow(fake.brand.id, ann.id) == FollowResult(following=True, pending=False)
        assert fake.following == {ann.id}

    def test_fail_next_raises_once_in_order(self, fake: FakeXClient) -> None:
        """Scripted failures are raised by the next calls of that method only, then it works again."""
        fake.fail_next("create_tweet", TransientError("down"))
        fake.fail_next("create_tweet", BadRequest("bad"))
        with pytest.raises(TransientError):
            fake.create_tweet("x")
        with pytest.raises(BadRequest):
            fake.create_tweet("x")
        assert fake.create_tweet("x").text == "x"
        assert fake.posted[0].text == "x"

    def test_is_an_xclient(self, fake: FakeXClient) -> None:
        """The fake used through the XClient interface answers as the brand."""
        client: XClient = fake
        assert client.me().username == "brand"
