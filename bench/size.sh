#!/usr/bin/env bash
# Size of the native library as an app ships it: the one cdylib (C ABI + JNI + uniffi) built with
# the shipping profile `dist` (fat LTO, codegen-units 1), stripped, with the bundled model inside;
# then where its code bytes go, per crate (symbol sizes from `nm`, like cargo-bloat's --crates).
#
#   bench/size.sh                 # host target (x86_64 Linux here)
#   TARGET=aarch64-linux-android bench/size.sh   # needs the Android toolchain set up as in
#                                                # scripts/cross-build.sh (NDK clang as linker)
#   CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
#     TARGET=aarch64-unknown-linux-gnu bench/size.sh  # aarch64 Linux with Debian's cross gcc
#                                                # (apt-get install gcc-aarch64-linux-gnu)
#   ANDROID_LIKE=1 bench/size.sh  # the stand-in for Android's arm64 .so when no NDK is installed:
#                                 # aarch64 Linux code, linked the way the NDK links (see below)
#   FEATURES="--no-default-features --features jpeg" bench/size.sh   # an app that reads JPEGs only
#   EACH_FORMAT=1 bench/size.sh   # rebuilds once per format (11 fat-LTO builds: long on 2 cores)
# Env: PROFILE (default dist), TOP (crates listed, default 15), FEATURES (cargo feature flags of
# glasses-ffi; default: its defaults, every picture format), EACH_FORMAT (see below).
#
# Picture formats are cargo features (glasses-core's and glasses-ffi's `jpeg`, `png`, `webp`, `bmp`,
# `gif`, `tiff`, `ico`, `pnm`, `tga`, `qoi`; all by default). Every run lists the code bytes each
# format's decoder holds in the library built (its `image::codecs::FORMAT` symbols and its own
# crates, from `nm`); EACH_FORMAT=1 measures what each costs for real instead: the stripped library
# with JPEG only, then JPEG plus each other format, and the difference.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# ANDROID_LIKE=1: the Android library is aarch64 code linked by the NDK's clang with lld, and the
# NDK's clang driver adds --pack-dyn-relocs=android at minSdk 23-27 (ours is 24, android/); the
# Gradle build adds 16 KB pages (android/build.gradle.kts). Without the NDK, the nearest build is
# aarch64 Linux (glibc instead of bionic: the same Rust code) linked with Rust's own lld and those
# flags. Debian's GNU ld instead pads the file to 64 KB pages and keeps 24-byte relocations, which
# adds about 100 KB that the Android library does not have.
if [ -n "${ANDROID_LIKE:-}" ]; then
  TARGET=${TARGET:-aarch64-unknown-linux-gnu}
  gcc_ld="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/gcc-ld"
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-aarch64-linux-gnu-gcc}
  export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-fuse-ld=lld -C link-arg=-B$gcc_ld
    -C link-arg=-Wl,--pack-dyn-relocs=android
    -C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,-z,common-page-size=16384"
fi
profile=${PROFILE:-dist}
top=${TOP:-15}
target_args=()
dir="target/$profile"
if [ -n "${TARGET:-}" ]; then
  target_args=(--target "$TARGET")
  dir="target/$TARGET/$profile"
fi
lib="$dir/libglasses_ffi.so"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip_tool=${STRIP:-strip}
command -v llvm-strip >/dev/null && [ -n "${TARGET:-}" ] && strip_tool=llvm-strip

# build FEATURE-FLAGS...: the cdylib alone, with those cargo feature flags.
build() {
  echo "building glasses-ffi as a cdylib only (profile $profile, features: ${*:-default}; fat LTO takes minutes)..." >&2
  cargo rustc -q --profile "$profile" -p glasses-ffi --lib --crate-type cdylib "${target_args[@]}" "$@"
}
# stripped_size: bytes of the library just built, stripped.
stripped_size() {
  cp "$lib" "$work/each.so"
  "$strip_tool" --strip-all "$work/each.so"
  stat -c %s "$work/each.so"
}

if [ -n "${EACH_FORMAT:-}" ]; then
  echo "$(date -u +%F) · target ${TARGET:-host}${ANDROID_LIKE:+ (NDK-like link)} · profile $profile · $(rustc --version)"
  echo
  build --no-default-features --features jpeg
  base=$(stripped_size)
  echo "| features | stripped bytes | cost over JPEG only |"
  echo "|---|---|---|"
  echo "| jpeg | $base | 0 |"
  for format in png webp bmp gif tiff ico pnm tga qoi all-formats; do
    build --no-default-features --features "jpeg $format"
    size=$(stripped_size)
    echo "| jpeg + $format | $size | $((size - base)) |"
  done
  exit 0
fi

# shellcheck disable=SC2086 # FEATURES is a list of flags
build ${FEATURES:-}
cp "$lib" "$work/lib.so"
"$strip_tool" --strip-all "$work/lib.so"
unstripped=$(stat -c %s "$lib")
stripped=$(stat -c %s "$work/lib.so")
# The model files are stored zlib-compressed (core/build.rs writes them into the build's OUT_DIR and
# include_bytes! embeds them): find the streams this build embedded and check that each stands in
# the library, so that subtracting them is exact.
streams=()
for file in glasses-int8.onnx face-detector.onnx; do
  # shellcheck disable=SC2012 # the newest build script output of this profile and target
  stream=$(ls -t "$dir"/build/glasses-core-*/out/"$file.zlib" 2>/dev/null | head -1)
  [ -n "$stream" ] && streams+=("$stream")
done
python3 - "$work/lib.so" "${streams[@]}" <<'PY'
import sys
lib = open(sys.argv[1], "rb").read()
for path in sys.argv[2:]:
    if lib.find(open(path, "rb").read()) < 0:
        sys.exit(f"{path} is not embedded verbatim in the library; the subtraction below would be wrong")
PY
models_bytes=0
echo
echo "$(date -u +%F) · $(uname -m) host · target ${TARGET:-host}${ANDROID_LIKE:+ (NDK-like link: lld, packed relocations, 16 KB pages)} · profile $profile · features: ${FEATURES:-default} · $(rustc --version)"
echo
echo "| artifact | bytes | MiB |"
echo "|---|---|---|"
printf '| %s | %s | %.2f |\n' "libglasses_ffi.so, not stripped" "$unstripped" "$(echo "$unstripped/1048576" | bc -l)"
printf '| %s | %s | %.2f |\n' "stripped (as shipped)" "$stripped" "$(echo "$stripped/1048576" | bc -l)"
for stream in "${streams[@]}"; do
  bytes=$(stat -c %s "$stream")
  models_bytes=$((models_bytes + bytes))
  name=$(basename "$stream" .zlib)
  printf '| %s | %s | %.2f |\n' "of which core/models/$name, zlib ($(stat -c %s "core/models/$name") B inflated)" "$bytes" "$(echo "$bytes/1048576" | bc -l)"
done
printf '| %s | %s | %.2f |\n' "stripped, without the models" "$((stripped - models_bytes))" "$(echo "($stripped-$models_bytes)/1048576" | bc -l)"
echo
echo "Sections of the stripped library (\`readelf -S\`; the models are in .rodata, unwind tables in .eh_frame*):"
echo
echo "| section | bytes |"
echo "|---|---|"
readelf -SW "$work/lib.so" | python3 -c '
import sys, re
rows = []
for line in sys.stdin:
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if m and m.group(2) != "NOBITS" and int(m.group(3), 16) >= 1024:
        rows.append((int(m.group(3), 16), m.group(1)))
for size, name in sorted(rows, reverse=True):
    print(f"| {name} | {size:,} |")
'
echo
echo "Code and data symbols by crate (unstripped library, \`nm -S -C\`), top $top:"
echo
nm -S --size-sort -C "$lib" 2>/dev/null | python3 -c '
import sys, re, collections
top = int(sys.argv[1])
sizes = collections.Counter()
for line in sys.stdin:
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 4:
        continue
    size, name = int(parts[1], 16), parts[3]
    name = re.sub(r"^(<|_<)+", "", name)
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", name)
    crate = m.group(1) if m else ("[C/asm or unmangled]" if "::" not in name else "[other]")
    sizes[crate] += size
total = sum(sizes.values())
print("| crate | bytes | share |")
print("|---|---|---|")
for crate, size in sizes.most_common(top):
    print(f"| {crate} | {size:,} | {100 * size / total:.1f} % |")
print(f"| (all symbols) | {total:,} | 100 % |")
' "$top"

echo
echo "Code and data bytes by picture format (same symbols; \`image::codecs::FORMAT\` plus the crates"
echo "only that format uses; deflate and LZW are shared by PNG, TIFF and GIF and listed apart; std's"
echo "backtrace printer carries its own miniz_oxide, about 9 KB, so deflate never drops to 0):"
echo
nm -S --size-sort -C "$lib" 2>/dev/null | python3 -c '
import sys, re, collections
own = {"zune_jpeg": "jpeg", "zune_core": "jpeg", "png": "png", "fdeflate": "png", "image_webp": "webp",
       "gif": "gif", "tiff": "tiff", "fax": "tiff", "qoi": "qoi", "color_quant": "gif"}
shared = {"miniz_oxide": "deflate (png, tiff)", "adler2": "deflate (png, tiff)", "crc32fast": "deflate (png, tiff)",
          "flate2": "deflate (png, tiff)", "weezl": "lzw (gif, tiff)", "zune_inflate": "deflate (png, tiff)"}
sizes = collections.Counter()
for line in sys.stdin:
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 4:
        continue
    size, name = int(parts[1], 16), re.sub(r"^(<|_<)+", "", parts[3])
    m = re.match(r"image::codecs::([a-z]+)::", name)
    if m:
        sizes[m.group(1)] += size
        continue
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", name)
    if m and m.group(1) in own:
        sizes[own[m.group(1)]] += size
    elif m and m.group(1) in shared:
        sizes[shared[m.group(1)]] += size
print("| format | bytes |")
print("|---|---|")
for fmt, size in sizes.most_common():
    print(f"| {fmt} | {size:,} |")
'
