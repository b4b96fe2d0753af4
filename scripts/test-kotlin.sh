#!/usr/bin/env bash
# Kotlin/JVM tests of the JNI bindings (android/): builds the host library (debug), writes the
# fixtures (random-weight model, images, core's probabilities), then runs the Maven/JUnit 5 suite
# against target/debug/deps/libglasses_ffi.so. Exits non-zero on any failure.
#
#   scripts/test-kotlin.sh            # from anywhere in the repository
#   MVN_FLAGS=-o scripts/test-kotlin.sh   # Maven offline once ~/.m2 holds the plugins
#   GLASSES_ROBOLECTRIC=1 scripts/test-kotlin.sh  # also classify(bitmap) under Robolectric
#                                                 # (downloads ~300 MB into ~/.m2 the first time)
#   GLASSES_JNI_VALGRIND=0 scripts/test-kotlin.sh # skip the JNI run under valgrind memcheck
#                                                 # (tests/c/run-jni-valgrind.sh, about 2.5 min;
#                                                 # runs by default when valgrind is installed)
#
# Needs: cargo, JDK 17+, Maven 3.8+. The first run downloads the Kotlin compiler, Surefire and
# JUnit from Maven Central into ~/.m2 (about a minute); later runs use the local repository.
# No Android SDK/NDK is needed (see android/README.md).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/repo.sh"
fixtures="$target_dir/jni-fixtures"
# A test-target build (below) leaves the cdylib in deps/; only a root `--lib` build copies it up.
native_dir="$target_dir/debug/deps"
log="$target_dir/kotlin-tests.log"
start=$(date +%s)

echo "== cargo build --workspace --test jni_fixtures (debug glasses-ffi)"
# `--workspace`, not `-p glasses-ffi --lib`: features then resolve as in `cargo test --workspace`,
# so this reuses that build instead of compiling tract and its dependencies a second time.
cargo build --workspace --test jni_fixtures
test -f "$native_dir/libglasses_ffi.so" || { echo "missing $native_dir/libglasses_ffi.so" >&2; exit 1; }

echo "== writing JNI fixtures to $fixtures"
rm -rf "$fixtures"
GLASSES_JNI_FIXTURES_DIR="$fixtures" cargo test -q --workspace --test jni_fixtures >/dev/null

echo "== mvn test (android/), log: $log"
mkdir -p "$(dirname "$log")"
set +e
profile=()
if [ "${GLASSES_ROBOLECTRIC:-0}" = 1 ]; then profile=(-Probolectric); fi
(cd android && mvn -B -ntp ${MVN_FLAGS:-} "${profile[@]}" \
    "-Dglasses.native.dir=$native_dir" \
    "-Dglasses.fixtures.dir=$fixtures" \
    "-Dglasses.repo.root=$root" \
    test) >"$log" 2>&1
rc=$?
set -e

# Maven's own closing summary: each Surefire "Results:" block (failures, then the "Tests run:"
# totals), then BUILD SUCCESS/FAILURE and the total time.
if grep -q '^\[[A-Z]*\] Results:' "$log"; then
    awk '/^\[[A-Z]*\] Results:/ {show=1} show {print} show && /Tests run:/ {show=0}
         /BUILD (SUCCESS|FAILURE)|Total time:/ {print}' "$log"
else
    tail -n 60 "$log"
fi
grep -h '^GOLDEN:' "$log" | sort -u || true
grep -h '^JNI stress:' "$log" || true
echo "== kotlin tests: exit $rc in $(( $(date +%s) - start )) s"
[ "$rc" = 0 ] || exit $rc

case "${GLASSES_JNI_VALGRIND:-auto}" in
  0) echo "== JNI under valgrind: skipped (GLASSES_JNI_VALGRIND=0)" ;;
  auto) if command -v valgrind >/dev/null; then tests/c/run-jni-valgrind.sh
        else echo "== JNI under valgrind: skipped (valgrind is not installed)"; fi ;;
  *) tests/c/run-jni-valgrind.sh ;;
esac
