"""The complaint detector: brand rules, a sentiment lexicon and a hashed-feature linear model.

`Detector.default()` is the shipped detector; `train()` fits a brand-specific `LinearModel` on staff labels.
"""

from bot.classify.detector import Classification, Detector
from bot.classify.model import LinearModel, ModelFormatError
from bot.classify.rules import Rule, RuleFileError, RuleSet, Severity
from bot.classify.train import train

__all__ = [
    "Classification",
    "Detector",
    "LinearModel",
    "ModelFormatError",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "Severity",
    "train",
]
