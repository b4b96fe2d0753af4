#!/usr/bin/env bash
# Runs core's whole-model tests on aarch64 (what phones run) under qemu-user, so that the NEON
# micro-kernel, which x86 CI otherwise only compiles, runs real models: the golden logits
# (golden), the bundled model's cross-surface fixtures (surface_golden), the parity with
# tract-onnx (onnx_reader), and the engine's unit tests (core/src/net: every kernel against a
# plain sum, convolutions against the textbook loop, the lowering paths). Each of these loops
# over every kernel the CPU runs, so the portable kernel (armv7 and x86 Android) runs them too.
#
#   scripts/test-aarch64.sh      # installs what is missing (Debian), builds, runs
#
# Installs, when missing: qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross (apt-get,
# as root on Debian) and rustup's aarch64-unknown-linux-gnu std. Builds with the `qemu` profile
# defined below, in target/aarch64-unknown-linux-gnu/qemu.
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

# rustc links with the cross gcc (its libc and loader), cc-rs builds tract-linalg's aarch64
# assembly with it, and cargo runs each test binary through qemu with the aarch64 sysroot.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar

# A profile of its own, defined here so that it stays out of the workspace's Cargo.toml.
# tract-onnx, a dev-dependency every core test binary links, is most of a cold build (tract-core
# alone took about 10 CPU-minutes on x86 at the dev profile's opt-level 2 with full debug info);
# dependencies here are built at opt-level 1 without debug info. Core stays at the dev profile's
# opt-level 1 (unoptimised SIMD intrinsics crawl), with debug assertions on.
profile=(
    --config 'profile.qemu.inherits="dev"'
    --config 'profile.qemu.debug=false'
    --config 'profile.qemu.incremental=false'
    --config 'profile.qemu.package."*".opt-level=1'
    --config 'profile.qemu.package."*".debug=false'
    --config 'profile.qemu.package.glasses-core.opt-level=1'
    --config 'profile.qemu.package.glasses-core.debug="line-tables-only"'
    --profile qemu
)

# The tests that run whole models or kernels; the rest of core's tests (decoding, pixel formats,
# limits) run no architecture-specific code, and x86 CI runs them. The lib test binary is filtered
# to the engine's modules, whose unit tests run every kernel (NEON and portable). tract-onnx is a
# dev-dependency, so every core test binary compiles it for aarch64 anyway, and onnx_reader costs
# only its run. Under qemu each whole-model run takes seconds, so the whole-model tests run the
# NEON kernel alone: the portable kernel built for aarch64 is no build a device runs (x86 CI runs
# it on whole models).
export GLASSES_TEST_KERNELS=neon
tests=(--test golden --test surface_golden --test onnx_reader)
run=(cargo test "${profile[@]}" -p glasses-core --target "$target")
"${run[@]}" --lib "${tests[@]}" --no-run
"${run[@]}" --lib net::
"${run[@]}" "${tests[@]}"
