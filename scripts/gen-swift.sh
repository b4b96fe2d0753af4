#!/usr/bin/env bash
# Generates the Swift bindings of glasses-ffi with the in-repo uniffi-bindgen (pinned to the
# uniffi runtime version the library uses), in library mode from the host cdylib, and checks that
# they contain the public API.
#
#   scripts/gen-swift.sh [OUT_DIR]
#
# OUT_DIR defaults to ios/Sources/GlassesFFIBindings (gitignored build output). The C header and
# module map uniffi also writes go to OUT_DIR/include; ios/build-xcframework.sh packs them into the
# xcframework, where the Swift file finds them as the `glasses_ffiFFI` clang module.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-ios/Sources/GlassesFFIBindings}"
target_dir="${CARGO_TARGET_DIR:-target}"

# Library mode reads the uniffi metadata from the library's symbols, so the library must not be
# stripped: a debug host build is the fastest one that has them. `--workspace` plus one of the
# crate's test targets, not `-p glasses-ffi --lib`: dependency features then resolve as in
# `cargo test --workspace`, so this reuses that build instead of compiling tract a second time.
# Such a build leaves the cdylib in deps/ (only a root `--lib` target is copied up a level).
cargo build --workspace --test jni_fixtures --bin uniffi-bindgen
lib="$target_dir/debug/deps/libglasses_ffi.so"
[[ "$(uname)" == Darwin ]] && lib="$target_dir/debug/deps/libglasses_ffi.dylib"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Built above in the same invocation: a separate `cargo run -p uniffi-bindgen` would resolve its
# own feature set and recompile the proc-macro stack.
"$target_dir/debug/uniffi-bindgen" generate --library "$lib" --language swift --out-dir "$tmp"

mkdir -p "$out/include"
cp "$tmp"/*.swift "$out/"
cp "$tmp"/*.h "$out/include/"
# The xcframework wants the module map named module.modulemap.
cp "$tmp"/*.modulemap "$out/include/module.modulemap"

swift="$out/glasses_ffi.swift"
missing=0
for api in \
    'class GlassesClassifier' \
    'func classifyEncoded(image: Data' \
    'func classifyPixels(pixels: Data, width: UInt32, height: UInt32, stride: UInt32, format: PixelFormat' \
    'static func fromBytes(model: Data, threshold: Float' \
    'static func fromFile(path: String, threshold: Float' \
    'static func bundled(threshold: Float' \
    'enum GlassesError' \
    'struct Prediction' \
    'var hasGlasses: Bool' \
    'var probability: Float' \
    'enum PixelFormat' \
    'func classifyEncodedRegion(image: Data, face: FaceBox' \
    'func classifyPixelsRegion(pixels: Data, width: UInt32, height: UInt32, stride: UInt32, format: PixelFormat, face: FaceBox' \
    'struct FaceBox' \
    'func classifyNv12(y: Data, yRowStride: UInt32, uv: Data, uvRowStride: UInt32, width: UInt32, height: UInt32, fullRange: Bool, rotationDegrees: UInt32, mirrored: Bool, face: FaceBox?' \
    'func faceBoxFromNormalizedBottomLeft(x: Float, y: Float, width: Float, height: Float, imageWidth: UInt32, imageHeight: UInt32' \
    'enum EyewearKind' \
    'case noEyewear' \
    'var eyewear: EyewearKind' \
    'var probabilityNone: Float' \
    'var probabilitySunglasses: Float?' \
    'case InvalidRegion(' \
    'func version() -> String' \
    'import glasses_ffiFFI'; do
    if ! grep -qF "$api" "$swift"; then
        echo "generated Swift lacks: $api" >&2
        missing=1
    fi
done
[[ $missing == 0 ]] || exit 1
echo "Swift bindings in $out: $(wc -l < "$swift") lines, API present"
