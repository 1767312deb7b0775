"""Fitting a `LinearModel`: L2-regularised logistic regression on hashed features, optionally anchored to a base.

With a `base` model (the usual case: the shipped default), the weights are pulled towards the base weights
instead of towards zero, so the brand's labels adjust the shipped model rather than replace it. With enough
labels of both classes, the strength of that pull and the decision threshold are chosen by k-fold
cross-validation on the labels themselves (out-of-fold log-loss for the strength, out-of-fold macro F1
for the threshold); with few labels, `L2_DEFAULT` and the base threshold are kept.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import numpy as np

from bot.classify.features import DEFAULT_BITS, DEFAULT_FEATURES, Features, Featurizer, FloatArray, IntArray
from bot.classify.model import LinearModel
from bot.classify.optim import minimize_lbfgs

#: Regularisation strengths tried by cross-validation (per mean example, towards the base or zero).
L2_GRID = (1e-4, 3e-4, 1e-3)
#: Strength used when there are too few labels to cross-validate.
L2_DEFAULT = 3e-4
#: Cross-validation folds, and the fewest labels of each class for which they are run.
FOLDS = 5
MIN_PER_CLASS_FOR_CV = 30
#: Bounds of a cross-validated threshold (a tiny or lopsided label set must not yield a degenerate one).
THRESHOLD_RANGE = (0.2, 0.8)


def seed_examples() -> tuple[list[str], list[int]]:
    """The shipped synthetic training examples (data/seed_examples.csv, written by `bot.classify.seed_data`)."""
    text = resources.files("bot.classify").joinpath("data/seed_examples.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return [r["text"] for r in rows], [int(r["label"]) for r in rows]


def seed_rows() -> list[tuple[str, int, str]]:
    """The shipped seed examples as (text, label, lang) rows, lang "en" or "fr"."""
    text = resources.files("bot.classify").joinpath("data/seed_examples.csv").read_text(encoding="utf-8")
    return [(r["text"], int(r["label"]), r.get("lang") or "en") for r in csv.DictReader(io.StringIO(text))]


def fit_new_columns(
    x: Features,
    labels: list[int],
    base_weights: FloatArray,
    base_bias: float,
    *,
    frozen: IntArray,
    l2: float,
    max_iter: int = 300,
) -> FloatArray:
    """`base_weights` with the columns of `x` outside `frozen` fitted to `labels` (all else, bias too, kept).

    Mean log-loss + l2/2 * |moved weights|^2, each text's score starting from what the base gives it. Used to
    add examples of a new language to a fitted model without moving a weight the earlier examples use, so
    their texts score as before (hash collisions aside).
    """
    y = np.asarray(labels, dtype=np.float64)
    free = ~np.isin(x.cols, frozen)
    kept = ~free
    kept_scores = x.vals[kept] * base_weights[x.cols[kept]]
    start: FloatArray = np.bincount(x.rows[kept], weights=kept_scores, minlength=x.n_rows).astype(np.float64)
    start += base_bias
    active, cols = np.unique(x.cols[free], return_inverse=True)
    rows, vals = x.rows[free], x.vals[free]
    n = float(x.n_rows)

    def objective(w: FloatArray) -> tuple[float, FloatArray]:
        z = start + np.bincount(rows, weights=w[cols] * vals, minlength=x.n_rows)
        loss = float(np.mean(np.logaddexp(0.0, np.where(y > 0.5, -z, z))))
        r = (0.5 * (1.0 + np.tanh(0.5 * z)) - y) / n
        grad = np.bincount(cols, weights=vals * r[rows], minlength=active.shape[0]) + l2 * w
        return loss + 0.5 * l2 * float(w @ w), grad

    weights = base_weights.copy()
    weights[active] = minimize_lbfgs(objective, np.zeros(active.shape[0]), max_iter=max_iter)
    return weights.astype(np.float32).astype(np.float64)


def select_rows(x: Features, index: list[int]) -> Features:
    """The rows `index` of `x` (in that order, renumbered from 0)."""
    position = np.full(x.n_rows, -1, dtype=np.int64)
    position[np.asarray(index, dtype=np.int64)] = np.arange(len(index))
    keep = position[x.rows] >= 0
    return Features(
        rows=position[x.rows[keep]],
        cols=x.cols[keep],
        vals=x.vals[keep],
        n_rows=len(index),
        sentiments=tuple(x.sentiments[i] for i in index),
        prepared=tuple(x.prepared[i] for i in index),
    )


def fit_features(
    x: Features,
    labels: list[int],
    *,
    dim: int,
    sample_weight: list[float] | None = None,
    l2: float = 1e-4,
    prior: FloatArray | None = None,
    prior_bias: float = 0.0,
    max_iter: int = 300,
) -> tuple[FloatArray, float]:
    """Weights (length `dim`) and bias minimising the weighted mean log-loss + l2/2 * |w - prior|^2 on `x`."""
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
    """Weights and bias minimising the weighted mean log-loss + l2/2 * |w - prior|^2 on the texts' features."""
    if len(features_texts) != len(labels):
        raise ValueError(f"{len(features_texts)} texts but {len(labels)} labels")
    featurizer = featurizer or Featurizer()
    return fit_features(
        featurizer.transform(features_texts),
        labels,
        dim=1 << featurizer.bits,
        sample_weight=sample_weight,
        l2=l2,
        prior=prior,
        prior_bias=prior_bias,
        max_iter=max_iter,
    )


def best_threshold(probs: FloatArray, labels: FloatArray) -> float:
    """The probability cut (midway between two scores) that maximises macro F1 of `probs` against `labels`.

    Macro F1 (the mean of the complaint and the not-complaint F1) rather than complaint F1 alone, which
    is maximised by flagging nearly everything when complaints are common.
    """
    order = np.argsort(-probs, kind="stable")
    ranked, hits = probs[order], labels[order]
    n_pos = float(hits.sum())
    n_neg = float(len(hits)) - n_pos
    taken = np.arange(1, len(hits) + 1, dtype=np.float64)
    true_pos = np.cumsum(hits)
    false_pos = taken - true_pos
    false_neg = n_pos - true_pos
    true_neg = n_neg - false_pos
    f1_pos = 2.0 * true_pos / (taken + n_pos)
    f1_neg = 2.0 * true_neg / np.maximum(2.0 * true_neg + false_pos + false_neg, 1.0)
    macro = (f1_pos + f1_neg) / 2.0
    # Only cut between distinct scores: everything tied with the last one taken is taken too.
    last_of_tie = np.r_[ranked[:-1] > ranked[1:], True]
    i = int(np.flatnonzero(last_of_tie)[np.argmax(macro[last_of_tie])])
    below = float(ranked[i + 1]) if i + 1 < len(ranked) else 0.0
    return float(np.clip((float(ranked[i]) + below) / 2.0, *THRESHOLD_RANGE))


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """What k-fold cross-validation on the labels chose, and the out-of-fold figures it chose by."""

    l2: float
    threshold: float
    log_loss: float
    f1: float


def cross_validate(
    x: Features,
    labels: list[int],
    *,
    dim: int,
    prior: FloatArray | None,
    prior_bias: float,
    grid: tuple[float, ...] = L2_GRID,
    folds: int = FOLDS,
    seed: int = 0,
) -> CrossValidation:
    """The l2 of `grid` with the lowest out-of-fold log-loss, and the threshold maximising out-of-fold macro F1."""
    y = np.asarray(labels, dtype=np.float64)
    fold = np.zeros(len(labels), dtype=np.int64)
    rng = random.Random(seed)
    for cls in (0, 1):  # stratified: each fold gets its share of both classes
        members = [i for i, label in enumerate(labels) if label == cls]
        rng.shuffle(members)
        fold[members] = np.arange(len(members)) % folds
    best: CrossValidation | None = None
    for l2 in grid:
        out_of_fold = np.zeros(len(labels))
        for k in range(folds):
            train_idx = np.flatnonzero(fold != k).tolist()
            test_idx = np.flatnonzero(fold == k).tolist()
            w, b = fit_features(
                select_rows(x, train_idx),
                [labels[i] for i in train_idx],
                dim=dim,
                l2=l2,
                prior=prior,
                prior_bias=prior_bias,
            )
            held_out = select_rows(x, test_idx)
            out_of_fold[test_idx] = (
                np.bincount(held_out.rows, weights=w[held_out.cols] * held_out.vals, minlength=held_out.n_rows) + b
            )
        loss = float(np.mean(np.logaddexp(0.0, np.where(y > 0.5, -out_of_fold, out_of_fold))))
        if best is None or loss < best.log_loss:
            probs = 1.0 / (1.0 + np.exp(-np.clip(out_of_fold, -35.0, 35.0)))
            threshold = best_threshold(probs, y)
            predicted = probs >= threshold
            true_pos = float(np.sum(predicted & (y > 0.5)))
            f1 = 2.0 * true_pos / (float(predicted.sum()) + float(y.sum()))
            best = CrossValidation(l2, threshold, loss, f1)
    assert best is not None, "the l2 grid is empty"
    return best


def train(
    texts: list[str],
    labels: list[int],
    *,
    base: LinearModel | None = None,
    seed_weight: float | None = None,
    l2: float | None = None,
    threshold: float | None = None,
    trained_at: datetime | None = None,
    featurizer: Featurizer | None = None,
) -> LinearModel:
    """A model fitted on `texts`/`labels` (1 complaint, 0 not), from `base` or from scratch.

    `seed_weight`: how much each shipped seed example counts relative to one given label (0 leaves them out;
    None means 0 with a `base`, which already carries them, and 0.3 without). `l2` and `threshold`, when None,
    are chosen by cross-validation when there are at least `MIN_PER_CLASS_FOR_CV` labels of each class
    (otherwise `L2_DEFAULT` and the base threshold, or 0.5 without a base). Raises `ValueError` when there are
    no texts or only one class overall.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if any(y not in (0, 1) for y in labels):
        raise ValueError("labels must be 0 or 1")
    bits = base.bits if base is not None else (featurizer.bits if featurizer is not None else DEFAULT_BITS)
    features = base.features if base is not None else (featurizer.features if featurizer else DEFAULT_FEATURES)
    featurizer = featurizer or Featurizer(bits=bits, features=features)
    if featurizer.bits != bits:
        raise ValueError(f"featurizer has {featurizer.bits} bits but the base model {bits}")
    if featurizer.features != features:
        raise ValueError(f"featurizer computes {featurizer.features!r} but the base model needs {features!r}")
    if seed_weight is None:
        seed_weight = 0.0 if base is not None else 0.3
    all_texts, all_labels = list(texts), list(labels)
    weights = [1.0] * len(texts)
    if seed_weight > 0:
        seed_texts, seed_labels = seed_examples()
        all_texts += seed_texts
        all_labels += seed_labels
        weights += [seed_weight] * len(seed_texts)
    if not all_texts or len(set(all_labels)) < 2:
        raise ValueError("training needs examples of both complaints and non-complaints")
    dim = 1 << bits
    prior = None if base is None else base.weights
    prior_bias = 0.0 if base is None else base.bias
    x = featurizer.transform(all_texts)
    how = ""
    enough = min(labels.count(0), labels.count(1)) >= MIN_PER_CLASS_FOR_CV
    if enough and seed_weight == 0 and (l2 is None or threshold is None):
        cv = cross_validate(
            x, all_labels, dim=dim, prior=prior, prior_bias=prior_bias, grid=L2_GRID if l2 is None else (l2,)
        )
        l2 = cv.l2
        threshold = cv.threshold if threshold is None else threshold
        how = f"; {FOLDS}-fold CV: l2 {cv.l2:g}, threshold {cv.threshold:.3f}, out-of-fold F1 {cv.f1:.3f}"
    if l2 is None:
        l2 = L2_DEFAULT
    if threshold is None:
        threshold = base.threshold if base is not None else 0.5
    w, b = fit_features(x, all_labels, dim=dim, sample_weight=weights, l2=l2, prior=prior, prior_bias=prior_bias)
    return LinearModel(
        weights=w,
        bias=b,
        bits=bits,
        trained_at=trained_at or datetime.now(UTC),
        n_examples=len(all_texts),
        threshold=threshold,
        features=features,
        notes=f"{len(texts)} labelled + {len(all_texts) - len(texts)} seed examples (weight {seed_weight}){how}",
    )
