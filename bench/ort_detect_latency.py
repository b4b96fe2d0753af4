"""Median face-detection times (ms) of onnxruntime on one thread, the counterpart of
core/examples/detect_latency.rs (same picture, same sizes, same statistics).

python3 bench/ort_detect_latency.py MODEL.onnx [RUNS]
`run_ms`: session.run on the letterboxed tensor; `total_ms`: reference_detect.detect (Pillow
resize, run, decode, NMS). Needs onnxruntime, onnx, numpy, pillow and
../shared/pretrained/face-detector/reference_detect.py."""
import json
import os
import sys
import time

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = next(p for p in (os.path.join(ROOT, "..", "shared", "pretrained", "face-detector"),
                          "/work/shared/pretrained/face-detector") if os.path.isdir(p))
sys.path.insert(0, SHARED)
import onnxruntime as ort  # noqa: E402
import reference_detect as ref  # noqa: E402


def median_ms(runs, f):
    for _ in range(max(5, -(-runs // 10))):
        f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return round(times[len(times) // 2], 3)


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    img = Image.open(os.path.join(ROOT, "tests", "fixtures", "faces", "region_eyeglasses_640x400.png")).convert("RGB")
    for size in ((320, 240), (640, 480)):
        sess = ref.open_session(path, size, threads=1)
        x, _ = ref.preprocess(img, *size)
        name = sess.get_inputs()[0].name
        run_ms = median_ms(runs, lambda: sess.run(None, {name: x}))
        total_ms = median_ms(runs, lambda: ref.detect(sess, img, size))
        print(json.dumps({"engine": f"onnxruntime {ort.__version__}, 1 thread", "model": path,
                          "input": f"{size[0]}x{size[1]}", "tensor": f"{x.shape[3]}x{x.shape[2]}", "runs": runs,
                          "run_ms": run_ms, "total_ms": total_ms, "faces": len(ref.detect(sess, img, size))}))


if __name__ == "__main__":
    main()
