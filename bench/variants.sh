#!/usr/bin/env bash
# The variants table (issue 5): size, accuracy and speed of the bundled model's variants, all on
# the same identity-disjoint validation fold (fold 0) and the same 3,604-image false-positive check
# set, each trained with the bundled model's recipe (80 epochs, AdamW lr 3e-4, batch 32, seed 42,
# +446 further negatives per epoch):
#   * input size 88x108 (bundled), 64x80, 48x60;
#   * int8 weights;
#   * magnitude pruning 30/50/70 % without fine-tuning, and 50/70 % with 20 epochs of fine-tuning;
#   * the ResNet-18 teacher's architecture (latency from random weights, same graph).
# Runs that exist under runs/ are reused; training all of them takes about 30 min on one core.
# Then times every model with bench/compare.sh (core vs ONNX Runtime, one run) and prints one table.
#
#   bench/variants.sh                 # needs ../shared/datasets/celeba-eyeglasses and libtorch
# Env: DATA (data folder), TRAINER (default target/debug/glasses-trainer, built if missing), RUNS,
# ROUNDS (passed to compare.sh), TIMING=0 (train and export only: timing needs an idle machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
data=${DATA:-$root/../shared/datasets/celeba-eyeglasses}
if [ ! -d "$data/0" ] || [ ! -d "$data/1" ]; then
  echo "missing data: $data needs 0/ and 1/ (the shared CelebA eyeglasses set); set DATA=..." >&2
  exit 1
fi
eval "$(scripts/setup-libtorch.sh --print-env)"
export LIBTORCH LD_LIBRARY_PATH="$LIBTORCH/lib:${LD_LIBRARY_PATH:-}"
trainer=${TRAINER:-target/debug/glasses-trainer}
[ -x "$trainer" ] || cargo build -q -p glasses-trainer
out=runs/variants
mkdir -p "$out"
common=(--arch squeezenet --images-path "$data" --batch-size 32 --extra-negatives 446 --threads 1)

train() { # run-folder, then train's options
  local run=$1
  shift
  [ -f "$run/metrics.json" ] || "$trainer" train "${common[@]}" --out "$run" "$@" >"$run.log" 2>&1
}
export_model() { # run-folder, onnx path, then export's options; the int8 sibling is written too
  local run=$1 onnx=$2
  shift 2
  # export fails its int8 accuracy gate on some variants; the files are still written and measured.
  [ -f "$onnx" ] || "$trainer" export --checkpoint "$run" --out "$onnx" "$@" >"$onnx.log" 2>&1 || true
}

echo "training and exporting the variants (reusing runs that exist)..." >&2
base=runs/sq-plain-xneg446-e80
train "$base" --epochs 80 --lr 3e-4 --input-width 88 --input-height 108
for size in 64x80 48x60; do
  train "runs/sq-plain-xneg446-e80-$size" --epochs 80 --lr 3e-4 --input-width "${size%x*}" --input-height "${size#*x}"
  export_model "runs/sq-plain-xneg446-e80-$size" "$out/sq-$size.onnx"
done
export_model "$base" "$out/sq-88x108.onnx"
for p in 30 50 70; do
  export_model "$base" "$out/sq-prune$p.onnx" --prune "0.$p"
done
for p in 50 70; do
  train "runs/sq-prune$p-ft20" --epochs 20 --lr 1e-4 --warmup-epochs 0 --input-width 88 --input-height 108 \
    --init-from "$base" --prune "0.$p"
  export_model "runs/sq-prune$p-ft20" "$out/sq-prune$p-ft20.onnx"
done
[ -f "$out/resnet18-random-88.onnx" ] ||
  cargo run -q --profile dist -p glasses-core --example export_random -- "$out/resnet18-random-88.onnx" resnet18 88 >/dev/null

if [ "${TIMING:-1}" = 0 ]; then
  echo "TIMING=0: trained and exported; rerun without it on an idle machine for the table" >&2
  exit 0
fi
models=("$out/sq-88x108.onnx" "$out/sq-88x108-int8.onnx" "$out/sq-64x80.onnx" "$out/sq-48x60.onnx"
  "$out/sq-prune30.onnx" "$out/sq-prune50.onnx" "$out/sq-prune70.onnx"
  "$out/sq-prune50-ft20.onnx" "$out/sq-prune50-ft20-int8.onnx" "$out/sq-prune70-ft20.onnx"
  "$out/resnet18-random-88.onnx")
echo "timing core and ONNX Runtime on ${#models[@]} models..." >&2
bench/compare.sh "${models[@]}" >"$out/compare.md"

python3 - "$out" <<'PY'
import gzip, os, re, sys
out = sys.argv[1]
compare = open(f"{out}/compare.md").read().splitlines()
print(compare[0], "\n")
speed = {}
for line in compare:
    cells = [c.strip() for c in line.strip("|").split("|")]
    if len(cells) > 9 and cells[0].endswith(")") and ".onnx" in cells[0]:
        speed[cells[0].split(" ")[0]] = cells
def accuracy(onnx):
    """F1, AUC and check-set FPR through glasses-core, from the export log."""
    log = re.sub(r"-int8\.onnx$", ".onnx", onnx) + ".log"
    f1 = auc = fpr = "—"
    if os.path.exists(log):
        for line in open(log):
            if line.startswith(onnx + " "):
                m = re.search(r"F1 ([0-9.]+) .*AUC ([0-9.]+)", line)
                f1, auc = m.group(1), m.group(2)
                m = re.search(r"FPR ([0-9.]+)", line)
                fpr = f"{100 * float(m.group(1)):.1f} %" if m else "—"
    return f1, auc, fpr
print("| variant | input | file bytes | gzip -9 bytes | F1 (fold 0) | AUC | FPR, 3,604 check images | core inference ms | core e2e JPEG ms | ORT inference ms | core / ORT |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for name in speed:
    path = f"{out}/{name}"
    size = os.path.getsize(path)
    gz = len(gzip.compress(open(path, "rb").read(), 9))
    f1, auc, fpr = accuracy(path) if "resnet18-random" not in name else ("—", "—", "—")
    c = speed[name]
    print(f"| {name} | {c[1]} | {size:,} | {gz:,} | {f1} | {auc} | {fpr} | {c[3]} | {c[5]} | {c[7]} | {c[8]} |")
PY
