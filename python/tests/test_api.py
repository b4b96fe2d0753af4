"""The package's surface: what the stubs declare is what the module has, documented."""

import ast
import inspect
from pathlib import Path

import glasses


def stub_tree():
    path = Path(glasses.__file__).with_name("__init__.pyi")
    assert path.is_file(), "the wheel must ship glasses/__init__.pyi"
    assert path.with_name("py.typed").is_file(), "the wheel must ship glasses/py.typed"
    return ast.parse(path.read_text())


def stub_classes():
    return {node.name: node for node in stub_tree().body if isinstance(node, ast.ClassDef)}


def public_members(cls):
    return {name for name in vars(cls) if not name.startswith("_")}


def stub_members(node):
    names = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
            names.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
    return names


def test_every_export_is_in_the_stubs():
    classes = stub_classes()
    module_level = {
        node.target.id for node in stub_tree().body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    for name in glasses.__all__:
        assert name in classes or name in module_level, f"{name} is missing from __init__.pyi"
        value = getattr(glasses, name)
        if inspect.isclass(value):
            assert name in classes


def test_the_stubs_declare_each_class_as_it_is():
    classes = stub_classes()
    for name in ("Classifier", "Prediction", "ModelInfo", "Face", "FaceResult"):
        runtime = public_members(getattr(glasses, name))
        assert runtime == stub_members(classes[name]), name
        assert getattr(glasses, name).__doc__, f"{name} has no docstring"
        for member in runtime:
            assert getattr(getattr(glasses, name), member).__doc__, f"{name}.{member} has no docstring"


def test_signatures_are_visible():
    classify = inspect.signature(glasses.Classifier.classify).parameters
    assert classify["face"].kind is inspect.Parameter.KEYWORD_ONLY
    assert classify["face_mode"].kind is inspect.Parameter.KEYWORD_ONLY and classify["face_mode"].default == "auto"
    init = inspect.signature(glasses.Classifier)
    assert list(init.parameters)[:3] == ["model", "threshold", "max_pixels"]
    assert init.parameters["accept_truncated"].default is False
    assert init.parameters["threads"].kind is inspect.Parameter.KEYWORD_ONLY and init.parameters["threads"].default == 1
