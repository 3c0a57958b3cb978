#!/usr/bin/env bash
# Creates the peer environment that `flint bench` compares against: a Python venv with PyTorch (CPU build when the
# index offers it), transformers, onnxruntime and numpy. Idempotent; nothing is installed system-wide.
#   FLINT_PEERS_VENV (default ${FLINT_CACHE:-~/.cache/flint}/peers-venv)
set -euo pipefail
cache=${FLINT_CACHE:-$HOME/.cache/flint}
venv=${FLINT_PEERS_VENV:-$cache/peers-venv}
mkdir -p "$cache"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py="$venv/bin/python"
if ! "$py" -c 'import torch' 2>/dev/null; then
  "$py" -m pip install -q -U pip wheel
  "$py" -m pip install -q "torch==2.13.0+cpu" 2>/dev/null || "$py" -m pip install -q torch
fi
"$py" -c 'import numpy, safetensors, threadpoolctl, tensorboard' 2>/dev/null || "$py" -m pip install -q numpy safetensors threadpoolctl tensorboard
"$py" -c 'import torch, numpy; print("peer env ready at '"$venv"': torch", torch.__version__, "numpy", numpy.__version__)'
