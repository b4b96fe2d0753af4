# Sourced (never run) by the training scripts: train-bundled.sh, train-framing.sh, distill.sh.
# The setup they share: the repository root as the working folder, the shared data sets, a check
# that what a run needs is there, libtorch, and the trainer binary.
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
