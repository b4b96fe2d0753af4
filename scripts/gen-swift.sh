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
# The API checks read the declarations without their doc comments (uniffi writes a field's doc
# inside an enum case's parameter list) and with whitespace collapsed.
flat="$tmp/flat.swift"
perl -0pe 's{/\*\*.*?\*/}{}gs; s/\s+/ /g; s/\( /(/g; s/ ([,)])/$1/g' "$swift" > "$flat"
missing=0
for api in \
    'class GlassesClassifier' \
    'convenience init(options: GlassesOptionsRecord' \
    'static func fromBytes(model: Data, options: GlassesOptionsRecord' \
    'static func fromFile(path: String, options: GlassesOptionsRecord' \
    'func classify(input: GlassesInput, request: GlassesRequest) throws' \
    'func options() -> GlassesOptionsRecord' \
    'enum GlassesInput' \
    'case encoded(bytes: Data' \
    'case file(path: String' \
    'case pixels(pixels: Data, width: UInt32, height: UInt32, stride: UInt32, format: PixelFormat' \
    'case nv12(y: Data, yRowStride: UInt32, uv: Data, uvRowStride: UInt32, width: UInt32, height: UInt32, fullRange: Bool' \
    'struct GlassesRequest' \
    'var orientation: GlassesOrientation' \
    'var face: FaceBox?' \
    'struct GlassesOrientation' \
    'var rotationDegrees: UInt32' \
    'var mirrored: Bool' \
    'func orientationFromExif(exif: UInt32)' \
    'enum GlassesError' \
    'struct GlassesResultRecord' \
    'struct GlassesOptionsRecord' \
    'var maxPixels: UInt64' \
    'var maxFileBytes: UInt64' \
    'func defaultOptions() -> GlassesOptionsRecord' \
    'var hasGlasses: Bool' \
    'var probability: Float' \
    'enum PixelFormat' \
    'struct FaceBox' \
    'func faceBoxFromNormalizedBottomLeft(x: Float, y: Float, width: Float, height: Float, imageWidth: UInt32, imageHeight: UInt32' \
    'enum EyewearKind' \
    'case noEyewear' \
    'var eyewear: EyewearKind' \
    'var probabilityNone: Float' \
    'var probabilitySunglasses: Float?' \
    'case InvalidRegion(' \
    'func version() -> String' \
    'func modelInfo() -> GlassesModelInfoRecord' \
    'struct GlassesModelInfoRecord' \
    'var classNames: [String]' \
    'var modelDefaultThreshold: Float?' \
    'enum WeightPrecisionKind' \
    'func detectFaces(input: GlassesInput, request: GlassesRequest) throws -> [DetectedFaceRecord]' \
    'func classifyFaces(input: GlassesInput, request: GlassesRequest) throws -> [FaceResultRecord]' \
    'var faceMode: FaceModeKind' \
    'enum FaceModeKind' \
    'struct DetectedFaceRecord' \
    'var faceBox: FaceBox' \
    'var landmarks: [FacePoint]' \
    'struct FaceResultRecord' \
    'var face: DetectedFaceRecord?' \
    'var detector: DetectorOptionsRecord' \
    'var threads: UInt32' \
    'detector: DetectorOptionsRecord, threads: UInt32 = UInt32(1))' \
    'struct DetectorOptionsRecord' \
    'var minFaceSize: Float' \
    'case NoFace(' \
    'import glasses_ffiFFI'; do
    if ! grep -qF "$api" "$flat"; then
        echo "generated Swift lacks: $api" >&2
        missing=1
    fi
done
# The old names must be gone (one name per concept on every surface).
# One classify call and three constructors: the per-input methods and the threshold-only
# constructors are gone.
for gone in 'struct Prediction' 'InvalidOptions' 'func classifyEncoded' 'func classifyPixels' 'func classifyNv12' \
    'func classifyFile' 'static func bundled(' 'WithOptions('; do
    if grep -qF "$gone" "$flat"; then
        echo "generated Swift still has: $gone" >&2
        missing=1
    fi
done

# One table of codes: the generated enums must be C's, case for case and in order (uniffi sends a
# case by its position), and the Swift wrapper must handle every error case.
cases_of() { # the cases of Swift enum $1, one per line, in order
    awk -v name="$1" '$0 ~ "^(public )?enum " name "[ :{]" {inside=1; next}
        inside && /^}/ {exit}
        inside && /^ *case [a-zA-Z]/ {sub(/^ *case /, ""); sub(/[(:= ].*$/, ""); print}' "$swift"
}
header_enum() { # the enumerators PREFIX* of ffi/include/glasses.h, prefix dropped, in order
    sed -n "s/^ *$1\([A-Z0-9_]*\) = [0-9]*,\{0,1\}\$/\1/p" ffi/include/glasses.h
}
formats="$(cases_of PixelFormat | tr -d '_' | tr '[:lower:]' '[:upper:]')"
c_formats="$(header_enum GLASSES_PIXEL_FORMAT_ | tr -d '_')"
if [[ -z "$formats" || "$formats" != "$c_formats" ]]; then
    echo "Swift PixelFormat cases ($(echo $formats)) are not C's GLASSES_PIXEL_FORMAT_* ($(echo $c_formats))" >&2
    missing=1
fi
precisions="$(cases_of WeightPrecisionKind | tr '[:lower:]' '[:upper:]')"
c_precisions="$(header_enum GLASSES_WEIGHT_PRECISION_)"
if [[ -z "$precisions" || "$precisions" != "$c_precisions" ]]; then
    echo "Swift WeightPrecisionKind cases ($(echo $precisions)) are not C's GLASSES_WEIGHT_PRECISION_* ($(echo $c_precisions))" >&2
    missing=1
fi
modes="$(cases_of FaceModeKind | tr '[:lower:]' '[:upper:]')"
c_modes="$(header_enum GLASSES_FACE_MODE_)"
if [[ "$modes" != "$c_modes" ]]; then
    echo "Swift FaceModeKind cases ($(echo $modes)) are not C's GLASSES_FACE_MODE_* ($(echo $c_modes))" >&2
    missing=1
fi
errors="$(cases_of GlassesError | sed -e 's/\([a-z0-9]\)\([A-Z]\)/\1_\2/g' -e 's/\([A-Z]\)\([A-Z][a-z]\)/\1_\2/g' \
    | tr '[:lower:]' '[:upper:]')"
c_errors="$(header_enum GLASSES_STATUS_ | grep -vx -e OK -e NULL_ARGUMENT -e PANIC)"
if [[ -z "$errors" || "$errors" != "$c_errors" ]]; then
    echo "Swift GlassesError cases ($(echo $errors)) are not C's failure statuses ($(echo $c_errors))" >&2
    missing=1
fi
wrapper=ios/Sources/GlassesDetector/GlassesDetector.swift
for case in $(cases_of GlassesError); do
    if ! grep -qF "case let .$case(message)" "$wrapper"; then
        echo "$wrapper does not convert GlassesError.$case" >&2
        missing=1
    fi
done
[[ $missing == 0 ]] || exit 1
echo "Swift bindings in $out: $(wc -l < "$swift") lines, API present, codes match ffi/include/glasses.h"
