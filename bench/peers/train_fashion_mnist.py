#!/usr/bin/env python3
"""PyTorch reference for `flint train cnn`: the same network, data, normalisation (mean 0.2860, std 0.3530),
optimizer (Adam 1e-3) and batch size (64) on Fashion-MNIST from the Debian package; prints the same lines.
Usage: train_fashion_mnist.py [EPOCHS] [SEED] [THREADS]"""
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from reference_cnn import ReferenceCNN  # noqa: E402

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 1
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
lr = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-3
schedule = sys.argv[5] if len(sys.argv) > 5 else "constant"
root = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(root, name)) as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 0x803:
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8)


def images(name):
    return torch.from_numpy(((idx(name).astype(np.float32) / 255) - 0.2860) / 0.3530)


xtr, ytr = images("train-images-idx3-ubyte.gz"), torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
xte, yte = images("t10k-images-idx3-ubyte.gz"), torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
torch.manual_seed(seed)
model = ReferenceCNN(1, 10)
opt = torch.optim.Adam(model.parameters(), lr=lr)
steps = epochs * ((len(xtr) + 63) // 64)
if schedule == "cosine":
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s, steps) / steps)))
elif schedule == "onecycle":
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
else:
    sched = None
for epoch in range(epochs):
    model.train()
    perm = torch.randperm(len(xtr))
    t0 = time.time()
    wl, wc, ws = 0.0, 0, 0
    for b in range(0, len(xtr), 64):
        i = perm[b:b + 64]
        logits = model(xtr[i])
        loss = F.cross_entropy(logits, ytr[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        wl += loss.item(); wc += (logits.argmax(1) == ytr[i]).sum().item(); ws += len(i)
        if (b // 64 + 1) % 100 == 0:
            print(f"Batch {b // 64 + 1}, Loss: {wl / 100:.4f}, Acc: {100 * wc / ws:.2f}%", flush=True)
            wl, wc, ws = 0.0, 0, 0
    model.eval()
    with torch.no_grad():
        correct = sum((model(xte[j:j + 500]).argmax(1) == yte[j:j + 500]).sum().item() for j in range(0, 10000, 500))
    print(f"Epoch {epoch + 1}: {time.time() - t0:.1f} s, Test accuracy: {100 * correct / 10000:.2f}%", flush=True)
