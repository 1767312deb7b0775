"""Fitting a `LinearModel`: L2-regularised logistic regression on hashed features, optionally anchored to a base.

With a `base` model, the brand's labels are combined with the shipped seed examples (weighted down) and
the weights are pulled towards the base weights instead of towards zero, so a few hundred labels adjust
the shipped model rather than replace it.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from importlib import resources

import numpy as np

from bot.classify.features import DEFAULT_BITS, Featurizer, FloatArray
from bot.classify.model import LinearModel
from bot.classify.optim import minimize_lbfgs


def seed_examples() -> tuple[list[str], list[int]]:
    """The shipped synthetic training examples (data/seed_examples.csv, written by `bot.classify.seed_data`)."""
    text = resources.files("bot.classify").joinpath("data/seed_examples.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return [r["text"] for r in rows], [int(r["label"]) for r in rows]


def fit(
    features_texts: list[str],
    labels: list[int],
    *,
    sample_weight: list[float] | None = None,
    featurizer: Featurizer | None = None,
    l2: float = 1e-4,
    prior: FloatArray | None = None,
    prior_bias: float = 0.0,
    max_iter: int = 300,
) -> tuple[FloatArray, float]:
    """Weights and bias minimising the weighted mean log-loss + l2/2 * |w - prior|^2."""
    if len(features_texts) != len(labels):
        raise ValueError(f"{len(features_texts)} texts but {len(labels)} labels")
    featurizer = featurizer or Featurizer()
    x = featurizer.transform(features_texts)
    dim = 1 << featurizer.bits
    y = np.asarray(labels, dtype=np.float64)
    c = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    c = c / c.sum()
    full_prior = np.zeros(dim) if prior is None else prior.astype(np.float64)
    # Only columns that occur in the data can move (elsewhere the gradient is l2 * (w - prior) = 0 at the
    # start), so the optimisation runs over the active columns alone.
    active, cols = np.unique(x.cols, return_inverse=True)
    w0 = full_prior[active]
    n_active = active.shape[0]
    rows, vals = x.rows, x.vals

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        w, b = theta[:n_active], theta[n_active]
        z = np.bincount(rows, weights=w[cols] * vals, minlength=x.n_rows) + b
        # log(1 + exp(-z)) for y=1, log(1 + exp(z)) for y=0, computed stably.
        margin = np.where(y > 0.5, z, -z)
        loss = float(c @ np.logaddexp(0.0, -margin))
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        r = c * (p - y)
        diff = w - w0
        grad = np.empty(n_active + 1)
        grad[:n_active] = np.bincount(cols, weights=vals * r[rows], minlength=n_active) + l2 * diff
        grad[n_active] = float(r.sum())
        return loss + 0.5 * l2 * float(diff @ diff), grad

    theta0 = np.concatenate([w0, [prior_bias]])
    theta = minimize_lbfgs(objective, theta0, max_iter=max_iter)
    weights = full_prior.copy()
    weights[active] = theta[:n_active]
    return weights.astype(np.float32).astype(np.float64), float(theta[n_active])


def train(
    texts: list[str],
    labels: list[int],
    *,
    base: LinearModel | None = None,
    seed_weight: float = 0.3,
    l2: float = 1e-4,
    threshold: float | None = None,
    trained_at: datetime | None = None,
    featurizer: Featurizer | None = None,
) -> LinearModel:
    """A model fitted on `texts`/`labels` (1 complaint, 0 not) plus the shipped seed examples.

    Each seed example counts `seed_weight` times as much as one of the given labels (0 leaves them out).
    With `base`, weights are regularised towards the base weights and its threshold is kept unless
    `threshold` is given. Raises `ValueError` when there are no texts or only one class overall.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if any(y not in (0, 1) for y in labels):
        raise ValueError("labels must be 0 or 1")
    bits = base.bits if base is not None else (featurizer.bits if featurizer is not None else DEFAULT_BITS)
    featurizer = featurizer or Featurizer(bits=bits)
    if featurizer.bits != bits:
        raise ValueError(f"featurizer has {featurizer.bits} bits but the base model {bits}")
    all_texts, all_labels = list(texts), list(labels)
    weights = [1.0] * len(texts)
    if seed_weight > 0:
        seed_texts, seed_labels = seed_examples()
        all_texts += seed_texts
        all_labels += seed_labels
        weights += [seed_weight] * len(seed_texts)
    if not all_texts or len(set(all_labels)) < 2:
        raise ValueError("training needs examples of both complaints and non-complaints")
    w, b = fit(
        all_texts,
        all_labels,
        sample_weight=weights,
        featurizer=featurizer,
        l2=l2,
        prior=None if base is None else base.weights,
        prior_bias=0.0 if base is None else base.bias,
    )
    if threshold is None:
        threshold = base.threshold if base is not None else 0.5
    return LinearModel(
        weights=w,
        bias=b,
        bits=bits,
        trained_at=trained_at or datetime.now(UTC),
        n_examples=len(all_texts),
        threshold=threshold,
        notes=f"{len(texts)} labelled + {len(all_texts) - len(texts)} seed examples (weight {seed_weight})",
    )
