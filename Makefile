# Flint: two commands do everything on a fresh Debian machine.
#   make run   — set up, build, train the reference CNN for one epoch on Fashion-MNIST
#   make test  — set up, build, run the test suite
SWIFT ?= swift
EPOCHS ?= 1
SEED ?= 42
OUTPUT ?= runs/cnn-fashion-mnist

.PHONY: setup build run test bench peers clean

setup:
	@bash scripts/setup.sh
	@bash scripts/fetch-models.sh
	@bash scripts/fetch-datasets.sh

build: setup
	$(SWIFT) build -c release --product flint

run: build
	.build/release/flint train cnn --dataset fashion-mnist --epochs $(EPOCHS) --batch-size 64 --seed $(SEED) --output $(OUTPUT)

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test

peers:
	@bash scripts/setup-peers.sh

bench: build
	.build/release/flint bench

clean:
	rm -rf .build
