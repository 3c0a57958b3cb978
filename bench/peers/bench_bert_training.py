#!/usr/bin/env python3
"""PyTorch peer for `flint bench`: a fine-tuning step of a MiniLM-shaped BertForSequenceClassification.

6 layers, hidden 384, 12 heads, intermediate 1536, 3 labels, random weights, dropout on; batch 16 x 128 tokens.
Measures forward + cross-entropy loss + backward (train mode) and the eval forward, interleaved round by round, and
prints one JSON object: {"torch": version, "train_sequences_per_s": x, "eval_sequences_per_s": y, "train_step_ms": z}.
"""
import json
import resource
import statistics
import sys
import time

import torch
from transformers import BertConfig, BertForSequenceClassification

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)

config = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                    intermediate_size=1536, num_labels=3)
model = BertForSequenceClassification(config)
batch, length = 16, 128
ids = torch.randint(1000, 30000, (batch, length))
mask = torch.ones(batch, length, dtype=torch.int64)
labels = torch.randint(0, 3, (batch,))


def train_step():
    model.train()
    model.zero_grad(set_to_none=True)
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    out.loss.backward()


def evaluate():
    model.eval()
    with torch.inference_mode():
        model(input_ids=ids, attention_mask=mask)


cases = [("train", train_step), ("eval", evaluate)]
calls = {}
for name, fn in cases:
    fn()
    t0 = time.perf_counter()
    fn()
    calls[name] = max(1, int(1.0 / max(time.perf_counter() - t0, 1e-9)))
times = {name: [] for name, _ in cases}
for r in range(rounds):
    order = cases[r % 2:] + cases[:r % 2]
    for name, fn in order:
        t0 = time.perf_counter()
        for _ in range(calls[name]):
            fn()
        times[name].append((time.perf_counter() - t0) / calls[name])
train, evaluation = statistics.median(times["train"]), statistics.median(times["eval"])
print(json.dumps({
    "torch": torch.__version__, "threads": threads,
    "train_sequences_per_s": batch / train, "eval_sequences_per_s": batch / evaluation,
    "train_step_ms": train * 1000, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
