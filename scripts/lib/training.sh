# Sourced (never run) by the training scripts: train-bundled.sh, train-framing.sh, train-hardneg.sh,
# distill.sh.
# The setup they share: the repository root as the working folder, the shared data sets, a check
# that what a run needs is there, libtorch, the trainer binary, and the static int8 copy + checks.
#
# After sourcing: $root (the repository), $shared (GLASSES_SHARED or ../shared) and $data
# ($shared/datasets); then call need and trainer_binary as below.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
shared="${GLASSES_SHARED:-$root/../shared}"
data="$shared/datasets"

# need SCRIPT HINT PATH...: exits with "SCRIPT: missing PATH HINT" for the first PATH that is absent.
need() {
  local script="$1" hint="$2"
  shift 2
  for path in "$@"; do
    [ -e "$path" ] || { echo "$script: missing $path${hint:+ $hint}" >&2; exit 1; }
  done
}

# trainer_binary [PREFIX...]: exports LIBTORCH (scripts/setup-libtorch.sh) and sets $trainer to
# TRAINER, or builds glasses-trainer (behind PREFIX, e.g. `nice -n 19`) and uses the debug binary.
trainer_binary() {
  eval "$(scripts/setup-libtorch.sh --print-env)"
  export LIBTORCH
  trainer="${TRAINER:-}"
  if [ -z "$trainer" ]; then
    "$@" cargo build -p glasses-trainer
    trainer=target/debug/glasses-trainer
  fi
}

# static_int8_and_checks FP32.onnx: writes FP32-static-int8.onnx (`glasses-trainer quantize`: 200
# calibration faces from the training folds, min/max ranges) and prints `glasses-trainer checks`
# of it beside the bundled file. Needs $trainer (trainer_binary).
static_int8_and_checks() {
  local fp32="$1" int8="${1%.onnx}-static-int8.onnx"
  local folders=(--images-path "$data/celeba-eyeglasses" --images-path "$data/celeba-more")
  nice -n 19 "$trainer" quantize --model "$fp32" --out "$int8" --calibration 200 "${folders[@]}" --force
  nice -n 19 "$trainer" checks --model "$int8" --model core/models/glasses-int8.onnx "${folders[@]}"
}
