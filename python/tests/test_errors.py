"""Bad input raises a typed error (a glasses.GlassesError subclass with its .kind, or a clear
TypeError/ValueError for the wrong Python type or array shape), never a crash."""

import re
import tomllib

import numpy as np
import pytest

import glasses
from conftest import FIXTURES, ROOT


def jpeg_case(golden):
    return next(c for c in golden["cases"] if c["image"].endswith(".jpg"))


def raises_kind(cls, kind, call):
    with pytest.raises(cls) as info:
        call()
    assert isinstance(info.value, glasses.GlassesError)
    assert info.value.kind == kind == cls.kind
    return info.value


def test_bad_bytes_are_an_invalid_image(classifier):
    for data in (b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 40):
        error = raises_kind(glasses.InvalidImageError, "invalid_image", lambda: classifier.classify(data))
        assert "invalid image" in str(error)


def test_a_truncated_file_is_refused_unless_accepted(classifier, golden, tmp_path):
    case = jpeg_case(golden)
    data = (FIXTURES / case["image"]).read_bytes()
    cut = data[: len(data) // 2]
    raises_kind(glasses.TruncatedImageError, "truncated_image", lambda: classifier.classify(cut))
    path = tmp_path / "cut.jpg"
    path.write_bytes(cut)
    raises_kind(glasses.TruncatedImageError, "truncated_image", lambda: classifier.classify(path))
    p = glasses.Classifier(accept_truncated=True).classify(cut)
    assert 0.0 <= p.probability <= 1.0


def test_files_that_cannot_be_read(classifier, tmp_path):
    missing = tmp_path / "missing.jpg"
    error = raises_kind(glasses.IoError, "io", lambda: classifier.classify(missing))
    assert "missing.jpg" in str(error)
    raises_kind(glasses.NotARegularFileError, "not_a_regular_file", lambda: classifier.classify(tmp_path))
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff" * 2048)
    small_limit = glasses.Classifier(max_file_bytes=1024)
    raises_kind(glasses.FileTooLargeError, "file_too_large", lambda: small_limit.classify(big))


def test_a_picture_over_max_pixels(golden):
    case = golden["cases"][0]
    limited = glasses.Classifier(max_pixels=case["width"] * case["height"] - 1)
    raises_kind(glasses.ImageTooLargeError, "image_too_large", lambda: limited.classify(FIXTURES / case["image"]))


def test_bad_models_and_options(tmp_path):
    raises_kind(glasses.InvalidModelError, "invalid_model", lambda: glasses.Classifier(b"not onnx"))
    text = tmp_path / "model.onnx"
    text.write_text("hello")
    raises_kind(glasses.InvalidModelError, "invalid_model", lambda: glasses.Classifier(text))
    raises_kind(glasses.IoError, "io", lambda: glasses.Classifier(tmp_path / "absent.onnx"))
    raises_kind(glasses.InvalidOptionsError, "invalid_options", lambda: glasses.Classifier(threshold=1.5))
    raises_kind(glasses.InvalidOptionsError, "invalid_options", lambda: glasses.Classifier(max_pixels=0))
    with pytest.raises(TypeError, match="model must be None"):
        glasses.Classifier(model=42)
    with pytest.raises(TypeError):
        glasses.Classifier(threshold="high")


def test_bad_pixel_arrays(classifier):
    raises_kind(
        glasses.InvalidPixelBufferError,
        "invalid_pixel_buffer",
        lambda: classifier.classify(np.zeros((0, 4, 3), dtype=np.uint8)),
    )
    with pytest.raises(TypeError, match="uint8"):
        classifier.classify(np.zeros((20, 20, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="uint8"):
        classifier.classify(np.zeros((20, 20, 3), dtype=np.uint16))
    for shape in ((3, 20, 20), (20, 20, 2), (20, 20, 5), (2, 20, 20, 3)):
        with pytest.raises(ValueError, match=re.escape(str(list(shape)))):
            classifier.classify(np.zeros(shape, dtype=np.uint8))
    for nonsense in (42, None, [[0, 0, 0]], {"image": "x"}, 3.5):
        with pytest.raises(TypeError, match="cannot classify"):
            classifier.classify(nonsense)


def test_a_bad_face_box(classifier, golden):
    case = golden["region_cases"][0]
    path = FIXTURES / case["image"]
    for face in ((10, 10, 0, 50), (10, 10, -5, 50), (float("nan"), 0, 10, 10), (1e6, 1e6, 10, 10)):
        raises_kind(glasses.InvalidRegionError, "invalid_region", lambda: classifier.classify(path, face=face))
    with pytest.raises((TypeError, ValueError)):
        classifier.classify(path, face=(1, 2, 3))


def test_every_core_error_kind_has_its_class():
    """One class per `glasses_core::ErrorKind` (read from core/src/error.rs), so a kind added to
    core without its Python class fails here."""
    source = (ROOT / "core" / "src" / "error.rs").read_text()
    # Core writes the kinds once, as the list given to its `error_kinds!` macro.
    kinds = re.search(r"^error_kinds!\[(.*?)^\];", source, re.S | re.M).group(1)
    variants = re.findall(r"^\s+([A-Z]\w*),", kinds, re.M)
    core_kinds = {re.sub(r"(?<!^)([A-Z])", r"_\1", v).lower() for v in variants}
    assert len(core_kinds) >= 16
    assert set(glasses.ERROR_KINDS) == core_kinds | {"internal"}
    classes = [getattr(glasses, name) for name in glasses.__all__ if name.endswith("Error") and name != "GlassesError"]
    assert sorted(c.kind for c in classes) == sorted(glasses.ERROR_KINDS)
    for cls in classes:
        assert issubclass(cls, glasses.GlassesError) and cls.__module__ == "glasses"
        assert cls.__doc__
    assert issubclass(glasses.GlassesError, Exception)


def test_the_version_is_the_workspace_version():
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())
    assert glasses.__version__ == workspace["workspace"]["package"]["version"]


def test_a_rust_panic_is_an_internal_error_not_a_crash(classifier, golden):
    from glasses import _glasses

    for _ in range(2):
        with pytest.raises(glasses.InternalError, match="a deliberate panic for the tests") as info:
            _glasses._panic_for_tests()
        assert info.value.kind == "internal" and isinstance(info.value, glasses.GlassesError)
    # The interpreter and the classifier carry on.
    case = golden["cases"][0]
    assert abs(classifier.classify(FIXTURES / case["image"]).probability - case["probability"]) <= golden["tolerance"]
