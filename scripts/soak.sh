#!/usr/bin/env bash
# The long versions of the C API's concurrency and memory checks, against a release library:
#
#   1. soak: SOAK_CYCLES (default 10,000) create/classify/free cycles on the main thread; RSS
#      (/proc/self/statm) after the first tenth and at the end, failing if it grew by more than
#      SOAK_MAX_GROWTH_KIB (default 8192 = 8 MiB);
#   2. stress: STRESS_THREADS (default 8) threads share one handle, each classifies all
#      STRESS_IMAGES (default 4000) generated images (every pixel format, 8..64 px, padded rows),
#      every result compared bit for bit with the single-thread result for the same image.
#
#   scripts/soak.sh
#   SOAK_CYCLES=2000 STRESS_IMAGES=1000 scripts/soak.sh    # shorter
#
# The checks are the ones of tests/c/glasses_test.c that `cargo test -p glasses-ffi --test c_abi`
# runs briefly in CI; this script reuses that test's inputs (model, PNG, manifest). Prints the
# program's own lines, then a table; exits non-zero if any check failed. Linux only (RSS from /proc).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/repo.sh"
cycles="${SOAK_CYCLES:-10000}"
bound="${SOAK_MAX_GROWTH_KIB:-8192}"
threads="${STRESS_THREADS:-8}"
images="${STRESS_IMAGES:-4000}"

echo "== cargo build -p glasses-ffi --release --lib"
cargo build -p glasses-ffi --release --lib
lib="$target_dir/release/libglasses_ffi.a"
test -f "$lib" || { echo "missing $lib" >&2; exit 1; }

echo "== inputs (model, PNG, manifest) from cargo test -p glasses-ffi --test c_abi"
cargo test -q -p glasses-ffi --test c_abi >/dev/null
inputs="$target_dir/tmp/c-abi"
dir="$target_dir/tmp/c-abi-soak"
mkdir -p "$dir"

echo "== compiling tests/c/glasses_test.c against $lib"
"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -g -O2 -I ffi/include tests/c/glasses_test.c "$lib" \
    -o "$dir/glasses_test" -lpthread -ldl -lm -lrt -lutil -lgcc_s -lc -Wl,-z,noexecstack

rc=0
run() { # LOG ARGS...: runs the program, keeps its output, never stops the script
    local log="$1"
    shift
    local start=$SECONDS
    set +e
    "$dir/glasses_test" "$inputs/manifest.txt" "$@" >"$log" 2>&1
    local status=$?
    set -e
    grep -E '^(soak|stress|FAIL|SKIP)' "$log" || true
    tail -n 1 "$log"
    echo "   exit $status after $((SECONDS - start)) s"
    [ "$status" = 0 ] || rc=1
}

echo "== soak: $cycles create/classify/free cycles"
run "$dir/soak.log" suite=soak "soak_cycles=$cycles" "soak_max_growth_kib=$bound"
echo "== stress: $threads threads x $images images, one shared handle"
run "$dir/stress.log" suite=stress "stress_threads=$threads" "stress_images=$images" stress_rounds=1

field() { grep -m1 "^$1:" "$2" | tr ' ' '\n' | sed -n "s/^$3=//p"; }
s="$dir/soak.log"
t="$dir/stress.log"
echo
echo "| soak cycles | RSS at cycle $(field soak "$s" warm_cycle) (KiB) | RSS at end (KiB) | growth (KiB) | bound (KiB) | wall (s) | per cycle (ms) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "| $(field soak "$s" cycles) | $(field soak "$s" rss_warm_kib) | $(field soak "$s" rss_end_kib) | $(field soak "$s" growth_kib) | $(field soak "$s" bound_kib) | $(field soak "$s" wall_s) | $(field soak "$s" per_cycle_ms) |"
echo
echo "| threads | images | classifications compared | mismatches | errors | distinct probabilities | wall (s) | single-thread pass (s) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
echo "| $(field stress "$t" threads) | $(field stress "$t" images) | $(field stress "$t" classifications) | $(field stress "$t" mismatches) | $(field stress "$t" errors) | $(field stress "$t" distinct) | $(field stress "$t" wall_s) | $(field stress "$t" reference_s) |"
echo
if [ "$rc" = 0 ]; then echo "== soak.sh: all checks passed"; else echo "== soak.sh: FAILED (logs in $dir)"; fi
exit $rc
