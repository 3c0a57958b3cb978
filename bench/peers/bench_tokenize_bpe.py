#!/usr/bin/env python3
"""Hugging Face peer for `flint bench` row tokenize_10k_bpe.

Usage: bench_tokenize_bpe.py CORPUS TOKENIZER_JSON. Tokenizes every line of CORPUS (the file Flint's worker
reads too) with tokenizers.Tokenizer.from_file(TOKENIZER_JSON).encode_batch (Rust, parallel), best of several
runs after a warm-up, and prints {"sentences_per_s", "tokens", "seconds", "runs", "tokenizers"}.
"""
import json
import sys
import time

import tokenizers
from tokenizers import Tokenizer

corpus_path, tokenizer_path = sys.argv[1], sys.argv[2]
with open(corpus_path, encoding="utf-8") as f:
    texts = f.read().split("\n")[:-1]

tokenizer = Tokenizer.from_file(tokenizer_path)
tokens = sum(len(e.ids) for e in tokenizer.encode_batch(texts))
best = float("inf")
start = time.perf_counter()
runs = 0
while runs < 5 or (time.perf_counter() - start < 3 and runs < 30):
    t0 = time.perf_counter()
    tokenizer.encode_batch(texts)
    best = min(best, time.perf_counter() - t0)
    runs += 1
print(json.dumps({"sentences_per_s": len(texts) / best, "tokens": tokens, "seconds": best, "runs": runs,
                  "tokenizers": tokenizers.__version__}))
