#!/usr/bin/env bash
# Cross-compiles the static library of glasses-ffi (libglasses_ffi.a) for mobile targets from a
# Linux host, with rustup's std. Nothing in the default build compiles C or assembly any more
# (core's own engine replaced tract's assembly kernels); the clang/llvm-ar settings below remain
# for the `onnx-any` feature, which links tract-onnx and its tract-linalg kernels again.
#
#   scripts/cross-build.sh [--release | --profile NAME] TARGET...
#   scripts/cross-build.sh aarch64-linux-android aarch64-apple-ios
#
# Supported: aarch64-linux-android armv7-linux-androideabi x86_64-linux-android aarch64-apple-ios
# (default: all four). Only the staticlib is built: linking the Android .so needs the NDK's
# linker and libc, and the iOS app is linked by Xcode.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
profile_flag=()
if [[ "${1:-}" == "--release" ]]; then
    profile=release
    profile_flag=(--release)
    shift
elif [[ "${1:-}" == "--profile" ]]; then
    # e.g. --profile cross-check (CI): unoptimised, no debug info, several times faster to build.
    profile="$2"
    profile_flag=(--profile "$2")
    shift 2
fi
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android aarch64-apple-ios)

if ! command -v clang > /dev/null || ! command -v llvm-ar > /dev/null; then
    echo "installing clang and llvm (for llvm-ar)"
    apt-get update -qq && apt-get install -y -qq clang llvm > /dev/null
fi

target_dir="${CARGO_TARGET_DIR:-target}"
status=0
for target in "${targets[@]}"; do
    t="${target//-/_}"
    case "$target" in
        aarch64-linux-android)
            # onnx-any only: without +dotprod the cc build of tract-linalg silently drops its int8
            # dot-product kernel.
            export "CFLAGS_$t=-march=armv8.2-a+dotprod" ;;
        armv7-linux-androideabi)
            # onnx-any only: clang's default armv7 target cannot assemble tract's NEON kernels.
            export "CFLAGS_$t=--target=armv7a-linux-androideabi21" ;;
        x86_64-linux-android) ;;
        aarch64-apple-ios)
            # onnx-any only: cc-rs asks xcrun for the SDK unless SDKROOT is set; tract's assembly
            # needs no SDK headers, so any existing folder will do off macOS.
            export SDKROOT="${SDKROOT:-/tmp}"
            export IPHONEOS_DEPLOYMENT_TARGET=15.0 ;;
        *)
            echo "unsupported target $target" >&2
            exit 2 ;;
    esac
    export "CC_$t=clang" "AR_$t=llvm-ar"
    rustup target add "$target" > /dev/null
    start=$SECONDS
    # `cargo rustc --crate-type staticlib`: the crate's cdylib type would need the target's linker.
    if cargo rustc -p glasses-ffi --lib "${profile_flag[@]}" --target "$target" --crate-type staticlib; then
        lib="$target_dir/$target/$profile/libglasses_ffi.a"
        echo "$target: $lib $(du -h "$lib" | cut -f1) in $((SECONDS - start)) s"
    else
        echo "$target: FAILED after $((SECONDS - start)) s" >&2
        status=1
    fi
done
exit $status
