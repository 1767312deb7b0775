"""Make untrusted text (event data from the PR feed, mention authors' input) safe to post.

`clean_untrusted` returns text that, unless a kind is explicitly allowed, contains

* no invisible or control characters: C0/C1 controls, zero-width characters and joiners,
  bidi embeddings/overrides/isolates (U+200B–U+200F, U+202A–U+202E, U+2066–U+2069), BOM,
  tag characters, surrogates, private-use and unassigned code points — everything in Unicode
  categories Cc, Cf, Cs, Co, Cn plus the invisible Hangul fillers. Line breaks and tabs become
  a space. The only exception is a joiner, variation selector or tag character *inside* an
  emoji sequence the `emoji` package recognises (👨‍👩‍👧, 🏴󠁧󠁢󠁳󠁣󠁴󠁿), which is kept so the
  emoji survives;
* no @mention: every `@`/`＠` directly before a username character is removed
  ("@everyone" → "everyone"). Removing the sign is the rendering we chose: a fullwidth `＠`
  still mentions on X and a zero-width separator is itself forbidden, whereas the bare word
  reads naturally in a first-person post;
* no URL or linkable domain (per `find_urls(..., loose=True)`): dots are bracketed,
  "evil.com/x" → "evil[.]com/x", the convention for defanged links;
* no cashtag: `$` before a letter is removed ("$TSLA" → "TSLA"; "$5" stays);
* no hashtag, only when `allow_hashtags=False`: `#`/`＃` before a word character is removed.

The steps repeat until nothing changes, so removing one character can never uncover another
entity ("@@name", "$@name", "a@b.com").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import emoji

from bot.text.urls import find_urls

_ZWJ = "\u200d"
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u034f\u180e")
_SPACES = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")
_MENTION_SIGN = re.compile(r"[@＠]+(?=[A-Za-z0-9_])")
_CASHTAG_SIGN = re.compile(r"\$+(?=[A-Za-z])")
_HASHTAG_SIGN = re.compile(r"[#＃]+(?=\w)")


def is_forbidden_char(char: str) -> bool:
    """Whether `char` is an invisible/control character that never goes into a post on its own."""
    return char in _INVISIBLE or unicodedata.category(char) in _FORBIDDEN_CATEGORIES


def emoji_spans(text: str) -> list[tuple[int, int]]:
    """The `(start, end)` spans of the emoji sequences in `text`."""
    return [(m["match_start"], m["match_end"]) for m in emoji.emoji_list(text)]


@cache
def _emoji_chars() -> frozenset[str]:
    chars = {c for key in emoji.EMOJI_DATA for c in key}
    return frozenset(chars - {_ZWJ, "\ufe0f"})


def _drop_dangling_joiners(text: str) -> str:
    """Remove every ZWJ that does not sit between two emoji characters (it would split a sequence)."""
    if _ZWJ not in text:
        return text
    chars = _emoji_chars()
    out: list[str] = []
    for i, char in enumerate(text):
        if char == _ZWJ:
            prev = text[i - 1] if i else ""
            if prev == "\ufe0f" and i > 1:
                prev = text[i - 2]
            nxt = text[i + 1 : i + 2]
            if not (prev in chars and nxt in chars):
                continue
        out.append(char)
    return "".join(out)


def strip_forbidden(text: str) -> str:
    """Drop forbidden characters outside emoji sequences; line breaks and tabs become spaces."""
    text = _drop_dangling_joiners(text)
    keep = bytearray(len(text))
    for start, end in emoji_spans(text):
        keep[start:end] = b"\x01" * (end - start)
    out: list[str] = []
    for i, char in enumerate(text):
        if char in _SPACES:
            out.append(" ")
        elif keep[i] or not is_forbidden_char(char):
            out.append(char)
    return "".join(out)


def defang_urls(text: str) -> str:
    """Bracket the dots of every URL or domain so X does not link it: "evil.com" → "evil[.]com"."""
    spans = find_urls(text, loose=True)
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(text[start:end].replace(".", "[.]"))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def clean_untrusted(
    value: str,
    *,
    allow_mentions: bool = False,
    allow_urls: bool = False,
    allow_cashtags: bool = False,
    allow_hashtags: bool = True,
) -> str:
    """Return `value` made safe to put in a post (see the module docstring for the rules)."""
    text = unicodedata.normalize("NFC", strip_forbidden(value))
    while True:
        before = text
        if not allow_mentions:
            text = _MENTION_SIGN.sub("", text)
        if not allow_urls:
            text = defang_urls(text)
        if not allow_cashtags:
            text = _CASHTAG_SIGN.sub("", text)
        if not allow_hashtags:
            text = _HASHTAG_SIGN.sub("", text)
        if text == before:
            return text
