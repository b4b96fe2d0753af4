#!/usr/bin/env python3
"""Writes tests/fixtures/face-detector.json: what onnxruntime computes with the face detector, for
core's parity test (core/tests/integration/face_detector.rs).

* `raw`: the twelve head outputs of the bundled file (core/models/face-detector.onnx) for
  tests/fixtures/faces/eyeglasses_gray_120x150.png fitted into 120x150, i.e. the picture as it is
  (no resize, so both sides feed the very same tensor) padded to a 128x160 tensor.
* `detections`: reference_detect.py's faces (pre-processing, decoding, NMS) for the fixture
  pictures at 320x240 and 640x480, with the bundled file and with the float source file.

Needs onnxruntime, onnx, numpy, pillow, and ../shared/pretrained/face-detector (for
reference_detect.py and the float file). Run from the repository root:
    python3 scripts/face-detector-fixture.py
"""
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = next(p for p in (os.path.join(ROOT, "..", "shared", "pretrained", "face-detector"),
                          "/work/shared/pretrained/face-detector") if os.path.isdir(p))
sys.path.insert(0, SHARED)
import reference_detect as ref  # noqa: E402

BUNDLED = os.path.join(ROOT, "core", "models", "face-detector.onnx")
FLOAT = os.path.join(SHARED, "yunet_s_640_640.onnx")
FACES = os.path.join(ROOT, "tests", "fixtures", "faces")
RAW_PICTURE = "eyeglasses_gray_120x150.png"
PICTURES = ["region_eyeglasses_640x400.png", "region_none_edge_480x360.png", "eyeglasses_square_160.png",
            "eyeglasses_89x109.jpg", "none_landscape_240x150.jpg"]
SIZES = [(320, 240), (640, 480)]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def rounded(values, digits=6):
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=np.float64).reshape(-1)]


def main():
    out = {"bundled_sha256": sha256(BUNDLED), "float_sha256": sha256(FLOAT)}
    img = Image.open(os.path.join(FACES, RAW_PICTURE)).convert("RGB")
    size = img.size
    sess = ref.open_session(BUNDLED, size)
    x, scale = ref.preprocess(img, *size)
    assert scale == 1.0 and x.shape == (1, 3, 160, 128), (scale, x.shape)
    heads = sess.run(None, {sess.get_inputs()[0].name: x})
    out["raw"] = {"picture": RAW_PICTURE, "input_width": size[0], "input_height": size[1],
                  "outputs": [rounded(h) for h in heads]}
    out["detections"] = []
    for model, path in (("bundled", BUNDLED), ("float", FLOAT)):
        for w, h in SIZES:
            sess = ref.open_session(path, (w, h))
            for name in PICTURES:
                pic = Image.open(os.path.join(FACES, name)).convert("RGB")
                faces = ref.detect(sess, pic, (w, h))
                out["detections"].append({
                    "model": model, "picture": name, "input_width": w, "input_height": h,
                    "faces": [{"box": rounded(f[:4], 5), "score": rounded([f[4]], 5)[0],
                               "landmarks": rounded(f[5], 5)} for f in faces],
                })
                print(model, w, h, name, [(round(f[0]), round(f[1]), round(f[2]), round(f[3]), round(f[4], 3))
                                          for f in faces])
    path = os.path.join(ROOT, "tests", "fixtures", "face-detector.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
