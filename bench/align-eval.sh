#!/usr/bin/env bash
# Does levelling a face by its eye line before framing help (issue 28)? `auto` without and with
# ClassifierOptions::align_faces on held-out fold-0 faces turned by -30..30 degrees, the same at
# 0 degrees, the face-filling crops and the group pictures (core/examples/align_eval.rs).
# Prints Markdown tables (docs/PERFORMANCE.md).
# Usage: bench/align-eval.sh [GROUPS_DIR] [MODEL.onnx]
#   GROUPS_DIR: a `glasses-trainer groups` folder (default /work/runs/groups; bench/faces-eval.sh
#   makes it). MODEL defaults to the bundled classifier.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/work/runs/groups}
[ -f "$DIR/tight.csv" ] || { echo "missing $DIR/tight.csv: run bench/faces-eval.sh first" >&2; exit 1; }
# Thin LTO buys nothing for a measurement of counts; it only slows the build.
CARGO_PROFILE_RELEASE_LTO=false cargo build --release -q -p glasses-core --example align_eval
target/release/examples/align_eval "$DIR" ${2:+"$2"}
