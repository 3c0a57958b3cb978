#!/usr/bin/env python3
"""Starts infinity-emb (`infinity_emb v2 ...`) with its compute threads set to the benchmark's count.

Usage: infinity_launcher.py --threads N -- <infinity_emb v2 arguments>

infinity-emb has no thread option: its torch engine runs on PyTorch's intra-op pool (default: all cores) and its
optimum engine on onnxruntime sessions created with default options (intra-op threads: all physical cores). This
launcher sets torch.set_num_threads(N) (and 1 inter-op thread), makes every onnxruntime InferenceSession use
intra_op_num_threads=N and inter_op_num_threads=1, sizes Rayon's pool (the tokenizer's batch calls) with
RAYON_NUM_THREADS=N, then runs infinity-emb's own command line unchanged. uvicorn runs one worker process
(infinity-emb's v2 has no worker option); its dynamic batching happens inside that process.
Usage statistics are switched off (DO_NOT_TRACK=1, INFINITY_ANONYMOUS_USAGE_STATS=0): the run is loopback-only.

One compatibility adapter, nothing else changed: infinity-emb 0.0.78's optimum engine passes the ONNX file it found
in a local model folder to optimum as an absolute path, which optimum 2.x (the first optimum that works with torch
2.13: optimum 1.27's exporters import torch.onnx internals torch 2.13 no longer has) rejects ("Could not find any
ONNX files with target file name /abs/model.onnx, only found: [model.onnx]"). The launcher hands optimum the same file
relative to the model folder, as optimum documents `file_name`.
"""
import os
import sys


def main():
    arguments = sys.argv[1:]
    if len(arguments) < 3 or arguments[0] != "--threads" or "--" not in arguments:
        raise SystemExit("usage: infinity_launcher.py --threads N -- <infinity_emb v2 arguments>")
    try:
        threads = int(arguments[1])
    except ValueError:
        raise SystemExit(f"infinity_launcher.py: --threads: '{arguments[1]}' is not a number")
    if threads <= 0:
        raise SystemExit(f"infinity_launcher.py: --threads: {threads} is not a positive number of threads")
    rest = arguments[arguments.index("--") + 1:]
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "true"
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["INFINITY_ANONYMOUS_USAGE_STATS"] = "0"

    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)

    import onnxruntime

    original_init = onnxruntime.InferenceSession.__init__

    def init_with_threads(self, path_or_bytes, sess_options=None, providers=None, provider_options=None, **kwargs):
        options = sess_options if sess_options is not None else onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        print(f"infinity_launcher: onnxruntime session with {threads} intra-op threads", file=sys.stderr, flush=True)
        original_init(self, path_or_bytes, options, providers, provider_options, **kwargs)

    onnxruntime.InferenceSession.__init__ = init_with_threads

    from pathlib import Path

    import infinity_emb.transformer.embedder.optimum as optimum_embedder

    found_onnx_file = optimum_embedder.get_onnx_files

    def onnx_file_relative_to_folder(*, model_name_or_path, **kwargs):
        path = found_onnx_file(model_name_or_path=model_name_or_path, **kwargs)
        folder = Path(model_name_or_path)
        if folder.is_dir() and Path(path).is_absolute():
            return Path(path).relative_to(folder.resolve() if not Path(path).is_relative_to(folder) else folder)
        return path

    optimum_embedder.get_onnx_files = onnx_file_relative_to_folder
    import infinity_emb
    from infinity_emb.cli import cli

    print(f"infinity_launcher: infinity-emb {infinity_emb.__version__}, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), onnxruntime {onnxruntime.__version__}", file=sys.stderr, flush=True)
    sys.argv = ["infinity_emb"] + rest
    cli()


if __name__ == "__main__":
    main()
