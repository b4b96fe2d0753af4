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
# Env: PROFILE (default dist), TOP (crates listed, default 15).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profile=${PROFILE:-dist}
top=${TOP:-15}
target_args=()
dir="target/$profile"
if [ -n "${TARGET:-}" ]; then
  target_args=(--target "$TARGET")
  dir="target/$TARGET/$profile"
fi
echo "building glasses-ffi as a cdylib only (profile $profile; fat LTO takes minutes)..." >&2
cargo rustc -q --profile "$profile" -p glasses-ffi --lib --crate-type cdylib "${target_args[@]}"
lib="$dir/libglasses_ffi.so"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip_tool=${STRIP:-strip}
command -v llvm-strip >/dev/null && [ -n "${TARGET:-}" ] && strip_tool=llvm-strip
cp "$lib" "$work/lib.so"
"$strip_tool" --strip-all "$work/lib.so"
model=core/models/glasses-int8.onnx
unstripped=$(stat -c %s "$lib")
stripped=$(stat -c %s "$work/lib.so")
model_bytes=$(stat -c %s "$model")
# The model is embedded verbatim (include_bytes!): check that, so subtracting it is exact.
python3 - "$work/lib.so" "$model" <<'PY'
import sys
lib, model = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
if lib.find(model) < 0:
    sys.exit("the bundled model is not embedded verbatim in the library; the subtraction below is wrong")
PY
echo
echo "$(date -u +%F) · $(uname -m) host · target ${TARGET:-host} · profile $profile · $(rustc --version)"
echo
echo "| artifact | bytes | MiB |"
echo "|---|---|---|"
printf '| %s | %s | %.2f |\n' "libglasses_ffi.so, not stripped" "$unstripped" "$(echo "$unstripped/1048576" | bc -l)"
printf '| %s | %s | %.2f |\n' "stripped (as shipped)" "$stripped" "$(echo "$stripped/1048576" | bc -l)"
printf '| %s | %s | %.2f |\n' "of which the bundled model ($model)" "$model_bytes" "$(echo "$model_bytes/1048576" | bc -l)"
printf '| %s | %s | %.2f |\n' "stripped, without the model" "$((stripped - model_bytes))" "$(echo "($stripped-$model_bytes)/1048576" | bc -l)"
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
