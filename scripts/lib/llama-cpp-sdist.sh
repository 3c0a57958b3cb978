# Sourced by scripts/setup-peers.sh --llm and scripts/build-llama-cpp.sh: fetches the PyPI sdist of llama-cpp-python
# (the llama.cpp tree the LLM peers are built from, in vendor/llama.cpp) into the Flint cache once, checks its sha256,
# and sets $llama_sdist to its path. Needs $py (a python3 with pip) and $cache. $1 names the caller in messages.
llama_cpp_python_version=0.3.36
llama_sdist_sha256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
llama_sdist="$cache/llama.cpp/llama_cpp_python-$llama_cpp_python_version.tar.gz"
if ! { [ -f "$llama_sdist" ] && echo "$llama_sdist_sha256  $llama_sdist" | sha256sum -c --quiet - 2>/dev/null; }; then
  echo "$1: downloading the llama-cpp-python==$llama_cpp_python_version sdist"
  mkdir -p "$cache/llama.cpp"
  llama_sdist_tmp=$(mktemp -d)
  # --no-binary only for this package: its build requirements (scikit-build-core, cmake) may come as wheels.
  "$py" -m pip download -q --no-deps --no-binary llama-cpp-python "llama-cpp-python==$llama_cpp_python_version" -d "$llama_sdist_tmp"
  echo "$llama_sdist_sha256  $llama_sdist_tmp/llama_cpp_python-$llama_cpp_python_version.tar.gz" | sha256sum -c --quiet - \
    || { echo "$1: sha256 mismatch for the llama-cpp-python sdist" >&2; rm -rf "$llama_sdist_tmp"; exit 1; }
  mv "$llama_sdist_tmp/llama_cpp_python-$llama_cpp_python_version.tar.gz" "$llama_sdist"
  rm -rf "$llama_sdist_tmp"
fi
