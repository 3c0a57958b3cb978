#!/usr/bin/env python3
"""PyTorch peer for `flint bench`: the reference CNN (3x32x32 input, batch 64, 10 classes) on --threads N threads.

Measures a training step (forward, backward, Adam step) and eval inference, interleaving the two cases round by round,
and prints one JSON object: {"torch": version, "threads": n, "train_images_per_s": x, "eval_images_per_s": y}.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn

_parser = argparse.ArgumentParser()
_parser.add_argument("--threads", type=int, required=True, help="torch intra-op threads (flint bench passes its count)")
_parser.add_argument("--rounds", type=int, default=7)
_arguments = _parser.parse_args()
threads, rounds = _arguments.threads, _arguments.rounds
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)


sys.path.insert(0, __import__("os").path.dirname(__file__))
from reference_cnn import ReferenceCNN  # noqa: E402

model = ReferenceCNN(in_channels=3, classes=10)
batch = 64
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x = torch.randn(batch, 3, 32, 32)
y = torch.randint(0, 10, (batch,))


def train_step():
    model.train()
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()


def evaluate():
    model.eval()
    with torch.inference_mode():
        model(x)


cases = [("train", train_step), ("eval", evaluate)]
calls = {}
for name, fn in cases:
    for _ in range(3):
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
import resource  # noqa: E402

print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "train_images_per_s": batch / statistics.median(times["train"]),
                  "eval_images_per_s": batch / statistics.median(times["eval"])}))
