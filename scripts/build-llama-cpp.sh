#!/usr/bin/env bash
# Builds llama.cpp's tools — llama-bench, llama-server, llama-perplexity, llama-quantize, llama-cli, llama-tokenize —
# the CPU reference of issue 12's `flint bench` LLM rows, from the llama.cpp tree inside the PyPI sdist of
# llama-cpp-python==0.3.36 (vendor/llama.cpp; the sdist is sha256-checked, scripts/lib/llama-cpp-sdist.sh), with cmake
# and g++ from Debian (installed with apt when missing), Release, -DGGML_NATIVE=ON, no OpenSSL, no prebuilt web UI
# (LLAMA_CURL is deprecated in this tree and not passed), static libraries (the binaries stand alone), into
#   $FLINT_CACHE/llama.cpp/0.3.36/bin/        (FLINT_CACHE defaults to ~/.cache/flint; nothing goes into the repo)
# About 10-15 minutes cold on 2 cores; runs the compiler under nice -n 10 (the binaries themselves are not slowed).
# Idempotent: when every binary is there and was built from the same sdist and flags, it only prints where they are.
#   LLAMA_CPP_JOBS (default: nproc) parallel compile jobs.
set -euo pipefail
source "$(dirname "$0")/lib/pip-python.sh" build-llama-cpp
source "$(dirname "$0")/lib/llama-cpp-sdist.sh" build-llama-cpp

dest="$cache/llama.cpp/$llama_cpp_python_version"
tools=(llama-bench llama-server llama-perplexity llama-quantize llama-cli llama-tokenize)
flags=(-DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF
       -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON
       -DLLAMA_BUILD_SERVER=ON)
stamp="sdist $llama_sdist_sha256 flags ${flags[*]} tools ${tools[*]}"

ready() {
  [ -f "$dest/BUILD-STAMP" ] && [ "$(cat "$dest/BUILD-STAMP")" = "$stamp" ] || return 1
  local tool
  for tool in "${tools[@]}"; do [ -x "$dest/bin/$tool" ] || return 1; done
}

if ready; then
  echo "build-llama-cpp: llama.cpp tools (llama-cpp-python $llama_cpp_python_version tree) ready in $dest/bin: ${tools[*]}"
  exit 0
fi

need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "build-llama-cpp: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi

start=$(date +%s)
src="$dest/src"
rm -rf "$src" "$dest/build" "$dest/bin" "$dest/BUILD-STAMP"
mkdir -p "$src"
echo "build-llama-cpp: extracting vendor/llama.cpp from $(basename "$llama_sdist")"
tar -xzf "$llama_sdist" -C "$src" --strip-components=3 "llama_cpp_python-$llama_cpp_python_version/vendor/llama.cpp"
echo "build-llama-cpp: configuring (cmake $(cmake --version | head -n1 | awk '{print $3}'), $(g++ --version | head -n1))"
cmake -S "$src" -B "$dest/build" "${flags[@]}" >"$dest/cmake-configure.log" 2>&1 \
  || { tail -n 40 "$dest/cmake-configure.log" >&2; echo "build-llama-cpp: cmake configure failed (log: $dest/cmake-configure.log)" >&2; exit 1; }
jobs=${LLAMA_CPP_JOBS:-$(nproc)}
echo "build-llama-cpp: building ${tools[*]} with $jobs jobs under nice -n 10 (about 10-15 minutes on 2 cores)"
nice -n 10 cmake --build "$dest/build" --config Release -j "$jobs" --target "${tools[@]}" >"$dest/cmake-build.log" 2>&1 \
  || { tail -n 40 "$dest/cmake-build.log" >&2; echo "build-llama-cpp: build failed (log: $dest/cmake-build.log)" >&2; exit 1; }
mkdir -p "$dest/bin"
for tool in "${tools[@]}"; do
  cp "$dest/build/bin/$tool" "$dest/bin/$tool"
done
# The sources and object files are not needed to run the tools (static build): keep only bin/ and the logs.
rm -rf "$src" "$dest/build"
echo "$stamp" >"$dest/BUILD-STAMP"
echo "build-llama-cpp: built in $(( $(date +%s) - start )) s; llama.cpp tools ready in $dest/bin: ${tools[*]}"
"$dest/bin/llama-cli" --version 2>&1 | head -n 2 || true
