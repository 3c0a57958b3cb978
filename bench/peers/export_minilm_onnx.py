#!/usr/bin/env python3
"""Exports all-MiniLM-L6-v2's BertModel (last_hidden_state) to ONNX for the onnxruntime peer of `flint bench`.

Usage: export_minilm_onnx.py MODEL_DIR OUT.onnx
Writes OUT.onnx (dynamic batch and sequence axes, opset 17, eager attention so the graph has plain
MatMul/Softmax that onnxruntime fuses), then OUT_fused.onnx made by onnxruntime's transformer optimizer
(fused attention, LayerNorm, GELU) when it succeeds, and checks both against PyTorch on a padded batch.
"""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import onnxruntime as ort
import torch
from transformers import BertModel


class LastHiddenState(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state


def check(path, model, feeds, reference, mask):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    got = session.run(None, feeds)[0]
    difference = float(np.abs(np.where(mask[..., None], reference - got, 0)).max())
    print(f"{os.path.basename(path)}: max |onnx - torch| over real tokens {difference:.2e}", file=sys.stderr)
    if difference > 1e-3:
        raise SystemExit(f"{path}: differs from PyTorch by {difference}")


def main():
    model_dir, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    model = BertModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    wrapper = LastHiddenState(model).eval()
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102, 0, 0], [101, 2178, 6251, 2007, 2062, 19204, 2015, 102]])
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    axes = {name: {0: "batch", 1: "sequence"} for name in ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(wrapper, (ids, mask, types), out, input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17,
                          do_constant_folding=True, dynamo=False)
        reference = model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state.numpy()
    feeds = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "token_type_ids": types.numpy()}
    check(out, model, feeds, reference, mask.numpy().astype(bool))
    fused = out.replace(".onnx", "_fused.onnx")
    try:
        from onnxruntime.transformers import optimizer
        optimized = optimizer.optimize_model(out, model_type="bert", num_heads=model.config.num_attention_heads,
                                             hidden_size=model.config.hidden_size)
        optimized.save_model_to_file(fused)
        check(fused, model, feeds, reference, mask.numpy().astype(bool))
    except Exception as error:  # the plain export is still usable
        print(f"onnxruntime transformer optimizer failed: {error!r}", file=sys.stderr)
        if os.path.exists(fused):
            os.remove(fused)


if __name__ == "__main__":
    main()
