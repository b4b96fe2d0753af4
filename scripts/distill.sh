#!/usr/bin/env bash
# Distillation from cached teacher labels (issue 12, item 5): the teacher (by default the bundled
# fp32 model, 176x216, each face also seen mirrored) labels every face of both CelebA folders once,
# unclear/ included; then a SqueezeNet student learns the bundled recipe (scripts/train-bundled.sh,
# the same flags) from those labels plus the hard labels, and from the unlabelled faces of training
# people. Fold 0 is held out, as for the bundled model, and the teacher was trained on the same
# training part, so no validation person's picture reaches the student through the teacher.
# Resumable: rerun after an interruption.
#
#   scripts/distill.sh                          # 132x162 student, labels in runs/labels-bundled.csv
#   SIZE=176x216 OUT=runs/distilled-176 scripts/distill.sh
#   TEACHERS="a.onnx b.onnx" LABELS=runs/labels-ab.csv scripts/distill.sh   # an ensemble teacher
#
# Needs ../shared/datasets/{celeba-eyeglasses,celeba-more} and
# ../shared/pretrained/squeezenet1_1-imagenet.safetensors (not part of this repository).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/training.sh"
size="${SIZE:-132x162}"
out="${OUT:-runs/distilled-${size}}"
labels="${LABELS:-runs/labels-bundled.csv}"
read -r -a teachers <<<"${TEACHERS:-core/models/glasses.onnx}"
trainer_binary
mkdir -p "$(dirname "$labels")"
if [ ! -f "$labels" ]; then
  models=()
  for t in "${teachers[@]}"; do models+=(--model "$t"); done
  "$trainer" label "${models[@]}" \
    --images-path "$data/celeba-eyeglasses" --images-path "$data/celeba-more" --out "$labels"
fi
TRAINER="$trainer" SIZE="$size" OUT="$out" scripts/train-bundled.sh \
  --soft-labels "$labels" --unlabelled --alpha "${ALPHA:-0.7}" --temperature "${TEMPERATURE:-4}"
"$trainer" export --checkpoint "$out" --out "$out/model.onnx" --force
