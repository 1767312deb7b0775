"""A small lexicon-based sentiment scorer (VADER's MIT-licensed lexicon, a simplified VADER rule set)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nobody",
        "nothing",
        "neither",
        "nor",
        "nowhere",
        "cannot",
        "cant",
        "can't",
        "dont",
        "don't",
        "doesnt",
        "doesn't",
        "didnt",
        "didn't",
        "isnt",
        "isn't",
        "wasnt",
        "wasn't",
        "arent",
        "aren't",
        "werent",
        "weren't",
        "wont",
        "won't",
        "wouldnt",
        "wouldn't",
        "shouldnt",
        "shouldn't",
        "couldnt",
        "couldn't",
        "havent",
        "haven't",
        "hasnt",
        "hasn't",
        "hadnt",
        "hadn't",
        "aint",
        "ain't",
        "without",
    ]
)
_BOOSTERS = frozenset(
    [
        "absolutely",
        "completely",
        "extremely",
        "incredibly",
        "really",
        "so",
        "totally",
        "very",
        "utterly",
        "super",
        "seriously",
        "literally",
        "ridiculously",
        "insanely",
        "truly",
    ]
)
_DAMPENERS = frozenset(["barely", "hardly", "kinda", "kind", "of", "slightly", "somewhat", "sort", "sorta", "little"])
_STRIP = "\"'.,;:!?()[]{}<>*_-~`"
#: VADER's normalisation constant for the compound score.
_ALPHA = 15.0


@dataclass(frozen=True, slots=True)
class Sentiment:
    """Compound score in -1..1 and the summed positive / negative valence (both >= 0)."""

    compound: float
    positive: float
    negative: float


class Lexicon:
    """Token valences (about -4..4) with VADER-style negation, boosters and exclamation emphasis."""

    def __init__(self, valences: dict[str, float]) -> None:
        self._valences = valences

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """The lexicon in `path`: one `token<TAB>valence` per line."""
        return cls._parse(path.read_text(encoding="utf-8"))

    @classmethod
    def default(cls) -> Lexicon:
        """The shipped VADER lexicon (see data/VADER_LICENSE.txt)."""
        text = resources.files("bot.classify").joinpath("data/vader_lexicon.txt").read_text(encoding="utf-8")
        return cls._parse(text)

    @classmethod
    def _parse(cls, text: str) -> Lexicon:
        valences: dict[str, float] = {}
        for line in text.splitlines():
            token, _, value = line.partition("\t")
            if token and value:
                valences[token] = float(value.split("\t")[0])
        return cls(valences)

    def __len__(self) -> int:
        return len(self._valences)

    def score(self, text: str) -> Sentiment:
        """The sentiment of `text` (already scrubbed; case is ignored)."""
        words = text.lower().split()
        total_pos = total_neg = 0.0
        get = self._valences.get
        for i, raw in enumerate(words):
            valence = get(raw)
            if valence is None:
                word = raw.strip(_STRIP)
                valence = get(word)
                if valence is None:
                    continue
            before = words[max(0, i - 3) : i]
            if before and before[-1] in _BOOSTERS:
                valence += 0.293 if valence > 0 else -0.293
            elif before and before[-1] in _DAMPENERS:
                valence -= 0.293 if valence > 0 else -0.293
            if any(w.strip(_STRIP) in _NEGATIONS for w in before):
                valence *= -0.74
            if valence > 0:
                total_pos += valence
            else:
                total_neg -= valence
        raw_sum = total_pos - total_neg
        if raw_sum:
            bangs = min(text.count("!"), 4) * 0.292
            raw_sum += bangs if raw_sum > 0 else -bangs
        compound = raw_sum / math.sqrt(raw_sum * raw_sum + _ALPHA)
        return Sentiment(compound, total_pos, total_neg)
