"""What a Python user writes to classify a folder of faces with a glasses ONNX file: Pillow for the
picture, ONNX Runtime for the model, one thread, CSV out. Timed against `glasses classify -j 1` by
bench/python_vs_cli.sh.   python_user.py MODEL.onnx FOLDER"""
import csv, pathlib, sys

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

opts = ort.SessionOptions()
opts.intra_op_num_threads = opts.inter_op_num_threads = 1
sess = ort.InferenceSession(sys.argv[1], opts, providers=["CPUExecutionProvider"])
meta = sess.get_modelmeta().custom_metadata_map
w, h = int(meta["glasses.input_width"]), int(meta["glasses.input_height"])
mean = np.array(meta["glasses.mean"].split(","), np.float32)[:, None, None]
std = np.array(meta["glasses.std"].split(","), np.float32)[:, None, None]
out = csv.writer(sys.stdout)
out.writerow(["path", "p_eyeglasses"])
for path in sorted(p for p in pathlib.Path(sys.argv[2]).rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"}):
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    if meta.get("glasses.resize") == "center_crop":  # the largest centred box of the input's aspect ratio
        img = ImageOps.fit(img, (w, h), Image.BILINEAR)
    else:
        img = img.resize((w, h), Image.BILINEAR)
    x = (np.asarray(img, np.float32).transpose(2, 0, 1) / 255 - mean) / std
    logits = sess.run(None, {"image": x[None]})[0][0]
    p = np.exp(logits - logits.max())
    out.writerow([path, f"{p[1] / p.sum():.4f}"])
