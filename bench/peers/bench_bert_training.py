#!/usr/bin/env python3
"""PyTorch peer for `flint bench`: a fine-tuning step of a MiniLM-shaped BertForSequenceClassification.

6 layers, hidden 384, 12 heads, intermediate 1536, 3 labels, random weights, dropout on; batch 16 x 128 tokens.
The timed "train" step is a full fine-tuning step as Hugging Face's Trainer takes it with default arguments: zero the
gradients, forward (train mode), cross-entropy loss, backward, clip the gradient norm to 1.0, torch.optim.AdamW
(fused=True, transformers 5 Trainer's default adamw_torch_fused; lr 5e-5, weight decay 0.01 on matrices, 0 on biases and LayerNorm parameters) and a linear
schedule step. The eval forward is measured too, interleaved round by round. Prints one JSON object:
{"torch": version, "train_sequences_per_s": x, "eval_sequences_per_s": y, "train_step_ms": z (median), and the mean
milliseconds of the step's parts: train_forward_ms (zeroing, forward, loss), train_backward_ms, train_update_ms
(clipping, AdamW, scheduler)}.
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
from transformers import BertConfig, BertForSequenceClassification, get_linear_schedule_with_warmup

_parser = argparse.ArgumentParser()
_parser.add_argument("--threads", type=int, required=True, help="torch intra-op threads (flint bench passes its count)")
_parser.add_argument("--rounds", type=int, default=5)
_arguments = _parser.parse_args()
threads, rounds = _arguments.threads, _arguments.rounds
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
learning_rate, schedule_steps = 5e-5, 1_000_000
decayed = [p for p in model.parameters() if p.dim() >= 2]
not_decayed = [p for p in model.parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.01}, {"params": not_decayed, "weight_decay": 0.0}],
                              lr=learning_rate, fused=True)  # transformers 5.x Trainer's default optim: adamw_torch_fused
scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=0, num_training_steps=schedule_steps)


sections = {"forward": 0.0, "backward": 0.0, "update": 0.0, "calls": 0}


def train_step():
    t0 = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    model.train()
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    t1 = time.perf_counter()
    out.loss.backward()
    t2 = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    sections["update"] += time.perf_counter() - t2
    sections["forward"] += t1 - t0
    sections["backward"] += t2 - t1
    sections["calls"] += 1


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
    "torch": torch.__version__, "threads": torch.get_num_threads(),
    "train_sequences_per_s": batch / train, "eval_sequences_per_s": batch / evaluation,
    "train_step_ms": train * 1000,
    **{f"train_{part}_ms": sections[part] / sections["calls"] * 1000 for part in ("forward", "backward", "update")},
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
