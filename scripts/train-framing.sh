#!/usr/bin/env bash
# Stages 2 and 3 of the bundled model (stage 1: scripts/train-bundled.sh, which runs this script
# last). 2: a fine-tune with framing invariance (issue 23): the stage-1 recipe's data, classes,
# size and held-out fold 0, plus --framing-augment (crops from the face detector's box to 1.5x the
# training framing, edges repeated, faces down to 40 px, hard-lit grayscale), starting from the
# stage-1 weights (INIT) for 4 epochs at a lower rate. 3: the static int8 copy (`glasses-trainer
# quantize`: 200 calibration faces from the training folds, min/max ranges), which core runs on its
# int8 kernels. Prints glasses-trainer checks for the candidate and the bundled file. Writes
# nothing into core/models itself: with BUNDLE=1 it goes on to stage 4 (hard negatives,
# scripts/train-hardneg.sh), which bundles its model. Resumable; runs at nice 19 (builds come first).
#
#   scripts/train-framing.sh                       # runs/framing-176x216, 4 epochs of 6,000 draws
#   BUNDLE=1 scripts/train-framing.sh              # ... then stage 4, which replaces core/models/glasses{,-int8}.onnx
#   INIT=other.onnx OUT=/work/runs/x EPOCHS=2 scripts/train-framing.sh
#   TRAINER=path/to/glasses-trainer scripts/train-framing.sh   # a prebuilt trainer, no cargo build
#
# Needs ../shared/datasets/{celeba-eyeglasses,celeba-more} (not part of this repository).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/training.sh"
init="${INIT:-$root/runs/bundled-176x216/glasses-stage1.onnx}"
need train-framing "" "$data/celeba-eyeglasses/0" "$data/celeba-more/1" "$init"
out="${OUT:-runs/framing-176x216}"
trainer_binary nice -n 19
resume=()
[ -f "$out/checkpoint.ot" ] && resume=(--resume)
nice -n 19 "$trainer" train --arch squeezenet \
  --images-path "$data/celeba-eyeglasses" --images-path "$data/celeba-more" \
  --all-data --sunglasses --resize center_crop --input-width 176 --input-height 216 \
  --init "$init" --balanced-sampling --epoch-size 6000 --framing-augment \
  --epochs "${EPOCHS:-4}" --batch-size 64 --lr 3e-4 --warmup-epochs 0 --val-fold 0 \
  --out "$out" --threads "${THREADS:-2}" --device cpu --no-extra-negatives "${resume[@]}" "$@"
nice -n 19 "$trainer" export --checkpoint "$out" --out "$out/glasses-framing.onnx" --force \
  --model-version "${MODEL_VERSION:-squeezenet1_1-framing-ft-3c-176x216-e${EPOCHS:-4}-s42}"
static_int8_and_checks "$out/glasses-framing.onnx"
if [ "${BUNDLE:-0}" = 1 ]; then
  # The bundled model is this run fine-tuned on its hard faces (stage 4), which bundles itself.
  BUNDLE=1 INIT_FROM="$out" TRAINER="$trainer" OUT="${HARDNEG_OUT:-runs/hardneg-176x216}" \
    exec scripts/train-hardneg.sh
fi
