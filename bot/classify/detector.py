"""`Detector`: rules + sentiment + a learned linear model, combined into one explainable `Classification`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from bot.classify.features import Featurizer
from bot.classify.model import LinearModel
from bot.classify.rules import RuleSet, Severity
from bot.classify.sentiment import Lexicon

#: Texts featurised per numpy batch in `classify_many` (bounds memory on a mention storm).
BATCH = 2048
#: Compound sentiment at or below which "negative sentiment" is given as a reason.
NEGATIVE = -0.05


@dataclass(frozen=True, slots=True)
class Classification:
    """The detector's verdict on one text; `reasons` are short strings shown to staff."""

    complaint: bool
    score: float
    severity: str
    reasons: list[str]


class Detector:
    """Classifies mentions as complaints (pure: no I/O after construction)."""

    def __init__(self, model: LinearModel, rules: RuleSet, featurizer: Featurizer) -> None:
        if featurizer.bits != model.bits:
            raise ValueError(f"featurizer has {featurizer.bits} bits, model {model.bits}")
        if featurizer.features != model.features:
            raise ValueError(f"featurizer computes {featurizer.features!r}, the model needs {model.features!r}")
        self.model = model
        self.rules = rules
        self.featurizer = featurizer

    @property
    def version(self) -> str:
        """The model version (stored with each classification)."""
        return self.model.version

    @classmethod
    def default(cls, rules: RuleSet | None = None) -> Detector:
        """The shipped default model (data/default_model.json) with `rules` (the shipped rules when None)."""
        data = resources.files("bot.classify").joinpath("data/default_model.json").read_bytes()
        return cls.from_model(LinearModel.from_bytes(data), rules)

    @classmethod
    def from_model(
        cls, model: LinearModel, rules: RuleSet | None = None, *, lexicon: Lexicon | None = None
    ) -> Detector:
        """A detector using `model` and `rules` (the shipped rules when None)."""
        featurizer = Featurizer(bits=model.bits, lexicon=lexicon, features=model.features)
        return cls(model, rules if rules is not None else RuleSet.default(), featurizer)

    def classify(self, text: str) -> Classification:
        """The verdict on one text."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: list[str]) -> list[Classification]:
        """Verdicts on `texts`, in input order."""
        out: list[Classification] = []
        for start in range(0, len(texts), BATCH):
            out.extend(self._batch(texts[start : start + BATCH]))
        return out

    def _batch(self, texts: list[str]) -> list[Classification]:
        features = self.featurizer.transform(texts)
        probs = self.model.predict_proba(features)
        threshold = self.model.threshold
        verdicts: list[Classification] = []
        for prepared, p, sentiment in zip(features.prepared, probs.tolist(), features.sentiments, strict=True):
            reasons: list[str] = []
            severity = Severity.LOW
            hit_severity = Severity.LOW
            boost: float | None = None  # the largest boost of the rules that fire, negative ones included
            floor = 0.0
            for hit in self.rules.hits_prepared(prepared):
                reasons.append(hit.explanation)
                hit_severity = max(hit_severity, hit.rule.severity)
                boost = hit.rule.boost if boost is None else max(boost, hit.rule.boost)
                if hit.rule.min_score is not None:
                    floor = max(floor, hit.rule.min_score)
            score = (
                float(p)
                if not boost
                else 1.0 / (1.0 + math.exp(-(math.log(max(p, 1e-12) / max(1 - p, 1e-12)) + boost)))
            )
            score = max(score, floor)
            complaint = score >= threshold
            if complaint:
                model_severity = Severity.MEDIUM if p >= 0.8 else Severity.LOW
                if p >= 0.9 and sentiment.compound <= -0.5:
                    model_severity = Severity.HIGH
                severity = max(hit_severity, model_severity)
            if sentiment.compound <= NEGATIVE:
                reasons.append(f"negative sentiment ({sentiment.compound:+.2f})")
            elif sentiment.compound >= -NEGATIVE:
                reasons.append(f"positive sentiment ({sentiment.compound:+.2f})")
            reasons.append(f"model: {p:.2f}")
            verdicts.append(
                Classification(complaint, round(float(np.clip(score, 0.0, 1.0)), 4), severity.label, reasons)
            )
        return verdicts
