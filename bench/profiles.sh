#!/usr/bin/env bash
# Speed against size of the shipping profile's opt-levels: core's latency tool built with `dist`
# ("s", with opt-level 3 for the crates that hold the hot loops), `dist-o3`, `dist-s` and `dist-z`
# (one opt-level for every crate; all fat LTO, 1 codegen unit), run on the same model in alternating
# rounds, median per profile. Sizes come from bench/size.sh with PROFILE=... .
#
#   bench/profiles.sh [MODEL.onnx]        (default: the bundled model)
# Env: RUNS (per measurement, default 200), ROUNDS (default 5), PROFILES (default "dist dist-o3 dist-s dist-z").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
model=${1:-core/models/glasses-int8.onnx}
runs=${RUNS:-200}
rounds=${ROUNDS:-5}
read -r -a profiles <<<"${PROFILES:-dist dist-o3 dist-s dist-z}"
for p in "${profiles[@]}"; do
  echo "building the latency tool with profile $p (fat LTO: minutes)..." >&2
  cargo build -q --profile "$p" -p glasses-core --example latency
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$rounds"); do
  for p in "${profiles[@]}"; do
    "target/$p/examples/latency" "$model" "$runs" | sed "s/^{/{\"profile\": \"$p\", /" >>"$work/all.jsonl"
  done
done
python3 - "$work/all.jsonl" "$model" <<'PY'
import json, statistics, sys, datetime
rows = [json.loads(l) for l in open(sys.argv[1])]
profiles = list(dict.fromkeys(r["profile"] for r in rows))
base = None
print(f"{datetime.date.today()} · {sys.argv[2]} · 1 thread · median of {len(rows)//len(profiles)} rounds x {rows[0]['runs']} runs\n")
print("| profile | inference ms | preprocess (JPEG) ms | end to end JPEG ms | end to end RGBA ms | inference vs dist |")
print("|---|---|---|---|---|---|")
for p in profiles:
    rs = [r for r in rows if r["profile"] == p]
    med = lambda k: statistics.median(r[k] for r in rs)
    inf = med("inference_ms")
    base = base or inf
    print(f"| {p} | {inf:.3f} | {med('preprocess_jpeg_ms'):.3f} | {med('e2e_jpeg_ms'):.3f} | {med('e2e_rgba_ms'):.3f} | {inf / base:.2f} |")
PY
