"""Complaint detector benchmark: quality on /work/shared/data/complaints and single-core throughput.

Run: `.venv/bin/python bench/bench_classifier.py [--data PATH] [--only default|trained|lodo|baselines]`.

Data: complaints.csv (tweet_id,text,label,domain): 9 brand domains (1,974 tweets, 62 % complaints) and
two control domains of ordinary tweets/replies labelled 0 (1,475). "brand" rows are the brand-domain
slice, "full" rows the whole set. Complaint P/R/F1 are for label 1; macro F1 averages both classes.

Protocols (no model ever sees a tweet it is scored on):
- default: the shipped `Detector.default()` (trained only on synthetic seed tweets) on every tweet.
- trained (5 folds): the set is split into 5 folds stratified by domain x label. For fold k, 1,000 tweets
  are drawn at random (seed k) from the other 4 folds and passed to `train(..., base=default)`; the
  resulting detector is scored on fold k. Predictions of the 5 folds are pooled before computing the
  figures (each tweet is scored exactly once). Two variants: "brand mentions" draws the 1,000 from the
  brand slice only and scores the brand slice (a brand labelling 1,000 of its own mentions); "mixed"
  draws them from the whole set (controls included) and scores everything.
- lodo (leave one brand domain out): for each brand domain d, 1,000 tweets are drawn from the other
  8 brand domains plus the controls, the model is trained as above and scored on all of d's tweets
  ("on tweets of brands it was never tuned on"); pooled over the 9 domains (brand slice only).
- baselines: VADER compound <= -0.05 on everything; scikit-learn TF-IDF (word 1-2 + char 3-5 grams,
  handles/URLs/numbers masked) + logistic regression on the same 5-fold, 1,000-tweet protocol.
Throughput: `classify_many` over the full set in one process, repeated, with numpy's BLAS limited to
one thread (the featurizer itself is single-threaded), reported as tweets/second.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from bot.classify.detector import Detector  # noqa: E402
from bot.classify.text import normalize  # noqa: E402
from bot.classify.train import train  # noqa: E402

DATA = Path("/work/shared/data/complaints/complaints.csv")
CONTROLS = frozenset({"random_reply", "random_tweet"})
N_TRAIN = 1000
FOLDS = 5

Row = tuple[str, int, str]  # text, label, domain


def load(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(r["text"], int(r["label"]), r["domain"]) for r in csv.DictReader(handle)]


def scores(y: Sequence[int], pred: Sequence[int]) -> tuple[float, float, float, float]:
    """Complaint precision, recall, F1 and macro F1."""

    def prf(pos: int) -> tuple[float, float, float]:
        tp = sum(1 for a, b in zip(y, pred, strict=True) if a == pos and b == pos)
        fp = sum(1 for a, b in zip(y, pred, strict=True) if a != pos and b == pos)
        fn = sum(1 for a, b in zip(y, pred, strict=True) if a == pos and b != pos)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    p1, r1, f1 = prf(1)
    _, _, f0 = prf(0)
    return p1, r1, f1, (f0 + f1) / 2


def line(name: str, rows: Sequence[Row], pred: Sequence[int], extra: str = "") -> None:
    p, r, f, m = scores([x[1] for x in rows], pred)
    print(f"| {name:<66} | {len(rows):>5} | {p:.3f} | {r:.3f} | {f:.3f} | {m:.3f} | {extra:>10} |")


def header() -> None:
    print(f"| {'method / slice':<66} | {'n':>5} | {'P':<5} | {'R':<5} | {'F1':<5} | {'macro':<5} | {'tweets/s':>10} |")
    print(f"| {'-' * 66} | {'-' * 5} | {'-' * 5} | {'-' * 5} | {'-' * 5} | {'-' * 5} | {'-' * 10} |")


def folds_of(rows: list[Row], k: int = FOLDS, seed: int = 0) -> list[int]:
    """Fold number of each row, stratified by domain x label."""
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, (_, y, d) in enumerate(rows):
        groups[(d, y)].append(i)
    fold = [0] * len(rows)
    rng = random.Random(seed)
    for key in sorted(groups):
        idx = groups[key]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            fold[i] = j % k
    return fold


def brand_only(rows: Sequence[Row], pred: Sequence[int]) -> tuple[list[Row], list[int]]:
    keep = [i for i, r in enumerate(rows) if r[2] not in CONTROLS]
    return [rows[i] for i in keep], [pred[i] for i in keep]


def bench_default(rows: list[Row]) -> None:
    detector = Detector.default()
    texts = [r[0] for r in rows]
    detector.classify_many(texts[:100])  # warm-up
    best = 0.0
    pred: list[int] = []
    for _ in range(5):
        start = time.perf_counter()
        verdicts = detector.classify_many(texts)
        best = max(best, len(texts) / (time.perf_counter() - start))
        pred = [int(v.complaint) for v in verdicts]
    b_rows, b_pred = brand_only(rows, pred)
    line("shipped default, brand slice", b_rows, b_pred)
    line("shipped default, full set", rows, pred, f"{best:,.0f}")
    no_rules = Detector.from_model(detector.model, rules=type(detector.rules)())
    pred_nr = [int(v.complaint) for v in no_rules.classify_many(texts)]
    b_rows, b_pred = brand_only(rows, pred_nr)
    line("shipped default without rules, brand slice", b_rows, b_pred)


Trainer = Callable[[list[str], list[int]], Callable[[list[str]], list[int]]]


def detector_trainer(base: Detector) -> Trainer:
    def fit(texts: list[str], labels: list[int]) -> Callable[[list[str]], list[int]]:
        model = train(texts, labels, base=base.model)
        detector = Detector.from_model(model, rules=base.rules)
        return lambda xs: [int(v.complaint) for v in detector.classify_many(xs)]

    return fit


def sklearn_trainer() -> Trainer:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    def fit(texts: list[str], labels: list[int]) -> Callable[[list[str]], list[int]]:
        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2),
        )
        pipe = make_pipeline(features, LogisticRegression(C=10.0, max_iter=2000))
        pipe.fit([normalize(t) for t in texts], labels)
        return lambda xs: [int(v) for v in pipe.predict([normalize(t) for t in xs])]

    return fit


def cross_val(name: str, rows: list[Row], trainer: Trainer, *, brand: bool) -> None:
    """5-fold protocol; `brand` restricts training draws and scoring to the brand slice."""
    fold = folds_of(rows)
    kept = [i for i, r in enumerate(rows) if not brand or r[2] not in CONTROLS]
    pred: dict[int, int] = {}
    for k in range(FOLDS):
        pool = [i for i in kept if fold[i] != k]
        picked = random.Random(k).sample(pool, N_TRAIN)
        predict = trainer([rows[i][0] for i in picked], [rows[i][1] for i in picked])
        test = [i for i in kept if fold[i] == k]
        pred.update(zip(test, predict([rows[i][0] for i in test]), strict=True))
    scored = [rows[i] for i in kept]
    labels = [pred[i] for i in kept]
    if brand:
        line(f"{name} brand mentions (5-fold), brand slice", scored, labels)
        return
    b_rows, b_pred = brand_only(scored, labels)
    line(f"{name} mixed (5-fold), brand slice", b_rows, b_pred)
    line(f"{name} mixed (5-fold), full set", scored, labels)


def leave_domain_out(name: str, rows: list[Row], trainer: Trainer) -> None:
    domains = sorted({r[2] for r in rows} - CONTROLS)
    all_rows: list[Row] = []
    all_pred: list[int] = []
    for k, d in enumerate(domains):
        pool = [i for i, r in enumerate(rows) if r[2] != d]
        picked = random.Random(k).sample(pool, N_TRAIN)
        predict = trainer([rows[i][0] for i in picked], [rows[i][1] for i in picked])
        test = [r for r in rows if r[2] == d]
        all_rows += test
        all_pred += predict([r[0] for r in test])
    line(f"{name}, unseen brand domain", all_rows, all_pred)


def bench_vader(rows: list[Row]) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    pred = [int(analyzer.polarity_scores(r[0])["compound"] <= -0.05) for r in rows]
    b_rows, b_pred = brand_only(rows, pred)
    line("VADER compound <= -0.05, brand slice", b_rows, b_pred)
    line("VADER compound <= -0.05, full set", rows, pred)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--only", choices=("default", "trained", "lodo", "baselines"))
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} is not present (the complaints development set is not in this checkout)")
        return 0
    rows = load(args.data)
    print(f"{len(rows)} tweets from {args.data}; trained rows: {N_TRAIN} training tweets per model")
    header()
    if args.only in (None, "default"):
        bench_default(rows)
    if args.only in (None, "trained"):
        cross_val("trained on 1,000", rows, detector_trainer(Detector.default()), brand=True)
        cross_val("trained on 1,000", rows, detector_trainer(Detector.default()), brand=False)
    if args.only in (None, "lodo"):
        leave_domain_out("trained on 1,000 (leave domain out)", rows, detector_trainer(Detector.default()))
    if args.only in (None, "baselines"):
        bench_vader(rows)
        cross_val("sklearn TF-IDF+LR on 1,000", rows, sklearn_trainer(), brand=True)
        cross_val("sklearn TF-IDF+LR on 1,000", rows, sklearn_trainer(), brand=False)
        leave_domain_out("sklearn TF-IDF+LR on 1,000 (leave domain out)", rows, sklearn_trainer())
    return 0


if __name__ == "__main__":
    sys.exit(main())
