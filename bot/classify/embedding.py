"""`StaticEmbedding`: a text's meaning as the mean of fixed WordPiece token vectors (no neural network at run time).

The vectors (data/minilm_static.npz, 30,522 tokens x 256 dimensions, int8 with a scale per dimension) were
distilled from the sentence encoder all-MiniLM-L6-v2 (Apache License 2.0, see data/MINILM_NOTICE.txt) by
`scripts/distill_embedding.py`: each token was run through the encoder alone. Averaging them gives a
vector in which texts of similar meaning lie close together even when they share no word, which lets
a model trained on the project's own seed tweets carry over to the words real customers use.

Tokenisation follows BERT's uncased WordPiece: accents stripped, words split at punctuation, each word
cut greedily into the longest pieces of the vocabulary ("refunded" -> "refund", "##ed").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: A word longer than this (in characters) is one unknown token, as in BERT.
MAX_WORD = 100
_WORD_CACHE_MAX = 100_000
#: Texts embedded per numpy step.
CHUNK = 256
_PIECES = re.compile(r"[^\W_]+|\S")
_UNKNOWN = "[UNK]"


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


class StaticEmbedding:
    """Maps lower-cased texts to unit-length vectors of `dims` floats (a text with no known token maps to zeros)."""

    def __init__(self, vocab: list[str], vectors: npt.NDArray[np.int8], scale: npt.NDArray[np.float32]) -> None:
        if vectors.ndim != 2 or vectors.shape[0] != len(vocab) or scale.shape != (vectors.shape[1],):
            raise ValueError(f"{len(vocab)} tokens, vectors {vectors.shape}, scale {scale.shape} do not match")
        self.vectors = vectors
        self.scale = scale.astype(np.float64)
        self.dims = int(vectors.shape[1])
        self._ids = {token: i for i, token in enumerate(vocab)}
        self._unknown = self._ids.get(_UNKNOWN, -1)
        self._words: dict[str, tuple[int, ...]] = {}  # word -> its piece ids, a pure memo

    @classmethod
    @cache
    def shipped(cls) -> StaticEmbedding:
        """The shipped MiniLM-derived vectors (loaded once per process)."""
        data = resources.files("bot.classify").joinpath("data")
        vocab = data.joinpath("minilm_vocab.txt").read_text(encoding="utf-8").splitlines()
        with data.joinpath("minilm_static.npz").open("rb") as handle, np.load(handle, allow_pickle=False) as arrays:
            return cls(vocab, arrays["vectors"], arrays["scale"])

    def word_pieces(self, word: str) -> tuple[int, ...]:
        """The vocabulary ids of `word` (greedy longest-match WordPiece; unknown words give no ids)."""
        known = self._words.get(word)
        if known is not None:
            return known
        ids: list[int] = []
        if len(word) <= MAX_WORD:
            start = 0
            while start < len(word):
                end = len(word)
                while end > start:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self._ids.get(piece)
                    if found is not None:
                        ids.append(found)
                        break
                    end -= 1
                else:
                    ids = []  # an unmatchable remainder makes the whole word unknown, as in BERT
                    break
                start = end
        result = tuple(i for i in ids if i != self._unknown)
        if len(self._words) >= _WORD_CACHE_MAX:
            self._words.clear()
        self._words[word] = result
        return result

    def token_ids(self, text: str) -> list[int]:
        """The vocabulary ids of a lower-cased `text`, word by word."""
        ids: list[int] = []
        for word in _PIECES.findall(_strip_accents(text)):
            ids.extend(self.word_pieces(word))
        return ids

    def embed(self, texts: list[str]) -> FloatArray:
        """A `len(texts)` x `dims` array: the mean token vector of each text, scaled to unit length."""
        if len(texts) > CHUNK:  # bounds the gathered token vectors (tokens x dims) held at once
            return np.vstack([self.embed(texts[i : i + CHUNK]) for i in range(0, len(texts), CHUNK)])
        out = np.zeros((len(texts), self.dims), dtype=np.float64)
        per_text = [self.token_ids(t) for t in texts]
        rows = [i for i, ids in enumerate(per_text) if ids]
        if not rows:
            return out
        flat = np.fromiter((i for r in rows for i in per_text[r]), dtype=np.int64)
        starts = np.cumsum([0] + [len(per_text[r]) for r in rows[:-1]])
        sums = np.add.reduceat(self.vectors[flat], starts, axis=0, dtype=np.int32) * self.scale
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out[rows] = sums / np.maximum(norms, 1e-12)
        return out
