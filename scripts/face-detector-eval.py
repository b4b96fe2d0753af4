#!/usr/bin/env python3
"""The reference's (onnxruntime + reference_detect.py) face-detection counts on the shared test
sets, printed as core/examples/detect_eval.rs prints core's, for docs/PERFORMANCE.md.

python3 scripts/face-detector-eval.py MODEL.onnx [DATASETS]
Needs onnxruntime, onnx, numpy, pillow and ../shared/pretrained/face-detector/reference_detect.py."""
import json
import os
import sys

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = next(p for p in (os.path.join(ROOT, "..", "shared"), "/work/shared") if os.path.isdir(p))
sys.path.insert(0, os.path.join(SHARED, "pretrained", "face-detector"))
import reference_detect as ref  # noqa: E402


def files(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith((".jpg", ".png")))


def main():
    model = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SHARED, "datasets")
    web = [p for folder in ("0", "1", "sunglasses") for p in files(os.path.join(root, "web-photos", folder))]
    crops = files(os.path.join(root, "celeba-eyeglasses", "1"))[:100]
    web_pics = [Image.open(p).convert("RGB") for p in web]
    crop_pics = [Image.open(p).convert("RGB") for p in crops]
    for size in ((320, 240), (640, 480)):
        sess = ref.open_session(model, size)
        found, boxes, several, lowest = 0, 0, {}, float("inf")
        for path, img in zip(web, web_pics):
            faces = ref.detect(sess, img, size)
            found += bool(faces)
            boxes += len(faces)
            lowest = min([lowest] + [f[4] for f in faces])
            if len(faces) > 1:
                several[os.path.splitext(os.path.basename(path))[0]] = len(faces)
        print(json.dumps({"model": model, "input": f"{size[0]}x{size[1]}", "set": "web", "photos": len(web),
                          "with_a_box": found, "boxes": boxes, "lowest_score": round(lowest, 3), "several": several}))
        counts, lowest = [0, 0, 0], float("inf")
        for img in crop_pics:
            faces = ref.detect(sess, img, size)
            counts[min(len(faces), 2)] += 1
            lowest = min([lowest] + [f[4] for f in faces])
        print(json.dumps({"model": model, "input": f"{size[0]}x{size[1]}", "set": "crops", "pictures": len(crops),
                          "exactly_one": counts[1], "none": counts[0], "several": counts[2],
                          "lowest_score": round(lowest, 3)}))


if __name__ == "__main__":
    main()
