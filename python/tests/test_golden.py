"""Every kind of input gives the golden answers that the Rust, C, Kotlin and Swift surfaces give."""

import pathlib

import numpy as np
import pytest
from PIL import Image

import glasses
from conftest import FIXTURES, assert_matches, fixture_path

# PIL and core decode JPEGs with different IDCTs; a picture decoded by PIL may move P(eyeglasses)
# a little (PNGs decode to the same pixels, so they keep the golden tolerance).
DECODER_TOLERANCE = 0.02


def tolerance_for(case, golden):
    return golden["tolerance"] if case["image"].endswith(".png") else DECODER_TOLERANCE


def test_the_bundled_model_is_the_golden_one(classifier, golden):
    info = classifier.model_info
    assert info.version == golden["model_version"]
    assert info.threshold == golden["threshold"] == classifier.threshold
    # Class 0 is "none" in the bundled file (older files spell it "no_eyeglasses"; both read as none).
    assert info.classes == ["none", "eyeglasses", "sunglasses"]
    assert info.has_sunglasses_class
    assert info.weight_precision == "int8"
    assert info.size_bytes == (glasses_root() / golden["model"]).stat().st_size
    width, height = info.input_size
    assert width > 0 and height > 0
    assert "kernels" in info.engine
    assert "ModelInfo(version='" in repr(info)


def glasses_root() -> pathlib.Path:
    return FIXTURES.parents[1]


def test_paths_give_the_golden_answers(classifier, golden):
    for case in golden["cases"]:
        path = fixture_path(case)
        assert_matches(classifier.classify(str(path)), case, case["probability"], golden["tolerance"])
        assert_matches(classifier.classify(path), case, case["probability"], golden["tolerance"])


def test_bytes_give_the_golden_answers(classifier, golden):
    for case in golden["cases"]:
        data = fixture_path(case).read_bytes()
        assert_matches(classifier.classify(data), case, case["probability"], golden["tolerance"])
        # Other byte buffers are encoded images too: a bytearray, a memoryview, a 1-D uint8 array.
        for other in (bytearray(data), memoryview(data), np.frombuffer(data, dtype=np.uint8)):
            assert_matches(classifier.classify(other), case, case["probability"], golden["tolerance"])


def test_numpy_arrays_give_the_golden_answers(classifier, golden):
    for case in golden["cases"]:
        with Image.open(fixture_path(case)) as image:
            rgb = np.asarray(image.convert("RGB"))
            rgba = np.asarray(image.convert("RGBA"))
        assert rgb.shape == (case["height"], case["width"], 3) and rgb.flags.c_contiguous
        tolerance = tolerance_for(case, golden)
        assert_matches(classifier.classify(rgb), case, case["probability"], tolerance)
        assert_matches(classifier.classify(rgba), case, case["rgba_probability"], tolerance)


def test_a_grayscale_array_is_the_gray_picture(classifier, golden):
    case = next(c for c in golden["cases"] if "gray" in c["image"])
    with Image.open(fixture_path(case)) as image:
        rgb = np.asarray(image.convert("RGB"))
    # The file stores gray as RGB; its one channel is the HxW picture.
    assert (rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 0] == rgb[:, :, 2]).all()
    gray = np.ascontiguousarray(rgb[:, :, 0])
    assert gray.ndim == 2
    with Image.open(fixture_path(case)) as image:
        assert_matches(classifier.classify(image.convert("L")), case, case["probability"], golden["tolerance"])
    assert_matches(classifier.classify(gray), case, case["probability"], golden["tolerance"])
    assert_matches(classifier.classify(gray[:, :, None]), case, case["probability"], golden["tolerance"])


def test_pil_images_give_the_golden_answers(classifier, golden):
    for case in golden["cases"]:
        tolerance = tolerance_for(case, golden)
        with Image.open(fixture_path(case)) as image:
            image.load()
            assert_matches(classifier.classify(image), case, case["probability"], tolerance)
            assert_matches(classifier.classify(image.convert("RGBA")), case, case["rgba_probability"], tolerance)
            # A mode without a direct path goes through PIL's RGB conversion: gray with alpha is
            # the same picture as gray.
            gray = classifier.classify(image.convert("L"))
            gray_alpha = classifier.classify(image.convert("LA"))
            assert gray_alpha.probabilities == gray.probabilities


def test_views_are_read_in_place_or_copied_to_the_same_answer(classifier, golden):
    case = next(c for c in golden["cases"] if c["image"].endswith(".png") and "gray" not in c["image"])
    with Image.open(fixture_path(case)) as image:
        rgb = np.asarray(image.convert("RGB"))
    expected = classifier.classify(rgb).probability
    h, w, _ = rgb.shape
    # A crop of a larger picture: rows farther apart than their width, read in place.
    canvas = np.zeros((h + 30, w + 50, 3), dtype=np.uint8)
    canvas[10 : 10 + h, 20 : 20 + w] = rgb
    crop = canvas[10 : 10 + h, 20 : 20 + w]
    assert not crop.flags.c_contiguous
    # Layouts that cannot be read in place: copied by numpy first.
    fortran = np.asfortranarray(rgb)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    flipped_back = bgr[:, :, ::-1]
    upside_down = np.ascontiguousarray(rgb[::-1])[::-1]
    for view in (crop, fortran, flipped_back, upside_down, rgb.copy(order="C")):
        np.testing.assert_array_equal(view, rgb)
        assert abs(classifier.classify(view).probability - expected) <= 1e-6
    # The array is not changed by being read.
    before = canvas.copy()
    classifier.classify(crop)
    np.testing.assert_array_equal(canvas, before)


def test_face_boxes_give_the_golden_region_answers(classifier, golden):
    for case in golden["region_cases"]:
        path = fixture_path(case)
        face = tuple(case["face_box"])
        assert_matches(classifier.classify(path, face=face), case, case["probability"], golden["tolerance"])
        assert_matches(classifier.classify(path.read_bytes(), face=face), case, case["probability"], golden["tolerance"])
        with Image.open(path) as image:
            rgba = np.asarray(image.convert("RGBA"))
        assert_matches(classifier.classify(rgba, face=face), case, case["probability"], golden["tolerance"])


def test_the_threshold_moves_the_decision_not_the_probability(golden):
    # An eyeglasses picture, with a threshold on each side of its probability.
    case = next(c for c in golden["cases"] if c["eyewear"] == "eyeglasses" and c["probability"] < 0.999)
    high, low = round((case["probability"] + 1) / 2, 6), round(case["probability"] / 2, 6)
    strict = glasses.Classifier(threshold=high)
    lenient = glasses.Classifier(threshold=low)
    assert strict.threshold == high and lenient.model_info.threshold == low
    p, q = strict.classify(fixture_path(case)), lenient.classify(fixture_path(case))
    assert abs(p.probability - q.probability) <= 1e-6
    assert (p.has_glasses, q.has_glasses) == (False, True)
    assert q.eyewear == "eyeglasses"


def test_a_model_from_a_path_or_bytes(golden):
    fp32 = glasses_root() / "core" / "models" / "glasses.onnx"
    int8 = glasses_root() / golden["model"]
    from_bytes = glasses.Classifier(int8.read_bytes())
    assert from_bytes.model_info.version == golden["model_version"]
    case = golden["cases"][0]
    assert_matches(from_bytes.classify(fixture_path(case)), case, case["probability"], golden["tolerance"])
    twin = glasses.Classifier(fp32)
    assert twin.model_info.weight_precision == "f32"
    assert twin.model_info.size_bytes == fp32.stat().st_size
    # The fp32 twin agrees with the int8 model wherever the int8 model is sure of itself (the
    # gray picture is a near tie between eyeglasses and sunglasses).
    for case in golden["cases"]:
        if max(case["probabilities"]) >= 0.8:
            assert twin.classify(fixture_path(case)).eyewear == case["eyewear"], case["image"]


def test_the_prediction_reads_well(classifier, golden):
    case = golden["cases"][1]
    p = classifier.classify(fixture_path(case))
    text = repr(p)
    # The golden answer, as the repr rounds it (the default answers for the drawn face found).
    none, eyeglasses, sunglasses = case["probabilities"]
    assert text.startswith(f"Prediction(has_glasses=True, probability={eyeglasses:.4f}, eyewear='eyeglasses'")
    assert f"'none': {none:.4f}, 'eyeglasses': {eyeglasses:.4f}, 'sunglasses': {sunglasses:.4f}" in text
    d = p.to_dict()
    assert d["has_glasses"] is True and d["eyewear"] == "eyeglasses"
    assert d["probability"] == p.probability == d["p_eyeglasses"]
    assert abs(d["p_none"] + d["p_eyeglasses"] + d["p_sunglasses"] - 1) < 1e-5
    assert "Classifier(model='" in repr(classifier)


def _with_default_threshold(model: bytes, threshold: float) -> bytes:
    """The ONNX file with one more `metadata_props` entry (ModelProto field 14),
    `glasses.default_threshold`: protobuf reads a repeated field appended at the end of a message."""

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)

    def field(number: int, payload: bytes) -> bytes:
        return varint(number << 3 | 2) + varint(len(payload)) + payload

    entry = field(1, b"glasses.default_threshold") + field(2, repr(threshold).encode())
    return model + field(14, entry)


def test_the_model_s_own_threshold_decides_unless_one_is_given(classifier, golden):
    case = golden["cases"][1]
    p = classifier.classify(fixture_path(case)).probability
    # The bundled file carries its own threshold, and a classifier given none decides with it.
    assert classifier.model_info.default_threshold == golden["threshold"] == classifier.threshold
    model = (glasses_root() / golden["model"]).read_bytes()
    above, below = round((p + 1) / 2, 4), round(p / 2, 4)
    assert below < p < above
    # A file threshold above the picture's probability says no, one below says yes.
    for threshold, expected in [(above, False), (below, True)]:
        own = glasses.Classifier(_with_default_threshold(model, threshold))
        assert own.model_info.default_threshold == threshold == own.threshold == own.model_info.threshold
        answer = own.classify(fixture_path(case))
        assert abs(answer.probability - p) <= 1e-6
        assert answer.has_glasses is expected, (threshold, p)
        # A given threshold wins; the file's default is still shown.
        other = above if expected else below
        given = glasses.Classifier(_with_default_threshold(model, threshold), threshold=other)
        assert given.model_info.default_threshold == threshold and given.threshold == other
        assert given.classify(fixture_path(case)).has_glasses is (not expected)


def test_threads_give_the_same_answers(classifier, golden):
    split = glasses.Classifier(threads=3)
    for case in golden["cases"]:
        one, three = classifier.classify(fixture_path(case)), split.classify(fixture_path(case))
        assert three.probability == one.probability, case["image"]
        assert three.probabilities == one.probabilities, case["image"]
    assert glasses.Classifier(threads=0).classify(fixture_path(golden["cases"][0])).probability == (
        classifier.classify(fixture_path(golden["cases"][0])).probability
    )
    with pytest.raises(OverflowError):
        glasses.Classifier(threads=-1)
    # More than the most (8) is refused, as on every surface, not quietly lowered.
    with pytest.raises(glasses.InvalidOptionsError, match="threads 9"):
        glasses.Classifier(threads=9)
