#!/usr/bin/env python3
"""Measure how the model's training framing relates to a real face detector's box.

The model is trained on CelebA aligned face crops (89x109 px); its framing is the whole
crop. This script runs OpenCV's bundled frontal-face Haar cascade
(haarcascade_frontalface_default.xml) over those crops and expresses the crop relative to
the largest detected box (bx, by, bw, bh), with the crop being (0, 0, W, H):

    scale_x   = W / bw                          crop width in box widths
    scale_y   = H / bh                          crop height in box heights
    center_dx = (W/2 - (bx + bw/2)) / bw        crop centre minus box centre, in box widths
    center_dy = (H/2 - (by + bh/2)) / bh        crop centre minus box centre, in box heights

so a detector box on any photo can be expanded into the framing the model was trained on:
crop width = scale_x * bw, crop centre x = box centre x + center_dx * bw (same for y).

Subcommands:
    framing   run the detector over every crop of celeba-eyeglasses/* and celeba-more/*,
              print count, detection rate, median and 10th/90th percentiles per folder and
              overall (plus a markdown table) and write bench/face-framing.json
    boxes     run the same detector over the uncropped web photos (one person each) and
              write path,label,x,y,w,h (largest detection, empty when none) as CSV

Detector (same cascade and parameters for both subcommands, stated in the JSON):
    grayscale, no histogram equalisation; scaleFactor=1.1, minNeighbors=5, minSize=30x30
    (in the pixels the detector sees). The 89x109 crops are upscaled 3x (bicubic) before
    detecting: on the full crop set that detects more crops than 1x (both rates are
    measured by `framing` and written to the JSON under "upscale_comparison"); boxes are
    mapped back to crop pixels. Web photos (500-900 px) are detected at their own size.

Setup and run (from the repository root; the data sets live outside it, in ../shared):
    python3 -m venv .venv-face
    .venv-face/bin/pip install 'opencv-python-headless<5' numpy
    .venv-face/bin/python scripts/face-framing.py framing
    .venv-face/bin/python scripts/face-framing.py boxes [--root DIR] [--out runs/web-photo-boxes.csv]

opencv-python-headless must be a 4.x release: OpenCV 5 dropped the Haar cascade classes and
no longer ships the cascade XML files.
"""

import argparse
import csv
import json
import os
import shlex
import sys
import time

try:
    import cv2
except ImportError:
    try:
        import numpy  # noqa: F401  (only to name it in the message when it is missing too)
        missing = "'opencv-python-headless' (module cv2)"
    except ImportError:
        missing = "'opencv-python-headless' (module cv2) and 'numpy'"
    sys.exit(
        f"face-framing: the Python package {missing} is missing; install with "
        "`python3 -m venv .venv-face && .venv-face/bin/pip install 'opencv-python-headless<5' numpy` "
        "and run the script with .venv-face/bin/python (see its docstring)"
    )
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.path.join(os.path.dirname(REPO), "shared", "datasets")
CELEBA_ROOTS = [
    os.path.join(DATASETS, "celeba-eyeglasses"),
    os.path.join(DATASETS, "celeba-more"),
]
WEB_ROOT = os.path.join(DATASETS, "web-photos")
CASCADE_NAME = "haarcascade_frontalface_default.xml"
SCALE_FACTOR = 1.1
MIN_NEIGHBORS = 5
MIN_SIZE = 30  # pixels, in the image the detector sees (after any upscaling)
CROP_UPSCALE = 3
COMPARE_UPSCALE = 1
METRICS = ("scale_x", "scale_y", "center_dx", "center_dy")


def load_cascade():
    if not hasattr(cv2, "CascadeClassifier"):
        sys.exit(
            f"face-framing: OpenCV {cv2.__version__} has no CascadeClassifier (OpenCV 5 dropped "
            "it); install a 4.x release: `.venv-face/bin/pip install 'opencv-python-headless<5'`"
        )
    path = os.path.join(cv2.data.haarcascades, CASCADE_NAME)
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        sys.exit(f"face-framing: could not load the Haar cascade {path}")
    return cascade


def detect_largest(cascade, gray, upscale=1):
    """Largest detection as (x, y, w, h) in the pixels of `gray`, or None."""
    img = gray
    if upscale != 1:
        h, w = gray.shape
        img = cv2.resize(gray, (w * upscale, h * upscale), interpolation=cv2.INTER_CUBIC)
    found = cascade.detectMultiScale(
        img,
        scaleFactor=SCALE_FACTOR,
        minNeighbors=MIN_NEIGHBORS,
        minSize=(MIN_SIZE, MIN_SIZE),
    )
    if len(found) == 0:
        return None
    x, y, w, h = max(found, key=lambda r: int(r[2]) * int(r[3]))
    return tuple(float(v) / upscale for v in (x, y, w, h))


def require_dir(path, what):
    if not os.path.isdir(path):
        sys.exit(
            f"face-framing: {what} folder not found: {path}\n"
            "The data sets live outside the repository, in ../shared/datasets "
            "(next to the repository checkout); they are not part of the repo."
        )


def list_images(folder):
    return sorted(
        os.path.join(folder, f)
        for f in os.listdir(folder)
        if f.lower().endswith((".jpg", ".jpeg", ".png"))
    )


def summarize(values):
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return None
    p10, med, p90 = np.percentile(a, [10, 50, 90])
    return {"median": round(float(med), 4), "p10": round(float(p10), 4), "p90": round(float(p90), 4)}


def framing_of(box, W, H):
    bx, by, bw, bh = box
    return {
        "scale_x": W / bw,
        "scale_y": H / bh,
        "center_dx": (W / 2 - (bx + bw / 2)) / bw,
        "center_dy": (H / 2 - (by + bh / 2)) / bh,
    }


def cmd_framing(args):
    for root in CELEBA_ROOTS:
        require_dir(root, "CelebA data set")
    cascade = load_cascade()
    upscales = [args.upscale] + [u for u in args.compare_upscale if u != args.upscale]
    groups = []  # (name, [paths])
    for root in CELEBA_ROOTS:
        for sub in sorted(os.listdir(root)):
            folder = os.path.join(root, sub)
            if os.path.isdir(folder):
                groups.append((f"{os.path.basename(root)}/{sub}", list_images(folder)))
    total = sum(len(p) for _, p in groups)
    if total == 0:
        sys.exit("face-framing: no images found under the CelebA folders")

    # results[upscale][group] = list of framing dicts; counts[group] = images
    results = {u: {} for u in upscales}
    sizes = set()
    start = time.time()
    done = 0
    for name, paths in groups:
        for u in upscales:
            results[u][name] = []
        for p in paths:
            gray = cv2.imread(p, cv2.IMREAD_GRAYSCALE)
            if gray is None:
                sys.exit(f"face-framing: cannot read image {p}")
            H, W = gray.shape
            sizes.add((W, H))
            for u in upscales:
                box = detect_largest(cascade, gray, u)
                if box is not None:
                    results[u][name].append(framing_of(box, W, H))
            done += 1
            if done % 1000 == 0:
                print(f"  {done}/{total} crops, {time.time() - start:.0f} s", file=sys.stderr)

    def block(frames, n):
        out = {"images": n, "detected": len(frames),
               "detection_rate": round(len(frames) / n, 4) if n else None}
        for m in METRICS:
            out[m] = summarize([f[m] for f in frames])
        return out

    main = results[args.upscale]
    per_folder = {name: block(main[name], len(paths)) for name, paths in groups}
    all_frames = [f for name, _ in groups for f in main[name]]
    overall = block(all_frames, total)
    comparison = {}
    for u in upscales:
        frames = [f for name, _ in groups for f in results[u][name]]
        b = block(frames, total)
        comparison[f"{u}x"] = {"detected": b["detected"], "detection_rate": b["detection_rate"],
                               **{m: b[m]["median"] if b[m] else None for m in METRICS}}

    # Markdown table
    def cell(s):
        return f"{s['median']:.3f} [{s['p10']:.3f}, {s['p90']:.3f}]" if s else "-"

    print()
    print(f"Crop framing relative to the Haar box (upscale {args.upscale}x); "
          "median [p10, p90]")
    print()
    print("| folder | images | detected | rate | scale_x | scale_y | center_dx | center_dy |")
    print("|---|---:|---:|---:|---|---|---|---|")
    for name, b in list(per_folder.items()) + [("**overall**", overall)]:
        print(f"| {name} | {b['images']} | {b['detected']} | {b['detection_rate']:.3f} | "
              + " | ".join(cell(b[m]) for m in METRICS) + " |")
    print()
    print("| upscale | detected | rate | median scale_x | median scale_y | median center_dx | median center_dy |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for u, c in comparison.items():
        print(f"| {u} | {c['detected']} | {c['detection_rate']:.3f} | "
              + " | ".join(f"{c[m]:.3f}" for m in METRICS) + " |")
    print()

    result = {
        "what": "CelebA aligned crop (the model's training framing, the whole crop) relative to "
                "the largest Haar-cascade face box: scale_x = W/bw, scale_y = H/bh, "
                "center_dx = (W/2 - (bx+bw/2))/bw, center_dy = (H/2 - (by+bh/2))/bh. "
                "To frame a detector box (bx,by,bw,bh) like training: crop centre = box centre + "
                "(center_dx*bw, center_dy*bh), crop size = (scale_x*bw, scale_y*bh).",
        "detector": {
            "name": f"OpenCV Haar cascade {CASCADE_NAME}",
            "opencv_version": cv2.__version__,
            "grayscale": True,
            "equalize_hist": False,
            "scaleFactor": SCALE_FACTOR,
            "minNeighbors": MIN_NEIGHBORS,
            "minSize": [MIN_SIZE, MIN_SIZE],
            "crop_upscale": args.upscale,
            "crop_upscale_interpolation": "INTER_CUBIC",
            "box_choice": "largest detection (area)",
        },
        "crop_size": sorted([list(s) for s in sizes]),
        "images": total,
        "detected": overall["detected"],
        "detection_rate": overall["detection_rate"],
        "overall": {m: overall[m] for m in METRICS},
        "per_folder": per_folder,
        "upscale_comparison": comparison,
        "command": ".venv-face/bin/python scripts/face-framing.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "seconds": round(time.time() - start, 1),
    }
    out = args.out
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(out, REPO) if out.startswith(REPO) else out}")


def cmd_boxes(args):
    require_dir(args.root, "web photos")
    cascade = load_cascade()
    labels = sorted(d for d in os.listdir(args.root) if os.path.isdir(os.path.join(args.root, d)))
    rows = []
    for label in labels:
        for p in list_images(os.path.join(args.root, label)):
            gray = cv2.imread(p, cv2.IMREAD_GRAYSCALE)
            if gray is None:
                sys.exit(f"face-framing: cannot read image {p}")
            box = detect_largest(cascade, gray, 1)
            xywh = [str(int(round(v))) for v in box] if box else ["", "", "", ""]
            rows.append([p, label] + xywh)
    if not rows:
        sys.exit(f"face-framing: no images found under {args.root}/*/")
    out = args.out
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label", "x", "y", "w", "h"])
        w.writerows(rows)
    found = sum(1 for r in rows if r[2] != "")
    print(f"{found}/{len(rows)} photos got a box; wrote {out}")
    for r in rows:
        if r[2] == "":
            print(f"  no box: {r[0]}")


def main():
    ap = argparse.ArgumentParser(
        description="Relate the CelebA training framing to a Haar-cascade face box.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("framing", help="measure the crop framing relative to the detector box")
    f.add_argument("--out", default=os.path.join(REPO, "bench", "face-framing.json"),
                   help="JSON summary to write (default bench/face-framing.json)")
    f.add_argument("--upscale", type=int, default=CROP_UPSCALE,
                   help=f"upscale factor for the crops before detecting (default {CROP_UPSCALE})")
    f.add_argument("--compare-upscale", type=int, nargs="*", default=[COMPARE_UPSCALE],
                   help="other upscale factors whose detection rate and medians are also "
                        f"measured for comparison (default {COMPARE_UPSCALE}; none to skip)")
    f.set_defaults(func=cmd_framing)
    b = sub.add_parser("boxes", help="largest detector box per web photo, as CSV")
    b.add_argument("--root", default=WEB_ROOT,
                   help="folder with one subfolder per label (default ../shared/datasets/web-photos)")
    b.add_argument("--out", default=os.path.join("runs", "web-photo-boxes.csv"),
                   help="CSV to write (default runs/web-photo-boxes.csv)")
    b.set_defaults(func=cmd_boxes)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
