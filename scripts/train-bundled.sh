#!/usr/bin/env bash
# Trains the bundled model (core/models/glasses.onnx and glasses-int8.onnx) exactly as shipped, in
# four stages. 1 (this script's `train` call): SqueezeNet 1.1 from ImageNet weights, three classes
# (none / eyeglasses / sunglasses), every labelled CelebA face of both shared folders, class-balanced
# draws, robust augmentation, centre crop to 176x216; identity-disjoint fold 0 held out; exported to
# runs/bundled-176x216/glasses-stage1.onnx. 2 and 3 (scripts/train-framing.sh with BUNDLE=1): a
# framing-invariant fine-tune of stage 1 and its static int8 copy. 4 (scripts/train-hardneg.sh,
# run by stage 3): the framing model's hard faces mined on the training folds, a short fine-tune
# that draws them more often, its static int8 copy (`glasses-trainer quantize`); both files written
# into core/models. Resumable: rerun after an interruption and it continues.
#
#   scripts/train-bundled.sh                 # ~45 min + ~45 min on 2 idle CPU cores, then stage 4 (two epochs of 1,600 draws: minutes)
#   SIZE=132x162 OUT=runs/other scripts/train-bundled.sh   # another input size, not exported
#   OUT=runs/x scripts/train-bundled.sh --soft-labels L.csv   # extra `train` flags (scripts/distill.sh)
#   TRAINER=path/to/glasses-trainer ...                      # a prebuilt trainer, no cargo build
#   CLASSES=2 SIZE=88x108 OUT=runs/2c scripts/train-bundled.sh  # sunglasses as "no eyeglasses"
#
# The flags below are glasses_trainer::cv::bundled_recipe (the recipe row of `glasses-trainer cv`);
# the trainer's test the_cv_recipe_row_trains_with_the_flags_of_train_bundled_sh holds them in step.
#
# Needs ../shared/datasets/{celeba-eyeglasses,celeba-more} and
# ../shared/pretrained/squeezenet1_1-imagenet.safetensors (not part of this repository).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/training.sh"
init="$shared/pretrained/squeezenet1_1-imagenet.safetensors"
need train-bundled "(the shared data set and ImageNet weights; see ../shared/*/README.md)" \
  "$data/celeba-eyeglasses/0" "$data/celeba-more/1" "$init"
bundled_size=176x216
size="${SIZE:-$bundled_size}"
w="${size%x*}"; h="${size#*x}"
out="${OUT:-runs/bundled-${size}}"
trainer_binary
classes="${CLASSES:-3}"
case "$classes" in
  3) eyewear=(--sunglasses) ;;
  2) eyewear=(--sunglasses-as-negatives) ;;
  *) echo "train-bundled: CLASSES must be 2 or 3, not $classes" >&2; exit 1 ;;
esac
resume=()
[ -f "$out/checkpoint.ot" ] && resume=(--resume)
"$trainer" train --arch squeezenet \
  --images-path "$data/celeba-eyeglasses" --images-path "$data/celeba-more" \
  --all-data "${eyewear[@]}" --resize center_crop --input-width "$w" --input-height "$h" \
  --init "$init" --balanced-sampling --epoch-size 6000 --robust-augment \
  --epochs "${EPOCHS:-10}" --batch-size 64 --lr 6e-4 --warmup-epochs 1 --val-fold 0 \
  --out "$out" --threads "${THREADS:-2}" "${resume[@]}" "$@"
if [ "$size" = "$bundled_size" ] && [ "$classes" = 3 ] && [ -z "${OUT:-}" ]; then
  "$trainer" export --checkpoint "$out" --out "$out/glasses-stage1.onnx" --force \
    --model-version "${MODEL_VERSION:-squeezenet1_1-imagenet-3c-176x216-e10-s42}"
  BUNDLE=1 INIT="$out/glasses-stage1.onnx" TRAINER="$trainer" OUT=runs/framing-176x216 \
    exec scripts/train-framing.sh
fi
