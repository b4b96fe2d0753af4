#!/usr/bin/env bash
# The one test command: installs what the tests need on a fresh machine (Rust components,
# clang/llvm/valgrind, libtorch for the trainer, Maven plugins on first use) and runs every check:
# format, lints, the Rust tests of every crate (core, cli, ffi with the C program, trainer),
# the committed C header, the Swift bindings, the Kotlin/JVM tests and the mobile cross-builds.
#
#   scripts/test.sh            # everything (CI runs exactly this)
#   SKIP_CROSS=1 scripts/test.sh   # without the Android/iOS static-library builds
#
# Needs: rustup with a stable toolchain, python3 with pip, a JDK 17+ with Maven, apt-get
# (Debian) for clang/llvm/valgrind when they are missing. The labelled data set is not needed:
# the tests make their own images and models (the golden fixtures are checked in).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS
step() { printf '\n==> %s  [%d s]\n' "$*" "$((SECONDS - start))"; }

step "Rust components"
rustup component add rustfmt clippy >/dev/null 2>&1 || rustup component add rustfmt clippy

step "system packages"
missing=()
for tool in clang llvm-ar valgrind; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing clang llvm valgrind (missing: ${missing[*]})"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang llvm valgrind >/dev/null
fi

step "libtorch for the trainer"
eval "$(scripts/setup-libtorch.sh --print-env)"
export LIBTORCH

step "format"
cargo fmt --all --check

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (core, cli, ffi + C program, trainer)"
cargo test --workspace

step "core's model tests again with tract's full ONNX reader linked (feature onnx-any)"
cargo test --workspace --features glasses-core/onnx-any --test onnx_reader --test hostile_inputs --test errors

step "C program under valgrind memcheck"
tests/c/run-valgrind.sh

step "C header is current"
scripts/check-header.sh

step "Swift bindings (generated with the in-repo uniffi-bindgen)"
scripts/gen-swift.sh "$root/target/swift-bindings"

step "Kotlin/JVM tests through JNI (and classify(bitmap) under Robolectric)"
GLASSES_ROBOLECTRIC=1 scripts/test-kotlin.sh

if [ "${SKIP_CROSS:-0}" != 1 ]; then
  step "static libraries for Android and iOS"
  scripts/cross-build.sh --profile cross-check aarch64-linux-android aarch64-apple-ios
fi

step "all checks passed"
