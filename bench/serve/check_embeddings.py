#!/usr/bin/env python3
"""Checks that two OpenAI-style embedding servers return the same vectors before they are measured.

Usage: check_embeddings.py TEXTS_FILE FLINT_URL FLINT_MODEL PEER_URL PEER_MODEL [--min-cosine 0.999]

Posts every text of TEXTS_FILE (one per line) to both URLs one at a time ({"model", "input"}), checks each answer
is an embedding of the same dimension, and that the cosine similarity of the two servers' vectors for every text
is at least --min-cosine. Prints one JSON line {"texts", "dimension", "min_cosine", "mean_cosine"}; exits 1 with the
failing text when a check fails. Only loopback URLs are accepted.
"""
import argparse
import json
import math
import sys
import urllib.parse
import urllib.request


def embed(url, model, text):
    body = json.dumps({"model": model, "input": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    data = answer.get("data")
    if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0].get("embedding"), list):
        raise SystemExit(f"check_embeddings: {url} answered without one embedding: {json.dumps(answer)[:300]}")
    return [float(v) for v in data[0]["embedding"]]


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("texts")
    parser.add_argument("flint_url")
    parser.add_argument("flint_model")
    parser.add_argument("peer_url")
    parser.add_argument("peer_model")
    parser.add_argument("--min-cosine", type=float, default=0.999)
    args = parser.parse_args()
    for url in (args.flint_url, args.peer_url):
        if urllib.parse.urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"check_embeddings: {url} is not a loopback URL")
    with open(args.texts, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]
    if not texts:
        raise SystemExit(f"check_embeddings: {args.texts} has no texts")
    cosines = []
    dimension = None
    for text in texts:
        a, b = embed(args.flint_url, args.flint_model, text), embed(args.peer_url, args.peer_model, text)
        if len(a) != len(b):
            raise SystemExit(f"check_embeddings: dimensions differ ({len(a)} vs {len(b)}) for {text!r}")
        dimension = len(a)
        c = cosine(a, b)
        if not c >= args.min_cosine:
            raise SystemExit(f"check_embeddings: cosine {c:.6f} < {args.min_cosine} for {text!r}")
        cosines.append(c)
    print(json.dumps({"texts": len(texts), "dimension": dimension, "min_cosine": min(cosines),
                      "mean_cosine": sum(cosines) / len(cosines)}))


if __name__ == "__main__":
    main()
