#!/usr/bin/env bash
# Fine-tunes the bundled model (core/models/glasses.onnx, fp32) with framing invariance
# (issue 23): the bundled recipe's data, classes, size and held-out fold 0, plus
# --framing-augment (crops from the face detector's box to 1.5x the training framing, edges
# repeated, faces down to 40 px, hard-lit grayscale), starting from the shipped weights instead of
# ImageNet, for a few epochs. Exports a candidate next to the run (never over core/models) and
# prints glasses-trainer checks for it and for the bundled int8 model. Resumable: rerun after an
# interruption and it continues. Runs at the lowest CPU priority (nice 19): builds come first.
#
#   scripts/train-framing.sh                       # runs/framing-176x216, 4 epochs of 6,000 draws
#   OUT=/work/runs/x EPOCHS=2 scripts/train-framing.sh
#   TRAINER=path/to/glasses-trainer scripts/train-framing.sh   # a prebuilt trainer, no cargo build
#
# Needs ../shared/datasets/{celeba-eyeglasses,celeba-more} (not part of this repository).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/training.sh"
init="$root/core/models/glasses.onnx"
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
nice -n 19 "$trainer" checks --model "$out/glasses-framing-int8.onnx" --model core/models/glasses-int8.onnx \
  --images-path "$data/celeba-eyeglasses" --images-path "$data/celeba-more"
