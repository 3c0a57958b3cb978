#!/usr/bin/env bash
# Load benchmark of `flint serve` against a Python serving stack, like for like: same model files, same texts,
# same thread count, the two servers alternating across repeats (Flint, peer, peer, Flint, ...), every repeat reported.
#
# PEER (default gunicorn) picks the other side:
#   gunicorn          gunicorn + Flask + transformers (bench/serve/baseline_app.py), $THREADS sync workers with 1 torch
#                     thread each (no batching), POST /predict on all-MiniLM-L6-v2 + a seeded 2-label head written by
#                     transformers (bench/serve/make_model.py); Flint serves the same folder on /predict.
#   infinity-torch    infinity-emb (dynamic batching, OpenAI-compatible) with its torch engine, POST /embeddings;
#   infinity-optimum  infinity-emb with its optimum/onnxruntime engine (an ONNX export of the same weights, fused by
#                     onnxruntime's transformer optimizer);
#                     Flint serves all-MiniLM-L6-v2 on POST /v1/embeddings. Both get batch size 32, the texts of
#                     bench/serve/texts.txt in turn, and must return the same embeddings (cosine >= 0.999 on every
#                     text, checked before measuring).
#   PEER="infinity-torch infinity-optimum" measures both, each against its own Flint runs.
# THREADS (default $FLINT_NUM_THREADS, else all cores): Flint's FLINT_NUM_THREADS; gunicorn's worker count (1 torch
#   thread each); infinity-emb's torch intra-op threads and onnxruntime intra-op threads (bench/serve/infinity_launcher.py).
#   Flint's count is checked in the running server (/proc/PID/task: its flint-worker threads).
# DURATION s per point (default 20), CONCURRENCY (default "1 8 32"), REPEATS (default 2: Flint, peer, peer, Flint).
# WAIT_QUIET=1 (default) waits up to 3 min before each point for the 1-minute load average to fall to <= 1.0.
# SOAK=300 adds a 5-minute c=32 run of Flint sampling its resident memory.
# Writes runs/bench-serve/ (raw wrk output) and runs/bench-serve-$PEER.json; prints every repeat, the mean over
# repeats, the ratios, the load average at every point and the thread count of both sides on every row.
# Only loopback traffic; every load run is bounded by DURATION. Needs: make build, make peers, wrk (apt), and for the
# infinity peers the infinity-emb venv (scripts/setup-peers.sh --infinity).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${FLINT_CACHE:-$HOME/.cache/flint}
venv=${FLINT_PEERS_VENV:-$cache/peers-venv}
infinity_venv=${FLINT_INFINITY_VENV:-$cache/infinity-venv}
minilm=$cache/models/all-MiniLM-L6-v2
classifier=$cache/models/minilm-2label
onnx_folder=$cache/peers/minilm-infinity-onnx
PEER=${PEER:-gunicorn}
THREADS=${THREADS:-${FLINT_NUM_THREADS:-$(nproc)}}
DURATION=${DURATION:-20}
SOAK=${SOAK:-0}
REPEATS=${REPEATS:-2}
WAIT_QUIET=${WAIT_QUIET:-1}
FLINT_PORT=${FLINT_PORT:-8091}
PEER_PORT=${PEER_PORT:-${BASE_PORT:-8092}}
CONCURRENCY=${CONCURRENCY:-"1 8 32"}
BATCH_SIZE=${BATCH_SIZE:-32}
out=runs/bench-serve
mkdir -p "$out"

positive() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "bench-serve: $1='$2' is not a positive integer" >&2; exit 1; }; }
positive THREADS "$THREADS"; positive DURATION "$DURATION"; positive REPEATS "$REPEATS"; positive BATCH_SIZE "$BATCH_SIZE"
for c in $CONCURRENCY; do positive CONCURRENCY "$c"; done
for p in $PEER; do
  case "$p" in gunicorn|infinity-torch|infinity-optimum) ;; *) echo "bench-serve: PEER='$p' is not gunicorn, infinity-torch or infinity-optimum" >&2; exit 1;; esac
done
command -v wrk >/dev/null || { echo "bench-serve: installing wrk"; apt-get install -y -qq wrk >/dev/null; }
FLINT_BIN=${FLINT_BIN:-.build/release/flint}
[ -x "$FLINT_BIN" ] || { echo "bench-serve: no $FLINT_BIN (run 'make build' first)" >&2; exit 1; }
[ -x "$venv/bin/python" ] || { echo "bench-serve: run 'make peers' first (needs $venv)" >&2; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

load1() { cut -d' ' -f1 /proc/loadavg; }

wait_quiet() {  # wait (<= 3 min) for the 1-minute load average to fall to <= 1.0
  [ "$WAIT_QUIET" = 1 ] || return 0
  for _ in $(seq 1 12); do
    awk -v l="$(load1)" 'BEGIN{exit !(l <= 1.0)}' && return 0
    sleep 15
  done
  echo "  (machine still busy: load $(load1))"
}

wait_ready() {  # url pid
  for _ in $(seq 1 480); do
    kill -0 "$2" 2>/dev/null || { echo "bench-serve: the server for $1 exited" >&2; return 1; }
    curl -s -m 2 -o /dev/null -w '%{http_code}' "$1" 2>/dev/null | grep -q 200 && return 0
    sleep 0.5
  done
  echo "bench-serve: $1 never answered 200" >&2; return 1
}

stop() {  # pid
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# The flint-worker threads of a running `flint serve` + 1 (the calling thread): the count its kernels use.
flint_threads() {
  local workers
  workers=$(cat /proc/"$1"/task/*/comm 2>/dev/null | grep -c '^flint-worker' || true)
  echo $(( workers + 1 ))
}

# The setup of one peer kind: route, wrk script, model name in the body, the check and how the peer is started.
configure() {  # peer
  case "$1" in
    gunicorn)
      route=/predict; flint_route=/predict; lua=bench/serve/wrk_post.lua; model_name=classifier
      flint_args=(--model classifier="$classifier")
      peer_ready=/health
      peer_threads="$THREADS ($THREADS workers x 1 torch thread)"
      peer_label="gunicorn + Flask + transformers ($THREADS sync workers, 1 torch thread each)"
      ;;
    infinity-*)
      route=/embeddings; flint_route=/v1/embeddings; lua=bench/serve/wrk_embeddings.lua; model_name=minilm
      flint_args=(--model minilm="$minilm" --task sentence-embedding --max-batch-size "$BATCH_SIZE")
      peer_ready=/health
      peer_threads="$THREADS (1 process, $THREADS intra-op threads)"
      peer_label="infinity-emb $("$infinity_venv/bin/python" -c 'import importlib.metadata as m; print(m.version("infinity-emb"))') ${1#infinity-} engine, batch size $BATCH_SIZE"
      ;;
  esac
}

prepare() {  # peer: files and environments the peer needs
  case "$1" in
    gunicorn)
      [ -x "$venv/bin/gunicorn" ] || { echo "bench-serve: run 'make peers' first (needs gunicorn in $venv)" >&2; exit 1; }
      if [ ! -f "$classifier/model.safetensors" ]; then
        HF_HUB_OFFLINE=1 "$venv/bin/python" bench/serve/make_model.py "$minilm" "$classifier"
      fi
      ;;
    infinity-*)
      [ -x "$infinity_venv/bin/infinity_emb" ] || {
        echo "bench-serve: no infinity-emb at $infinity_venv (run 'bash scripts/setup-peers.sh --infinity')" >&2; exit 1; }
      if [ "$1" = infinity-optimum ]; then
        # infinity-emb's optimum engine loads the *.onnx of the model folder: a folder of copies (never links into the
        # MiniLM folder) with the ONNX export of the same weights, already optimised by onnxruntime's transformer
        # optimizer (fused attention, LayerNorm, GELU: bench/peers/export_minilm_onnx.py checks it against PyTorch).
        # infinity-emb's own optimisation step cannot run with optimum 2.x (OptimizationConfig lost
        # optimize_with_onnxruntime_only) and would fall back to the plain graph, so it is switched off.
        if [ ! -f "$cache/peers/minilm.onnx" ]; then
          mkdir -p "$cache/peers"
          HF_HUB_OFFLINE=1 "$venv/bin/python" bench/peers/export_minilm_onnx.py "$minilm" "$cache/peers/minilm.onnx" >&2
        fi
        rm -rf "$onnx_folder"; mkdir -p "$onnx_folder"
        for f in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt modules.json \
                 sentence_bert_config.json config_sentence_transformers.json; do
          [ -f "$minilm/$f" ] && cp "$minilm/$f" "$onnx_folder/"
        done
        cp -r "$minilm/1_Pooling" "$onnx_folder/"
        if [ -f "$cache/peers/minilm_fused.onnx" ]; then cp "$cache/peers/minilm_fused.onnx" "$onnx_folder/model.onnx"
        else cp "$cache/peers/minilm.onnx" "$onnx_folder/model.onnx"; fi
      fi
      ;;
  esac
}

start_flint() {
  FLINT_NUM_THREADS=$THREADS "$FLINT_BIN" serve "${flint_args[@]}" --port "$FLINT_PORT" --log-level warning \
    >> "$out/flint.log" 2>&1 &
  spid=$!; pids+=("$spid")
  wait_ready "http://127.0.0.1:$FLINT_PORT/ready" "$spid"
  local seen; seen=$(flint_threads "$spid")
  if [ "$seen" = 1 ] && [ "$THREADS" != 1 ]; then
    echo "  (cannot count flint serve's threads: no flint-worker threads named in /proc/$spid/task; a binary built before the pool named them)"
  elif [ "$seen" != "$THREADS" ]; then
    echo "bench-serve: flint serve runs $seen threads, not THREADS=$THREADS" >&2; exit 1
  fi
}

start_peer() {  # peer
  case "$1" in
    gunicorn)
      ( cd bench/serve && MODEL_DIR="$classifier" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 OMP_NUM_THREADS=1 TORCH_THREADS=1 \
        MKL_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false \
        exec "$venv/bin/gunicorn" -w "$THREADS" -b "127.0.0.1:$PEER_PORT" --timeout 60 baseline_app:app ) >> "$out/gunicorn.log" 2>&1 &
      ;;
    infinity-*)
      local engine=${1#infinity-} folder=$minilm extra=()
      if [ "$engine" = optimum ]; then folder=$onnx_folder; extra=(--pooling-method mean --onnx-disable-optimize); fi
      HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$infinity_venv/bin/python" bench/serve/infinity_launcher.py --threads "$THREADS" -- \
        v2 --model-id "$folder" --served-model-name minilm --engine "$engine" --device cpu --batch-size "$BATCH_SIZE" \
        --host 127.0.0.1 --port "$PEER_PORT" --log-level warning "${extra[@]}" >> "$out/$1.log" 2>&1 &
      ;;
  esac
  spid=$!; pids+=("$spid")
  wait_ready "http://127.0.0.1:$PEER_PORT$peer_ready" "$spid"
}

warm() {  # port route
  WRK_MODEL=$model_name wrk -t1 -c2 -d3s -s "$lua" "http://127.0.0.1:$1$2" > /dev/null
}

run_wrk() {  # file-stem port route concurrency
  local threads=$(( $4 < 2 ? 1 : 2 ))
  wait_quiet
  local load; load=$(load1)
  echo "--- $1, concurrency $4 (load $load)"
  { echo "LOAD1 $load"
    WRK_MODEL=$model_name wrk -t$threads -c$4 -d${DURATION}s --timeout 10s --latency -s "$lua" "http://127.0.0.1:$2$3"
  } > "$out/$1-c$4.txt"
  grep -E "Requests/sec|Non-2xx|Socket errors" "$out/$1-c$4.txt" || true
}

measure_flint() {  # peer repeat
  echo "=== repeat $2: Flint (flint serve, FLINT_NUM_THREADS=$THREADS) on :$FLINT_PORT$flint_route"
  start_flint
  local pid=$spid
  warm "$FLINT_PORT" "$flint_route"
  echo "flint resident memory after warm-up: $(( $(rss_kb "$pid") / 1024 )) MiB; threads: $(flint_threads "$pid")"
  for c in $CONCURRENCY; do run_wrk "$1-flint-r$2" "$FLINT_PORT" "$flint_route" "$c"; done
  curl -s "http://127.0.0.1:$FLINT_PORT/metrics" | grep -E '^model_batch_size_(sum|count)' || true
  stop "$pid"
}

measure_peer() {  # peer repeat
  echo "=== repeat $2: $peer_label on :$PEER_PORT$route"
  start_peer "$1"
  local pid=$spid
  sleep 2
  warm "$PEER_PORT" "$route"
  for c in $CONCURRENCY; do run_wrk "$1-peer-r$2" "$PEER_PORT" "$route" "$c"; done
  stop "$pid"
}

for peer in $PEER; do
  configure "$peer"
  prepare "$peer"
  echo "##### $peer: $peer_label; threads: Flint $THREADS, peer $peer_threads; $DURATION s per point; repeats $REPEATS"
  if [[ "$peer" == infinity-* ]]; then
    # Same embeddings before any timing: both servers up, every text of texts.txt through both.
    start_flint; fpid=$spid
    start_peer "$peer"; ppid=$spid
    "$venv/bin/python" bench/serve/check_embeddings.py bench/serve/texts.txt \
      "http://127.0.0.1:$FLINT_PORT/v1/embeddings" minilm "http://127.0.0.1:$PEER_PORT/embeddings" minilm \
      | tee "$out/$peer-check.json"
    stop "$ppid"; stop "$fpid"
  fi
  for r in $(seq 1 "$REPEATS"); do
    # Odd repeats Flint first, even repeats the peer first: Flint, peer, peer, Flint, ...
    if [ $((r % 2)) -eq 1 ]; then measure_flint "$peer" "$r"; measure_peer "$peer" "$r"
    else measure_peer "$peer" "$r"; measure_flint "$peer" "$r"; fi
  done
  if [ "$SOAK" -gt 0 ] && [ "$peer" = "$(echo $PEER | cut -d' ' -f1)" ]; then
    echo "--- Flint soak: c=32 for ${SOAK}s, resident memory every 10 s"
    start_flint; fpid=$spid
    : > "$out/flint-soak-rss.txt"
    WRK_MODEL=$model_name wrk -t2 -c32 -d${SOAK}s --timeout 10s --latency -s "$lua" "http://127.0.0.1:$FLINT_PORT$flint_route" > "$out/flint-soak.txt" &
    wpid=$!
    while kill -0 $wpid 2>/dev/null; do rss_kb "$fpid" >> "$out/flint-soak-rss.txt"; sleep 10; done
    grep -E "Requests/sec|WRKJSON" "$out/flint-soak.txt" || true
    echo "resident memory (MiB) every 10 s: $(awk '{printf "%d ", $1/1024}' "$out/flint-soak-rss.txt")"
    stop "$fpid"
  fi
  "$venv/bin/python" bench/serve/summarize.py "$out" "$peer" "$REPEATS" "$THREADS" "$peer_threads" "$peer_label" $CONCURRENCY
done
