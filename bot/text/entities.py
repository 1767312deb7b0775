"""Find the entities X links in a post: @mentions, $cashtags and #hashtags (twitter-text rules).

URLs live in `bot.text.urls`. These finders are what the sanitiser's guarantees are checked
against; they follow twitter-text's extraction patterns closely.
"""

from __future__ import annotations

import re

_MENTION = re.compile(r"(?:^|(?<=[^a-zA-Z0-9_!#$%&*@＠]))(?:(?<![a-zA-Z0-9_+~.-])[rR][tT]:?)?[@＠][a-zA-Z0-9_]{1,20}")
_CASHTAG = re.compile(r"(?:^|(?<=\s))\$[a-z]{1,6}(?:[._][a-z]{1,2})?(?=$|\s|[!-/:-@\[-`{-~])", re.IGNORECASE)
_HASHTAG = re.compile(r"(?:^|(?<=[^&\w]))[#＃][\w]*[^\W\d_][\w]*")


def find_mentions(text: str) -> list[str]:
    """Every @mention X would link in `text`, `@` included."""
    return [m.group(0) for m in _MENTION.finditer(text)]


def find_cashtags(text: str) -> list[str]:
    """Every $cashtag X would link in `text`, `$` included."""
    return [m.group(0) for m in _CASHTAG.finditer(text)]


def find_hashtags(text: str) -> list[str]:
    """Every #hashtag X would link in `text`, `#` included."""
    return [m.group(0) for m in _HASHTAG.finditer(text)]
