"""Tests for bot.text.sanitize: literal cases and properties of clean_untrusted."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.entities import find_cashtags, find_hashtags, find_mentions
from bot.text.sanitize import clean_untrusted, emoji_spans, is_forbidden_char
from bot.text.urls import find_urls

# Pieces that make hostile input likely: entity signs, domains, invisible and bidi characters.
_PIECES = st.sampled_from(
    [
        "@",
        "＠",
        "$",
        "#",
        "＃",
        ".",
        "/",
        ":",
        "://",
        "http",
        "https://",
        "www.",
        "evil",
        "com",
        "co",
        "example.com",
        "t.co/x",
        "$TSLA",
        "@everyone",
        "\u200b",
        "\u200d",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\x00",
        "\x1b",
        "\x85",
        "\n",
        " ",
        "a",
        "Z",
        "_",
        "9",
        "é",
        "火",
        "\U0001f468\u200d\U0001f469",
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        "\U000e0041",
        "\ud800",
    ]
)
_HOSTILE = st.one_of(st.lists(_PIECES, max_size=30).map("".join), st.text(max_size=60))


def _assert_safe(text: str, *, hashtags: bool = True) -> None:
    assert find_mentions(text) == []
    assert find_urls(text, loose=True) == []
    assert find_urls(text) == []
    assert find_cashtags(text) == []
    if not hashtags:
        assert find_hashtags(text) == []
    inside = {i for start, end in emoji_spans(text) for i in range(start, end)}
    assert [c for i, c in enumerate(text) if is_forbidden_char(c) and i not in inside] == []


class TestCleanUntrusted:
    def test_hostile_payload(self) -> None:
        """Mention, domain, cashtag and bidi override are all neutralised."""
        assert clean_untrusted("@everyone visit evil.com $SCAM \u202e") == "everyone visit evil[.]com SCAM "

    def test_chained_signs(self) -> None:
        """Removing one sign never uncovers another entity."""
        assert clean_untrusted("@@x $@y a@b.com") == "x y ab[.]com"

    def test_zero_width_inside_mention(self) -> None:
        """A zero-width character cannot hide a mention."""
        assert clean_untrusted("@\u2060name and @\u200bother") == "name and other"

    def test_urls_defanged(self) -> None:
        """Full URLs, bare domains and chained TLDs lose their dots."""
        assert clean_untrusted("https://evil.com/a.html evil.com.foo bit.ly") == (
            "https://evil[.]com/a[.]html evil[.]com[.]foo bit[.]ly"
        )

    def test_emoji_sequences_survive(self) -> None:
        """Joiners and tags inside emoji sequences are kept; stray ones are removed."""
        family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
        assert clean_untrusted(f"{family}\u200d x\U000e0041") == f"{family} x"

    def test_controls_and_line_breaks(self) -> None:
        """C0/C1 controls vanish; line breaks and tabs become spaces."""
        assert clean_untrusted("a\x00b\x1b\x9fc\nd\te") == "abc d e"

    def test_allow_lists(self) -> None:
        """Allowed kinds pass through untouched."""
        text = "@nasa see nasa.gov $SPCE"
        assert clean_untrusted(text, allow_mentions=True, allow_urls=True, allow_cashtags=True) == text

    def test_hashtags_kept_by_default_removed_on_request(self) -> None:
        """Hashtags stay unless allow_hashtags=False; the keycap #️⃣ always stays."""
        assert clean_untrusted("#Mars #️⃣") == "#Mars #️⃣"
        assert clean_untrusted("#Mars #️⃣", allow_hashtags=False) == "Mars #️⃣"

    def test_numbers_with_dollar_kept(self) -> None:
        """A dollar amount is not a cashtag and stays."""
        assert clean_untrusted("only $5 today") == "only $5 today"

    @settings(max_examples=300, database=None, deadline=None)
    @given(_HOSTILE)
    def test_property_nothing_linkable_or_invisible(self, value: str) -> None:
        """Whatever goes in, nothing linkable or invisible comes out."""
        _assert_safe(clean_untrusted(value, allow_hashtags=False), hashtags=False)
        _assert_safe(clean_untrusted(value))

    @settings(max_examples=100, database=None, deadline=None)
    @given(_HOSTILE)
    def test_property_idempotent(self, value: str) -> None:
        """Cleaning twice changes nothing more."""
        once = clean_untrusted(value)
        assert clean_untrusted(once) == once
