#!/usr/bin/env bash
# Face-detection times, core's engine and onnxruntime (one thread each) on the same files, in one
# run: the bundled int8 file and, when ../shared is there, the float source file. Rounds alternate
# core and onnxruntime, so that load from other processes hits both alike; the table shows, per
# file and input size, the median over rounds of each side's median thread CPU time (`run`: the
# engine on the letterboxed tensor; `total`: picture to faces) and the ratio core / onnxruntime.
# The raw JSON lines go to stderr.
# Usage: bench/detect-compare.sh [RUNS]   (ROUNDS=3; PYTHON=... for a Python with onnxruntime,
#                                          onnx, numpy, pillow)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
ROUNDS=${ROUNDS:-3}
PYTHON=${PYTHON:-python3}
FLOAT=../shared/pretrained/face-detector/yunet_s_640_640.onnx
[ -f "$FLOAT" ] || FLOAT=/work/shared/pretrained/face-detector/yunet_s_640_640.onnx
cargo build --release -q -p glasses-core --example detect_latency
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
for round in $(seq "$ROUNDS"); do
  for model in core/models/face-detector.onnx "$FLOAT"; do
    [ -f "$model" ] || { echo "skipping $model (absent)" >&2; continue; }
    target/release/examples/detect_latency "$model" "$RUNS" | sed "s/^{/{\"round\":$round,/" | tee -a "$lines" >&2
    "$PYTHON" bench/ort_detect_latency.py "$model" "$RUNS" | sed "s/^{/{\"round\": $round, /" | tee -a "$lines" >&2
  done
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PYTHON" - "$lines" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def side(r):
    return "ort" if r["engine"].startswith("onnxruntime") else "core"
keys = sorted({(r["model"], r["input"], r["tensor"]) for r in rows}, key=lambda k: (k[0], int(k[1].split("x")[0])))
print("| model | input (tensor) | core run ms | ORT run ms | run ratio | core total ms | ORT total ms | total ratio |")
print("|---|---|---|---|---|---|---|---|")
for model, inp, tensor in keys:
    med = {}
    for s in ("core", "ort"):
        for f in ("run_cpu_ms", "total_cpu_ms"):
            vals = [r[f] for r in rows if (r["model"], r["input"], side(r)) == (model, inp, s)]
            med[s, f] = statistics.median(vals) if vals else float("nan")
    name = "bundled int8" if model.startswith("core/") else "float " + model.rsplit("/", 1)[-1]
    print(f"| {name} | {inp} ({tensor}) | {med['core', 'run_cpu_ms']:.2f} | {med['ort', 'run_cpu_ms']:.2f} | "
          f"{med['core', 'run_cpu_ms'] / med['ort', 'run_cpu_ms']:.2f} | {med['core', 'total_cpu_ms']:.2f} | "
          f"{med['ort', 'total_cpu_ms']:.2f} | {med['core', 'total_cpu_ms'] / med['ort', 'total_cpu_ms']:.2f} |")
EOF
