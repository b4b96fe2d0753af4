#!/usr/bin/env bash
# Face-detection times, core's engine and onnxruntime (one thread each) on the same files, in one
# run: the bundled int8 file and, when ../shared is there, the float source file.
# Usage: bench/detect-compare.sh [RUNS]   (PYTHON=... for a Python with onnxruntime, onnx, pillow)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
PYTHON=${PYTHON:-python3}
FLOAT=../shared/pretrained/face-detector/yunet_s_640_640.onnx
[ -f "$FLOAT" ] || FLOAT=/work/shared/pretrained/face-detector/yunet_s_640_640.onnx
cargo build --release -q -p glasses-core --example detect_latency
for model in core/models/face-detector.onnx "$FLOAT"; do
  [ -f "$model" ] || { echo "skipping $model (absent)" >&2; continue; }
  target/release/examples/detect_latency "$model" "$RUNS"
  "$PYTHON" bench/ort_detect_latency.py "$model" "$RUNS"
done
