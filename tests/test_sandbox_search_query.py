"""The search query subset: words, phrases, @handles, OR, negation, operators, parentheses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import ValidationError
from bot.sandbox.search_query import parse
from bot.sandbox.state import World

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world() -> World:
    """A world with a few tweets by alice and bob."""
    w = World(brand_username="brandbot", now=NOW)
    for name in ("alice", "bob"):
        w.add_user(username=name, created_at=NOW)
    return w


def matching(world: World, query: str, texts: list[tuple[str, str]], **flags: bool) -> list[str]:
    """The texts (by author) that `query` matches."""
    parsed = parse(query)
    out = []
    for author, text in texts:
        tweet = world.add_tweet(author_id=world.user_by_username(author).id, text=text, created_at=NOW, **flags)  # type: ignore[union-attr]
        if parsed.matches(tweet, world):
            out.append(text)
    return out


class TestParse:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("coffee", ["I love Coffee!", "coffee and tea @brandbot"]),
            ('"love coffee"', ["I love Coffee!"]),
            ("@brandbot", ["coffee and tea @brandbot", "@BrandBot help"]),
            ("@brandbot -coffee", ["@BrandBot help"]),
            ("tea OR help", ["coffee and tea @brandbot", "@BrandBot help"]),
            ("coffee (tea OR love)", ["I love Coffee!", "coffee and tea @brandbot"]),
            ("from:bob", ["@BrandBot help"]),
            ("coffee -(tea OR nothing)", ["I love Coffee!"]),
        ],
    )
    def test_matches(self, world: World, query: str, expected: list[str]) -> None:
        """Each query matches exactly the expected texts."""
        texts = [("alice", "I love Coffee!"), ("alice", "coffee and tea @brandbot"), ("bob", "@BrandBot help")]
        assert matching(world, query, texts) == expected

    def test_is_retweet_negation(self, world: World) -> None:
        """-is:retweet excludes retweets."""
        assert matching(world, "news -is:retweet", [("alice", "news today")], is_retweet=True) == []

    @pytest.mark.parametrize(
        ("query", "reason"),
        [
            ("", "query must not be empty"),
            ("-spam", "query must contain at least one standalone term that is not negated"),
            ("(coffee", "unbalanced parentheses"),
            ("coffee)", "unbalanced parentheses"),
            ("is:banana", "Reference to invalid operator 'is:banana'"),
        ],
    )
    def test_invalid_queries(self, query: str, reason: str) -> None:
        """Invalid queries raise ValidationError with the reason."""
        with pytest.raises(ValidationError) as info:
            parse(query)
        assert info.value.reason == reason
