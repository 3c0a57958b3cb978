#!/usr/bin/env python3
"""Hugging Face peer for `flint bench` row tokenize_10k_bpe.

Usage: bench_tokenize_bpe.py CORPUS TOKENIZER_JSON --threads N. Tokenizes every line of CORPUS (the file Flint's worker
reads too) with tokenizers.Tokenizer.from_file(TOKENIZER_JSON).encode_batch (Rust, parallel), best of several
runs after a warm-up, and prints {"sentences_per_s", "tokens", "seconds", "runs", "threads", "tokenizers"}. Rayon's pool
is sized by RAYON_NUM_THREADS, set here to --threads before `tokenizers` is imported.
"""
import argparse
import json
import os
import time

parser = argparse.ArgumentParser()
parser.add_argument("corpus")
parser.add_argument("tokenizer")
parser.add_argument("--threads", type=int, required=True, help="Rayon threads for encode_batch")
args = parser.parse_args()
os.environ["RAYON_NUM_THREADS"] = str(args.threads)
os.environ["TOKENIZERS_PARALLELISM"] = "true"

import tokenizers  # noqa: E402  (after RAYON_NUM_THREADS is set)
from tokenizers import Tokenizer  # noqa: E402

corpus_path, tokenizer_path = args.corpus, args.tokenizer
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
                  "threads": int(os.environ["RAYON_NUM_THREADS"]), "tokenizers": tokenizers.__version__}))
