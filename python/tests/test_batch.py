"""classify_batch: the answers of classify, in input order, computed on several threads with the
GIL released."""

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from PIL import Image

import glasses
from conftest import FIXTURES


def mixed_inputs(golden):
    """Every golden picture as a path, bytes, an RGB array and a PIL image."""
    items = []
    for case in golden["cases"]:
        path = FIXTURES / case["image"]
        with Image.open(path) as image:
            image.load()
            items += [path, path.read_bytes(), np.asarray(image.convert("RGB")), image.copy()]
    return items


def test_a_batch_equals_one_by_one(classifier, golden):
    items = mixed_inputs(golden)
    batch = classifier.classify_batch(items)
    assert len(batch) == len(items)
    for item, got in zip(items, batch):
        one = classifier.classify(item)
        assert got.probabilities == one.probabilities
        assert (got.has_glasses, got.eyewear) == (one.has_glasses, one.eyewear)
    # Input order, not finishing order: each path's answer is its own golden one.
    paths = [FIXTURES / c["image"] for c in golden["cases"]] * 2
    expected = [c["probability"] for c in golden["cases"]] * 2
    for p, e in zip(classifier.classify_batch(paths), expected):
        assert abs(p.probability - e) <= golden["tolerance"]


def test_any_iterable_and_the_empty_batch(classifier, golden):
    assert classifier.classify_batch([]) == []
    paths = (FIXTURES / c["image"] for c in golden["cases"])
    assert len(classifier.classify_batch(paths)) == len(golden["cases"])
    with pytest.raises(TypeError, match="list of images"):
        classifier.classify_batch(str(FIXTURES / golden["cases"][0]["image"]))


def test_a_failing_item_raises_or_takes_its_place(classifier, golden):
    good = FIXTURES / golden["cases"][0]["image"]
    items = [good, b"garbage", good, FIXTURES / "absent.jpg"]
    with pytest.raises(glasses.InvalidImageError, match=r"^item 1: invalid image"):
        classifier.classify_batch(items)
    results = classifier.classify_batch(items, return_errors=True)
    assert isinstance(results[0], glasses.Prediction) and isinstance(results[2], glasses.Prediction)
    assert isinstance(results[1], glasses.InvalidImageError) and results[1].kind == "invalid_image"
    assert isinstance(results[3], glasses.IoError) and results[3].kind == "io"
    # A wrong Python type is refused before any work, naming the item.
    with pytest.raises(TypeError, match=r"^item 2: cannot classify"):
        classifier.classify_batch([good, good, 42])
    with pytest.raises(TypeError, match=r"^item 0: expected a uint8 array"):
        classifier.classify_batch([np.zeros((8, 8, 3), dtype=np.float64)], return_errors=True)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux's /proc/self/task")
def test_a_batch_runs_on_several_threads(golden):
    """In a fresh interpreter with a pool of 2 threads, both worker threads spend CPU time on a
    batch (the calling thread only waits)."""
    paths = [str(FIXTURES / c["image"]) for c in golden["cases"]] * 8
    script = textwrap.dedent(
        f"""
        import os, threading, glasses
        def cpu(tid):
            fields = open(f"/proc/self/task/{{tid}}/stat").read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])   # utime + stime, in clock ticks
        classifier = glasses.Classifier()
        before = set(os.listdir("/proc/self/task"))
        results = classifier.classify_batch({paths!r})
        assert len(results) == {len(paths)}
        workers = set(os.listdir("/proc/self/task")) - before
        print(len(workers), sum(1 for tid in workers if cpu(tid) > 0))
        """
    )
    env = dict(os.environ, RAYON_NUM_THREADS="2")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    started, busy = map(int, out.stdout.split())
    assert started == 2, out.stdout
    assert busy == 2, f"only {busy} of the 2 worker threads did any work"


def test_classify_releases_the_gil(classifier, golden):
    """A Python thread keeps running while another thread is inside classify_batch: with the GIL
    held for the whole call it could not count at all meanwhile."""
    paths = [FIXTURES / c["image"] for c in golden["cases"]] * 6
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    old = sys.getswitchinterval()
    # The counter gets the GIL only in slices of a microsecond while the main thread runs Python.
    sys.setswitchinterval(1e-6)
    counter = threading.Thread(target=count)
    try:
        counter.start()
        while ticks == 0:
            pass
        before = ticks
        classifier.classify_batch(paths)
        during = ticks - before
    finally:
        stop.set()
        counter.join()
        sys.setswitchinterval(old)
    assert during > 1000, f"the other thread ran only {during} steps during the batch"
