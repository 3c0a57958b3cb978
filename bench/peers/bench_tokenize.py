#!/usr/bin/env python3
"""Hugging Face peer for `flint bench` row tokenize_10k_minilm.

Usage: bench_tokenize.py CORPUS MODEL_DIR. Tokenizes every line of CORPUS (one sentence per line, the
file Flint's worker reads too) with transformers' AutoTokenizer (the Rust fast tokenizer, whose batch
call runs in parallel) as one `tokenizer(list_of_texts)` call, best of several runs after a warm-up,
and prints {"sentences_per_s", "tokens", "seconds", "transformers", "tokenizers"}.
"""
import json
import sys
import time

import tokenizers
import transformers
from transformers import AutoTokenizer

corpus_path, model_dir = sys.argv[1], sys.argv[2]
with open(corpus_path, encoding="utf-8") as f:
    texts = f.read().split("\n")[:-1]

tokenizer = AutoTokenizer.from_pretrained(model_dir)
assert tokenizer.is_fast
tokens = sum(len(ids) for ids in tokenizer(texts)["input_ids"])
best = float("inf")
start = time.perf_counter()
runs = 0
while runs < 5 or (time.perf_counter() - start < 3 and runs < 30):
    t0 = time.perf_counter()
    encoded = tokenizer(texts)
    best = min(best, time.perf_counter() - t0)
    runs += 1
print(json.dumps({"sentences_per_s": len(texts) / best, "tokens": tokens, "seconds": best, "runs": runs,
                  "transformers": transformers.__version__, "tokenizers": tokenizers.__version__}))
