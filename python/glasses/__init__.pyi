"""Type stubs of the glasses package (the compiled glasses._glasses module, re-exported)."""

import os
from typing import Any, ClassVar, Literal, Sequence, TypedDict, overload

__version__: str

#: The `kind` of every error class, core's kinds and "internal" (a caught Rust panic).
ERROR_KINDS: list[str]

#: What classify accepts: a path, bytes of an encoded image, a numpy uint8 array
#: (HxWx3 RGB, HxWx4 RGBA, HxW grayscale), a PIL image, or any uint8 buffer.
ImageInput = str | os.PathLike[str] | bytes | Any

Eyewear = Literal["none", "eyeglasses", "sunglasses"]

class Probabilities(TypedDict):
    none: float
    eyeglasses: float
    sunglasses: float | None

class PredictionDict(TypedDict):
    has_glasses: bool
    probability: float
    eyewear: Eyewear
    p_none: float
    p_eyeglasses: float
    p_sunglasses: float | None

FaceMode = Literal["auto", "detect", "whole"]

class Face:
    """A face the built-in detector found, in pixels of the picture (origin top-left)."""

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x, y, width, height), clipped to the picture; classify(image, face=f.box) classifies it."""
    @property
    def score(self) -> float:
        """Detection score in [0, 1]."""
    @property
    def landmarks(self) -> list[tuple[float, float]]:
        """Right eye, left eye, nose tip, right and left mouth corner (the person's), as (x, y)."""
    def to_dict(self) -> FaceDict:
        """Every field in a dict: box, score, landmarks."""

class FaceDict(TypedDict):
    box: tuple[float, float, float, float]
    score: float
    landmarks: list[tuple[float, float]]

class Prediction:
    """The answer for one image."""

    @property
    def has_glasses(self) -> bool:
        """Whether the face wears eyeglasses: probability >= threshold."""
    @property
    def probability(self) -> float:
        """P(eyeglasses), in [0, 1]."""
    @property
    def eyewear(self) -> Eyewear:
        """"none", "eyeglasses" or "sunglasses" ("eyeglasses" exactly when has_glasses)."""
    @property
    def probabilities(self) -> Probabilities:
        """Each class's probability; "sunglasses" is None for a two-class model."""
    @property
    def face(self) -> Face | None:
        """The face found (face_mode "auto" or "detect"); None for the whole picture or a caller's box."""
    def to_dict(self) -> PredictionDict:
        """Every field in a flat dict, for pandas."""

class FaceResult:
    """One face of a picture and the answer for it."""

    @property
    def face(self) -> Face:
        """The face, in pixels of the picture."""
    @property
    def prediction(self) -> Prediction:
        """The answer for that face (its face is this face)."""

class ModelInfo:
    """Facts about the loaded model."""

    version: str
    architecture: str
    classes: list[str]
    input_size: tuple[int, int]
    threshold: float
    default_threshold: float
    weight_precision: str | None
    resize: Literal["stretch", "center_crop"]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    contract_version: int
    has_sunglasses_class: bool
    size_bytes: int
    parameter_count: int
    engine: str
    metadata: dict[str, str]

class Classifier:
    """Classifies face images for eyeglasses; one instance serves any number of threads."""

    def __init__(
        self,
        model: str | os.PathLike[str] | bytes | None = None,
        threshold: float | None = None,
        max_pixels: int | None = None,
        *,
        accept_truncated: bool = False,
        max_file_bytes: int | None = None,
        max_model_bytes: int | None = None,
        threads: int = 1,
    ) -> None:
        """Loads the bundled model (model=None) or an ONNX file given as a path or bytes; threads
        splits one picture's inference (0: one per CPU, at most 8; more raises InvalidOptionsError)."""
    def classify(
        self,
        image: ImageInput,
        *,
        face: tuple[float, float, float, float] | None = None,
        face_mode: FaceMode = "auto",
    ) -> Prediction:
        """Classifies one image: inside the face box (x, y, width, height) when given, else the
        face face_mode says ("auto": the largest found or the whole picture; "detect": the largest
        found or NoFaceError; "whole": the whole picture)."""
    @overload
    def classify_batch(
        self, images: Sequence[ImageInput], *, return_errors: Literal[False] = False, face_mode: FaceMode = "auto"
    ) -> list[Prediction]: ...
    @overload
    def classify_batch(
        self, images: Sequence[ImageInput], *, return_errors: Literal[True], face_mode: FaceMode = "auto"
    ) -> list[Prediction | GlassesError]: ...
    def detect_faces(self, image: ImageInput) -> list[Face]:
        """Every face the built-in detector finds, largest first; [] when there is none."""
    def classify_faces(self, image: ImageInput) -> list[FaceResult]:
        """Every face (as detect_faces finds them) with the answer for each; [] when there is none."""
    @property
    def model_info(self) -> ModelInfo:
        """The loaded model: version, classes, input size, threshold, weight precision."""
    @property
    def threshold(self) -> float:
        """The decision threshold on P(eyeglasses) in force: the one given, else the model's own."""

class GlassesError(Exception):
    """Base class of every error glasses raises."""

    kind: ClassVar[str]

class InvalidImageError(GlassesError): ...
class ImageTooLargeError(GlassesError): ...
class InvalidPixelBufferError(GlassesError): ...
class InvalidModelError(GlassesError): ...
class ContractViolationError(GlassesError): ...
class TensorShapeError(GlassesError): ...
class InvalidOptionsError(GlassesError): ...
class IoError(GlassesError): ...
class InferenceError(GlassesError): ...
class ExportError(GlassesError): ...
class NoBundledModelError(GlassesError): ...
class TruncatedImageError(GlassesError): ...
class OutOfMemoryError(GlassesError): ...
class FileTooLargeError(GlassesError): ...
class NotARegularFileError(GlassesError): ...
class InvalidRegionError(GlassesError): ...
class NoFaceError(GlassesError): ...
class NoFaceDetectorError(GlassesError): ...
class InternalError(GlassesError): ...
