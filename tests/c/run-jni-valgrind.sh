#!/usr/bin/env bash
# Runs the JNI bindings under valgrind memcheck: a plain-JVM driver (tests/c/JniValgrind.java)
# calls every native method of libglasses_ffi through the Kotlin API (all input paths, error
# paths, a native panic, 4 threads on one detector, the bundled model, close / use after close),
# in an interpreted JVM (-Xint) under valgrind.
#
# The JVM itself is noisy under memcheck (its interpreter's stack banging is an "Invalid write"
# every method entry; the launcher and the dynamic loader leak a few blocks), so valgrind's own
# exit status means nothing here. Instead the log is split into records and only those whose
# stack names the library (libglasses_ffi, glasses_ffi::, glasses_core::) count:
#   - any error record (invalid read/write, uninitialised value, bad free, ...) fails, except
#     one whose innermost frame is "???": that is code the JVM generated (its interpreter's
#     stack banging again, reached when a JNI call such as FindClass runs Java code), counted
#     apart. Which such record valgrind prints is timing-dependent: it shows each context once,
#     so a CI run failed when the first stack-banging record of a context came through FindClass;
#   - any "definitely lost" or "indirectly lost" leak record fails;
#   - "possibly lost" and "still reachable" records are counted, not failed (thread-local
#     scratch of the JVM threads still alive at System.exit, hashbrown's interior pointers);
#   - there must be at least one "still reachable" record naming the library, which proves that
#     valgrind sees the library's allocations and that the pattern matches its frames.
#
#   tests/c/run-jni-valgrind.sh             # about 3 minutes on a loaded 2-core machine
#   MVN_FLAGS=-o tests/c/run-jni-valgrind.sh
#
# Needs: valgrind, a JDK 17+ (java, javac), Maven (to compile the Kotlin classes), cargo.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/repo.sh"
start=$SECONDS
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
fixtures="$target_dir/jni-fixtures"
native_dir="$target_dir/debug/deps"
work="$target_dir/tmp/jni-valgrind"
log="$work/valgrind.log"
mkdir -p "$work"

# --workspace: the same dependency features as `cargo test --workspace`, so nothing is built twice.
echo "== cargo build --workspace --test jni_fixtures (debug), fixtures in $fixtures"
cargo build -q --workspace --test jni_fixtures
GLASSES_JNI_FIXTURES_DIR="$fixtures" cargo test -q --workspace --test jni_fixtures >/dev/null

echo "== Kotlin classes (mvn test-compile) and the Java driver"
(cd android && mvn -B -q -ntp ${MVN_FLAGS:-} test-compile) >"$work/mvn.log" 2>&1 || { cat "$work/mvn.log"; exit 1; }
kotlin_version="$(sed -n 's:.*<kotlin.version>\(.*\)</kotlin.version>.*:\1:p' android/pom.xml)"
stdlib="${M2_REPO:-$HOME/.m2/repository}/org/jetbrains/kotlin/kotlin-stdlib/$kotlin_version/kotlin-stdlib-$kotlin_version.jar"
test -f "$stdlib" || { echo "missing $stdlib (run scripts/test-kotlin.sh once)" >&2; exit 1; }
cp="$work/classes:android/target/classes:android/target/test-classes:$stdlib"
javac -d "$work/classes" -cp "$cp" tests/c/JniValgrind.java

jvm=(java -Xint -XX:+UseSerialGC -Xmx256m -XX:ReservedCodeCacheSize=32m -XX:-UsePerfData
     "-Djava.library.path=$native_dir" -cp "$cp" JniValgrind "$fixtures" 4)
echo "== without valgrind"
RUST_BACKTRACE=0 "${jvm[@]}" 2>"$work/plain.stderr" | tail -n 1

echo "== under valgrind memcheck (log: $log)"
set +e
RUST_BACKTRACE=0 valgrind --smc-check=all-non-file --error-limit=no --leak-check=full --show-leak-kinds=all \
    --num-callers=50 --log-file="$log" "${jvm[@]}" 2>"$work/valgrind.stderr" | tee "$work/valgrind.stdout" | tail -n 1
rc=${PIPESTATUS[0]}
set -e

summary="$(awk -v out="$work/library-records.txt" '
    # Records: a header line, its "at"/"by" frames, up to a "==PID== " blank line.
    function flush() {
        if (rec != "" && rec ~ /libglasses_ffi|glasses_ffi::|glasses_core::/) {
            if (hdr ~ /are still reachable in loss record/) reach++
            else if (hdr ~ /are possibly lost in loss record/) possible++
            else if (top ~ /: \?\?\?$/) jvm++
            else { bad++; print rec "\n" > out }
        }
        rec = ""; hdr = ""; top = ""
    }
    BEGIN { bad = 0; reach = 0; possible = 0; jvm = 0; printf "" > out }
    /^==[0-9]+== *$/ { flush(); next }
    /^==[0-9]+== +(at|by) / { if (rec != "") { rec = rec "\n" $0; if (top == "") top = $0 }; next }
    /^==[0-9]+== [^ ]/ { flush(); hdr = $0; rec = $0; next }
    END { flush(); printf "%d %d %d %d\n", bad, possible, reach, jvm }
' "$log")"
read -r bad possible reach jvm <<<"$summary"
all_errors="$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors from \([0-9,]*\) contexts.*/\1 errors in \2 contexts/p' "$log" | tail -n 1)"
echo "valgrind, whole JVM: $all_errors (the JVM's own noise)"
echo "records naming libglasses_ffi: $bad errors or definite/indirect leaks, $possible possibly lost, $reach still reachable"
echo "errors in JVM-generated code (\"???\" innermost) reached through a JNI call: $jvm"
echo "== run-jni-valgrind: $(( SECONDS - start )) s"
if [ "$rc" != 0 ]; then echo "FAIL: the driver exited $rc under valgrind (see $work/valgrind.stderr)" >&2; exit 1; fi
if [ "$bad" != 0 ]; then echo "FAIL: memcheck records in the library:" >&2; cat "$work/library-records.txt" >&2; exit 1; fi
if [ "$reach" = 0 ]; then echo "FAIL: no record names the library: valgrind did not see it, or the pattern is stale" >&2; exit 1; fi
echo "no memcheck error and no leak in libglasses_ffi"
