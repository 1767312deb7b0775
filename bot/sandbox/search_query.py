"""The subset of X's search query language the sandbox understands.

Supported: words, "quoted phrases", @mentions, #hashtags, `from:`, `to:`, `lang:`,
`is:retweet|reply|quote`, `has:links|media|mentions`, negation with `-`, implicit AND,
`OR` (AND binds tighter, as on X) and parentheses. Matching is case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import ValidationError
from bot.sandbox.state import Tweet, World

MAX_QUERY_LENGTH = 512
_TOKEN = re.compile(r'-?"[^"]*"|[()]|[^\s()]+')
_WORD = re.compile(r"[#@$]?\w+", re.UNICODE)

Predicate = Callable[[Tweet, World], bool]


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: `matches(tweet, world)`."""

    text: str
    predicate: Predicate

    def matches(self, tweet: Tweet, world: World) -> bool:
        return self.predicate(tweet, world)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _author(tweet: Tweet, world: World) -> str:
    user = world.users.get(tweet.author_id)
    return user.username.lower() if user else ""


def _operator(name: str, value: str) -> Predicate:
    value = value.lower().lstrip("@")
    if name == "from":
        return lambda t, w: _author(t, w) == value
    if name == "to":
        return lambda t, w: (u := w.users.get(t.in_reply_to_user_id or "")) is not None and u.username.lower() == value
    if name == "lang":
        return lambda t, _w: t.lang == value
    if name == "is" and value in ("retweet", "reply", "quote"):
        attr = {"retweet": "is_retweet", "reply": "in_reply_to_tweet_id", "quote": "quoted_tweet_id"}[value]
        return lambda t, _w: bool(getattr(t, attr))
    if name == "has" and value in ("links", "media", "mentions"):
        if value == "links":
            return lambda t, _w: t.has_url
        if value == "media":
            return lambda t, _w: bool(t.media_ids)
        return lambda t, _w: "@" in t.text
    raise ValidationError(f"Reference to invalid operator '{name}:{value}'")


def _atom(token: str) -> Predicate:
    if token.startswith('"'):
        phrase = " ".join(token.strip('"').lower().split())
        if not phrase:
            raise ValidationError("empty quoted phrase")
        return lambda t, _w: phrase in " ".join(t.text.lower().split())
    name, sep, value = token.partition(":")
    if sep and name.isalpha() and value:
        return _operator(name.lower(), value)
    word = token.lower()
    return lambda t, _w: word in _words(t.text)


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def or_expr(self) -> tuple[Predicate, bool]:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        preds = [p for p, _ in parts]
        return (lambda t, w: any(p(t, w) for p in preds)), all(pos for _, pos in parts)

    def and_expr(self) -> tuple[Predicate, bool]:
        parts: list[tuple[Predicate, bool]] = []
        while (token := self.peek()) is not None and token not in (")", "OR"):
            parts.append(self.unary())
        if not parts:
            raise ValidationError("expected a term")
        preds = [p for p, _ in parts]
        return (lambda t, w: all(p(t, w) for p in preds)), any(pos for _, pos in parts)

    def unary(self) -> tuple[Predicate, bool]:
        item = self.take()
        if item == "-" or (item.startswith("-") and len(item) > 1):
            if item == "-":
                inner, _ = self.group() if self.peek() == "(" else (_atom(self.take()), True)
            else:
                inner = _atom(item[1:])
            return (lambda t, w: not inner(t, w)), False
        if item == "(":
            self.pos -= 1
            return self.group()
        return _atom(item), True

    def group(self) -> tuple[Predicate, bool]:
        self.take()  # "("
        inner = self.or_expr()
        if self.peek() != ")":
            raise ValidationError("unbalanced parentheses")
        self.take()
        return inner


def parse(text: str) -> Query:
    """Parse `text`; raises `ValidationError` with X-like wording when it is not a valid query."""
    if not text.strip():
        raise ValidationError("query must not be empty")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationError(f"query is longer than {MAX_QUERY_LENGTH} characters")
    tokens = _TOKEN.findall(text.replace("-(", "- ("))
    parser = _Parser(tokens)
    predicate, positive = parser.or_expr()
    if parser.peek() is not None:
        raise ValidationError("unbalanced parentheses")
    if not positive:
        raise ValidationError("query must contain at least one standalone term that is not negated")
    return Query(text, predicate)
