#!/usr/bin/env python3
"""Writes a random-weights F16 GGUF model of TinyLlama-1.1B's shape for speed measurements only (scripts/make-synthetic-llm.sh
quantizes it with llama-quantize): architecture `llama`, 22 layers, d 2048, 32 query / 4 KV heads (head dim 64),
SwiGLU FFN 5632, RoPE base 10000, context 2048, untied output head — and SmolLM2's tokenizer metadata (every
`tokenizer.*` key of the SmolLM2 GGUF, so vocab 49,152 and its chat template). The weights are seeded normal noise
(std 0.02, norms ≈ 1): the model produces meaningless text; its speed is that of a real model of this shape.

Tensors are streamed to the file one at a time (about 2.3 GB; memory stays at one tensor).

  python scripts/make_synthetic_llm.py SMOLLM2.gguf OUTPUT-F16.gguf
"""
from __future__ import annotations

import os
import sys

import numpy as np
import gguf

LAYERS, D, HEADS, KV_HEADS, FFN, CONTEXT, ROPE_BASE, RMS_EPS = 22, 2048, 32, 4, 5632, 2048, 10000.0, 1e-5
SEED = 20261207


def copy_tokenizer(reader: gguf.GGUFReader, writer: gguf.GGUFWriter) -> int:
    """Copies every tokenizer.* key with its GGUF value type; returns the vocabulary size."""
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), vtype, sub_type=sub_type)
    return len(reader.fields["tokenizer.ggml.tokens"].data)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: make_synthetic_llm.py SMOLLM2.gguf OUTPUT-F16.gguf")
    source, output = sys.argv[1], sys.argv[2]
    reader = gguf.GGUFReader(source)
    writer = gguf.GGUFWriter(output, "llama")
    writer.add_name("synthetic-tinyllama-1.1b-shape (random weights, speed only)")
    writer.add_type("model")
    writer.add_description("Random weights in TinyLlama-1.1B's shape with SmolLM2's tokenizer: for speed measurements only")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(D)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_freq_base(ROPE_BASE)
    writer.add_layer_norm_rms_eps(RMS_EPS)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    vocab = copy_tokenizer(reader, writer)
    writer.add_vocab_size(vocab)
    writer.add_rope_dimension_count(D // HEADS)

    head_dim = D // HEADS
    shapes: list[tuple[str, tuple[int, ...], bool]] = [("token_embd.weight", (vocab, D), False)]
    for layer in range(LAYERS):
        p = f"blk.{layer}."
        shapes += [
            (p + "attn_norm.weight", (D,), True),
            (p + "attn_q.weight", (HEADS * head_dim, D), False),
            (p + "attn_k.weight", (KV_HEADS * head_dim, D), False),
            (p + "attn_v.weight", (KV_HEADS * head_dim, D), False),
            (p + "attn_output.weight", (D, HEADS * head_dim), False),
            (p + "ffn_norm.weight", (D,), True),
            (p + "ffn_gate.weight", (FFN, D), False),
            (p + "ffn_up.weight", (FFN, D), False),
            (p + "ffn_down.weight", (D, FFN), False),
        ]
    shapes += [("output_norm.weight", (D,), True), ("output.weight", (vocab, D), False)]
    for name, shape, is_norm in shapes:
        dtype = np.float32 if is_norm else np.float16
        writer.add_tensor_info(name, shape, np.dtype(dtype), int(np.prod(shape)) * np.dtype(dtype).itemsize)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    rng = np.random.default_rng(SEED)
    parameters = 0
    for name, shape, is_norm in shapes:
        if is_norm:
            data = (1.0 + 0.05 * rng.standard_normal(shape, dtype=np.float32)).astype(np.float32)
        else:
            data = (0.02 * rng.standard_normal(shape, dtype=np.float32)).astype(np.float16)
        writer.write_tensor_data(data)
        parameters += data.size
    writer.close()
    print(f"make_synthetic_llm: wrote {output} ({os.path.getsize(output)} bytes, {parameters / 1e9:.3f} B parameters, "
          f"vocab {vocab})")


if __name__ == "__main__":
    main()
