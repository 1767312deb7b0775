"""Tests for bot.classify.text, bot.classify.sentiment and bot.classify.features: clean-up and stable hashing."""

from __future__ import annotations

from bot.classify.features import NGRAMS, NGRAMS_EMBEDDING, Featurizer
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
        features = Featurizer(bits=16, features=NGRAMS).transform(["hi"])
        assert sorted(features.cols.tolist())[:5] == [1989, 7537, 11287, 26485, 30852]
        assert features.n_rows == 1

    def test_embedding_block_is_a_unit_vector_in_fixed_columns(self) -> None:
        """With the embedding, each row also carries 256 values of length 1 in the same hashed columns."""
        plain = Featurizer(bits=16, features=NGRAMS).transform(["my bag never arrived", "hi"])
        both = Featurizer(bits=16, features=NGRAMS_EMBEDDING).transform(["my bag never arrived", "hi"])
        assert both.vals.shape[0] - plain.vals.shape[0] == 2 * 256
        plain_pairs = set(zip(plain.rows.tolist(), plain.cols.tolist(), strict=True))
        block = [
            (r, c, v)
            for r, c, v in zip(both.rows.tolist(), both.cols.tolist(), both.vals.tolist(), strict=True)
            if (r, c) not in plain_pairs
        ]
        first = [v for r, _, v in block if r == 0]
        assert len(first) >= 250  # 256 columns, minus any that collide with an n-gram of the text
        assert sorted({c for _, c, _ in block})[:4] == [23, 160, 410, 568]
        assert 0.9 < sum(v * v for v in first) <= 1.0 + 1e-9

    def test_unknown_feature_set_is_refused(self) -> None:
        """A model naming a feature set this version does not know fails loudly, never silently."""
        import pytest

        with pytest.raises(ValueError, match="unknown feature set"):
            Featurizer(features="bag-of-vibes")
