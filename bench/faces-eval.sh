#!/usr/bin/env bash
# "Every face in any photo" on people no model was trained on (issue 28): group pictures and
# face-filling crops made from the held-out fold 0 of the bundled recipe's split (both CelebA
# folders, every face, sunglasses as a class, seed 42), then the face detector and the classifier
# on them (core/examples/faces_eval.rs). Prints Markdown tables (docs/PERFORMANCE.md).
# Usage: bench/faces-eval.sh [OUT] [PICTURES]
#   OUT defaults to /work/runs/groups: CelebA pictures are not redistributable, keep them out of
#   the repository. An OUT that already holds truth.csv is evaluated as it is (delete it to redraw).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/work/runs/groups}
PICTURES=${2:-300}
DATA=../shared/datasets
[ -d "$DATA" ] || DATA=/work/shared/datasets
for folder in celeba-eyeglasses celeba-more; do
  [ -d "$DATA/$folder" ] || { echo "missing $DATA/$folder: cannot make the pictures" >&2; exit 1; }
done
if [ ! -f "$OUT/truth.csv" ]; then
  eval "$(scripts/setup-libtorch.sh --print-env)"
  export LIBTORCH LD_LIBRARY_PATH="$LIBTORCH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  cargo build -q -p glasses-trainer
  target/debug/glasses-trainer groups --out "$OUT" --pictures "$PICTURES" \
    --images-path "$DATA/celeba-eyeglasses" --images-path "$DATA/celeba-more" --folds 5 --seed 42 --val-fold 0
fi
# Thin LTO buys nothing for a measurement of counts; it only slows the build.
CARGO_PROFILE_RELEASE_LTO=false cargo build --release -q -p glasses-core --example faces_eval
target/release/examples/faces_eval "$OUT"
# Issue 28's other AUC target: the same fold-0 people as CelebA framed them (the source files of
# the face-filling crops), `auto` against `whole`, through the CLI.
framed="$OUT/celeba-framed"
if [ ! -d "$framed" ]; then
  mkdir -p "$framed/0" "$framed/1"
  tail -n +2 "$OUT/tight.csv" | while IFS=, read -r _ label source; do
    case "$label" in none) dir=0 ;; eyeglasses) dir=1 ;; *) continue ;; esac
    ln -sf "$source" "$framed/$dir/$(echo "$source" | tr / _)"
  done
fi
CARGO_PROFILE_RELEASE_LTO=false cargo build --release -q -p glasses-cli
for mode in auto whole; do
  echo
  echo "CelebA-framed fold-0 faces ($(find "$framed/0" "$framed/1" -type l | wc -l)), --faces $mode:"
  target/release/glasses eval --images-path "$framed" --faces "$mode" | grep -E '^(accuracy|f1|roc_auc) |^faces '
done
