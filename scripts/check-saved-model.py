#!/usr/bin/env python3
"""Checks that Python's transformers loads a folder written by Flint's `savePretrained` and computes the
same logits as Flint.

Usage (in the peer venv, ~/.cache/flint/peers-venv/bin/python):
    scripts/check-saved-model.py FOLDER [--logits JSON] [--tolerance 1e-4]
    scripts/check-saved-model.py FOLDER --flint .build/release/flint [--text T ...]

JSON is {"texts": [...], "logits": [[...], ...]} with Flint's logits for each text (default:
flint_logits.json next to FOLDER, as the Swift test SavePretrainedTests writes it when
FLINT_SAVE_CHECK_DIR is set:

    FLINT_SAVE_CHECK_DIR=/tmp/save-check swift test --skip-build --filter SavePretrainedTests
    ~/.cache/flint/peers-venv/bin/python scripts/check-saved-model.py /tmp/save-check/saved-model

With --flint, Flint's logits come from running `flint classify --logits --model FOLDER` on the texts
(--text, repeatable; default: a few English and Chinese sentences) — the check for a folder written by
`flint finetune`.

The folder is loaded offline with AutoModelForSequenceClassification and AutoTokenizer; each text is run
on its own (no padding). Prints max |Δ| and exits 1 when it exceeds the tolerance, or when transformers
reports missing, unexpected or newly initialised weights.
"""
import argparse
import io
import json
import logging
import os
import subprocess
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEFAULT_TEXTS = [
    "Shares in the carmaker rose after it reported record quarterly profits.",
    "The striker scored twice as the champions won the cup final.",
    "这个产品质量很好",
    "服务态度太差了",
    "The new phone has a faster chip and a better camera.",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--logits", help="Flint's logits (default: FOLDER/../flint_logits.json)")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--flint", help="flint binary: compute Flint's logits with `flint classify --logits`")
    parser.add_argument("--text", action="append", help="text for --flint (repeatable)")
    args = parser.parse_args()
    folder = os.path.abspath(args.folder)
    if args.flint:
        texts = args.text or DEFAULT_TEXTS
        run = subprocess.run([args.flint, "classify", "--logits", "--model", folder, *texts],
                             capture_output=True, text=True, check=True)
        flint_logits = [json.loads(line)["logits"] for line in run.stdout.splitlines() if line.strip()]
    else:
        logits_path = args.logits or os.path.join(os.path.dirname(folder), "flint_logits.json")
        with open(logits_path) as f:
            reference = json.load(f)
        texts, flint_logits = reference["texts"], reference["logits"]

    import torch
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    # Capture transformers' load report (missing / unexpected / newly initialised weights).
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    transformers.logging.get_logger().addHandler(handler)
    transformers.logging.set_verbosity_warning()
    model, info = AutoModelForSequenceClassification.from_pretrained(folder, output_loading_info=True)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    transformers.logging.get_logger().removeHandler(handler)
    model.eval()

    log = captured.getvalue()
    problems = {key: sorted(value) for key, value in info.items() if value}
    print(f"transformers {transformers.__version__}: {type(model).__name__}, {type(tokenizer).__name__}, "
          f"labels {model.config.id2label}")
    for line in log.splitlines():
        print(f"  transformers: {line}")
    bad_log = any(word in log.lower() for word in ("newly initialized", "missing", "unexpected", "not used"))
    if problems:
        print(f"load report: {problems}")

    max_delta = 0.0
    with torch.no_grad():
        for text, expected in zip(texts, flint_logits):
            encoded = tokenizer(text, return_tensors="pt")
            logits = model(**encoded).logits[0].tolist()
            if len(logits) != len(expected):
                print(f"{text!r}: {len(logits)} logits, Flint has {len(expected)}")
                return 1
            delta = max(abs(a - b) for a, b in zip(logits, expected))
            max_delta = max(max_delta, delta)
            print(f"  {text!r}: max |Δ| {delta:.3e}  {[round(x, 5) for x in logits]}")
    print(f"max |Δ| over {len(texts)} texts: {max_delta:.3e} (tolerance {args.tolerance:g})")
    if problems or bad_log:
        print("FAIL: transformers did not load every weight of the folder")
        return 1
    if max_delta > args.tolerance:
        print("FAIL: logits differ")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
