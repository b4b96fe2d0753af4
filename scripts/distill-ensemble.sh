#!/usr/bin/env bash
# Issue 23, item 5: does a teacher pay at the bundled model's size? The teacher is an ensemble of
# the four fine-tunes that share the framing run's training part (fold 0 held out, so no
# validation person reaches the student through it): the bundled hard-negative model
# (scripts/train-hardneg.sh) and the three arms of scripts/ablate-hardneg.sh, probabilities
# averaged, each face also seen mirrored, cached once by `glasses-trainer label`. The student is
# the bundled fine-tune exactly (framing start, seed 42, 2 epochs of 1,600 draws at lr 1e-4, hard
# negatives x8, hard-lit grayscale 0.25) plus the teacher's soft labels (alpha 0.7, T 4); then
# export and `checks` of the fp32 file, to set beside the bundled run's. The unlabelled unclear/
# faces are left out: `train --unlabelled` with `--hard-negatives` is refused ("N sampling weights
# for M training rows": the mined weights cover the labelled rows only). Resumable; nice 19.
# Results of 2026-12-08: docs/TRAINING.md, "A teacher from the four fine-tunes".
#
#   INIT_FROM=runs/framing-176x216 HARD=runs/hardneg-176x216/hard-fold0.csv \
#     TEACHERS="runs/hardneg-176x216/glasses-hardneg.onnx runs/ablate-hardneg/hn-only/glasses.onnx \
#               runs/ablate-hardneg/gray-only/glasses.onnx runs/ablate-hardneg/neither/glasses.onnx" \
#     scripts/distill-ensemble.sh
#   TRAINER=path/to/glasses-trainer ...     # a prebuilt trainer (release is much faster), no build
#
# Needs ../shared/datasets/{celeba-eyeglasses,celeba-more} (not part of this repository).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/training.sh"
init_from="${INIT_FROM:-$root/runs/framing-176x216}"
hard="${HARD:-$root/runs/hardneg-176x216/hard-fold0.csv}"
read -r -a teachers <<<"${TEACHERS:-$root/runs/hardneg-176x216/glasses-hardneg.onnx $root/runs/ablate-hardneg/hn-only/glasses.onnx $root/runs/ablate-hardneg/gray-only/glasses.onnx $root/runs/ablate-hardneg/neither/glasses.onnx}"
need distill-ensemble "(the framing run, the mined file and the four fine-tunes: scripts/train-framing.sh, scripts/train-hardneg.sh, scripts/ablate-hardneg.sh)" \
  "$data/celeba-eyeglasses/0" "$data/celeba-more/1" "$init_from/checkpoint.ot" "$hard" "${teachers[@]}"
out="${OUT:-runs/distill-ensemble}"
mkdir -p "$out"
trainer_binary nice -n 19
folders=(--images-path "$data/celeba-eyeglasses" --images-path "$data/celeba-more")
shape=(--all-data --sunglasses --resize center_crop --input-width 176 --input-height 216 --val-fold 0)
labels="$out/labels-ensemble.csv"
if [ ! -s "$labels" ]; then
  models=()
  for t in "${teachers[@]}"; do models+=(--model "$t"); done
  nice -n 19 "$trainer" label "${models[@]}" "${folders[@]}" --out "$labels" --force
fi
student="$out/student"
mkdir -p "$student"
if [ ! -f "$student/TRAINED" ]; then
  resume=()
  [ -f "$student/checkpoint.ot" ] && resume=(--resume)
  nice -n 19 "$trainer" train --arch squeezenet "${folders[@]}" "${shape[@]}" --init-from "$init_from" \
    --balanced-sampling --epoch-size 1600 --framing-augment --gray-hard-share 0.25 \
    --hard-negatives "$hard" --hard-negative-factor 8 --soft-labels "$labels" --alpha 0.7 --temperature 4 \
    --epochs 2 --batch-size 64 --lr 1e-4 --warmup-epochs 0 --out "$student" --threads "${THREADS:-2}" \
    --device cpu --no-extra-negatives "${resume[@]}"
  date -u > "$student/TRAINED"
fi
[ -s "$student/glasses.onnx" ] || nice -n 19 "$trainer" export --checkpoint "$student" --out "$student/glasses.onnx" \
  --force --device cpu --threads "${THREADS:-2}" --model-version "distill-ensemble4" > "$student/export.md"
[ -s "$student/checks-fp32.md" ] || nice -n 19 "$trainer" checks --model "$student/glasses.onnx" "${folders[@]}" \
  --json "$student/checks-fp32.json" > "$student/checks-fp32.md"
echo "distill-ensemble: done: $student/checks-fp32.md (beside the bundled run's checks)" >&2
