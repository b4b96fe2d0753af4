"""Shared fixtures: the repository's golden pictures and the answers every surface must give."""

import json
from pathlib import Path

import pytest

import glasses

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def golden():
    """tests/fixtures/golden.json, written by core's write_golden_fixtures example."""
    path = FIXTURES / "golden.json"
    assert path.is_file(), f"{path} is missing: run `cargo run -p glasses-core --example write_golden_fixtures`"
    data = json.loads(path.read_text())
    assert len(data["cases"]) >= 4 and len(data["region_cases"]) >= 2
    return data


@pytest.fixture(scope="session")
def classifier():
    return glasses.Classifier()


def fixture_path(case) -> Path:
    return FIXTURES / case["image"]


def assert_matches(prediction, case, expected, tolerance):
    """`prediction` gives the golden `case`: P(eyeglasses) within `tolerance` of `expected`, the
    decision, the eyewear kind and every class probability."""
    name = case["image"]
    assert abs(prediction.probability - expected) <= tolerance, (name, prediction, expected)
    assert prediction.has_glasses == case["has_glasses"], (name, prediction)
    assert prediction.eyewear == case["eyewear"], (name, prediction)
    probs = prediction.probabilities
    got = [probs["none"], probs["eyeglasses"]] + ([probs["sunglasses"]] if probs["sunglasses"] is not None else [])
    assert len(got) == len(case["probabilities"]), (name, probs)
    for g, e in zip(got, case["probabilities"]):
        assert abs(g - e) <= tolerance, (name, probs, case["probabilities"])
