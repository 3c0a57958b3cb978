#!/usr/bin/env bash
# Makes the GGUF files of issue 12's speed rows (`flint bench` against llama.cpp). SPEED ONLY: these files are for
# measuring tokens/s, never for quality — the synthetic model has random weights, and the requantized SmolLM2 files
# lose accuracy twice (Q4_1 → F32 → another type).
#   $FLINT_CACHE/models/synthetic-tinyllama/synthetic-tinyllama-1.1b.Q4_0.gguf, .Q4_K_M.gguf
#       random weights in TinyLlama-1.1B's shape (22 layers, d 2048, 32 query / 4 KV heads, FFN 5632, untied head) with
#       SmolLM2's tokenizer metadata (vocab 49,152): written F16 by gguf-py (scripts/make_synthetic_llm.py, seeded),
#       then quantized by llama-quantize; the 2.3 GB F16 intermediate is deleted.
#   $FLINT_CACHE/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_0.gguf, .Q8_0.gguf, .Q4_K_M.gguf
#       requantized from the fetched Q4_1 file with `llama-quantize --allow-requantize` (token_embd, also the tied
#       output head, stays Q8_0 in all three). SmolLM2's d = 576 is not a multiple of 256, so in Q4_K_M llama-quantize
#       falls back to 32-element types for tensors whose rows have 576 elements (Q5_0 for the Q4_K ones, Q8_0 for the
#       Q6_K ones; it prints which, see the .log): only the 30 ffn_down matrices (rows of 1536) are K-quants (16 Q4_K,
#       14 Q6_K), next to 166 Q5_0 and 15 Q8_0 — a "Q4_K_M" file that mostly exercises Q5_0 / Q8_0 kernels.
#       The synthetic files: Q4_0 has output.weight in Q6_K (llama-quantize's default for the head), Q4_K_M has
#       135 Q4_K and 21 Q6_K tensors (token_embd Q4_K, output Q6_K).
# Uses llama-quantize from scripts/build-llama-cpp.sh and the peer venv's gguf (scripts/setup-peers.sh); runs them
# under nice -n 10. Idempotent: files already made are kept (each is written to .partial and renamed when complete).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache=${FLINT_CACHE:-$HOME/.cache/flint}
venv=${FLINT_PEERS_VENV:-$cache/peers-venv}
py="$venv/bin/python"

bash "$here/fetch-models.sh" >/dev/null
bash "$here/build-llama-cpp.sh" >/dev/null
source "$here/lib/llama-cpp-sdist.sh" make-synthetic-llm
quantize="$cache/llama.cpp/$llama_cpp_python_version/bin/llama-quantize"
[ -x "$quantize" ] || { echo "make-synthetic-llm: $quantize missing (scripts/build-llama-cpp.sh)" >&2; exit 1; }
"$py" -c 'import gguf' 2>/dev/null || bash "$here/setup-peers.sh"
threads=$(nproc)

smol_dir="$cache/models/smollm2-135m-instruct"
smol="$smol_dir/SmolLM2-135M-Instruct.Q4_1.gguf"
synth_dir="$cache/models/synthetic-tinyllama"
mkdir -p "$synth_dir"

# quantize INPUT OUTPUT TYPE: llama-quantize into OUTPUT.partial, renamed when it succeeds.
quantize_to() {
  local input=$1 output=$2 type=$3
  if [ -s "$output" ]; then echo "make-synthetic-llm: $output ready"; return; fi
  echo "make-synthetic-llm: llama-quantize $(basename "$input") → $type"
  nice -n 10 "$quantize" --allow-requantize "$input" "$output.partial" "$type" "$threads" >"$output.log" 2>&1 \
    || { tail -n 20 "$output.log" >&2; echo "make-synthetic-llm: llama-quantize failed (log: $output.log)" >&2; exit 1; }
  mv "$output.partial" "$output"
  echo "make-synthetic-llm: wrote $output ($(stat -c %s "$output") bytes; log $output.log)"
}

for type in Q4_0 Q8_0 Q4_K_M; do
  quantize_to "$smol" "$smol_dir/SmolLM2-135M-Instruct.$type.gguf" "$type"
done

f16="$synth_dir/synthetic-tinyllama-1.1b.F16.gguf"
if [ ! -s "$synth_dir/synthetic-tinyllama-1.1b.Q4_0.gguf" ] || [ ! -s "$synth_dir/synthetic-tinyllama-1.1b.Q4_K_M.gguf" ]; then
  if [ ! -s "$f16" ]; then
    nice -n 10 "$py" "$here/make_synthetic_llm.py" "$smol" "$f16.partial"
    mv "$f16.partial" "$f16"
  fi
  for type in Q4_0 Q4_K_M; do
    quantize_to "$f16" "$synth_dir/synthetic-tinyllama-1.1b.$type.gguf" "$type"
  done
else
  echo "make-synthetic-llm: $synth_dir/synthetic-tinyllama-1.1b.{Q4_0,Q4_K_M}.gguf ready"
fi
rm -f "$f16"
echo "make-synthetic-llm: speed-only GGUF files ready:"
ls -l "$smol_dir"/*.gguf "$synth_dir"/*.gguf
