#!/usr/bin/env python3
"""PyTorch and onnxruntime peers for `flint bench --only minilm`: all-MiniLM-L6-v2 sentence embeddings
(BertModel + mean pooling + L2 normalisation) on --threads N threads, on the token ids Flint wrote.

Usage: bench_minilm.py --ids IDS.json --threads N [--rounds 7] [--only t16_b1,t128_b32]
IDS.json: {"16": [[ids]...32], "128": [...]} (every sequence of a length has that many tokens, so no padding).
The model comes from ${FLINT_CACHE:-~/.cache/flint}/models/all-MiniLM-L6-v2; the ONNX export is made once into
${FLINT_CACHE}/peers/ by export_minilm_onnx.py. onnxruntime runs with ORT_ENABLE_ALL on the plain export and on
the transformer-optimizer's fused graph; the faster of the two is reported per case as onnxruntime_*.
Cases run interleaved round by round; prints one JSON object of median seconds per call:
{"torch": v, "onnxruntime": v, "torch_t16_b1": s, "onnxruntime_t16_b1": s, ..., "torch_load_seconds": s}.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import onnxruntime as ort
import torch
from transformers import BertModel

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("FLINT_CACHE") or os.path.expanduser("~/.cache/flint")
MODEL_DIR = os.path.join(CACHE, "models", "all-MiniLM-L6-v2")
ONNX = os.path.join(CACHE, "peers", "minilm.onnx")


def interleaved(cases, rounds, round_seconds=0.4, warmup=2):
    calls = {}
    for name, body in cases:
        for _ in range(warmup):
            body()
        start = time.perf_counter()
        body()
        calls[name] = max(1, int(round_seconds / max(time.perf_counter() - start, 1e-9)))
    samples = {name: [] for name, _ in cases}
    for r in range(rounds):
        k = r % len(cases)
        for name, body in cases[k:] + cases[:k]:
            start = time.perf_counter()
            for _ in range(calls[name]):
                body()
            samples[name].append((time.perf_counter() - start) / calls[name])
    return {name: statistics.median(values) for name, values in samples.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ids", required=True)
    parser.add_argument("--threads", type=int, required=True, help="torch and onnxruntime intra-op threads")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated cases, e.g. t16_b1,t128_b32")
    parser.add_argument("--peers", default="torch,onnxruntime", help="which peers to time")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    if not os.path.exists(ONNX):
        os.makedirs(os.path.dirname(ONNX), exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "export_minilm_onnx.py"), MODEL_DIR, ONNX], check=True,
                       stdout=sys.stderr)

    start = time.perf_counter()
    model = BertModel.from_pretrained(MODEL_DIR).eval()  # default attention (sdpa)
    load_seconds = time.perf_counter() - start

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sessions = {"plain": ort.InferenceSession(ONNX, options, providers=["CPUExecutionProvider"])}
    fused = ONNX.replace(".onnx", "_fused.onnx")
    if os.path.exists(fused):
        sessions["fused"] = ort.InferenceSession(fused, options, providers=["CPUExecutionProvider"])

    with open(args.ids) as f:
        ids_by_length = {int(k): v for k, v in json.load(f).items()}

    def pooled_numpy(hidden, mask):
        m = mask[..., None].astype(np.float32)
        s = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        return s / np.clip(np.linalg.norm(s, axis=1, keepdims=True), 1e-12, None)

    cases = []
    for length in sorted(ids_by_length):
        for batch in (1, 8, 32):
            key = f"t{length}_b{batch}"
            if only and key not in only:
                continue
            ids = np.array(ids_by_length[length][:batch], dtype=np.int64)
            mask = np.ones_like(ids)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            tensors = {k: torch.from_numpy(v) for k, v in feeds.items()}

            def torch_case(tensors=tensors):
                with torch.inference_mode():
                    h = model(**tensors).last_hidden_state
                    m = tensors["attention_mask"].unsqueeze(-1).to(h.dtype)
                    s = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
                    return torch.nn.functional.normalize(s, p=2, dim=1)

            if "torch" in args.peers:
                cases.append((f"torch_{key}", torch_case))
            reference = torch_case().numpy()
            for label, session in (sessions.items() if "onnxruntime" in args.peers else []):
                def ort_case(session=session, feeds=feeds, mask=mask):
                    return pooled_numpy(session.run(None, feeds)[0], mask)
                difference = float(np.abs(ort_case() - reference).max())
                if difference > 1e-4:
                    print(f"warning: onnxruntime {label} {key} differs from torch by {difference}", file=sys.stderr)
                cases.append((f"ort{label}_{key}", ort_case))

    times = interleaved(cases, args.rounds)
    result = {"torch": torch.__version__, "onnxruntime": ort.__version__, "threads": torch.get_num_threads(),
              "onnxruntime_threads": options.intra_op_num_threads, "torch_load_seconds": load_seconds}
    for name, seconds in times.items():
        result[name] = seconds
        print(f"{name:28s} {seconds * 1e3:9.2f} ms", file=sys.stderr)
    for name in list(times):
        if name.startswith("ortplain_"):
            key = name[len("ortplain_"):]
            result[f"onnxruntime_{key}"] = min(times[name], times.get(f"ortfused_{key}", float("inf")))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
