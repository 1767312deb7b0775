"""Build the shipped default model: `python -m bot.classify.build_default` writes data/default_model.json.

Trained only on data/seed_examples.csv (synthetic tweets written by `bot.classify.seed_data`) and the
features' VADER lexicon; never on any measurement data set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.classify.model import LinearModel
from bot.classify.train import fit, seed_examples

OUT = Path(__file__).parent / "data" / "default_model.json"
#: Fixed, so rebuilding from the same seed data gives the same bytes.
BUILT_AT = datetime(2026, 11, 23, tzinfo=UTC)
L2 = 3e-5  # chosen on the self-written validation set (tests/fixtures/classify), as the threshold
THRESHOLD = 0.45


def build() -> LinearModel:
    """The default model, fitted on the seed examples."""
    texts, labels = seed_examples()
    weights, bias = fit(texts, labels, l2=L2)
    return LinearModel(
        weights=weights,
        bias=bias,
        bits=20,
        trained_at=BUILT_AT,
        n_examples=len(texts),
        threshold=THRESHOLD,
        notes="shipped default: synthetic seed examples only",
    )


def main() -> None:
    """Write data/default_model.json."""
    model = build()
    OUT.write_bytes(model.to_bytes())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, version {model.version})")  # noqa: T201


if __name__ == "__main__":
    main()
