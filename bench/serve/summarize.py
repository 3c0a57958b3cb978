#!/usr/bin/env python3
"""Summarises one peer's runs of scripts/bench-serve.sh: every repeat, the mean over repeats, the ratios, the targets.

Usage: summarize.py OUT_DIR PEER REPEATS THREADS PEER_THREADS PEER_LABEL C...
Reads OUT_DIR/PEER-{flint,peer}-rR-cC.txt (a "LOAD1 x" line, then wrk output with the WRKJSON line of the Lua
script), prints the tables and writes runs/bench-serve-PEER.json. Exits 1 when a file lacks its result.
Targets: gunicorn (no batching): c=32 throughput >= 3x and p99 <= 1/3 of the peer's, c=1 p50 <= 8 ms;
infinity-emb (dynamic batching): c=32 throughput >= 1.5x with p99 <= the peer's, c=1 p50 <= the peer's.
"""
import json
import os
import re
import statistics
import sys


def load(out, stem, c):
    path = os.path.join(out, f"{stem}-c{c}.txt")
    text = open(path).read()
    m = re.search(r"WRKJSON (\{.*\})", text)
    if not m:
        raise SystemExit(f"summarize: {path} has no WRKJSON line (did wrk fail?)")
    d = json.loads(m.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    d["errors"] = d["err_connect"] + d["err_read"] + d["err_write"] + d["err_timeout"] + (int(non2xx.group(1)) if non2xx else 0)
    load1 = re.search(r"^LOAD1 ([0-9.]+)", text, re.M)
    d["load1"] = float(load1.group(1)) if load1 else None
    return d


def main():
    out, peer, repeats, threads, peer_threads, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
    levels = sys.argv[7:]
    header = (f"{'rep':>3} {'c':>3} | {'Flint req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'err':>4} {'load':>5} | "
              f"{'peer req/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'err':>4} {'load':>5} | {'req/s ×':>7} {'p99 ÷':>6} | threads F/P")
    thread_cell = f"{threads}/{peer_threads.split(' ')[0]}"
    print(f"\n{peer}: Flint (flint serve, FLINT_NUM_THREADS={threads}) vs {label}; peer threads {peer_threads}")
    print(header)
    result = {"peer": peer, "peer_label": label, "threads": {"flint": int(threads), "peer": peer_threads},
              "repeats": [], "mean": {}}
    runs = {c: {"flint": [], "peer": []} for c in levels}
    for r in range(1, repeats + 1):
        order = "flint first" if r % 2 == 1 else "peer first"
        rows = {}
        for c in levels:
            f, p = load(out, f"{peer}-flint-r{r}", c), load(out, f"{peer}-peer-r{r}", c)
            runs[c]["flint"].append(f)
            runs[c]["peer"].append(p)
            ratio, p99 = f["rps"] / p["rps"], p["p99_ms"] / f["p99_ms"]
            rows[c] = {"flint": f, "peer": p, "throughput_ratio": ratio, "p99_ratio": p99}
            print(f"{r:>3} {c:>3} | {f['rps']:>11.1f} {f['p50_ms']:>7.2f} {f['p99_ms']:>7.2f} {f['errors']:>4} {f['load1'] or 0:>5.2f} | "
                  f"{p['rps']:>10.1f} {p['p50_ms']:>7.2f} {p['p99_ms']:>7.2f} {p['errors']:>4} {p['load1'] or 0:>5.2f} | "
                  f"{ratio:>7.2f} {p99:>6.2f} | {thread_cell}")
        result["repeats"].append({"repeat": r, "order": order, "points": rows})
    print(f"mean over {repeats} repeats:")
    means = {}
    for c in levels:
        def mean(side, key):
            return statistics.fmean(d[key] for d in runs[c][side])
        m = {side: {key: mean(side, key) for key in ("rps", "p50_ms", "p99_ms")} for side in ("flint", "peer")}
        for side in ("flint", "peer"):
            m[side]["errors"] = sum(d["errors"] for d in runs[c][side])
        m["throughput_ratio"] = m["flint"]["rps"] / m["peer"]["rps"]
        m["p99_ratio"] = m["peer"]["p99_ms"] / m["flint"]["p99_ms"]
        means[c] = m
        f, p = m["flint"], m["peer"]
        print(f"{'avg':>3} {c:>3} | {f['rps']:>11.1f} {f['p50_ms']:>7.2f} {f['p99_ms']:>7.2f} {f['errors']:>4} {'':>5} | "
              f"{p['rps']:>10.1f} {p['p50_ms']:>7.2f} {p['p99_ms']:>7.2f} {p['errors']:>4} {'':>5} | "
              f"{m['throughput_ratio']:>7.2f} {m['p99_ratio']:>6.2f} | {thread_cell}")
    result["mean"] = means
    targets = []
    if "32" in means:
        m = means["32"]
        if peer == "gunicorn":
            targets.append(("c=32 throughput >= 3x", m["throughput_ratio"] >= 3))
            targets.append(("c=32 p99 <= 1/3 of the peer's", m["p99_ratio"] >= 3))
        else:
            targets.append(("c=32 throughput >= 1.5x", m["throughput_ratio"] >= 1.5))
            targets.append(("c=32 p99 <= the peer's", m["p99_ratio"] >= 1))
    if "1" in means:
        m = means["1"]
        if peer == "gunicorn":
            targets.append(("c=1 p50 <= 8 ms", m["flint"]["p50_ms"] <= 8))
        else:
            targets.append(("c=1 p50 <= the peer's", m["flint"]["p50_ms"] <= m["peer"]["p50_ms"]))
    errors = sum(means[c][side]["errors"] for c in levels for side in ("flint", "peer"))
    targets.append(("no errors on either side", errors == 0))
    result["targets"] = {name: met for name, met in targets}
    for name, met in targets:
        print(f"  {'met    ' if met else 'NOT MET'}  {name}")
    print("req/s × = Flint / peer throughput; p99 ÷ = peer p99 / Flint p99; load = 1-minute load average when the point "
          f"started. Raw wrk output in {out}")
    os.makedirs("runs", exist_ok=True)
    path = f"runs/bench-serve-{peer}.json"
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
