#!/usr/bin/env bash
# Load benchmark of `flint serve` against the usual Python serving stack, one after the other in the same run:
#   Flint:    .build/release/flint serve (dynamic batching) on 127.0.0.1:$FLINT_PORT
#   Baseline: gunicorn, 2 sync workers, 1 torch thread each, Flask + transformers (bench/serve/baseline_app.py)
# Both serve the same folder: all-MiniLM-L6-v2 + a seeded 2-label head written by transformers
# (bench/serve/make_model.py). Each is loaded with wrk (POST /predict, a 12-word sentence) at concurrency
# 1, 8 and 32 for $DURATION s; the script prints req/s, p50, p99, errors and the ratios, and writes
# runs/bench-serve.json. SOAK=300 adds a 5-minute c=32 run of Flint sampling its resident memory.
# Only loopback traffic. Needs: make build, make peers (venv with torch/transformers/flask/gunicorn), wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${FLINT_CACHE:-$HOME/.cache/flint}
venv=${FLINT_PEERS_VENV:-$cache/peers-venv}
minilm=$cache/models/all-MiniLM-L6-v2
model=$cache/models/minilm-2label
DURATION=${DURATION:-20}
SOAK=${SOAK:-0}
FLINT_PORT=${FLINT_PORT:-8091}
BASE_PORT=${BASE_PORT:-8092}
CONCURRENCY=${CONCURRENCY:-"1 8 32"}
out=runs/bench-serve
mkdir -p "$out"
command -v wrk >/dev/null || { echo "bench-serve: installing wrk"; apt-get install -y -qq wrk >/dev/null; }
[ -x .build/release/flint ] || { echo "bench-serve: run 'make build' first" >&2; exit 1; }
[ -x "$venv/bin/gunicorn" ] || { echo "bench-serve: run 'make peers' first (needs $venv with gunicorn)" >&2; exit 1; }
if [ ! -f "$model/model.safetensors" ]; then
  HF_HUB_OFFLINE=1 "$venv/bin/python" bench/serve/make_model.py "$minilm" "$model"
fi

wait_quiet() {  # wait (<= 3 min) for the 1-minute load average to fall to <= 1.0
  for _ in $(seq 1 12); do
    awk -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{exit !(l <= 1.0)}' && return 0
    sleep 15
  done
  echo "  (machine still busy: load $(cut -d' ' -f1 /proc/loadavg))"
}

wait_ready() {  # url
  for _ in $(seq 1 240); do
    curl -s -m 2 -o /dev/null -w '%{http_code}' "$1" 2>/dev/null | grep -q 200 && return 0
    sleep 0.5
  done
  echo "bench-serve: $1 never answered 200" >&2; return 1
}

run_wrk() {  # name port concurrency
  local threads=$(( $3 < 2 ? 1 : 2 ))
  wait_quiet
  echo "--- $1, concurrency $3 (load $(cut -d' ' -f1 /proc/loadavg))"
  wrk -t$threads -c$3 -d${DURATION}s --timeout 10s --latency -s bench/serve/wrk_post.lua \
      "http://127.0.0.1:$2/predict" | tee "$out/$1-c$3.txt" | grep -E "Requests/sec|Non-2xx|Socket errors|WRKJSON" || true
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "=== Flint: flint serve (dynamic batching) on :$FLINT_PORT"
.build/release/flint serve --model classifier="$model" --port "$FLINT_PORT" --log-level warning > "$out/flint.log" 2>&1 &
fpid=$!
trap 'kill $fpid 2>/dev/null || true; [ -n "${gpid:-}" ] && kill $gpid 2>/dev/null || true' EXIT
wait_ready "http://127.0.0.1:$FLINT_PORT/ready"
curl -s -X POST -H 'Content-Type: application/json' -d '{"text": "The delivery was fast and the product works exactly as described online."}' \
  "http://127.0.0.1:$FLINT_PORT/predict"; echo
wrk -t1 -c2 -d3s -s bench/serve/wrk_post.lua "http://127.0.0.1:$FLINT_PORT/predict" > /dev/null
echo "flint resident memory after warm-up: $(( $(rss_kb $fpid) / 1024 )) MiB"
for c in $CONCURRENCY; do run_wrk flint "$FLINT_PORT" "$c"; done
if [ "$SOAK" -gt 0 ]; then
  echo "--- Flint soak: c=32 for ${SOAK}s, resident memory every 10 s"
  : > "$out/flint-soak-rss.txt"
  wrk -t2 -c32 -d${SOAK}s --timeout 10s --latency -s bench/serve/wrk_post.lua "http://127.0.0.1:$FLINT_PORT/predict" > "$out/flint-soak.txt" &
  wpid=$!
  while kill -0 $wpid 2>/dev/null; do rss_kb $fpid >> "$out/flint-soak-rss.txt"; sleep 10; done
  grep -E "Requests/sec|WRKJSON" "$out/flint-soak.txt" || true
  echo "resident memory (MiB) every 10 s: $(awk '{printf "%d ", $1/1024}' "$out/flint-soak-rss.txt")"
fi
curl -s "http://127.0.0.1:$FLINT_PORT/metrics" | grep -E '^model_batch_size_(sum|count)' || true
kill -TERM $fpid; wait $fpid || true

echo "=== Baseline: gunicorn -w 2 + Flask + transformers (1 torch thread per worker) on :$BASE_PORT"
( cd bench/serve && MODEL_DIR="$model" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=1 TORCH_THREADS=1 \
  MKL_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false \
  exec "$venv/bin/gunicorn" -w 2 -b "127.0.0.1:$BASE_PORT" --timeout 60 baseline_app:app ) > "$out/gunicorn.log" 2>&1 &
gpid=$!
wait_ready "http://127.0.0.1:$BASE_PORT/health"
sleep 3
wrk -t1 -c2 -d3s -s bench/serve/wrk_post.lua "http://127.0.0.1:$BASE_PORT/predict" > /dev/null
for c in $CONCURRENCY; do run_wrk baseline "$BASE_PORT" "$c"; done
kill -TERM $gpid; wait $gpid || true
gpid=

"$venv/bin/python" - "$out" $CONCURRENCY <<'PY'
import json, sys, re, os
out, levels = sys.argv[1], sys.argv[2:]
def load(name, c):
    text = open(os.path.join(out, f"{name}-c{c}.txt")).read()
    m = re.search(r"WRKJSON (\{.*\})", text)
    d = json.loads(m.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    d["errors"] = d["err_connect"] + d["err_read"] + d["err_write"] + d["err_timeout"] + (int(non2xx.group(1)) if non2xx else 0)
    return d
rows, result = [], {}
print(f"\n{'c':>3} | {'Flint req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'err':>4} | {'baseline req/s':>14} {'p50 ms':>7} {'p99 ms':>7} {'err':>4} | {'req/s ×':>7} {'p99 ÷':>6}")
for c in levels:
    f, b = load("flint", c), load("baseline", c)
    ratio, p99 = f["rps"] / b["rps"], b["p99_ms"] / f["p99_ms"]
    result[c] = {"flint": f, "baseline": b, "throughput_ratio": ratio, "p99_ratio": p99}
    print(f"{c:>3} | {f['rps']:>11.1f} {f['p50_ms']:>7.2f} {f['p99_ms']:>7.2f} {f['errors']:>4} | {b['rps']:>14.1f} {b['p50_ms']:>7.2f} {b['p99_ms']:>7.2f} {b['errors']:>4} | {ratio:>7.2f} {p99:>6.2f}")
json.dump(result, open("runs/bench-serve.json", "w"), indent=2)
print("\nreq/s × = Flint / baseline throughput; p99 ÷ = baseline p99 / Flint p99. Raw wrk output in", out)
PY
