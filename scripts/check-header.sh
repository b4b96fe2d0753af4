#!/usr/bin/env bash
# Checks that ffi/include/glasses.h is what cbindgen generates from ffi/src/c/ and ffi/src/codes.rs, and that it
# compiles as C and as C++. `--bless` rewrites the header instead of checking it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--bless" ]]; then
    export GLASSES_BLESS_HEADER=1
fi
# `--workspace`, not `-p glasses-ffi`: features then resolve as in `cargo test --workspace`,
# so this reuses that build instead of compiling tract and its dependencies a second time.
cargo test --workspace --test header --quiet

# The header must stand alone in both languages, with and without the test-only declarations.
for lang in c c++; do
    for define in "" "-DGLASSES_TEST_PANIC"; do
        echo '#include "glasses.h"' | ${CC:-cc} -x "$lang" -fsyntax-only -Wall -Wextra -Werror $define -I ffi/include -
    done
done
echo "ffi/include/glasses.h is current and compiles as C and C++"
