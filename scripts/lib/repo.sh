# Sourced (never run) by the scripts that build with cargo and then use what it wrote: soak.sh,
# test-kotlin.sh and tests/c/run-jni-valgrind.sh.
#
# After sourcing: the working folder is the repository, $root its absolute path, and $target_dir
# cargo's target folder (CARGO_TARGET_DIR when set, else $root/target).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
