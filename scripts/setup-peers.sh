#!/usr/bin/env bash
# Creates the peer environment that `flint bench` compares against: a Python venv with PyTorch (CPU build when the
# index offers it), transformers, tokenizers, sentence-transformers, onnx, onnxruntime, numpy, flask and gunicorn (versions pinned to
# the ones the benchmark tables were measured with), schemathesis (the OpenAPI contract run of flint serve,
# Tests/FlintServeTests/SchemathesisTests.swift), aiohttp and openai (scripts/bench-chat.sh, scripts/check-openai-sdk.py).
# Idempotent; nothing is installed system-wide.
#   FLINT_PEERS_VENV (default ${FLINT_CACHE:-~/.cache/flint}/peers-venv)
# With --infinity it also makes the serving peer of `make bench-serve-infinity`: infinity-emb 0.0.78 with its server,
# torch and optimum (onnxruntime) engines, in a venv of its own, FLINT_INFINITY_VENV (default
# ${FLINT_CACHE:-~/.cache/flint}/infinity-venv): its requirements (numpy < 2, sentence-transformers < 4, hence
# transformers < 5) would downgrade the peer venv's numpy 2, sentence-transformers 6 and transformers 5.
# The peer venv also gets gguf (gguf-py: GGUF reader/writer and the numpy (de)quantizers the GGUF fixtures are made with).
# With --llm it also installs the LLM peers of the fixture scripts (scripts/fixtures/make_*gguf*.py, make_smollm2_logits.py):
# llama-cpp-python built from its PyPI sdist (sha256-checked, kept in $FLINT_CACHE/llama.cpp/) with -DGGML_NATIVE=ON
# (about 10 minutes on 2 cores, under nice), and sentencepiece (the tiny `llama`-tokenizer model).
# jsonschema validates JSON mode's outputs (scripts/check-json-mode.py).
set -euo pipefail
cache=${FLINT_CACHE:-$HOME/.cache/flint}
venv=${FLINT_PEERS_VENV:-$cache/peers-venv}
mkdir -p "$cache"
if [ "${1:-}" = "--infinity" ]; then
  infinity=${FLINT_INFINITY_VENV:-$cache/infinity-venv}
  [ -x "$infinity/bin/pip" ] || python3 -m venv "$infinity"
  ipy="$infinity/bin/python"
  if ! "$ipy" -c 'import infinity_emb, torch, optimum.onnxruntime, sentence_transformers' 2>/dev/null; then
    # The versions pip resolved for infinity-emb 0.0.78 with torch 2.13 on Python 3.11 (2026-12-07), pinned.
    "$ipy" -m pip install -q "torch==2.13.0+cpu" 2>/dev/null || "$ipy" -m pip install -q "torch==2.13.0"
    "$ipy" -m pip install -q "infinity-emb[server,torch,optimum]==0.0.78" "optimum==2.1.0" "optimum-onnx==0.1.0" \
      "onnxruntime==1.32.0" "onnx==1.23.2" "transformers==4.57.6" "tokenizers==0.22.2" "sentence-transformers==3.4.1" \
      "numpy==1.26.4" "fastapi==0.165.0" "uvicorn==0.32.1" "huggingface_hub==0.36.2"
  fi
  "$ipy" -c 'import importlib.metadata as m; print("infinity-emb env ready at '"$infinity"': infinity-emb", m.version("infinity-emb"), "torch", m.version("torch"), "optimum", m.version("optimum"), "onnxruntime", m.version("onnxruntime"))'
  exit 0
fi
llm=0
[ "${1:-}" = "--llm" ] && llm=1
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py="$venv/bin/python"
if ! "$py" -c 'import torch' 2>/dev/null; then
  "$py" -m pip install -q -U pip wheel
  "$py" -m pip install -q "torch==2.13.0+cpu" 2>/dev/null || "$py" -m pip install -q torch
fi
"$py" -c 'import numpy, safetensors, threadpoolctl, tensorboard' 2>/dev/null || "$py" -m pip install -q numpy safetensors threadpoolctl tensorboard
# Hugging Face stack for the MiniLM peers (bench/peers/bench_minilm.py, export_minilm_onnx.py) and fixture scripts.
"$py" -c 'import transformers, tokenizers, sentence_transformers, onnx, onnxruntime' 2>/dev/null || "$py" -m pip install -q \
  "transformers==5.24.0" "tokenizers==0.23.3" "sentence-transformers==6.2.0" "onnx==1.23.2" "onnxruntime==1.32.0"
# The serving baseline of scripts/bench-serve.sh: Flask under gunicorn.
"$py" -c 'import flask, gunicorn' 2>/dev/null || "$py" -m pip install -q "flask==3.1.3" "gunicorn==27.0.1"
# gguf-py: the GGUF writer and the reference (de)quantizers of the GGUF fixtures (scripts/fixtures/make_ggml_quant_fixtures.py).
[ "$("$py" -c 'import importlib.metadata as m; print(m.version("gguf"))' 2>/dev/null)" = "0.19.0" ] || "$py" -m pip install -q "gguf==0.19.0"
if [ "$llm" = 1 ]; then
  if [ "$("$py" -c 'import importlib.metadata as m; print(m.version("llama_cpp_python"))' 2>/dev/null)" != "0.3.36" ]; then
    source "$(dirname "$0")/lib/llama-cpp-sdist.sh" setup-peers
    echo "setup-peers: building llama-cpp-python $llama_cpp_python_version from its sdist (GGML_NATIVE=ON; ~10 min on 2 cores)"
    # LLAVA_BUILD=OFF: the multimodal library is not used by the fixture scripts (llama_cpp imports it lazily).
    CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
      nice -n 10 "$py" -m pip install -q --no-cache-dir --no-binary llama-cpp-python "$llama_sdist"
  fi
  [ "$("$py" -c 'import importlib.metadata as m; print(m.version("sentencepiece"))' 2>/dev/null)" = "0.2.3" ] || "$py" -m pip install -q "sentencepiece==0.2.3"
  "$py" -c 'import llama_cpp, sentencepiece, gguf, importlib.metadata as m; print("LLM peers ready: llama-cpp-python", llama_cpp.__version__, "gguf", m.version("gguf"), "sentencepiece", sentencepiece.__version__)'
fi
# The JSON Schema validator of scripts/check-json-mode.py (JSON mode's outputs checked against their schemas).
[ "$("$py" -c 'import importlib.metadata as m; print(m.version("jsonschema"))' 2>/dev/null)" = "4.26.0" ] || "$py" -m pip install -q "jsonschema==4.26.0"
# The chat clients of issue 13: aiohttp for scripts/bench/chat_load.py (the load client of scripts/bench-chat.sh) and the
# official openai package for scripts/check-openai-sdk.py (OpenAI and AzureOpenAI clients against a live server).
[ "$("$py" -c 'import importlib.metadata as m; print(m.version("aiohttp"), m.version("openai"))' 2>/dev/null)" = "3.14.5 3.51.0" ] \
  || "$py" -m pip install -q "aiohttp==3.14.5" "openai==3.51.0"
# The OpenAPI contract checker that SchemathesisTests runs against the real flint serve (docs/openapi.yaml).
[ "$("$venv/bin/st" --version 2>/dev/null)" = "st, version 4.32.5" ] || "$py" -m pip install -q "schemathesis==4.32.5"
"$py" -c 'import torch, numpy, transformers, onnxruntime; print("peer env ready at '"$venv"': torch", torch.__version__, "numpy", numpy.__version__, "transformers", transformers.__version__, "onnxruntime", onnxruntime.__version__)'
