"""Tests for bot.classify.model: the byte format and its validation."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime

import numpy as np
import pytest

from bot.classify.detector import Detector
from bot.classify.features import NGRAMS, NGRAMS_EMBEDDING, Featurizer
from bot.classify.model import LinearModel, ModelFormatError
from bot.classify.train import train


def _model() -> LinearModel:
    weights = np.zeros(1 << 12)
    weights[[3, 100, 4000]] = [0.5, -1.25, 2.0]
    return LinearModel(
        weights=weights,
        bias=-0.25,
        bits=12,
        trained_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        n_examples=42,
        threshold=0.4,
        notes="test",
    )


class TestBytes:
    def test_round_trip(self) -> None:
        """Weights, bias and metadata survive to_bytes/from_bytes unchanged."""
        model = _model()
        back = LinearModel.from_bytes(model.to_bytes())
        assert np.flatnonzero(back.weights).tolist() == [3, 100, 4000]
        assert back.weights[[3, 100, 4000]].tolist() == [0.5, -1.25, 2.0]
        assert (back.bias, back.bits, back.n_examples, back.threshold, back.notes) == (-0.25, 12, 42, 0.4, "test")
        assert back.trained_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
        assert back.version == model.version

    def test_feature_set_round_trips(self) -> None:
        """The feature set the weights were learned on is stored with them."""
        assert LinearModel.from_bytes(_model().to_bytes()).features == NGRAMS_EMBEDDING

    def test_model_stored_before_feature_sets_is_scored_as_it_was_trained(self) -> None:
        """A stored model without a feature set is an n-grams model: no embedding columns are added for it."""
        doc = json.loads(_model().to_bytes())
        del doc["features"]
        old = LinearModel.from_bytes(json.dumps(doc).encode())
        assert old.features == NGRAMS
        detector = Detector.from_model(old)
        assert detector.featurizer.embedding is None
        assert detector.classify("my bag is lost").score == pytest.approx(1 / (1 + np.exp(0.25)), abs=0.02)

    def test_training_from_an_old_model_keeps_its_features(self) -> None:
        """A brand model fine-tuned from an n-grams base is an n-grams model, usable by the same featurizer."""
        doc = json.loads(_model().to_bytes())
        doc["features"] = NGRAMS
        base = LinearModel.from_bytes(json.dumps(doc).encode())
        model = train(["my bag is lost", "thanks, lovely flight"] * 5, [1, 0] * 5, base=base)
        assert model.features == NGRAMS
        with pytest.raises(ValueError, match="needs 'ngrams'"):
            Detector(model, Detector.default().rules, Featurizer(bits=12))

    def test_version_names_bits_date_and_weights(self) -> None:
        """The version is derived from bits, training date and a weight digest."""
        assert _model().version.startswith("lr12-20260102-")

    def test_round_trip_predicts_the_same(self) -> None:
        """A round-tripped model gives the same probabilities."""
        model = _model()
        features = Featurizer(bits=12).transform(["@brand my order never arrived", "thanks!"])
        again = LinearModel.from_bytes(model.to_bytes())
        assert again.predict_proba(features).tolist() == model.predict_proba(features).tolist()

    def test_pickle_is_rejected(self) -> None:
        """Pickled bytes are refused, never unpickled."""
        with pytest.raises(ModelFormatError):
            LinearModel.from_bytes(pickle.dumps({"weights": [1.0]}))

    def test_wrong_format_name(self) -> None:
        """JSON that is not a model document is refused."""
        with pytest.raises(ModelFormatError, match=r"not a brandbot\.linear-model/1 document"):
            LinearModel.from_bytes(b'{"format": "other"}')

    def test_index_out_of_range(self) -> None:
        """Indexes beyond the declared width are refused."""
        doc = _model().to_bytes().replace(b'"bits":12', b'"bits":10')
        with pytest.raises(ModelFormatError, match="do not match"):
            LinearModel.from_bytes(doc)


class TestValidation:
    def test_weights_must_match_bits(self) -> None:
        """A weight vector of the wrong length is a ValueError."""
        with pytest.raises(ValueError, match=r"shape \(4096,\)"):
            LinearModel(
                weights=np.zeros(10), bias=0.0, bits=12, trained_at=datetime(2026, 1, 1, tzinfo=UTC), n_examples=0
            )

    def test_unknown_feature_set(self) -> None:
        """A feature set this version does not know is refused on load."""
        doc = json.loads(_model().to_bytes())
        doc["features"] = "ngrams+gpt9"
        with pytest.raises(ModelFormatError, match="unknown feature set"):
            LinearModel.from_bytes(json.dumps(doc).encode())

    def test_threshold_range(self) -> None:
        """A threshold outside (0, 1) is a ValueError."""
        with pytest.raises(ValueError, match="threshold"):
            LinearModel(
                weights=np.zeros(1 << 10),
                bias=0.0,
                bits=10,
                trained_at=datetime(2026, 1, 1, tzinfo=UTC),
                n_examples=0,
                threshold=1.0,
            )
