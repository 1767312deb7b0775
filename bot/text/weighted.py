"""X's weighted post length (twitter-text v3, emoji counted as 2).

Rules, from `twitter-text-config-v3.json`: the text is NFC-normalised; code points in
0–4351, 8192–8205, 8208–8223 and 8242–8247 weigh 1 and every other code point 2; every URL
(`bot.text.urls.find_urls`, bare domains included) counts 23; every emoji sequence (ZWJ
families, skin tones, flags, keycaps, tag sequences) counts 2, using the maintained `emoji`
package's data. A post is valid when it weighs at most 280, is not blank and contains none of
U+FFFE, U+FEFF, U+FFFF.

The dashboard counts as people type with a port of this module and of `bot.text.urls` in
`bot/web/static/app.js`, fed by `browser_rules()`: the same ranges, patterns, domain list and
emoji data, so the two agree (`tests/web/test_web_counter.py` holds them to it).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import emoji

from bot.text.urls import browser_rules as url_rules
from bot.text.urls import find_urls

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
EMOJI_WEIGHT = 2
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_INVALID_CHARS = frozenset("\ufffe\ufeff\uffff")


def char_weight(char: str) -> int:
    """Weight of one code point outside URLs and emoji: 1 or 2."""
    cp = ord(char)
    for low, high in _LIGHT_RANGES:
        if low <= cp <= high:
            return 1
    return 2


def weighted_length(text: str) -> int:
    """The length X counts for `text` (at most 280 for a single post)."""
    text = unicodedata.normalize("NFC", text)
    url_ends = dict(find_urls(text))
    emoji_ends = {m["match_start"]: m["match_end"] for m in emoji.emoji_list(text)}
    total = 0
    i = 0
    while i < len(text):
        if i in url_ends:
            total += URL_WEIGHT
            i = url_ends[i]
        elif i in emoji_ends:
            total += EMOJI_WEIGHT
            i = emoji_ends[i]
        else:
            total += char_weight(text[i])
            i += 1
    return total


def is_valid_tweet(text: str) -> bool:
    """Whether X accepts `text` as a post: not blank, no invalid characters, <= 280 weighted."""
    if not text.strip():
        return False
    if any(c in _INVALID_CHARS for c in text):
        return False
    return weighted_length(text) <= MAX_WEIGHTED_LENGTH


@cache
def _python_spaces() -> str:
    """Every character `str.strip()` removes (Unicode whitespace as Python defines it)."""
    return "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def browser_rules() -> dict[str, object]:
    """What the dashboard's live counter needs to count exactly as `weighted_length` does (served as JSON).

    `emoji` is every sequence of the `emoji` package's data and `emojiComponents` those of them with
    the "component" status (skin tones, hair): the counter ports that package's tokenizer, whose
    quirks (e.g. a ZWJ after a skin tone) decide where an emoji ends. `space` is every character
    Python's `str.strip` removes, since the server counts the stripped text.
    """
    component = emoji.STATUS["component"]
    return {
        "max": MAX_WEIGHTED_LENGTH,
        "urlWeight": URL_WEIGHT,
        "emojiWeight": EMOJI_WEIGHT,
        "lightRanges": [list(r) for r in _LIGHT_RANGES],
        "space": _python_spaces(),
        "emoji": sorted(emoji.EMOJI_DATA),
        "emojiComponents": sorted(k for k, v in emoji.EMOJI_DATA.items() if v["status"] == component),
        "urls": url_rules(),
    }
