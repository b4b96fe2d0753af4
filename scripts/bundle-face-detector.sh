#!/usr/bin/env bash
# Makes core/models/face-detector.onnx, the face detector `FaceDetector::bundled()` embeds, from
# YuNet-s (`yunet_s_640_640.onnx`, ShiqiYu/libfacedetection.train, MIT via opencv_zoo, see
# core/models/LICENSE-face-detector):
#   * every Conv weight stored as int8 with one float scale per output channel (symmetric,
#     max |w| / 127) behind a DequantizeLinear, as core stores the classifier: 232 KB -> ~80 KB;
#     biases stay float32 (scripts/face-detector-fixture.py checks that detections hold);
#   * the declared 640x640 input and output shapes relaxed to symbolic ones, so that any
#     multiple-of-32 input runs in onnxruntime too (core's engine fixes the size at load);
#   * opset 13 (per-channel DequantizeLinear); nothing else changes.
# Needs python3 with onnx and numpy (pip install onnx numpy).
# Usage: scripts/bundle-face-detector.sh [SOURCE.onnx] [OUT.onnx]
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-../shared/pretrained/face-detector/yunet_s_640_640.onnx}
[ -f "$SRC" ] || SRC=/work/shared/pretrained/face-detector/yunet_s_640_640.onnx
OUT=${2:-core/models/face-detector.onnx}
WANT=8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4
GOT=$(sha256sum "$SRC" | cut -d' ' -f1)
if [ "$GOT" != "$WANT" ]; then
  echo "$SRC: sha256 $GOT, expected YuNet-s $WANT" >&2
  exit 1
fi
PYTHON=${PYTHON:-python3}
"$PYTHON" - "$SRC" "$OUT" "$GOT" <<'PY'
import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper

src, out, sha = sys.argv[1:4]
m = onnx.load(src)
g = m.graph
inits = {t.name: t for t in g.initializer}
conv_weights = {n.input[1] for n in g.node if n.op_type == "Conv"}
new_inits, dq_nodes = [], []
for t in g.initializer:
    if t.name not in conv_weights:
        new_inits.append(t)
        continue
    w = numpy_helper.to_array(t).astype(np.float32)
    amax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.round(w / scale.reshape(-1, 1, 1, 1)), -127, 127).astype(np.int8)
    new_inits += [numpy_helper.from_array(q, t.name + ".q"), numpy_helper.from_array(scale, t.name + ".scale")]
    dq_nodes.append(helper.make_node("DequantizeLinear", [t.name + ".q", t.name + ".scale"], [t.name],
                                     name=t.name + ".dequantize", axis=0))
del g.initializer[:]
g.initializer.extend(new_inits)
nodes = list(g.node)
del g.node[:]
g.node.extend(dq_nodes + nodes)
for d, name in zip(g.input[0].type.tensor_type.shape.dim[2:], ("height", "width")):
    d.ClearField("dim_value")
    d.dim_param = name
for o in g.output:
    o.type.tensor_type.shape.dim[1].ClearField("dim_value")
    o.type.tensor_type.shape.dim[1].dim_param = "cells"
del g.value_info[:]
del m.opset_import[:]
m.opset_import.extend([helper.make_opsetid("", 13)])
m.doc_string = ("YuNet-s face detector (ShiqiYu/libfacedetection.train onnx/yunet_s_640_640.onnx, sha256 "
                f"{sha}; MIT, Copyright (c) 2020 Shiqi Yu), Conv weights int8 per output channel.")
m.producer_name = "glasses scripts/bundle-face-detector.sh"
onnx.checker.check_model(m)
onnx.save(m, out)
print(f"{out}: {len(m.SerializeToString())} bytes, {len(dq_nodes)} int8 convolutions")
PY
