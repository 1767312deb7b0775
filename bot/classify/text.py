"""Text clean-up shared by every layer: safe Unicode, masked handles/URLs/numbers, word tokens."""

from __future__ import annotations

import html
import re
import unicodedata

#: Longest prefix of a text that the detector looks at (a tweet is at most 280 characters; long posts
#: say what they are about early, and a 10 KB paste must not cost more than a tweet).
MAX_CHARS = 1000

_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
#: Zero-width characters, bidirectional controls and other invisible format characters.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufe00-\ufe0f]")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")
_REPEAT = re.compile(r"(.)\1{3,}")

#: Word tokens: words with inner apostrophes, masked placeholders, runs of ?/!, single other symbols.
_TOKEN = re.compile(r"[a-z0-9_]+(?:'[a-z]+)?|[!?]+|[^\sa-z0-9_!?.,;:\"'()\[\]{}<>*&-]")

HANDLE = "@user"
URL = "httpurl"
NUMBER = "0"


def scrub(text: str) -> str:
    """`text` with lone surrogates and invisible characters removed, NFKC-normalised and cut to `MAX_CHARS`."""
    text = _LONE_SURROGATES.sub("", text[: MAX_CHARS * 2])
    text = unicodedata.normalize("NFKC", text)
    return _CONTROL.sub(" ", _INVISIBLE.sub("", text))[:MAX_CHARS]


def prepare(text: str) -> str:
    """Scrubbed, lower-cased `text` with HTML entities decoded and typographic apostrophes made plain."""
    return html.unescape(scrub(text)).replace("\u2019", "'").replace("\u2018", "'").lower()


def normalize(text: str) -> str:
    """`prepare`d text with @handles, URLs and numbers masked and runs of one character shortened."""
    return mask(prepare(text))


def mask(prepared: str) -> str:
    """A `prepare`d text with @handles, URLs and numbers masked and runs of one character shortened."""
    text = _URL.sub(" " + URL + " ", prepared)
    text = _HANDLE.sub(HANDLE, text)
    text = _NUMBER.sub(NUMBER, text)
    text = _REPEAT.sub(r"\1\1\1", text)
    return _SPACE.sub(" ", text).strip()


def tokens(normalized: str) -> list[str]:
    """Word tokens of an already `normalize`d text."""
    return _TOKEN.findall(normalized)
