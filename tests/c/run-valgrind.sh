#!/usr/bin/env bash
# Runs the C ABI test under valgrind memcheck: no invalid access, no uninitialised read and no
# leak may come from the library or the test program.
#
# The C program and its inputs are produced by the Rust harness (ffi/tests/c_abi.rs), so this
# first runs that test, then reruns the very same binary under valgrind.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v valgrind > /dev/null || { echo "valgrind is not installed" >&2; exit 1; }
# `--workspace`, not `-p glasses-ffi`: features then resolve as in `cargo test --workspace`,
# so this reuses that build instead of compiling the dependencies a second time.
cargo test --workspace --test c_abi --quiet

dir="${CARGO_TARGET_DIR:-target}/tmp/c-abi"
# Fewer thread iterations: valgrind runs threads one at a time, each 20-50x slower. The
# stress test keeps its 8 threads on 2 images; the soak does one cycle, without its RSS
# bound (valgrind's own allocator and freed-block queue make RSS meaningless; leaks are what
# memcheck reports here).
# The golden cases run the bundled 176x216 model, about 8 s a classification under valgrind (60 %
# of this run with all eight): one whole-picture case and one face-region case (field 8 of a
# `golden_case` line says which), each turned two ways instead of eight, keep every code path under
# memcheck; the native run above checks all eight cases in all eight orientations. Of the group
# pictures (every face detected and classified), the first one only.
sed -e 's/^iterations .*/iterations 2/' \
    -e 's/^stress_images .*/stress_images 2/' \
    -e 's/^soak_cycles .*/soak_cycles 1/' \
    -e 's/^soak_max_growth_kib .*/soak_max_growth_kib -1/' \
    "$dir/manifest.txt" |
    awk '$1 == "golden_case" { skip = seen[$8]++ } $1 == "golden_found" && skip { next }
         $1 == "golden_group" { group_skip = groups++ } $1 ~ /^golden_group/ && group_skip { next }
         $1 == "golden_case" && skip { next } { print } END { print "golden_turns 2" }' \
    > "$dir/manifest-valgrind.txt"

# --errors-for-leak-kinds=definite,indirect: Rust's std keeps a few "still reachable" globals
# (thread-local destructors registry, the stdout buffer) that are not leaks.
RUST_BACKTRACE=0 valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-origins=yes --quiet \
    "$dir/glasses_test" "$dir/manifest-valgrind.txt"
