"""Build the shipped default model: `python -m bot.classify.build_default` writes data/default_model.json.

Trained only on data/seed_examples.csv (synthetic tweets written by `bot.classify.seed_data`) and the
features' VADER lexicon; never on any measurement data set.

Two steps: the English seed rows are fitted first; the French rows then fit only the feature columns that
no English row uses (`fit_new_columns`), so adding French leaves every English seed text's score, and the
English figures, as they were. Fitted together, the French rows (which carry none of the English cues:
problem words, sentiment) moved the bias and the shared cues and made English mentions score higher.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.classify.features import Featurizer
from bot.classify.model import LinearModel
from bot.classify.train import fit_features, fit_new_columns, seed_rows

OUT = Path(__file__).parent / "data" / "default_model.json"
#: Fixed, so rebuilding from the same seed data gives the same bytes.
BUILT_AT = datetime(2026, 11, 23, tzinfo=UTC)
L2 = 3e-5  # chosen on the self-written validation set (tests/fixtures/classify), as the threshold
THRESHOLD = 0.45


def build() -> LinearModel:
    """The default model, fitted on the seed examples (English, then French on the columns English leaves)."""
    rows = seed_rows()
    english = [(t, y) for t, y, lang in rows if lang == "en"]
    others = [(t, y) for t, y, lang in rows if lang != "en"]
    featurizer = Featurizer()
    x_en = featurizer.transform([t for t, _ in english])
    weights, bias = fit_features(x_en, [y for _, y in english], dim=1 << featurizer.bits, l2=L2)
    if others:
        x_other = featurizer.transform([t for t, _ in others])
        frozen = np.unique(x_en.cols)
        weights = fit_new_columns(x_other, [y for _, y in others], weights, bias, frozen=frozen, l2=L2)
    return LinearModel(
        weights=weights,
        bias=bias,
        bits=featurizer.bits,
        trained_at=BUILT_AT,
        n_examples=len(rows),
        threshold=THRESHOLD,
        notes="shipped default: synthetic seed examples only (English, then French)",
    )


def main() -> None:
    """Write data/default_model.json."""
    model = build()
    OUT.write_bytes(model.to_bytes())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, version {model.version})")  # noqa: T201


if __name__ == "__main__":
    main()
