#!/usr/bin/env bash
# Fuzzes glasses-core with cargo-fuzz (nightly Rust, libFuzzer + AddressSanitizer).
#
#   scripts/fuzz.sh [SECONDS]   build, then fuzz every target for SECONDS each (default 60) and
#                               print the executions per target; new inputs go to
#                               core/fuzz/corpus-local/<target>/ (git-ignored), crashes to
#                               core/fuzz/artifacts/<target>/.
#   scripts/fuzz.sh --replay    build, then run every target once over its committed corpus
#                               (core/fuzz/corpus/<target>/) and stop: the CI check.
#   scripts/fuzz.sh --build     build only (to time it, or to warm a cache).
#
# Environment: FUZZ_TARGETS="classify_encoded load_model" picks targets (default: all);
# FUZZ_NICE=0 runs at normal priority (default: nice -n 19, one process per target, one at a time);
# FUZZ_ARGS adds libFuzzer flags (e.g. FUZZ_ARGS="-max_len=65536", or
# FUZZ_ARGS="-fork=1 -ignore_crashes=1" to keep going after a crash and collect several).
# Without nightly, `cargo test -p glasses-core --test integration hostile_inputs::` replays the same corpus
# through the same checks on stable.
set -euo pipefail

cd "$(dirname "$0")/../core/fuzz"
mode=run
seconds=60
case "${1:-}" in
  --replay) mode=replay ;;
  --build) mode=build ;;
  -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
  '') ;;
  *[!0-9]*) echo "usage: $0 [SECONDS | --replay | --build]" >&2; exit 2 ;;
  *) seconds=$1 ;;
esac

nice_cmd=(nice -n 19)
[[ "${FUZZ_NICE:-1}" == 0 ]] && nice_cmd=()

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz" >&2
  "${nice_cmd[@]}" cargo +nightly install cargo-fuzz --locked || "${nice_cmd[@]}" cargo +nightly install cargo-fuzz
fi

targets=(${FUZZ_TARGETS:-$(cargo +nightly fuzz list)})
# The same flags for build and run, so `run` never rebuilds.
build_flags=(--release --debug-assertions)

start=$(date +%s)
"${nice_cmd[@]}" cargo +nightly fuzz build "${build_flags[@]}"
echo "== build: $(( $(date +%s) - start )) s"
[[ "$mode" == build ]] && exit 0

summary=()
status=0
for t in "${targets[@]}"; do
  log=$(mktemp)
  t0=$(date +%s)
  if [[ "$mode" == replay ]]; then
    args=(corpus/"$t" -- -runs=0)
  else
    mkdir -p corpus-local/"$t"
    args=(corpus-local/"$t" corpus/"$t" -- -max_total_time="$seconds")
  fi
  # -timeout: one input running this long is a hang; -print_final_stats gives the exec count.
  if "${nice_cmd[@]}" cargo +nightly fuzz run "${build_flags[@]}" "$t" "${args[@]}" \
      -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
    tail -n 60 "$log" >&2
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  # Fork mode (FUZZ_ARGS="-fork=1 -ignore_crashes=1") prints no final stats: use the last "#N" line.
  [[ -z "$execs" ]] && execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  crashes=$(find artifacts/"$t" -type f 2>/dev/null | wc -l)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  units=$(find corpus/"$t" -type f | wc -l)
  line="$t: $result, ${execs:-?} executions in $(( $(date +%s) - t0 )) s, ${cov:-cov: ?}, $units committed corpus files, $crashes files in artifacts/$t"
  echo "== $line"
  summary+=("$line")
  rm -f "$log"
done
echo
echo "== summary ($mode)"
printf '  %s\n' "${summary[@]}"
exit $status
