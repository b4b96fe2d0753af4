#!/usr/bin/env bash
# Issue 23's ablation of the hard-negative stage (scripts/train-hardneg.sh): the same start (the
# framing run), seed, 2 epochs of 1,600 draws at lr 1e-4 as the bundled run; only its two
# ingredients change, one arm each:
#   hn-only    hard negatives x8, hard-lit grayscale left at the framing default 0.12
#   gray-only  no hard negatives, hard-lit grayscale 0.25
#   neither    no hard negatives, grayscale 0.12: the control (the same 3,200 more draws)
# (both = the bundled run). Each arm: train, export (fp32 + int8-weights; default threshold from
# fold 0), `checks` of the fp32 file (static int8 stays within 0.0004 AUC of its fp32 twin).
# Resumable: an arm skips what it has done. Runs at nice 19 (builds come first); about 30-40 min
# per arm on 2 free cores. Results of 2026-12-07: docs/TRAINING.md, "The ablation".
#
#   INIT_FROM=runs/framing-176x216 HARD=runs/hardneg-176x216/hard-fold0.csv scripts/ablate-hardneg.sh
#   TRAINER=path/to/glasses-trainer ...     # a prebuilt trainer (release is much faster), no build
#
# Needs ../shared/datasets/{celeba-eyeglasses,celeba-more} (not part of this repository).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/training.sh"
init_from="${INIT_FROM:-$root/runs/framing-176x216}"
hard="${HARD:-$root/runs/hardneg-176x216/hard-fold0.csv}"
need ablate-hardneg "(the framing run and the mined file: scripts/train-framing.sh, scripts/train-hardneg.sh)" \
  "$data/celeba-eyeglasses/0" "$data/celeba-more/1" "$init_from/checkpoint.ot" "$hard"
out="${OUT:-runs/ablate-hardneg}"
trainer_binary nice -n 19
folders=(--images-path "$data/celeba-eyeglasses" --images-path "$data/celeba-more")
shape=(--all-data --sunglasses --resize center_crop --input-width 176 --input-height 216 --val-fold 0)
arm() {
  local name="$1" o="$out/$1"
  shift
  mkdir -p "$o"
  if [ ! -f "$o/TRAINED" ]; then
    local resume=()
    [ -f "$o/checkpoint.ot" ] && resume=(--resume)
    nice -n 19 "$trainer" train --arch squeezenet "${folders[@]}" "${shape[@]}" --init-from "$init_from" \
      --balanced-sampling --epoch-size 1600 --framing-augment "$@" --epochs 2 --batch-size 64 --lr 1e-4 \
      --warmup-epochs 0 --out "$o" --threads "${THREADS:-2}" --device cpu --no-extra-negatives "${resume[@]}"
    date -u > "$o/TRAINED"
  fi
  [ -s "$o/glasses.onnx" ] || nice -n 19 "$trainer" export --checkpoint "$o" --out "$o/glasses.onnx" --force \
    --device cpu --threads "${THREADS:-2}" --model-version "ablation-$name" > "$o/export.md"
  [ -s "$o/checks-fp32.md" ] || nice -n 19 "$trainer" checks --model "$o/glasses.onnx" "${folders[@]}" \
    --json "$o/checks-fp32.json" > "$o/checks-fp32.md"
  echo "ablate-hardneg: $name done: $o/checks-fp32.md" >&2
}
arm hn-only --gray-hard-share 0.12 --hard-negatives "$hard" --hard-negative-factor 8
arm gray-only --gray-hard-share 0.25
arm neither --gray-hard-share 0.12
