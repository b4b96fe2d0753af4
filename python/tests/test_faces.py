"""Faces: detect_faces, classify_faces and classify's face_mode on the drawn group pictures of
tests/fixtures/golden.json, the answers the C, Kotlin and Swift surfaces give."""

import numpy as np
import pytest
from PIL import Image

import glasses
from conftest import FIXTURES, fixture_path

BOX_TOLERANCE = 0.05  # pixels (golden boxes are rounded to 0.01)
SCORE_TOLERANCE = 1e-3
# PIL and core decode JPEGs with different IDCTs: a JPEG decoded by PIL may move a box and a
# probability a little (PNGs decode to the same pixels and keep the tight tolerances).
PIL_JPEG_BOX_TOLERANCE = 4.0
PIL_JPEG_TOLERANCE = 0.02


def inputs(case):
    """Every input kind classify takes, for one picture, with whether its pixels are core's own."""
    path = fixture_path(case)
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        rgb.load()
    exact = path.suffix == ".png"
    return [
        ("str path", str(path), True),
        ("pathlib path", path, True),
        ("bytes", path.read_bytes(), True),
        ("numpy RGB", np.asarray(rgb), exact),
        ("numpy RGBA", np.asarray(rgb.convert("RGBA")), exact),
        ("PIL image", rgb, exact),
    ]


def assert_face(face, want, what, box_tolerance=BOX_TOLERANCE):
    assert isinstance(face, glasses.Face), what
    for got, expected in zip(face.box, want[:4]):
        assert abs(got - expected) <= box_tolerance, (what, face, want)
    if box_tolerance == BOX_TOLERANCE:
        assert abs(face.score - want[4]) <= SCORE_TOLERANCE, (what, face, want)
    assert 0.0 < face.score <= 1.0
    assert len(face.landmarks) == 5
    x, y, w, h = face.box
    (rex, rey), (lex, ley), _nose, (rmx, rmy), (lmx, lmy) = face.landmarks
    assert rey < rmy and ley < lmy, (what, "eyes above the mouth corners", face.landmarks)
    for lx, _ in face.landmarks:
        assert x - 1 <= lx <= x + w + 1, (what, "landmark outside the box", face.landmarks)
    assert face.to_dict() == {"box": face.box, "score": face.score, "landmarks": face.landmarks}


def assert_answer(prediction, want, tolerance, what):
    assert abs(prediction.probability - want["probability"]) <= tolerance, (what, prediction, want)
    assert prediction.has_glasses == want["has_glasses"], (what, prediction)
    assert prediction.eyewear == want["eyewear"], (what, prediction)
    probs = prediction.probabilities
    got = [probs["none"], probs["eyeglasses"], probs["sunglasses"]]
    for g, e in zip(got, want["probabilities"]):
        assert abs(g - e) <= tolerance, (what, probs, want["probabilities"])


def test_group_pictures_have_golden_faces(golden):
    assert len(golden["group_cases"]) >= 2


def answers_per_input(case, call):
    """`call` on every input kind of the group picture `case`: the kind's name, its answers (one per
    golden face, checked) and whether its pixels are core's own (the tight tolerances)."""
    for kind, image, exact in inputs(case):
        answers = call(image)
        assert len(answers) == len(case["faces"]), (case["image"], kind, answers)
        yield f"{case['image']} {kind}", answers, exact


@pytest.mark.parametrize("index", [0, 1])
def test_detect_faces_finds_the_golden_faces_in_every_input_kind(classifier, golden, index):
    case = golden["group_cases"][index]
    for what, faces, exact in answers_per_input(case, classifier.detect_faces):
        # Largest first, as every surface gives them.
        areas = [f.box[2] * f.box[3] for f in faces]
        assert areas == sorted(areas, reverse=True), (what, faces)
        for face, want in zip(faces, case["faces"]):
            assert_face(face, want["face"], what, BOX_TOLERANCE if exact else PIL_JPEG_BOX_TOLERANCE)


@pytest.mark.parametrize("index", [0, 1])
def test_classify_faces_gives_each_golden_face_its_answer(classifier, golden, index):
    case = golden["group_cases"][index]
    for what, results, exact in answers_per_input(case, classifier.classify_faces):
        for result, want in zip(results, case["faces"]):
            assert isinstance(result, glasses.FaceResult)
            assert_face(result.face, want["face"], what, BOX_TOLERANCE if exact else PIL_JPEG_BOX_TOLERANCE)
            assert_answer(result.prediction, want, golden["tolerance"] if exact else PIL_JPEG_TOLERANCE, what)
            # The prediction says which face it is for: this one.
            assert result.prediction.face.box == result.face.box, what
            assert "FaceResult(face=Face(box=(" in repr(result)
        # The drawn kinds, left to right: the detector and the classifier agree with the drawing.
        by_x = sorted(results, key=lambda r: r.face.box[0])
        drawn = {"0": "none", "1": "eyeglasses", "sunglasses": "sunglasses"}
        assert [r.prediction.eyewear for r in by_x] == [drawn[d] for d in case["drawn"]], (what, by_x)


def test_classifying_a_face_box_gives_the_classify_faces_answer(classifier, golden):
    case = golden["group_cases"][0]
    path = fixture_path(case)
    for result in classifier.classify_faces(path):
        boxed = classifier.classify(path, face=result.face.box)
        assert abs(boxed.probability - result.prediction.probability) <= 1e-6
        assert boxed.face is None, "the caller's box: no detected face to report"


def test_face_mode_auto_and_detect_classify_the_largest_face(classifier, golden):
    for case in golden["group_cases"]:
        path = fixture_path(case)
        largest = case["faces"][0]
        for mode in ("auto", "detect"):
            prediction = classifier.classify(path, face_mode=mode)
            assert_answer(prediction, largest, golden["tolerance"], f"{case['image']} {mode}")
            assert_face(prediction.face, largest["face"], f"{case['image']} {mode}")
        # auto is the default.
        assert classifier.classify(path).probability == classifier.classify(path, face_mode="auto").probability
        whole = classifier.classify(path, face_mode="whole")
        assert whole.face is None
        assert abs(whole.probability - largest["probability"]) > golden["tolerance"], "the whole picture is not the face"


def test_a_picture_without_a_face(classifier, golden):
    blank = np.full((120, 160, 3), 200, dtype=np.uint8)
    assert classifier.detect_faces(blank) == []
    assert classifier.classify_faces(blank) == []
    auto = classifier.classify(blank)
    assert auto.face is None, "auto falls back to the whole picture"
    assert auto.probability == classifier.classify(blank, face_mode="whole").probability
    with pytest.raises(glasses.NoFaceError):
        classifier.classify(blank, face_mode="detect")
    # A single-face golden picture's auto answer is for its face.
    single = next(c for c in golden["cases"] if c["face"] is not None)
    assert_face(classifier.classify(fixture_path(single)).face, single["face"], single["image"])


def test_face_mode_and_bad_inputs_are_refused(classifier, golden):
    path = fixture_path(golden["group_cases"][0])
    with pytest.raises(ValueError, match="face_mode must be 'auto', 'detect' or 'whole'"):
        classifier.classify(path, face_mode="largest")
    with pytest.raises(ValueError, match="face_mode"):
        classifier.classify_batch([path], face_mode="all")
    with pytest.raises(TypeError):
        classifier.detect_faces(12)
    with pytest.raises(glasses.InvalidImageError):
        classifier.detect_faces(b"not a picture")
    with pytest.raises(glasses.IoError):
        classifier.classify_faces(str(FIXTURES / "no-such-picture.png"))


def test_classify_batch_takes_the_face_mode(classifier, golden):
    paths = [fixture_path(c) for c in golden["group_cases"]]
    for mode in ("auto", "detect", "whole"):
        batch = classifier.classify_batch(paths, face_mode=mode)
        single = [classifier.classify(p, face_mode=mode) for p in paths]
        assert [p.probability for p in batch] == [p.probability for p in single], mode
