#!/usr/bin/env bash
# Runs core's whole-model tests on aarch64 (what phones run) under qemu-user, so that the NEON
# micro-kernel, which x86 CI otherwise only compiles, runs real models: the golden logits written
# by libtorch (golden), the bundled model's cross-surface fixtures (surface_golden), and the
# engine's unit tests (core/src/net: every kernel against a plain sum, convolutions against the
# textbook loop, the lowering paths), which loop over every kernel the CPU runs, so the portable
# kernel (armv7 and x86 Android) runs them too. Parity with tract-onnx is x86-only (glasses-parity):
# the golden logits hold the NEON results to libtorch's within the same tolerance, and compiling
# tract for aarch64 took 17 of this script's 22 cold minutes.
#
#   scripts/test-aarch64.sh      # installs what is missing (Debian), builds, runs
#
# Installs, when missing: qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross (apt-get,
# as root on Debian) and rustup's aarch64-unknown-linux-gnu std. Builds with the dev profile, in
# target/aarch64-unknown-linux-gnu/debug. CI (scripts/test.sh) runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=aarch64-unknown-linux-gnu
sysroot=/usr/aarch64-linux-gnu

missing=()
command -v qemu-aarch64 > /dev/null || missing+=(qemu-user)
command -v aarch64-linux-gnu-gcc > /dev/null || missing+=(gcc-aarch64-linux-gnu)
[[ -e "$sysroot/lib/crt1.o" ]] || missing+=(libc6-dev-arm64-cross)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
fi
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

# rustc links with the cross gcc (its libc and loader), cc-rs builds any C with it, and cargo runs each test binary through qemu with the aarch64 sysroot.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar

# The dev profile: dependencies at opt-level 1 without debug info, core at opt-level 1 (unoptimised
# SIMD intrinsics crawl) with line tables and debug assertions. Core's tests link no tract (the
# tract parity tests live in glasses-parity), so this builds core and its few dependencies only.

# The tests that run whole models or kernels; the rest of core's tests (decoding, pixel formats,
# limits) run no architecture-specific code, and x86 CI runs them. The lib test binary is filtered
# to the engine's modules, whose unit tests run every kernel (NEON and portable): every kernel
# against a plain sum, convolutions against the textbook loop, the lowering paths; and the int8
# kernels (sdot, plain NEON, portable: `qemu-aarch64 -cpu max` has sdot) byte for byte against
# exact sums and the textbook integer convolution, and QDQ graphs on each against the float path. The
# integration binary is filtered to the golden modules: the golden logits written by libtorch
# (golden::) and the bundled model's cross-surface fixtures (surface_golden::). Under qemu each
# whole-model run takes seconds, so those run the NEON kernel alone: the portable kernel built for
# aarch64 is no build a device runs (x86 CI runs it on whole models). The face detector's tests
# (its operators, depthwise kernel and onnxruntime parity fixture) run on NEON as well.
run=(cargo test -p glasses-core --target "$target")
"${run[@]}" --lib --test integration --no-run
"${run[@]}" --lib net::
# The int8 engine's tests again with sdot switched off, so that the plain NEON kernel runs alone
# where the CPU model has no dot product (as the first phones of ARMv8.0).
QEMU_CPU=cortex-a53 "${run[@]}" --lib -- net::qkernel net::qconv net::lower::tests::qdq
GLASSES_TEST_KERNELS=neon "${run[@]}" --test integration golden::
GLASSES_TEST_KERNELS=neon "${run[@]}" --test integration face_detector::
