#!/usr/bin/env bash
# Times glasses-core (its own engine) and ONNX Runtime on the same ONNX files, 1 thread, in ONE
# run, and prints a Markdown table with the ratio core/ORT. Rounds alternate core and ORT (and
# torch) so that load from other processes hits all alike; the table shows the median over rounds.
#
#   bench/compare.sh [MODEL.onnx ...]     (default: the bundled static int8 model, its fp32 twin, and a
#                                          random-weight ResNet-18 at the bundled input size)
# Env: RUNS (per measurement, default 200), ROUNDS (default 3), PYTHON (default python3),
# PROFILE (cargo profile of core's side, default dist), TORCH=1 (also time the same networks in
# libtorch through the trainer's tch code, `glasses-trainer latency`: installs libtorch with
# scripts/setup-libtorch.sh and builds the trainer, minutes; prints a second table),
# TORCH_DEVICES (default "cpu"; "cpu cuda" with a CUDA build of libtorch and a GPU).
# Static int8 columns (issue 24): CALIBRATION_NPY=faces.npy (float32 [N, 3, H, W] preprocessed faces,
# `glasses-trainer quantize --npy`) makes ONNX Runtime's own static int8 copy of each row's fp32
# network (bench/ort_quantize.py: QOperator, per-channel int8 weights, uint8 activations, min/max on
# those faces; the bundled int8 row uses its fp32 twin core/models/glasses.onnx) and times it
# in ORT; QDQ=file.onnx (from `glasses-trainer quantize`, of QDQ_SOURCE, default core/models/glasses.onnx)
# times that QDQ file in ORT on the rows of its network. Both in the same rounds as everything else.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
RUNS=${RUNS:-200}
ROUNDS=${ROUNDS:-3}
venv=${GLASSES_BENCH_VENV:-$root/.deps/bench-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import onnxruntime, numpy' 2>/dev/null; then
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install -q onnxruntime numpy
fi
qdq=${QDQ:-}
qdq_source=${QDQ_SOURCE:-core/models/glasses.onnx}
profile=${PROFILE:-dist}
echo "building the latency tool (profile $profile; dist = fat LTO, as shipped, slow the first time)..." >&2
cargo build -q --profile "$profile" -p glasses-core --example latency
tool="$root/target/$profile/examples/latency"
torch_bin=
if [ "${TORCH:-0}" = 1 ]; then
  eval "$(scripts/setup-libtorch.sh --print-env)"
  export LIBTORCH
  echo "building glasses-trainer (release) for the torch timings..." >&2
  cargo build -q --release -p glasses-trainer
  torch_bin="$root/target/release/glasses-trainer"
  torch_version=$(basename "$(dirname "$LIBTORCH")")
fi
read -r -a torch_devices <<<"${TORCH_DEVICES:-cpu}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(core/models/glasses-int8.onnx core/models/glasses.onnx)
  size=$("$tool" core/models/glasses-int8.onnx 1 | sed -E 's/.*"width": ([0-9]+).*/\1/')
  cargo run -q --profile "$profile" -p glasses-core --example export_random -- "$work/resnet18-random.onnx" resnet18 "$size" >/dev/null
  models+=("$work/resnet18-random.onnx")
fi
# The fp32 network a row stands for: the bundled int8 file's is its fp32 twin.
twin() { if [ "$1" = core/models/glasses-int8.onnx ]; then echo core/models/glasses.onnx; else echo "$1"; fi; }
declare -A ort_int8=()
if [ -n "${CALIBRATION_NPY:-}" ]; then
  for m in "${models[@]}"; do
    t=$(twin "$m")
    precision=$("$venv/bin/python" -c 'import onnxruntime as o, sys; print(o.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map.get("glasses.weight_precision", ""))' "$t")
    if [ "$precision" = f32 ] && [ -z "${ort_int8[$t]:-}" ]; then
      out="$work/ort-int8-$(basename "$t")"
      echo "ONNX Runtime's static int8 copy of $t (calibration $CALIBRATION_NPY)..." >&2
      "$venv/bin/python" bench/ort_quantize.py "$t" "$CALIBRATION_NPY" "$out" >/dev/null
      ort_int8[$t]=$out
    fi
  done
fi
touch "$work/int8.jsonl"
for m in "${models[@]}"; do
  for r in $(seq "$ROUNDS"); do
    t=$(twin "$m")
    if [ -n "${ort_int8[$t]:-}" ]; then
      "$venv/bin/python" bench/ort_latency.py "${ort_int8[$t]}" "$RUNS" | sed "s|^{|{\"row\": \"$m\", \"kind\": \"ort_int8\", |" >>"$work/int8.jsonl"
    fi
    if [ -n "$qdq" ] && [ "$t" = "$qdq_source" ]; then
      "$venv/bin/python" bench/ort_latency.py "$qdq" "$RUNS" | sed "s|^{|{\"row\": \"$m\", \"kind\": \"qdq\", |" >>"$work/int8.jsonl"
    fi
    "$tool" "$m" "$RUNS" >>"$work/core.jsonl"
    "$venv/bin/python" bench/ort_latency.py "$m" "$RUNS" >>"$work/ort.jsonl"
    if [ -n "$torch_bin" ]; then
      read -r arch w h < <(tail -n 1 "$work/core.jsonl" | "$venv/bin/python" -c \
        'import json, sys; r = json.load(sys.stdin); print(r["architecture"], r["width"], r["height"])')
      for d in "${torch_devices[@]}"; do
        "$torch_bin" latency --arch "$arch" --input-width "$w" --input-height "$h" --runs "$RUNS" --device "$d" \
          | sed "s|^{|{\"model\": \"$m\", |" >>"$work/torch.jsonl"
      done
    fi
  done
done
touch "$work/torch.jsonl"
"$venv/bin/python" - "$work/core.jsonl" "$work/ort.jsonl" "$work/torch.jsonl" "${torch_version:-}" "$work/int8.jsonl" <<'PY'
import json, statistics, sys, platform, os, datetime
core = [json.loads(l) for l in open(sys.argv[1])]
ort = [json.loads(l) for l in open(sys.argv[2])]
torch = [json.loads(l) for l in open(sys.argv[3])]
int8 = [json.loads(l) for l in open(sys.argv[5])]
def int8_ms(m, kind):
    rows = [r["inference_ms"] for r in int8 if r["row"] == m and r["kind"] == kind]
    return statistics.median(rows) if rows else None
cell = lambda v: "—" if v is None else f"{v:.3f}"
ratio = lambda a, b: "—" if b is None else f"{a/b:.2f}"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"{datetime.date.today()} · {cpu} · {os.cpu_count()} cores · ONNX Runtime {ort[0]['ort_version']} · 1 thread · median of {len(core)//len({c['model'] for c in core})} rounds x {core[0]['runs']} runs\n")
print("| model | input | file bytes | core inference ms | core preprocess (JPEG) ms | core end-to-end JPEG ms (auto: detector first) | core end-to-end JPEG ms (whole picture) | core end-to-end RGBA ms | ORT inference ms | core inference / ORT | core e2e JPEG whole / ORT | core batch, all cores, ms/image | ORT inference, all cores, ms | ORT static int8 (QOperator) ms | ORT on glasses QDQ ms | core inference / ORT static int8 | core e2e JPEG whole / ORT static int8 |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for m in dict.fromkeys(c["model"] for c in core):
    cs = [c for c in core if c["model"] == m]
    os_ = [o for o in ort if o["model"] == m]
    med = lambda rows, k: statistics.median(r[k] for r in rows)
    inf, pre, ej, er, o = (med(cs, "inference_ms"), med(cs, "preprocess_jpeg_ms"), med(cs, "e2e_jpeg_ms"), med(cs, "e2e_rgba_ms"), med(os_, "inference_ms"))
    ew = med(cs, "e2e_jpeg_whole_ms")
    batch, oall = med(cs, "batch_jpeg_ms_per_image"), med(os_, "inference_all_threads_ms")
    name = os.path.basename(m)
    size = os.path.getsize(m)
    print(f"| {name} ({cs[0]['architecture']}) | {cs[0]['width']}x{cs[0]['height']} | {size:,} | {inf:.3f} | {pre:.3f} | {ej:.3f} | {ew:.3f} | {er:.3f} | {o:.3f} | {inf/o:.2f} | {ew/o:.2f} | {batch:.3f} | {oall:.3f} | {cell(int8_ms(m, 'ort_int8'))} | {cell(int8_ms(m, 'qdq'))} | {ratio(inf, int8_ms(m, 'ort_int8'))} | {ratio(ew, int8_ms(m, 'ort_int8'))} |")
if torch:
    print(f"\nlibtorch ({sys.argv[4]}, the trainer's tch networks with fresh weights, same input sizes; evaluation mode, no autograd):\n")
    print("| model | device | torch inference ms, 1 thread | torch inference ms, all threads | core inference ms | core e2e JPEG ms | core inference / torch |")
    print("|---|---|---|---|---|---|---|")
    for m in dict.fromkeys(t["model"] for t in torch):
        cs = [c for c in core if c["model"] == m]
        inf = statistics.median(c["inference_ms"] for c in cs)
        ej = statistics.median(c["e2e_jpeg_ms"] for c in cs)
        for d in dict.fromkeys(t["device"] for t in torch if t["model"] == m):
            ts = [t for t in torch if t["model"] == m and t["device"] == d]
            one = statistics.median(t["inference_ms"] for t in ts)
            alls = [t["inference_all_threads_ms"] for t in ts if "inference_all_threads_ms" in t]
            all_ms = f"{statistics.median(alls):.3f}" if alls else "—"
            print(f"| {os.path.basename(m)} ({ts[0]['architecture']}) | {d} | {one:.3f} | {all_ms} | {inf:.3f} | {ej:.3f} | {inf/one:.2f} |")
PY
