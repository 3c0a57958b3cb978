#!/usr/bin/env python3
"""Hugging Face peers for `flint bench` rows tokenize_10k_minilm.

Usage: bench_tokenize.py CORPUS MODEL_DIR --api encode_batch|transformers --threads N

Tokenizes every line of CORPUS (one sentence per line, the file Flint's worker reads too) with MiniLM's tokenizer,
best of several runs after a warm-up, and prints {"sentences_per_s", "tokens", "seconds", "runs", "threads",
"api", "tokenizers", "transformers"}.
  --api encode_batch  the fair peer: `tokenizers.Tokenizer.from_file(MODEL_DIR/tokenizer.json).encode_batch(texts)`
                      (Rust, parallel over Rayon's pool), with the file's fixed padding and truncation switched off
                      so that it does the same work as Flint's `Tokenizer.fromPretrained(...).encodeBatch`.
  --api transformers  the call most users write: transformers' `AutoTokenizer.from_pretrained(MODEL_DIR)(texts)`
                      (the same Rust batch call plus transformers' Python wrapping into a BatchEncoding).
Rayon's pool is sized by RAYON_NUM_THREADS, set here to --threads before `tokenizers` is imported.
"""
import argparse
import json
import os
import time

parser = argparse.ArgumentParser()
parser.add_argument("corpus")
parser.add_argument("model_dir")
parser.add_argument("--api", choices=["encode_batch", "transformers"], required=True)
parser.add_argument("--threads", type=int, required=True, help="Rayon threads for the parallel batch call")
args = parser.parse_args()
os.environ["RAYON_NUM_THREADS"] = str(args.threads)
os.environ["TOKENIZERS_PARALLELISM"] = "true"

import tokenizers  # noqa: E402  (after RAYON_NUM_THREADS is set)

with open(args.corpus, encoding="utf-8") as f:
    texts = f.read().split("\n")[:-1]

if args.api == "encode_batch":
    tokenizer = tokenizers.Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()

    def encode():
        return [e.ids for e in tokenizer.encode_batch(texts)]

    def run():
        tokenizer.encode_batch(texts)
    transformers_version = None
else:
    import transformers
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    assert tokenizer.is_fast, "transformers loaded a slow (Python) tokenizer"

    def encode():
        return tokenizer(texts)["input_ids"]

    def run():
        tokenizer(texts)
    transformers_version = transformers.__version__

tokens = sum(len(ids) for ids in encode())  # also the warm-up
best = float("inf")
start = time.perf_counter()
runs = 0
while runs < 5 or (time.perf_counter() - start < 3 and runs < 30):
    t0 = time.perf_counter()
    run()
    best = min(best, time.perf_counter() - t0)
    runs += 1
print(json.dumps({"sentences_per_s": len(texts) / best, "tokens": tokens, "seconds": best, "runs": runs,
                  "threads": int(os.environ["RAYON_NUM_THREADS"]), "api": args.api,
                  "tokenizers": tokenizers.__version__, "transformers": transformers_version}))
