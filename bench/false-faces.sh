#!/usr/bin/env bash
# What the face detector's false faces are and what each score threshold trades (issue 28):
# every box above score 0.5 on the group pictures (truth) and the web photos (look-only: counts),
# at 320x240 and 640x480, with and without the face-shape check (core/examples/false_faces.rs).
# Prints Markdown tables (docs/PERFORMANCE.md) and writes every box to BOXES.csv.
# Usage: bench/false-faces.sh [GROUPS_DIR] [BOXES.csv]
#   GROUPS_DIR defaults to /work/runs/groups (bench/faces-eval.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/work/runs/groups}
BOXES=${2:-$DIR/false-faces-boxes.csv}
WEB=../shared/datasets/web-photos
[ -d "$WEB" ] || WEB=/work/shared/datasets/web-photos
[ -d "$WEB" ] || { echo "missing ../shared/datasets/web-photos" >&2; exit 1; }
[ -f "$DIR/truth.csv" ] || { echo "missing $DIR/truth.csv: run bench/faces-eval.sh first" >&2; exit 1; }
CARGO_PROFILE_RELEASE_LTO=false cargo build --release -q -p glasses-core --example false_faces
target/release/examples/false_faces "$DIR" "$WEB" "$BOXES"
