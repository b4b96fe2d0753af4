#!/usr/bin/env bash
# Builds build/GlassesFFI.xcframework(.zip) for the Swift package and generates the Swift
# bindings. macOS with Xcode (xcodebuild, xcrun) and rustup only.
#
#   ios/build-xcframework.sh            # release, device slice stripped
#   PROFILE=debug ios/build-xcframework.sh
#
# Slices: ios-arm64 (device), ios-arm64-simulator, macos-arm64 (for `swift test` on the Mac).
# Only the device library is stripped: simulator and macOS builds keep symbols for debugging.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"

if [[ "$(uname)" != Darwin ]] || ! command -v xcodebuild > /dev/null; then
    echo "build-xcframework.sh needs macOS with Xcode (xcodebuild)" >&2
    exit 1
fi

profile="${PROFILE:-release}"
profile_flag=()
[[ "$profile" == release ]] && profile_flag=(--release)
target_dir="${CARGO_TARGET_DIR:-$root/target}"
device=aarch64-apple-ios
simulator=aarch64-apple-ios-sim
macos=aarch64-apple-darwin
rustup target add "$device" "$simulator" "$macos"

export IPHONEOS_DEPLOYMENT_TARGET=15.0 MACOSX_DEPLOYMENT_TARGET=12.0
for target in "$device" "$simulator" "$macos"; do
    # staticlib only: the cdylib and rlib are not needed in the xcframework.
    cargo rustc -p glasses-ffi --lib "${profile_flag[@]}" --target "$target" --crate-type staticlib
done

# Swift bindings + the C header and module map they import (`glasses_ffiFFI`).
"$root/scripts/gen-swift.sh" "$here/Sources/GlassesFFIBindings"

build="$here/build"
rm -rf "$build/GlassesFFI.xcframework" "$build/GlassesFFI.xcframework.zip" "$build/headers" "$build/device"
mkdir -p "$build/headers" "$build/device"
cp "$here/Sources/GlassesFFIBindings/include/"* "$build/headers/"
# The plain C API too, for Objective-C callers (not part of the Swift module map).
cp "$root/ffi/include/glasses.h" "$build/headers/"

cp "$target_dir/$device/$profile/libglasses_ffi.a" "$build/device/libglasses_ffi.a"
# -S: debug symbols only; the global symbols the linker needs stay.
xcrun strip -S "$build/device/libglasses_ffi.a"

xcodebuild -create-xcframework \
    -library "$build/device/libglasses_ffi.a" -headers "$build/headers" \
    -library "$target_dir/$simulator/$profile/libglasses_ffi.a" -headers "$build/headers" \
    -library "$target_dir/$macos/$profile/libglasses_ffi.a" -headers "$build/headers" \
    -output "$build/GlassesFFI.xcframework"

(cd "$build" && zip -qry GlassesFFI.xcframework.zip GlassesFFI.xcframework)
echo "built $build/GlassesFFI.xcframework.zip"
echo "checksum for .binaryTarget(url:checksum:): $(cd "$here" && swift package compute-checksum build/GlassesFFI.xcframework.zip)"
