"""`LinearModel`: logistic-regression weights over hashed features, with metadata and a safe byte format.

The byte format is UTF-8 JSON: metadata plus the non-zero weights as base64 little-endian arrays
(uint32 column indices, float32 values). No pickle, so a stored row can never run code when loaded.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from bot.classify.features import DEFAULT_FEATURES, FEATURE_SETS, NGRAMS, Features, FloatArray

FORMAT = "brandbot.linear-model/1"


class ModelFormatError(ValueError):
    """Bytes that are not a `LinearModel` written by `LinearModel.to_bytes`."""


@dataclass(frozen=True, eq=False)
class LinearModel:
    """P(complaint | text) = sigmoid(bias + weights . features(text)); `threshold` turns it into a yes/no."""

    weights: FloatArray
    bias: float
    bits: int
    trained_at: datetime
    n_examples: int
    threshold: float = 0.5
    notes: str = ""
    version: str = field(default="")
    features: str = DEFAULT_FEATURES  # the `Featurizer` feature set the weights were learned on

    def __post_init__(self) -> None:
        if self.weights.shape != (1 << self.bits,):
            raise ValueError(f"weights must have shape ({1 << self.bits},), got {self.weights.shape}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold}")
        if self.features not in FEATURE_SETS:
            raise ValueError(f"unknown feature set {self.features!r}")
        if not self.version:
            digest = hashlib.sha256(np.ascontiguousarray(self.weights, dtype="<f4").tobytes()).hexdigest()[:10]
            object.__setattr__(self, "version", f"lr{self.bits}-{self.trained_at:%Y%m%d}-{digest}")

    def decision(self, features: Features) -> FloatArray:
        """The logit of each row of `features`."""
        contrib = self.weights[features.cols] * features.vals
        sums = np.bincount(features.rows, weights=contrib, minlength=features.n_rows)
        return sums.astype(np.float64) + self.bias

    def predict_proba(self, features: Features) -> FloatArray:
        """P(complaint) of each row of `features`."""
        z = np.clip(self.decision(features), -35.0, 35.0)
        return 1.0 / (1.0 + np.exp(-z))

    def to_bytes(self) -> bytes:
        """The model as JSON bytes (see the module docstring)."""
        nz = np.flatnonzero(self.weights).astype("<u4")
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": self.version,
            "bits": self.bits,
            "features": self.features,
            "bias": self.bias,
            "threshold": self.threshold,
            "trained_at": self.trained_at.isoformat(),
            "n_examples": self.n_examples,
            "notes": self.notes,
            "index": base64.b64encode(nz.tobytes()).decode("ascii"),
            "value": base64.b64encode(self.weights[nz].astype("<f4").tobytes()).decode("ascii"),
        }
        return json.dumps(doc, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        """The model written by `to_bytes`; raises `ModelFormatError` for anything else."""
        try:
            doc = json.loads(data.decode("utf-8"))
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ModelFormatError(f"not a {FORMAT} document")
            bits = int(doc["bits"])
            if not 10 <= bits <= 24:
                raise ModelFormatError(f"bits out of range: {bits}")
            index = np.frombuffer(base64.b64decode(doc["index"], validate=True), dtype="<u4").astype(np.int64)
            value = np.frombuffer(base64.b64decode(doc["value"], validate=True), dtype="<f4")
            if index.shape != value.shape or (index.size and int(index.max()) >= 1 << bits):
                raise ModelFormatError("index and value arrays do not match")
            weights = np.zeros(1 << bits, dtype=np.float64)
            weights[index] = value
            return cls(
                weights=weights,
                bias=float(doc["bias"]),
                bits=bits,
                trained_at=datetime.fromisoformat(str(doc["trained_at"])),
                n_examples=int(doc["n_examples"]),
                threshold=float(doc["threshold"]),
                notes=str(doc.get("notes", "")),
                version=str(doc["version"]),
                features=str(doc.get("features", NGRAMS)),  # written before feature sets existed
            )
        except ModelFormatError:
            raise
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ModelFormatError(f"unreadable model: {exc}") from exc
