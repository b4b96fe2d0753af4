#!/usr/bin/env bash
# Runs the C ABI test under valgrind memcheck: no invalid access, no uninitialised read and no
# leak may come from the library or the test program.
#
# The C program and its inputs are produced by the Rust harness (ffi/tests/c_abi.rs), so this
# first runs that test, then reruns the very same binary under valgrind.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v valgrind > /dev/null || { echo "valgrind is not installed" >&2; exit 1; }
cargo test -p glasses-ffi --test c_abi --quiet

dir="${CARGO_TARGET_DIR:-target}/tmp/c-abi"
# Fewer thread iterations: valgrind runs threads one at a time and tract is slow under it.
sed -e 's/^iterations .*/iterations 2/' "$dir/manifest.txt" > "$dir/manifest-valgrind.txt"

# --errors-for-leak-kinds=definite,indirect: Rust's std keeps a few "still reachable" globals
# (thread-local destructors registry, the stdout buffer) that are not leaks.
valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-origins=yes --quiet \
    "$dir/glasses_test" "$dir/manifest-valgrind.txt"
