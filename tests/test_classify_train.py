"""Tests for bot.classify.train: fitting on staff labels moves predictions the right way."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from bot.classify.detector import Detector
from bot.classify.features import Featurizer
from bot.classify.train import (
    L2_GRID,
    THRESHOLD_RANGE,
    best_threshold,
    cross_validate,
    seed_examples,
    select_rows,
    train,
)

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


class TestBestThreshold:
    def test_cuts_between_the_classes(self) -> None:
        """With separable scores the cut falls midway between the lowest complaint and the highest other."""
        probs = np.array([0.9, 0.7, 0.6, 0.4, 0.2])
        labels = np.array([1.0, 1.0, 1.0, 0.0, 0.0])
        assert best_threshold(probs, labels) == pytest.approx(0.5)

    def test_prefers_macro_f1_over_flagging_everything(self) -> None:
        """Flagging all gives complaint F1 0.8 but macro 0.4; the chosen cut keeps the not-complaint class too."""
        probs = np.array([0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.3])
        labels = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
        assert best_threshold(probs, labels) == pytest.approx(0.575)

    def test_is_clamped(self) -> None:
        """A cut outside `THRESHOLD_RANGE` is clamped into it."""
        assert best_threshold(np.array([0.99, 0.2, 0.1]), np.array([1.0, 1.0, 0.0])) == THRESHOLD_RANGE[0]
        assert best_threshold(np.array([0.999, 0.95, 0.9]), np.array([1.0, 0.0, 0.0])) == THRESHOLD_RANGE[1]


class TestSelectRows:
    def test_picks_and_renumbers_rows(self) -> None:
        """Selected rows keep their own features, in the order asked for, numbered from 0."""
        featurizer = Featurizer(bits=14)
        x = featurizer.transform(JARGON[:3])
        picked = select_rows(x, [2, 0])
        one = featurizer.transform([JARGON[2]])
        assert picked.n_rows == 2
        assert picked.prepared == (x.prepared[2], x.prepared[0])
        assert sorted(picked.cols[picked.rows == 0].tolist()) == sorted(one.cols.tolist())


@pytest.fixture(scope="module")
def labelled() -> tuple[list[str], list[int]]:
    """Forty brand-jargon complaints and forty calm mentions, in the style of the tests above."""
    colours = ["purple", "red", "orange", "amber", "pink"]
    parts = [
        "flux capacitor",
        "warp coil",
        "dilithium tray",
        "tractor beam",
        "phaser bank",
        "deflector",
        "holo deck",
        "replicator",
    ]
    bad = [f"@acme the {p} blinked {c} again" for p in parts for c in colours]
    good = [f"@acme the {p} glows green, as the manual says ({c} box)" for p in parts for c in colours]
    return bad + good, [1] * len(bad) + [0] * len(good)


class TestCrossValidatedTraining:
    def test_chooses_l2_and_threshold_from_the_labels(
        self, base: Detector, labelled: tuple[list[str], list[int]]
    ) -> None:
        """With enough labels of both classes, l2 comes from the grid and the notes record the choice."""
        texts, labels = labelled
        model = train(texts, labels, base=base.model, trained_at=AT)
        assert "5-fold CV: l2 " in model.notes
        assert model.notes.startswith("80 labelled + 0 seed examples (weight 0.0)")
        assert THRESHOLD_RANGE[0] <= model.threshold <= THRESHOLD_RANGE[1]
        detector = Detector.from_model(model, base.rules)
        assert detector.classify("@acme the warp coil blinked purple this morning").complaint is True
        assert detector.classify("@acme the warp coil glows green, as the manual says").complaint is False

    def test_given_threshold_is_kept(self, base: Detector, labelled: tuple[list[str], list[int]]) -> None:
        """An explicit threshold overrides the cross-validated one."""
        texts, labels = labelled
        assert train(texts, labels, base=base.model, threshold=0.6, trained_at=AT).threshold == 0.6

    def test_cross_validate_reports_its_choice(self, labelled: tuple[list[str], list[int]]) -> None:
        """Separable labels give a perfect out-of-fold F1 at one of the grid's strengths."""
        texts, labels = labelled
        featurizer = Featurizer(bits=14)
        cv = cross_validate(featurizer.transform(texts), labels, dim=1 << 14, prior=None, prior_bias=0.0)
        assert cv.l2 in L2_GRID
        assert cv.f1 == 1.0
