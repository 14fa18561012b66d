"""The API reference (docs/build_api.py, `make docs`) builds without a warning and documents every
exported name; exported names have docstrings, and numpy sections where the module is complete."""
from __future__ import annotations

import enum
import importlib
import importlib.util
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("nasbench", "strategies", "predictors", "reproduce")

pytest.importorskip("pdoc")


def _build_module():
    spec = importlib.util.spec_from_file_location("build_api", REPO / "docs" / "build_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


API = _build_module()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("api")
    return out, API.build(out)


def _exports(module_name: str) -> list[str]:
    return list(getattr(importlib.import_module(module_name), "__all__", []))


def test_reference_builds_without_warnings(built):
    out, problems = built
    assert problems == [], "\n".join(problems)
    assert (out / "index.html").is_file()


def test_every_public_module_with_all_is_documented_or_excused():
    """A module that declares __all__ is published API: it is in the reference or says why not."""
    found = []
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if any(part.startswith("_") for part in info.name.split(".")):
                continue
            path = REPO / (info.name.replace(".", "/") + ("/__init__.py" if info.ispkg else ".py"))
            if path.is_file() and re.search(r"^__all__\b", path.read_text(encoding="utf-8"), re.M):
                found.append(info.name)
    missing = sorted(set(found) - set(API.API_MODULES) - set(API.NOT_DOCUMENTED))
    assert not missing, f"add to docs/build_api.py API_MODULES (or NOT_DOCUMENTED with a reason): {missing}"


@pytest.mark.parametrize("module_name", API.API_MODULES)
def test_every_exported_name_is_on_its_page(built, module_name):
    out, _ = built
    page = out / (module_name.replace(".", "/") + ".html")
    if importlib.import_module(module_name).__file__.endswith("__init__.py"):  # type: ignore[union-attr]
        page = out / module_name.replace(".", "/") / "index.html" if not page.exists() else page
    assert page.is_file(), page
    html = page.read_text(encoding="utf-8")
    absent = [n for n in _exports(module_name) if f'id="{n}"' not in html]
    assert not absent, f"{module_name}: exported but not in the reference: {absent}"


def _documented_objects(module_name: str):
    module = importlib.import_module(module_name)
    for name in _exports(module_name):
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield name, obj


@pytest.mark.parametrize("module_name", API.API_MODULES)
def test_exported_functions_and_classes_have_docstrings(module_name):
    bare = [name for name, obj in _documented_objects(module_name) if not (obj.__doc__ or "").strip()]
    assert not bare, f"{module_name}: no docstring: {bare}"


def _params(obj) -> list[str]:
    """Named parameters a user passes (a class: its constructor's, if it defines one)."""
    if inspect.isclass(obj) and issubclass(obj, enum.Enum):
        return []  # members, not constructor arguments
    if inspect.isclass(obj) and not any("__init__" in vars(k) for k in obj.__mro__[:-1]
                                        if not issubclass(BaseException, k) and k.__module__ != "builtins"):
        return []
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [name for name, p in sig.parameters.items()
            if name not in ("self", "cls") and not name.startswith("_")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _returns_value(func) -> bool:
    ann = inspect.signature(func).return_annotation
    return ann not in (inspect.Signature.empty, None, "None")


def _missing_sections(obj) -> list[str]:
    doc = inspect.getdoc(obj) or ""
    missing = []
    if _params(obj) and not re.search(r"^(Parameters|Attributes)\n-+$", doc, re.M):
        missing.append("Parameters")
    if inspect.isfunction(obj) and _returns_value(obj) and not re.search(r"^(Returns|Yields)\n-+$", doc, re.M):
        missing.append("Returns")
    return missing


@pytest.mark.parametrize("module_name", API.NUMPY_COMPLETE)
def test_numpy_sections_in_complete_modules(module_name):
    gaps = {name: m for name, obj in _documented_objects(module_name) if (m := _missing_sections(obj))}
    assert not gaps, f"{module_name}: numpy sections missing: {gaps}"


def test_section_check_can_fail():
    def undocumented(x: int) -> int:
        """Adds one."""
        return x + 1

    def documented(x: int) -> int:
        """Adds one.

        Parameters
        ----------
        x : int
            A number.

        Returns
        -------
        int
            ``x + 1``.
        """
        return x + 1

    assert _missing_sections(undocumented) == ["Parameters", "Returns"]
    assert _missing_sections(documented) == []
