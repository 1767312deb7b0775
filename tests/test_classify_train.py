"""Tests for bot.classify.train: fitting on staff labels moves predictions the right way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.classify.detector import Detector
from bot.classify.features import Featurizer
from bot.classify.train import seed_examples, train

JARGON = [
    "@acme the flux capacitor blinked purple again",
    "@acme flux capacitor blinking purple since the firmware",
    "@acme purple blink on the flux capacitor, third time",
    "@acme my flux capacitor blinks purple every morning",
]
CALM = [
    "@acme the flux capacitor glows green, as the manual says",
    "@acme green glow on my flux capacitor this morning",
    "@acme flux capacitor glowing green after the firmware",
    "@acme steady green glow on the flux capacitor",
]
AT = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def base() -> Detector:
    return Detector.default()


class TestTrain:
    def test_brand_labels_move_the_default(self, base: Detector) -> None:
        """Labels for brand jargon turn an unrecognised complaint into one, starting from the shipped weights."""
        probe = "@acme flux capacitor blinking purple in the morning"
        before = base.classify(probe)
        model = train(JARGON + CALM, [1] * 4 + [0] * 4, base=base.model, seed_weight=0.0, l2=1e-3, trained_at=AT)
        after = Detector.from_model(model, base.rules).classify(probe)
        assert before.complaint is False
        assert after.complaint is True
        assert after.score > before.score

    def test_negative_labels_move_down(self, base: Detector) -> None:
        """Labelling a phrase as not a complaint lowers its score."""
        probe = "@acme flux capacitor glowing green today"
        model = train(JARGON + CALM, [1] * 4 + [0] * 4, base=base.model, seed_weight=0.0, l2=1e-3, trained_at=AT)
        assert Detector.from_model(model).classify(probe).score < base.classify(probe).score

    def test_from_scratch_metadata(self) -> None:
        """A model from scratch records its examples, date and notes, and keeps the requested width."""
        model = train(JARGON + CALM, [1] * 4 + [0] * 4, seed_weight=0.0, trained_at=AT, featurizer=Featurizer(bits=14))
        assert (model.bits, model.n_examples, model.trained_at, model.threshold) == (14, 8, AT, 0.5)
        assert model.notes == "8 labelled + 0 seed examples (weight 0.0)"

    def test_keeps_base_threshold(self, base: Detector) -> None:
        """A model trained from a base keeps the base's decision threshold."""
        model = train(JARGON + CALM, [1] * 4 + [0] * 4, base=base.model, seed_weight=0.0, trained_at=AT)
        assert model.threshold == base.model.threshold

    def test_one_class_is_rejected(self) -> None:
        """Training needs both classes."""
        with pytest.raises(ValueError, match="both complaints and non-complaints"):
            train(JARGON, [1] * 4, seed_weight=0.0)

    def test_lengths_must_match(self) -> None:
        """Texts and labels must pair up."""
        with pytest.raises(ValueError, match="4 texts but 3 labels"):
            train(JARGON, [1, 0, 1], seed_weight=0.0)

    def test_labels_are_binary(self) -> None:
        """Labels other than 0/1 are rejected."""
        with pytest.raises(ValueError, match="labels must be 0 or 1"):
            train(JARGON[:2], [1, 2], seed_weight=0.0)


class TestSeedExamples:
    def test_shipped_seed_has_both_classes(self) -> None:
        """The shipped synthetic seed set holds thousands of examples of both classes."""
        texts, labels = seed_examples()
        assert len(texts) == len(labels) > 3000
        assert set(labels) == {0, 1}
