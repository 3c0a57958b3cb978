#!/usr/bin/env bash
# Installs what Flint needs to build, test and run on Debian: OpenBLAS, zlib, SQLite and the Fashion-MNIST
# data set. Idempotent: packages already present are skipped. Uses sudo when not root.
set -euo pipefail
need=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || need+=(libopenblas-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)   # the model registry's index (GRDB)
dpkg -s pkg-config >/dev/null 2>&1 || dpkg -s pkgconf >/dev/null 2>&1 || need+=(pkg-config)
dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || need+=(dataset-fashion-mnist)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
# Check the data set against the pinned sha256 (../shared/data/SOURCES.md).
dir=/usr/share/datasets/fashion-mnist
sha256sum -c --quiet - <<SUMS
b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7  $dir/train-images-idx3-ubyte.gz
0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056  $dir/train-labels-idx1-ubyte.gz
cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa  $dir/t10k-images-idx3-ubyte.gz
8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05  $dir/t10k-labels-idx1-ubyte.gz
SUMS
echo "setup: OpenBLAS, zlib, SQLite and Fashion-MNIST ready"
