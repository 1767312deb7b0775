"""Tests for bot.classify.embedding: WordPiece tokenisation and the static sentence vectors."""

from __future__ import annotations

import numpy as np
import pytest

from bot.classify.embedding import StaticEmbedding


@pytest.fixture(scope="module")
def embedding() -> StaticEmbedding:
    return StaticEmbedding.shipped()


def pieces(embedding: StaticEmbedding, text: str) -> list[str]:
    vocab = {i: t for t, i in embedding._ids.items()}
    return [vocab[i] for i in embedding.token_ids(text)]


class TestWordPiece:
    def test_matches_bert_uncased_wordpiece(self, embedding: StaticEmbedding) -> None:
        """Splits as the encoder's own tokenizer does (expected pieces read off HF tokenizers 0.23)."""
        assert pieces(embedding, "unaffable refunded") == ["una", "##ffa", "##ble", "ref", "##und", "##ed"]
        assert pieces(embedding, "@user can't board?!") == ["@", "user", "can", "'", "t", "board", "?", "!"]

    def test_accents_are_stripped(self, embedding: StaticEmbedding) -> None:
        """'café' and 'naïve' are the vocabulary's 'cafe' and 'naive'."""
        assert pieces(embedding, "café naïve") == ["cafe", "naive"]

    def test_unknown_and_overlong_words_give_no_tokens(self, embedding: StaticEmbedding) -> None:
        """Symbols outside the vocabulary and words over 100 characters carry no vector (not [UNK])."""
        assert embedding.token_ids("\U0001f9ec") == []
        assert embedding.token_ids("a" * 101) == []


class TestEmbed:
    def test_rows_are_unit_length_or_zero(self, embedding: StaticEmbedding) -> None:
        """A text with tokens gets a unit vector; an empty text gets zeros."""
        out = embedding.embed(["my flight was cancelled", "", "thanks so much"])
        assert out.shape == (3, 256)
        assert np.allclose(np.linalg.norm(out, axis=1), [1.0, 0.0, 1.0])

    def test_similar_meanings_lie_closer(self, embedding: StaticEmbedding) -> None:
        """Two complaints in different words are closer to each other than to praise."""
        a, b, c = embedding.embed(["my luggage is lost", "they misplaced my suitcase", "what a lovely day"])
        assert float(a @ b) > float(a @ c) + 0.1

    def test_order_and_batching_do_not_change_vectors(self, embedding: StaticEmbedding) -> None:
        """Each row depends on its own text only."""
        one = embedding.embed(["the app keeps crashing"])
        many = embedding.embed(["", "hello", "the app keeps crashing"])
        assert np.allclose(one[0], many[2])

    def test_mismatched_arrays_are_refused(self) -> None:
        """Vocabulary, vectors and scale must agree in size."""
        with pytest.raises(ValueError, match="do not match"):
            StaticEmbedding(["a", "b"], np.zeros((3, 4), dtype=np.int8), np.ones(4, dtype=np.float32))

    def test_more_texts_than_one_chunk(self, embedding: StaticEmbedding) -> None:
        """A batch larger than CHUNK gives the same rows as embedding each text alone."""
        from bot.classify.embedding import CHUNK

        texts = [f"order {i} never arrived" if i % 3 else "" for i in range(CHUNK + 5)]
        many = embedding.embed(texts)
        assert many.shape == (CHUNK + 5, 256)
        assert np.allclose(many[CHUNK + 4], embedding.embed([texts[CHUNK + 4]])[0])
        assert not many[CHUNK + 2].any()  # (CHUNK + 2) % 3 == 0: the empty text
