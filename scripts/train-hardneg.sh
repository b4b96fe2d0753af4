#!/usr/bin/env bash
# Stage 3 of the bundled model (scripts/train-framing.sh runs it last with BUNDLE=1): hard-negative
# fine-tuning of the framing model (issue 23). `glasses-trainer mine` scores every training-fold
# face with the framing model's fp32 file (bare faces by P(eyeglasses), eyeglasses by
# P(sunglasses), sunglasses by P(eyeglasses); held-out fold 0 never scored), then `train
# --hard-negatives` continues from the framing weights for 2 epochs of 1,600 draws at lr 1e-4, hard
# faces drawn up to 8x as often within their class (classes stay balanced) and hard-lit grayscale
# raised to a quarter of the framing draws. Then export (default threshold: F1 maximum at 10 %
# prevalence on fold 0), the static int8 copy (`quantize`, 200 calibration faces) and checks of
# both against the bundled file. Writes into core/models only when asked (BUNDLE=1).
# Resumable; runs at nice 19 (builds come first). The bundled file's run was stopped after epoch 1
# and resumed (train.log of the model card); a rerun does both epochs in one go.
#
#   INIT_FROM=runs/framing-176x216 scripts/train-hardneg.sh   # runs/hardneg-176x216
#   BUNDLE=1 INIT_FROM=... scripts/train-hardneg.sh           # ... and replace core/models/glasses{,-int8}.onnx
#   TRAINER=path/to/glasses-trainer ...                       # a prebuilt trainer, no cargo build
#
# Needs ../shared/datasets/{celeba-eyeglasses,celeba-more} (not part of this repository).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/training.sh"
init_from="${INIT_FROM:-$root/runs/framing-176x216}"
need train-hardneg "(the framing run: scripts/train-framing.sh)" "$data/celeba-eyeglasses/0" "$data/celeba-more/1" \
  "$init_from/checkpoint.ot" "$init_from/glasses-framing.onnx"
out="${OUT:-runs/hardneg-176x216}"
mkdir -p "$out"
trainer_binary nice -n 19
folders=(--images-path "$data/celeba-eyeglasses" --images-path "$data/celeba-more")
shape=(--all-data --sunglasses --resize center_crop --input-width 176 --input-height 216 --val-fold 0)
[ -f "$out/hard-fold0.csv" ] || nice -n 19 "$trainer" mine --model "$init_from/glasses-framing.onnx" \
  "${folders[@]}" "${shape[@]}" --out "$out/hard-fold0.csv"
resume=()
[ -f "$out/checkpoint.ot" ] && resume=(--resume)
nice -n 19 "$trainer" train --arch squeezenet "${folders[@]}" "${shape[@]}" \
  --init-from "$init_from" --balanced-sampling --epoch-size 1600 --framing-augment \
  --gray-hard-share 0.25 --hard-negatives "$out/hard-fold0.csv" --hard-negative-factor 8 \
  --epochs 2 --batch-size 64 --lr 1e-4 --warmup-epochs 0 \
  --out "$out" --threads "${THREADS:-2}" --device cpu --no-extra-negatives "${resume[@]}" "$@"
nice -n 19 "$trainer" export --checkpoint "$out" --out "$out/glasses-hardneg.onnx" --force \
  --model-version "${MODEL_VERSION:-squeezenet1_1-hardneg-ft-3c-176x216-e2-s42}"
static_int8_and_checks "$out/glasses-hardneg.onnx"
if [ "${BUNDLE:-0}" = 1 ]; then
  cp "$out/glasses-hardneg.onnx" core/models/glasses.onnx
  cp "$out/glasses-hardneg-static-int8.onnx" core/models/glasses-int8.onnx
  echo "train-hardneg: bundled $out/glasses-hardneg{,-static-int8}.onnx as core/models/glasses{,-int8}.onnx;" \
    "now regenerate the golden fixtures (cargo run -p glasses-core --example write_golden_fixtures -- tests/fixtures)" >&2
fi
