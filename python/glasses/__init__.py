"""On-device eyeglasses classification.

>>> import glasses
>>> classifier = glasses.Classifier()          # the bundled model
>>> classifier.classify("face.jpg")            # a path, bytes, a numpy array or a PIL image
Prediction(has_glasses=True, probability=0.9982, eyewear='eyeglasses', ...)
>>> [r.prediction.eyewear for r in classifier.classify_faces("group.jpg")]  # every face
['eyeglasses', 'none']

Everything is implemented in Rust (glasses-core); this package re-exports the compiled module.
"""

from ._glasses import (
    ERROR_KINDS,
    Classifier,
    ContractViolationError,
    ExportError,
    Face,
    FaceResult,
    FileTooLargeError,
    GlassesError,
    ImageTooLargeError,
    InferenceError,
    InternalError,
    InvalidImageError,
    InvalidModelError,
    InvalidOptionsError,
    InvalidPixelBufferError,
    InvalidRegionError,
    IoError,
    ModelInfo,
    NoBundledModelError,
    NoFaceDetectorError,
    NoFaceError,
    NotARegularFileError,
    OutOfMemoryError,
    Prediction,
    TensorShapeError,
    TruncatedImageError,
    __version__,
)

__all__ = [
    "ERROR_KINDS",
    "Classifier",
    "ContractViolationError",
    "ExportError",
    "Face",
    "FaceResult",
    "FileTooLargeError",
    "GlassesError",
    "ImageTooLargeError",
    "InferenceError",
    "InternalError",
    "InvalidImageError",
    "InvalidModelError",
    "InvalidOptionsError",
    "InvalidPixelBufferError",
    "InvalidRegionError",
    "IoError",
    "ModelInfo",
    "NoBundledModelError",
    "NoFaceDetectorError",
    "NoFaceError",
    "NotARegularFileError",
    "OutOfMemoryError",
    "Prediction",
    "TensorShapeError",
    "TruncatedImageError",
    "__version__",
]
