#!/usr/bin/env python3
"""Checks that a Flint checkpoint of the reference CNN opens with safetensors.torch.load_file and loads into the
PyTorch network with load_state_dict(strict=True); then compares logits on the same input when given a .npy-free
input spec. Usage: check_state_dict.py CHECKPOINT [IN_CHANNELS]"""
import os
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(__file__))
from reference_cnn import ReferenceCNN  # noqa: E402

path = sys.argv[1]
in_channels = int(sys.argv[2]) if len(sys.argv) > 2 else 1
state = load_file(path)
model = ReferenceCNN(in_channels=in_channels)
result = model.load_state_dict(state, strict=True)
model.eval()
x = torch.linspace(-1, 1, 2 * in_channels * 28 * 28).reshape(2, in_channels, 28, 28)
with torch.no_grad():
    logits = model(x)
print("loaded", len(state), "tensors strictly; logits[0] =", [round(v, 5) for v in logits[0].tolist()])
