#!/usr/bin/env bash
# Chat serving benchmark of issue 13: `flint serve` against llama.cpp's llama-server on the OpenAI chat API, like for
# like — the same GGUF file, the same thread count, the same prompts and lengths, the two servers one after the other
# with their order alternating across repeats (Flint, llama, llama, Flint, ...), every point on a fresh server.
#
#   scripts/bench-chat.sh [--quick] [--soak|--soak-only] [--model FILE.gguf] [--threads N] [--concurrency "1 4 8 16"]
#                         [--duration S] [--repeats R] [--only flint|llama-server]
# Environment (flags win): MODEL, THREADS (default 2), CONCURRENCY (default "1 4 8 16"), DURATION s per point
# (default 30), REPEATS (default 2), SLOT_CTX (context per sequence, default 512), MAX_TOKENS (default 64),
# SOAK_SECONDS (default 300), SOAK_CONCURRENCY (default 8), WAIT_QUIET (default 1: wait up to QUIET_WAIT s, default
# 180, before each point for the 1-minute load average to fall to <= QUIET_LOAD, default 1.0; the load at the start
# and the end of every point is in the table), FLINT_BIN (default .build/release/flint),
# LLAMA_SERVER (default $FLINT_CACHE/llama.cpp/0.3.36/bin/llama-server, made by scripts/build-llama-cpp.sh).
#   --quick   10 s per point, 1 repeat (smoke run)
#   --soak    after the points: SOAK_SECONDS at SOAK_CONCURRENCY per server, resident memory (VmRSS) every 10 s
#   --soak-only   the soak without the points
# Default MODEL: SmolLM2-135M-Instruct Q8_0 (scripts/make-synthetic-llm.sh requantizes it; the 1.1B-shape files of
# the same script: $FLINT_CACHE/models/synthetic-tinyllama/synthetic-tinyllama-1.1b.Q4_K_M.gguf).
#
# The load client (scripts/bench/chat_load.py, aiohttp in the peer venv) sends streaming chat completions
# (stream_options.include_usage, a system prompt and a fixed list of short questions in turn, max_tokens MAX_TOKENS,
# temperature 0, `ignore_eos: true` so every answer has the same length on both sides) from C workers for DURATION s
# after one warm-up request, and reports requests/s, generated tokens/s (usage.completion_tokens), TTFT p50/p99,
# end-to-end p50/p99 and errors per server and concurrency, and the Flint ÷ llama-server ratio row.
#   llama-server: -t N -tb N -np C -c C×SLOT_CTX --cont-batching (--no-webui when it has the flag) on 127.0.0.1.
#   Flint:        FLINT_NUM_THREADS=N flint serve --chat-model NAME=FILE --ctx-size SLOT_CTX --max-sequences C on 127.0.0.1 (start_flint below); skipped
#                 with a message when the binary is missing or has no /v1/chat/completions.
# Output: a table on stdout; per-point JSON, server logs and $FLINT_CACHE/bench/bench-chat-<model>-<time>.json
# (every row, the settings, the load averages); runs/ in the repo is not used. Only loopback traffic; every load run
# ends by itself (deadline + per-request timeout). Needs: scripts/setup-peers.sh (aiohttp), scripts/build-llama-cpp.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${FLINT_CACHE:-$HOME/.cache/flint}
venv=${FLINT_PEERS_VENV:-$cache/peers-venv}
py="$venv/bin/python"
MODEL=${MODEL:-$cache/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q8_0.gguf}
THREADS=${THREADS:-2}
CONCURRENCY=${CONCURRENCY:-"1 4 8 16"}
DURATION=${DURATION:-30}
REPEATS=${REPEATS:-2}
SLOT_CTX=${SLOT_CTX:-512}
MAX_TOKENS=${MAX_TOKENS:-64}
SOAK=${SOAK:-0}
SOAK_SECONDS=${SOAK_SECONDS:-300}
SOAK_CONCURRENCY=${SOAK_CONCURRENCY:-8}
WAIT_QUIET=${WAIT_QUIET:-1}
QUIET_LOAD=${QUIET_LOAD:-1.0}
QUIET_WAIT=${QUIET_WAIT:-180}
FLINT_BIN=${FLINT_BIN:-.build/release/flint}
LLAMA_SERVER=${LLAMA_SERVER:-$cache/llama.cpp/0.3.36/bin/llama-server}
ONLY=${ONLY:-}
POINTS=1

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) DURATION=10; REPEATS=1 ;;
    --soak) SOAK=1 ;;
    --soak-only) SOAK=1; POINTS=0 ;;
    --model) MODEL=${2:?--model needs a file}; shift ;;
    --threads) THREADS=${2:?--threads needs a number}; shift ;;
    --concurrency) CONCURRENCY=${2:?--concurrency needs a list}; shift ;;
    --duration) DURATION=${2:?--duration needs seconds}; shift ;;
    --repeats) REPEATS=${2:?--repeats needs a number}; shift ;;
    --only) ONLY=${2:?--only needs flint or llama-server}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench-chat: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
  shift
done

positive() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "bench-chat: $1='$2' is not a positive integer" >&2; exit 1; }; }
positive THREADS "$THREADS"; positive DURATION "$DURATION"; positive REPEATS "$REPEATS"; positive SLOT_CTX "$SLOT_CTX"
positive MAX_TOKENS "$MAX_TOKENS"; positive QUIET_WAIT "$QUIET_WAIT"; positive SOAK_SECONDS "$SOAK_SECONDS"; positive SOAK_CONCURRENCY "$SOAK_CONCURRENCY"
[ -n "$CONCURRENCY" ] || { echo "bench-chat: CONCURRENCY is empty" >&2; exit 1; }
for c in $CONCURRENCY; do positive CONCURRENCY "$c"; done
case "$ONLY" in ""|flint|llama-server) ;; *) echo "bench-chat: --only '$ONLY' is not flint or llama-server" >&2; exit 1 ;; esac
[ -f "$MODEL" ] || { echo "bench-chat: no model file $MODEL (scripts/fetch-models.sh, scripts/make-synthetic-llm.sh)" >&2; exit 1; }
[ -x "$py" ] && "$py" -c 'import aiohttp' 2>/dev/null \
  || { echo "bench-chat: no aiohttp in $venv (run scripts/setup-peers.sh)" >&2; exit 1; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
model_stem=$(basename "$MODEL" .gguf)
out="$cache/bench/bench-chat/$model_stem-$stamp"
results="$cache/bench/bench-chat-$model_stem-$stamp.json"
mkdir -p "$out"

pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

load1() { cut -d' ' -f1 /proc/loadavg; }

wait_quiet() {  # wait (<= QUIET_WAIT s) for the 1-minute load average to fall to <= QUIET_LOAD
  [ "$WAIT_QUIET" = 1 ] || return 0
  local waited=0
  while [ "$waited" -lt "$QUIET_WAIT" ]; do
    awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN{exit !(l <= q)}' && return 0
    sleep 5; waited=$((waited + 5))
  done
  echo "  (machine still busy after ${QUIET_WAIT} s: load $(load1))"
}

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

http_code() {  # method url [body]: the status code, 000 when nothing answered
  if [ "$1" = GET ]; then curl -s -m 5 -o /dev/null -w '%{http_code}' "$2" 2>/dev/null || true
  else curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$3" "$2" 2>/dev/null || true
  fi
}

wait_ready() {  # url pid: up to 4 minutes for a 200
  local _
  for _ in $(seq 1 480); do
    kill -0 "$2" 2>/dev/null || return 1
    [ "$(http_code GET "$1")" = 200 ] && return 0
    sleep 0.5
  done
  return 1
}

stop() {  # pid
  kill -TERM "$1" 2>/dev/null || true
  local _
  for _ in $(seq 1 40); do kill -0 "$1" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

threads_of() { ls "/proc/$1/task" 2>/dev/null | wc -l; }

# ---- llama-server ---------------------------------------------------------------------------------------------------
llama_flags=(--cont-batching)
llama_ready() {
  [ -x "$LLAMA_SERVER" ] || { echo "bench-chat: no $LLAMA_SERVER (run scripts/build-llama-cpp.sh)"; return 1; }
  "$LLAMA_SERVER" --help 2>&1 | grep -q -- '--no-webui' && llama_flags+=(--no-webui)
  return 0
}

start_llama() {  # concurrency → sets spid, port
  local c=$1
  port=$(free_port)
  "$LLAMA_SERVER" -m "$MODEL" -t "$THREADS" -tb "$THREADS" -np "$c" -c $((c * SLOT_CTX)) "${llama_flags[@]}" \
    --host 127.0.0.1 --port "$port" -a "$model_stem" >> "$out/llama-server.log" 2>&1 &
  spid=$!; pids+=("$spid")
  wait_ready "http://127.0.0.1:$port/health" "$spid" \
    || { echo "bench-chat: llama-server did not become ready (log: $out/llama-server.log)" >&2; tail -n 20 "$out/llama-server.log" >&2; exit 1; }
}

# ---- Flint ----------------------------------------------------------------------------------------------------------
# The chat server (issue 13): the GGUF file as a chat model, threads, slots and context per slot. FLINT_SERVE_ARGS adds more.
flint_skip=""
flint_ready() {
  [ -x "$FLINT_BIN" ] || { flint_skip="no $FLINT_BIN (make build)"; return 1; }
  return 0
}

start_flint() {  # concurrency → sets spid, port; returns 1 (with flint_skip set) when this flint has no chat endpoint
  local c=$1 template=()
  port=$(free_port)
  # A file without a chat template gets ChatML, as llama-server falls back to it.
  "$FLINT_BIN" inspect "$MODEL" --json 2>/dev/null | "$py" -c 'import json, sys; sys.exit(0 if json.load(sys.stdin).get("chat_template") else 1)' \
    || template=(--chat-template chatml)
  # Same threads (FLINT_NUM_THREADS), slots (--max-sequences) and context per slot (--ctx-size) as llama-server; f16 KV.
  # shellcheck disable=SC2086
  FLINT_NUM_THREADS=$THREADS "$FLINT_BIN" serve --chat-model "$model_stem=$MODEL" "${template[@]}" --host 127.0.0.1 --port "$port" \
    --ctx-size "$SLOT_CTX" --max-sequences "$c" --data-dir "$out/flint-data" ${FLINT_SERVE_ARGS:-} >> "$out/flint.log" 2>&1 &
  spid=$!; pids+=("$spid")
  if ! wait_ready "http://127.0.0.1:$port/ready" "$spid"; then
    flint_skip="flint serve did not become ready with --chat-model/--max-sequences: $( (grep -m1 -iE 'error|unknown' "$out/flint.log" || true) | cut -c1-160) (log: $out/flint.log)"
    stop "$spid"; return 1
  fi
  local code name
  name=$(curl -s -m 5 "http://127.0.0.1:$port/v1/models" | "$py" -c 'import json, sys
try: print(json.load(sys.stdin)["data"][0]["id"])
except Exception: print("")')
  code=$(http_code POST "http://127.0.0.1:$port/v1/chat/completions" \
    "{\"model\":\"$name\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":1}")
  case "$code" in
    200) ;;
    404|405) flint_skip="flint serve answered $code to POST /v1/chat/completions (no chat endpoint in this binary)"
             stop "$spid"; return 1 ;;
    *) flint_skip="flint serve answered $code to a one-token POST /v1/chat/completions for model '$name' (log: $out/flint.log)"
       stop "$spid"; return 1 ;;
  esac
}

# ---- one point ------------------------------------------------------------------------------------------------------
measure() {  # server repeat concurrency [phase]
  local server=$1 r=$2 c=$3 phase=${4:-load} seconds=$DURATION extra=()
  if [ "$server" = flint ]; then
    [ -z "$flint_skip" ] || return 0
    start_flint "$c" || { echo "bench-chat: skipping Flint: $flint_skip"; return 0; }
  else
    start_llama "$c"
  fi
  local pid=$spid
  if [ "$phase" = soak ]; then seconds=$SOAK_SECONDS; extra=(--rss-pid "$pid" --rss-interval 10); fi
  wait_quiet
  local load; load=$(load1)
  echo "--- $server, repeat $r, concurrency $c, ${seconds} s ($phase; load $load; pid $pid, $(threads_of "$pid") threads, $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )) MiB)"
  "$py" scripts/bench/chat_load.py run --base-url "http://127.0.0.1:$port" --label "$server" --concurrency "$c" \
    --duration "$seconds" --max-tokens "$MAX_TOKENS" "${extra[@]}" --meta repeat "$r" --meta load1 "$load" \
    --meta phase "$phase" --meta threads "$THREADS" --output "$out/$server-$phase-c$c-r$r.json"
  stop "$pid"
}

servers=()
if [ "$ONLY" != llama-server ]; then
  if flint_ready; then servers+=(flint); else echo "bench-chat: skipping Flint: $flint_skip"; fi
fi
if [ "$ONLY" != flint ]; then llama_ready && servers+=(llama-server); fi
[ ${#servers[@]} -gt 0 ] || { echo "bench-chat: no server to measure" >&2; exit 1; }

MODEL=$MODEL THREADS=$THREADS CONCURRENCY=$CONCURRENCY DURATION=$DURATION REPEATS=$REPEATS SLOT_CTX=$SLOT_CTX \
MAX_TOKENS=$MAX_TOKENS SOAK=$SOAK SOAK_SECONDS=$SOAK_SECONDS SOAK_CONCURRENCY=$SOAK_CONCURRENCY STAMP=$stamp \
LLAMA_SERVER=$LLAMA_SERVER LLAMA_FLAGS="-t $THREADS -tb $THREADS -np C -c C*$SLOT_CTX ${llama_flags[*]}" \
FLINT_BIN=$FLINT_BIN SERVERS="${servers[*]}" "$py" - > "$out/header.json" <<'EOF'
import json, os
e = os.environ
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
print(json.dumps({
    "model": e["MODEL"], "threads": int(e["THREADS"]), "concurrency": [int(c) for c in e["CONCURRENCY"].split()],
    "duration_s": int(e["DURATION"]), "repeats": int(e["REPEATS"]), "slot_ctx": int(e["SLOT_CTX"]),
    "max_tokens": int(e["MAX_TOKENS"]), "ignore_eos": True, "temperature": 0, "soak": e["SOAK"] == "1",
    "soak_seconds": int(e["SOAK_SECONDS"]), "soak_concurrency": int(e["SOAK_CONCURRENCY"]), "started": e["STAMP"],
    "servers": e["SERVERS"].split(), "cpu": cpu, "cores": os.cpu_count(), "llama_server": e["LLAMA_SERVER"],
    "llama_flags": e["LLAMA_FLAGS"], "flint_bin": e["FLINT_BIN"], "load_at_start": open("/proc/loadavg").read().split()[:3],
}, indent=1))
EOF
if [ "$POINTS" = 1 ]; then plan="concurrency $CONCURRENCY, $DURATION s per point, $REPEATS repeat(s)"; else plan="no points"; fi
[ "$SOAK" = 1 ] && plan="$plan, soak $SOAK_SECONDS s at c=$SOAK_CONCURRENCY"
echo "##### bench-chat: $(basename "$MODEL"), $THREADS threads on each side, $plan, max_tokens $MAX_TOKENS (ignore_eos), servers: ${servers[*]}; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$REPEATS"); do
  [ "$POINTS" = 1 ] || break
  order=("${servers[@]}")
  # Odd repeats in the listed order (flint, llama-server), even repeats reversed.
  if [ $((r % 2)) -eq 0 ] && [ ${#servers[@]} -eq 2 ]; then order=("${servers[1]}" "${servers[0]}"); fi
  for c in $CONCURRENCY; do
    for server in "${order[@]}"; do measure "$server" "$r" "$c"; done
  done
done
if [ "$SOAK" = 1 ]; then
  for server in "${servers[@]}"; do measure "$server" 1 "$SOAK_CONCURRENCY" soak; done
fi
[ -z "$flint_skip" ] || echo "bench-chat: Flint was skipped: $flint_skip"
shopt -s nullglob
points=("$out"/*-c*-r*.json)
[ ${#points[@]} -gt 0 ] || { echo "bench-chat: no point was measured" >&2; exit 1; }
"$py" scripts/bench/chat_load.py summarize --header "$out/header.json" --output "$results" "${points[@]}"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); per-point files and logs: $out"
