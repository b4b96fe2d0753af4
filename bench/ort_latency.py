"""Median latency of ONNX Runtime's bare inference on one model, 1 thread and all threads
(intra-op parallelism, ORT's default), for bench/compare.sh."""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def median_ms(path: str, runs: int, threads: int) -> float:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    shape = sess.get_inputs()[0].shape
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for _ in range(max(5, runs // 10)):
        sess.run(None, {"image": x})
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, {"image": x})
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return round(times[len(times) // 2], 4)


def main() -> None:
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    one = median_ms(path, runs, 1)
    # 0 = ORT's default: one intra-op thread per physical core.
    every = median_ms(path, runs, 0)
    print(json.dumps({"model": path, "ort_version": ort.__version__, "runs": runs,
                      "inference_ms": one, "inference_all_threads_ms": every}))


if __name__ == "__main__":
    main()
