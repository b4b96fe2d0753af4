"""ONNX Runtime's own static int8 copy of a float glasses model, for bench/compare.sh's ORT int8
column: `onnxruntime.quantization.quantize_static`, QOperator (QLinearConv), per-channel int8
weights, uint8 activations, min/max ranges, calibrated on the same faces as
`glasses-trainer quantize` (its --npy output).

    ort_quantize.py FP32.onnx CALIBRATION.npy OUT.onnx"""
import sys

import numpy as np
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)


class Faces(CalibrationDataReader):
    def __init__(self, path: str):
        self.rows = iter(np.load(path).astype(np.float32))

    def get_next(self):
        row = next(self.rows, None)
        return None if row is None else {"image": row[None]}


def main() -> None:
    fp32, npy, out = sys.argv[1:4]
    quantize_static(fp32, out, Faces(npy), quant_format=QuantFormat.QOperator, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)
    print(out)


if __name__ == "__main__":
    main()
