#!/usr/bin/env bash
# The one test command: installs what the tests need on a fresh machine (Rust components,
# clang/llvm/valgrind/qemu, libtorch for the trainer, Maven plugins on first use) and runs every
# check. The fast lane comes first, so that the usual mistakes fail within minutes: format, lints,
# the tests of core, cli, ffi (with the C program) and the engine's tract parity, the committed C
# header. Then the rest: the Python package (pip install ./python, pytest), the trainer, core without its default features and on the minimum Rust
# version, core with the onnx-any feature, the C program under valgrind, the Swift bindings, the
# Kotlin/JVM tests, the mobile cross-builds and core's engine tests on aarch64 under qemu.
#
#   scripts/test.sh                # everything (CI runs exactly this)
#   scripts/test.sh --fast         # the fast lane alone (no libtorch, no trainer)
#   SKIP_CROSS=1 scripts/test.sh   # without the Android/iOS builds and the aarch64 run
#
# Needs: rustup with a stable toolchain, python3 with pip, a JDK 17+ with Maven, apt-get
# (Debian) for clang/llvm/valgrind/qemu when they are missing. The labelled data set is not
# needed: the tests make their own images and models (the golden fixtures are checked in).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fast=0
[ "${1:-}" = --fast ] && fast=1
start=$SECONDS
step() { printf '\n==> %s  [%d s]\n' "$*" "$((SECONDS - start))"; }
msrv="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)"

step "Rust components"
rustup component add rustfmt clippy >/dev/null 2>&1 || rustup component add rustfmt clippy

step "system packages"
# One apt-get for everything the run needs: clang/llvm (cross-builds), valgrind, and qemu-user
# with the aarch64 cross gcc and libc (core's engine tests on aarch64).
packages=()
command -v clang >/dev/null || packages+=(clang)
command -v llvm-ar >/dev/null || packages+=(llvm)
command -v valgrind >/dev/null || packages+=(valgrind)
if [ "$fast" = 0 ] && [ "${SKIP_CROSS:-0}" != 1 ]; then
  command -v qemu-aarch64 >/dev/null || packages+=(qemu-user)
  command -v aarch64-linux-gnu-gcc >/dev/null || packages+=(gcc-aarch64-linux-gnu)
  [ -e /usr/aarch64-linux-gnu/lib/crt1.o ] || packages+=(libc6-dev-arm64-cross)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing ${packages[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

step "format"
cargo fmt --all --check

if [ "$fast" = 1 ]; then
  step "lints (without the trainer)"
  cargo clippy --workspace --exclude glasses-trainer --all-targets -- -D warnings
  step "Rust tests of core, cli, ffi (with the C program) and the tract parity"
  cargo test --workspace --exclude glasses-trainer
  step "C header is current"
  scripts/check-header.sh
  step "fast lane passed"
  exit 0
fi

step "libtorch for the trainer"
eval "$(scripts/setup-libtorch.sh --print-env)"
export LIBTORCH

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

step "lints of core's other feature sets: no default features (no bundled model), onnx-any, the app library without the ONNX writer"
cargo clippy -p glasses-core --all-targets --no-default-features -- -D warnings
cargo clippy -p glasses-core --lib --no-default-features -- -D warnings
cargo clippy -p glasses-ffi --lib -- -D warnings
cargo clippy -p glasses-core --all-targets --features onnx-any -- -D warnings

step "Rust tests (core, cli, ffi + C program, tract parity, trainer)"
cargo test --workspace

step "C header is current"
scripts/check-header.sh

# A real PEP 517 build, as a user's `pip install ./python` does it (maturin from PyPI), with the
# cheap `ci` profile of python/Cargo.toml; release wheels are built with `maturin build --release`.
# python/ is its own cargo workspace, so its format and lints are checked here.
step "Python package: fresh venv, pip install ./python, pytest; its format and lints"
cargo fmt --manifest-path python/Cargo.toml --check
py_venv="$root/target/python-venv"
rm -rf "$py_venv"
python3 -m venv "$py_venv"
MATURIN_PEP517_ARGS="--profile ci" "$py_venv/bin/pip" install --quiet ./python pytest numpy pillow
"$py_venv/bin/python" -m pytest python/tests -q
cargo clippy --manifest-path python/Cargo.toml --all-targets -- -D warnings

# valgrind runs one thread for minutes (the C program's 323 checks, about 200x slower than
# native): it runs beside the next steps, which use the other core, and reports before the end.
step "C program under valgrind memcheck: started beside the next steps"
valgrind_log="$root/target/valgrind-c.log"
tests/c/run-valgrind.sh >"$valgrind_log" 2>&1 &
valgrind_pid=$!
trap 'kill "$valgrind_pid" 2>/dev/null || true' EXIT

step "core's tests again with tract's full ONNX reader linked (feature onnx-any)"
cargo test --workspace --features glasses-core/onnx-any --test integration

step "minimum Rust version ($msrv) builds core, cli and ffi"
rustup toolchain list | grep -q "^$msrv-" || rustup toolchain install "$msrv" --profile minimal
cargo "+$msrv" check -p glasses-core -p glasses-cli -p glasses-ffi --target-dir target/msrv

step "Swift bindings (generated with the in-repo uniffi-bindgen)"
scripts/gen-swift.sh "$root/target/swift-bindings"

step "Kotlin/JVM tests through JNI (and classify(bitmap) under Robolectric)"
GLASSES_ROBOLECTRIC=1 scripts/test-kotlin.sh

step "C program under valgrind memcheck: result"
if wait "$valgrind_pid"; then
  tail -n 4 "$valgrind_log"
else
  cat "$valgrind_log"
  echo "valgrind found errors in the C program's run (log above, also in $valgrind_log)" >&2
  exit 1
fi
trap - EXIT

if [ "${SKIP_CROSS:-0}" != 1 ]; then
  step "static libraries for Android and iOS"
  scripts/cross-build.sh --profile cross-check aarch64-linux-android aarch64-apple-ios

  step "core's engine on aarch64 (NEON and portable kernels) under qemu, and its lints there"
  scripts/test-aarch64.sh
  cargo clippy -p glasses-core --target aarch64-unknown-linux-gnu --all-targets -- -D warnings
fi

step "all checks passed"
