"""Tests for bot.classify.text, bot.classify.sentiment and bot.classify.features: clean-up and stable hashing."""

from __future__ import annotations

from bot.classify.features import Featurizer
from bot.classify.sentiment import Lexicon
from bot.classify.text import MAX_CHARS, normalize, scrub, tokens


class TestText:
    def test_masks_handles_urls_numbers(self) -> None:
        """Handles, URLs and numbers are masked; case and entity escapes are normalised."""
        assert normalize("@SkyWay Flight 212 &amp; 2 hours late https://t.co/abc") == (
            "@user flight 0 & 0 hours late httpurl"
        )

    def test_scrub_removes_invisible_and_surrogates(self) -> None:
        """Zero-width, bidi controls and lone surrogates are dropped; control characters become spaces."""
        assert scrub("sm\u200boke\u202e\ud800 in\x00cabin") == "smoke in cabin"

    def test_long_text_is_cut(self) -> None:
        """Only the first MAX_CHARS characters are looked at."""
        assert len(scrub("x" * 10_000)) == MAX_CHARS

    def test_tokens(self) -> None:
        """Tokens keep contractions and runs of ?/!."""
        assert tokens(normalize("Why won't it work?!? 😡")) == ["why", "won't", "it", "work", "?!?", "😡"]


class TestSentiment:
    def test_negative_and_negated(self) -> None:
        """Negative words score below zero; a negated positive word does too."""
        lexicon = Lexicon.default()
        assert lexicon.score("this is terrible").compound < -0.4
        assert lexicon.score("not good at all").compound < 0
        assert lexicon.score("love it").compound > 0.5
        assert lexicon.score("flight 212 is at the gate").compound == 0.0


class TestFeatures:
    def test_hashes_are_stable(self) -> None:
        """Column indexes are the same in every process (no salted hash): a literal expectation."""
        features = Featurizer(bits=16).transform(["hi"])
        assert sorted(features.cols.tolist())[:5] == [1989, 7537, 11287, 26485, 30852]
        assert features.n_rows == 1
