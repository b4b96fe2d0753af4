#!/usr/bin/env bash
# Installs libtorch 2.13.0 (CPU use; the libraries of the PyPI torch wheel) for the tch 0.26
# crate used by glasses-trainer, and prints the LIBTORCH export to use.
#
#   scripts/setup-libtorch.sh            # installs into <repo>/.deps/libtorch-2.13.0
#   GLASSES_LIBTORCH_ROOT=/opt/deps scripts/setup-libtorch.sh
#   eval "$(scripts/setup-libtorch.sh --print-env)"   # sets LIBTORCH in this shell
#
# Needs python3 with pip and internet access to PyPI (about 1 GB download). A marker file makes
# reruns free. libtorch_cpu links the CUDA runtime and CUPTI even for CPU use, so those two small
# nvidia wheels are installed next to torch (its RUNPATH finds them at ../../nvidia/cu13/lib).
set -euo pipefail

TORCH_VERSION=2.13.0
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="${GLASSES_LIBTORCH_ROOT:-$REPO_ROOT/.deps}"
TARGET="$ROOT/libtorch-$TORCH_VERSION"
MARKER="$TARGET/.glasses-libtorch-installed"

print_env=0
[[ "${1:-}" == "--print-env" ]] && print_env=1

if [[ ! -f "$MARKER" ]]; then
    command -v python3 >/dev/null || { echo "setup-libtorch: python3 is required" >&2; exit 1; }
    python3 -m pip --version >/dev/null 2>&1 || { echo "setup-libtorch: python3 -m pip is required" >&2; exit 1; }
    echo "setup-libtorch: installing torch==$TORCH_VERSION libraries into $TARGET" >&2
    mkdir -p "$TARGET"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$TARGET" \
        "torch==$TORCH_VERSION" nvidia-cuda-runtime==13.0.96 nvidia-cuda-cupti==13.0.85 >&2
    [[ -f "$TARGET/torch/lib/libtorch_cpu.so" ]] || { echo "setup-libtorch: $TARGET/torch/lib/libtorch_cpu.so missing after install" >&2; exit 1; }
    date -u +%FT%TZ > "$MARKER"
else
    echo "setup-libtorch: already installed in $TARGET" >&2
fi

if [[ $print_env == 1 ]]; then
    echo "export LIBTORCH=$TARGET/torch"
else
    echo "Use:" >&2
    echo "export LIBTORCH=$TARGET/torch"
fi
