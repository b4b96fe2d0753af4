"""Median face-detection times (ms) of onnxruntime on one thread, the counterpart of
core/examples/detect_latency.rs (same picture, same sizes, same statistics).

python3 bench/ort_detect_latency.py MODEL.onnx [RUNS]
`run_ms`: session.run on the letterboxed tensor; `total_ms`: reference_detect.detect (Pillow
resize, run, decode, NMS); medians of wall time and, `*_cpu_ms`, of the thread's CPU time. Needs onnxruntime, onnx, numpy, pillow and
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
    """Medians of the wall time and of the thread's CPU time of f, in ms."""
    for _ in range(max(5, -(-runs // 10))):
        f()
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.thread_time()
        f()
        wall.append((time.perf_counter() - t) * 1e3)
        cpu.append((time.thread_time() - c) * 1e3)
    wall.sort()
    cpu.sort()
    return round(wall[len(wall) // 2], 3), round(cpu[len(cpu) // 2], 3)


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    img = Image.open(os.path.join(ROOT, "tests", "fixtures", "faces", "region_eyeglasses_640x400.png")).convert("RGB")
    for size in ((320, 240), (640, 480)):
        sess = ref.open_session(path, size, threads=1)
        x, _ = ref.preprocess(img, *size)
        name = sess.get_inputs()[0].name
        run_ms, run_cpu_ms = median_ms(runs, lambda: sess.run(None, {name: x}))
        total_ms, total_cpu_ms = median_ms(runs, lambda: ref.detect(sess, img, size))
        print(json.dumps({"engine": f"onnxruntime {ort.__version__}, 1 thread", "model": path,
                          "input": f"{size[0]}x{size[1]}", "tensor": f"{x.shape[3]}x{x.shape[2]}", "runs": runs,
                          "run_ms": run_ms, "run_cpu_ms": run_cpu_ms, "total_ms": total_ms,
                          "total_cpu_ms": total_cpu_ms, "faces": len(ref.detect(sess, img, size))}))


if __name__ == "__main__":
    main()
