"""Hashed features for a batch of texts, computed with numpy: word 1-2-grams, char 3-5-grams, a few cues, and
(feature set "ngrams+minilm256") a static sentence embedding.

Each text becomes a sparse row of a `2**bits`-wide matrix, held as coordinates (`rows`, `cols`, `vals`).
Word and char n-grams get sublinear term frequencies (1 + log count), each block scaled to unit length;
cue features (question, waiting time, sentiment ...) are added with their own values; the embedding's
256 unit-length dimensions go to 256 fixed hashed columns. Hashes are stable across processes and
platforms (CRC-32 and a fixed 64-bit mixer, never Python's salted `hash`).

A model records the feature set it was trained with (`LinearModel.features`), so a model stored before
the embedding existed ("ngrams") is still scored with exactly the features it learned.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.classify.embedding import StaticEmbedding
from bot.classify.sentiment import Lexicon, Sentiment
from bot.classify.text import mask, prepare, tokens

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_U64 = npt.NDArray[np.uint64]

DEFAULT_BITS = 20
#: Feature sets: n-grams and cues alone (models trained before 2026-11-24), and with the static embedding.
NGRAMS = "ngrams"
NGRAMS_EMBEDDING = "ngrams+minilm256"
FEATURE_SETS = (NGRAMS, NGRAMS_EMBEDDING)
DEFAULT_FEATURES = NGRAMS_EMBEDDING
CHAR_NGRAMS = (3, 4, 5)
_CACHE_MAX = 200_000
#: Length of the word block and of the char block in each row (cue features come on top).
WORD_WEIGHT = 1.0
CHAR_WEIGHT = 1.0
#: Length of the embedding block (chosen on the project's own validation set, tests/fixtures/classify).
EMBEDDING_WEIGHT = 1.0

_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "nobody",
        "nothing",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "wasn't",
        "aren't",
        "won't",
        "wouldn't",
        "couldn't",
        "haven't",
        "hasn't",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "arent",
        "wont",
        "havent",
        "hasnt",
        "nor",
        "without",
    ]
)
_WAIT = re.compile(
    r"\b(?:0|an?|one|two|three|four|five|six|several|few|many|couple of) ?(?:\+ )?"
    r"(?:mins?|minutes?|hrs?|hours?|days?|weeks?|months?|years?)\b"
)
_SINCE = re.compile(
    r"\b(?:since (?:0|yesterday|last|this|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|for (?:ages|days|weeks|hours|months)|all (?:day|week|night|morning))\b"
)
_ADDRESSED = re.compile(r"^(?:\.?@user ?)+")
#: Words that report a problem (written for brandbot; a general vocabulary, not learned from any data set).
_PROBLEM = re.compile(
    r"\b(?:issues?|problems?|errors?|broke|broken|faulty|fault|fix|stuck|crash\w*|fail\w*|down|outage|slow|late"
    r"|delay\w*|wait\w*|still|again|never|nobody|no one|nothing|wrong|missing|lost|charged|overcharged|refund\w*"
    r"|cancel\w*|unable|can't|cant|won't|wont|doesn't|doesnt|didn't|didnt|isn't|poor|terrible|awful|worst|rude"
    r"|useless|ridiculous|unacceptable|disappoint\w*|frustrat\w*|annoy\w*|complain\w*|fuming|joke|scam\w*"
    r"|robb\w*|sucks?|pathetic|disgust\w*|horrible|appalling|shocking|damaged|cold|dirty|leak\w*|glitch\w*"
    r"|bug|bugs|hacked|declined|blocked|locked|ignored|ignoring|hung up|on hold|chase|chasing|again\?)\b"
)
#: Openings of a request for information ("can I ...", "do you ...", "how do I ...").
_INFO_QUESTION = re.compile(
    r"^(?:@user )*(?:(?:hi|hello|hey)\b[ ,!.]*)?(?:quick question[ ,:]*)?(?:can i|can we|could you|can you|do you"
    r"|does (?:it|the|your)|is there|is it possible|how do i|how can i|how do you|what is your|what's your|what are"
    r"|where can i|where is|where do|when does|when do|when is the|will you|are you|would you|any plans|who do i"
    r"|is this|what time|which)\b"
)
#: Questions that are usually complaints ("why ...", "how long ...", "when will you fix ...").
_COMPLAINT_QUESTION = re.compile(
    r"\b(?:why|how long|how much longer|when will|how hard|what happened|what is going on|what's going on"
    r"|what is this|what's wrong|is anyone|anyone there|seriously)\b"
)
#: A handle that looks like a customer-service account (@acme_help, @AcmeSupport, @askacme ...).
_SERVICE_HANDLE = re.compile(r"@(?:ask\w+|\w*(?:support|help|care|cares|service|services|cs|team|hq|desk))(?!\w)")


@dataclass(frozen=True, slots=True)
class Features:
    """A sparse `n_rows` x `2**bits` matrix in coordinate form (a (row, col) pair may repeat: values add up)."""

    rows: IntArray
    cols: IntArray
    vals: FloatArray
    n_rows: int
    sentiments: tuple[Sentiment, ...]
    prepared: tuple[str, ...]  # `bot.classify.text.prepare`d texts (what rules match against)


def _mix(h: _U64) -> _U64:
    """MurmurHash3's 64-bit finaliser (wraps modulo 2**64, as intended)."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _crc(token: str) -> int:
    return zlib.crc32(token.encode("utf-8", "replace"))


def _unique_tf(rows: IntArray, hashes: _U64, bits: int, length: float) -> tuple[IntArray, IntArray, FloatArray]:
    """Distinct (row, column) pairs with 1 + log(count), each row's block scaled to `length`."""
    cols = (hashes & np.uint64((1 << bits) - 1)).astype(np.int64)
    keys = (rows << bits) | cols
    uniq, counts = np.unique(keys, return_counts=True)
    u_rows = uniq >> bits
    u_cols = uniq & ((1 << bits) - 1)
    tf = 1.0 + np.log(counts.astype(np.float64))
    norms = np.sqrt(np.bincount(u_rows, weights=tf * tf))
    return u_rows, u_cols, tf * (length / norms[u_rows])


class Featurizer:
    """Turns texts into hashed `Features` (`bits` sets the width; a model must be used with its own width)."""

    def __init__(
        self, *, bits: int = DEFAULT_BITS, lexicon: Lexicon | None = None, features: str = DEFAULT_FEATURES
    ) -> None:
        if not 10 <= bits <= 24:
            raise ValueError(f"bits must be in 10..24, got {bits}")
        if features not in FEATURE_SETS:
            raise ValueError(f"unknown feature set {features!r} (known: {', '.join(FEATURE_SETS)})")
        self.bits = bits
        self.features = features
        self.lexicon = lexicon if lexicon is not None else Lexicon.default()
        self.embedding = StaticEmbedding.shipped() if features == NGRAMS_EMBEDDING else None
        if self.embedding is not None:
            names = np.asarray([_crc(f"emb:{k}") for k in range(self.embedding.dims)], dtype=np.uint64)
            self._embedding_cols = (_mix(names + np.uint64(0x2545F491)) & np.uint64((1 << bits) - 1)).astype(np.int64)
        self._cache: dict[str, int] = {}  # token -> CRC-32, a pure memo

    def _remember(self, token: str) -> int:
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        value = self._cache[token] = _crc(token)
        return value

    def transform(self, texts: list[str]) -> Features:
        """The features of `texts`, row i for texts[i]."""
        prepared = [prepare(t) for t in texts]
        normed = [mask(t) for t in prepared]
        w_rows, w_hash = self._words(normed)
        c_rows, c_hash = self._chars(normed)
        cue_rows: list[int] = []
        cue_hash: list[int] = []
        cue_vals: list[float] = []
        sentiments: list[Sentiment] = []
        for i, (text, norm) in enumerate(zip(prepared, normed, strict=True)):
            sentiment = self.lexicon.score(text)
            sentiments.append(sentiment)
            for name, value in self._cues(text, norm, sentiment):
                cue_rows.append(i)
                cue_hash.append(_crc("cue:" + name))
                cue_vals.append(value)
        parts = [_unique_tf(w_rows, w_hash, self.bits, WORD_WEIGHT), _unique_tf(c_rows, c_hash, self.bits, CHAR_WEIGHT)]
        if self.embedding is not None:
            dims = self.embedding.dims
            parts.append(
                (
                    np.repeat(np.arange(len(texts), dtype=np.int64), dims),
                    np.tile(self._embedding_cols, len(texts)),
                    (self.embedding.embed(normed) * EMBEDDING_WEIGHT).ravel(),
                )
            )
        q_hash = _mix(np.asarray(cue_hash, dtype=np.uint64) + np.uint64(0x5BD1E995))
        parts.append(
            (
                np.asarray(cue_rows, dtype=np.int64),
                (q_hash & np.uint64((1 << self.bits) - 1)).astype(np.int64),
                np.asarray(cue_vals, dtype=np.float64),
            )
        )
        return Features(
            rows=np.concatenate([p[0] for p in parts]),
            cols=np.concatenate([p[1] for p in parts]),
            vals=np.concatenate([p[2] for p in parts]),
            n_rows=len(texts),
            sentiments=tuple(sentiments),
            prepared=tuple(prepared),
        )

    def _words(self, normed: list[str]) -> tuple[IntArray, _U64]:
        cache = self._cache
        rows: list[int] = []
        hashes: list[int] = []
        bigram_rows: list[int] = []
        firsts: list[int] = []
        seconds: list[int] = []
        for i, norm in enumerate(normed):
            toks = ["<s>", *tokens(norm), "</s>"]
            ids = [cache[t] if t in cache else self._remember(t) for t in toks]
            rows.extend([i] * (len(ids) - 2))
            hashes.extend(ids[1:-1])
            bigram_rows.extend([i] * (len(ids) - 1))
            firsts.extend(ids[:-1])
            seconds.extend(ids[1:])
            negated = 0
            for tok in toks:
                if tok in _NEGATIONS or tok.endswith("n't"):
                    negated = 3
                elif negated and tok.isalpha():
                    rows.append(i)
                    hashes.append(_crc("neg:" + tok))
                    negated -= 1
                elif not tok[0].isalnum():
                    negated = 0
        uni = _mix(np.asarray(hashes, dtype=np.uint64) + np.uint64(0x9E3779B9))
        a = np.asarray(firsts, dtype=np.uint64)
        b = np.asarray(seconds, dtype=np.uint64)
        bi = _mix((a << np.uint64(32)) ^ b ^ np.uint64(0x7F4A7C15))
        all_rows = np.asarray(rows + bigram_rows, dtype=np.int64)
        return all_rows, np.concatenate([uni, bi])

    @staticmethod
    def _chars(normed: list[str]) -> tuple[IntArray, _U64]:
        joined = "\x00".join(" " + n + " " for n in normed) + "\x00"
        codes = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32).astype(np.uint64)
        sep = codes == 0
        before = np.concatenate([[0], np.cumsum(sep, dtype=np.int64)])  # separators in codes[:i]
        size = codes.shape[0]
        rows_out: list[IntArray] = []
        hash_out: list[_U64] = []
        for n in CHAR_NGRAMS:
            m = size - n + 1
            if m <= 0:
                continue
            h = codes[:m].copy()
            for k in range(1, n):
                h = h * np.uint64(1_000_003) + codes[k : k + m]
            valid = (before[n : n + m] - before[:m]) == 0
            rows_out.append(before[:m][valid])
            hash_out.append(_mix(h[valid] + np.uint64(n * 0x632BE5AB)))
        if not rows_out:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
        return np.concatenate(rows_out), np.concatenate(hash_out)

    @staticmethod
    def _cues(prepared: str, norm: str, sentiment: Sentiment) -> list[tuple[str, float]]:
        cues: list[tuple[str, float]] = []
        if "@" in prepared and _SERVICE_HANDLE.search(prepared):
            cues.append(("service-handle", 1.0))
        if "?" in norm:
            cues.append(("question", 1.0))
            if norm.rstrip().endswith("?"):
                cues.append(("ends-question", 1.0))
        if "!" in norm:
            cues.append(("exclaim", 1.0))
        n_problem = len(_PROBLEM.findall(norm))
        if n_problem:
            cues.append(("problem-words", min(n_problem, 4) / 2.0))
        if _INFO_QUESTION.match(norm):
            cues.append(("info-question", 1.0))
        if _COMPLAINT_QUESTION.search(norm):
            cues.append(("complaint-question", 1.0))
        if _WAIT.search(norm):
            cues.append(("waiting-time", 1.0))
        if _SINCE.search(norm):
            cues.append(("since", 1.0))
        if _ADDRESSED.match(norm):
            cues.append(("addressed", 1.0))
        c = sentiment.compound
        cues.append(("compound", c))
        if sentiment.negative:
            cues.append(("negative-valence", min(sentiment.negative, 8.0) / 4.0))
        if sentiment.positive:
            cues.append(("positive-valence", min(sentiment.positive, 8.0) / 4.0))
        if c <= -0.5:
            cues.append(("very-negative", 1.0))
        elif c <= -0.05:
            cues.append(("negative", 1.0))
        elif c >= 0.5:
            cues.append(("very-positive", 1.0))
        elif c >= 0.05:
            cues.append(("positive", 1.0))
        else:
            cues.append(("neutral", 1.0))
        n_words = norm.count(" ") + 1
        cues.append(("short" if n_words < 6 else "medium" if n_words < 15 else "long", 1.0))
        return cues
