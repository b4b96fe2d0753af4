#!/usr/bin/env bash
# README Table 2: 1,000 JPEG faces as whole processes, 1 thread: `glasses classify -j 1 --faces
# whole` (the bundled model, no face detector, like the script) against bench/python_user.py
# (Pillow + ONNX Runtime) on the fp32 file and on int8 files. Rounds alternate every command, so
# load from other processes hits all alike; the table shows each command's median wall time.
#
#   bench/python_vs_cli.sh [INT8.onnx ...]   (extra model files for the Python script: ORT's
#                                             static int8 copy, the glasses QDQ file)
#   CLI_MODEL=glasses-static-int8.onnx bench/python_vs_cli.sh ...   (also the CLI on that file:
#                                             a static int8 QDQ file runs on core's int8 engine)
# Env: FACES (default 1000, JPEGs of ../shared/datasets/celeba-eyeglasses), ROUNDS (default 5),
# PROFILE (cargo profile of the CLI, default release), GLASSES_BENCH_VENV (a venv with
# onnxruntime, numpy and pillow; made under .deps when absent).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
FACES=${FACES:-1000}
ROUNDS=${ROUNDS:-5}
data="$root/../shared/datasets/celeba-eyeglasses"
[ -d "$data" ] || { echo "no face data at $data (the shared datasets are not here)" >&2; exit 1; }
venv=${GLASSES_BENCH_VENV:-$root/.deps/bench-venv}
if ! "$venv/bin/python" -c 'import onnxruntime, numpy, PIL' 2>/dev/null; then
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install -q onnxruntime numpy pillow
fi
profile=${PROFILE:-release}
echo "building the CLI (profile $profile)..." >&2
cargo build -q --profile "$profile" -p glasses-cli
glasses="$root/target/$profile/glasses"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/faces"
# The first FACES JPEGs in name order, eyeglasses and not alternating while both last (links:
# nothing copied).
# (awk reads to the end: `head` would cut the pipe, which pipefail makes fatal.)
paste -d '\n' <(find "$data/1" -name '*.jpg' | sort) <(find "$data/0" -name '*.jpg' | sort) \
  | awk -v n="$FACES" 'NF && c++ < n' | while read -r f; do ln -s "$f" "$work/faces/$(basename "$f")"; done
n=$(find "$work/faces" -name '*.jpg' | wc -l)
declare -a names cmds
names+=("glasses classify -j 1 --faces whole (bundled static int8 file)")
cmds+=("$glasses classify -j 1 --faces whole --no-progress $work/faces")
if [ -n "${CLI_MODEL:-}" ]; then
  names+=("glasses classify -j 1 --faces whole --model $(basename "$CLI_MODEL")")
  cmds+=("$glasses classify -j 1 --faces whole --no-progress --model $CLI_MODEL $work/faces")
fi
names+=("python_user.py, ORT, fp32 glasses.onnx")
cmds+=("$venv/bin/python bench/python_user.py core/models/glasses.onnx $work/faces")
for m in "$@"; do
  names+=("python_user.py, ORT, $(basename "$m")")
  cmds+=("$venv/bin/python bench/python_user.py $m $work/faces")
done
for i in "${!cmds[@]}"; do ${cmds[$i]} >"$work/out$i.csv"; done  # warm-up: page cache, .pyc
for r in $(seq "$ROUNDS"); do
  for i in "${!cmds[@]}"; do
    start=$(date +%s.%N)
    ${cmds[$i]} >/dev/null
    end=$(date +%s.%N)
    echo "$i $(echo "$end - $start" | bc)" >>"$work/times"
  done
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
"$venv/bin/python" - "$work/times" "$n" "$ROUNDS" "$load" "${names[@]}" <<'PY'
import datetime, os, platform, statistics, sys
times, n, rounds, load, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
rows = {}
for line in open(times):
    i, t = line.split()
    rows.setdefault(int(i), []).append(float(t))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"{datetime.date.today()} · {cpu} · {n} JPEG faces, whole processes, 1 thread · median of {rounds} alternating rounds · load average after: {load}\n")
cli = statistics.median(rows[0])
print("| command | wall s (median) | min - max s | ms per face | / glasses CLI |")
print("|---|---|---|---|---|")
for i, name in enumerate(names):
    med = statistics.median(rows[i])
    print(f"| {name} | {med:.2f} | {min(rows[i]):.2f} - {max(rows[i]):.2f} | {med / int(n) * 1e3:.2f} | {med / cli:.2f} |")
PY
