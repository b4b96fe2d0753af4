"""Time per image through the Python package, for each kind of input, and a batch's throughput.

    python python/examples/latency.py [IMAGE] [RUNS]

Build the package with `maturin build --release` (or `pip install ./python`) for numbers that
mean anything; the `ci` profile CI uses is barely optimised. Compare with core's own
`target/release/examples/latency core/models/glasses-int8.onnx RUNS` to see what the binding adds.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

import glasses

ROOT = Path(__file__).resolve().parents[2]


def median_ms(call, runs):
    call()  # warm-up: first-touch allocations, rayon's pool
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    image = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests/fixtures/faces/eyeglasses_89x109.jpg"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    clf = glasses.Classifier()
    data = image.read_bytes()
    with Image.open(image) as pil:
        pil = pil.convert("RGB")
    array = np.asarray(pil)
    print(f"{clf!r}, {image.name} {array.shape[1]}x{array.shape[0]}, median of {runs} runs")
    for name, value in (("path", str(image)), ("bytes", data), ("numpy RGB", array), ("PIL RGB", pil)):
        print(f"  classify({name:9}): {median_ms(lambda: clf.classify(value), runs):7.2f} ms")
    batch = [data] * max(runs, 2 * (os.cpu_count() or 1))
    start = time.perf_counter()
    clf.classify_batch(batch)
    elapsed = time.perf_counter() - start
    print(f"  classify_batch of {len(batch)} bytes: {len(batch) / elapsed:7.1f} images/s on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
