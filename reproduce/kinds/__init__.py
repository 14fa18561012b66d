"""The registry of preset kinds: ``kind = "..."`` in a preset -> the :class:`PresetKind` that
parses, runs, collects, writes and pages it (see :mod:`reproduce.kinds.base`).

Adding a kind: one module with a :class:`~reproduce.kinds.base.PresetKind` subclass, and one line
in :data:`KINDS` (or ``register_kind("mymodule:MyKind")`` at run time). Kinds load lazily.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from nasbench.errors import one_of
from reproduce.kinds.base import PresetKind
from reproduce.presets import PresetError, check_type, read_preset_doc

#: kind name -> "module:Class"; order = the order in which folders are recognised (infer)
KINDS: dict[str, str] = {
    "oneshot": "reproduce.kinds.oneshot:OneShotKind",
    "predictors": "reproduce.kinds.predictors:PredictorsKind",
    "multiobjective": "reproduce.kinds.multiobjective:MultiObjectiveKind",
    "search": "reproduce.kinds.search:SearchKind",
}
_LOADED: dict[str, PresetKind] = {}
#: the order in which kinds are asked to recognise a folder no preset wrote
KINDS_ORDER: list[str] = list(KINDS)


def register_kind(target: str | PresetKind) -> PresetKind:
    """Add a kind (an instance, or ``"module:Class"``); it takes precedence in folder recognition."""
    kind = _instantiate(target) if isinstance(target, str) else target
    if not isinstance(kind, PresetKind):
        raise TypeError(f"a preset kind is a PresetKind, got {type(kind).__name__}")
    KINDS[kind.name] = f"{type(kind).__module__}:{type(kind).__qualname__}"
    if kind.name not in KINDS_ORDER:
        KINDS_ORDER.insert(0, kind.name)
    _LOADED[kind.name] = kind
    return kind


def _instantiate(target: str) -> PresetKind:
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)()



def kind_names() -> list[str]:
    """The registered kinds."""
    return list(KINDS)


def get_kind(name: str) -> PresetKind:
    """The kind registered under ``name`` (PresetError listing the kinds otherwise)."""
    if name not in KINDS:
        raise PresetError(f"unknown preset kind {name!r}; kinds: {one_of(kind_names())}")
    if name not in _LOADED:
        _LOADED[name] = _instantiate(KINDS[name])
    return _LOADED[name]


def kind_of(preset: Any) -> PresetKind:
    """The kind of a parsed preset (its ``kind`` attribute)."""
    return get_kind(getattr(preset, "kind", "search"))


def load_preset(name_or_path: str | Path) -> Any:
    """A shipped preset by name (:func:`reproduce.presets.preset_names`) or a TOML file by path,
    parsed by its kind (``kind = "search"`` when the file names none)."""
    doc, path = read_preset_doc(name_or_path)
    where = path.name
    kind = check_type(doc.get("kind", "search"), str, f"{where}: 'kind'")
    if kind not in KINDS:
        raise PresetError(f"{where}: 'kind' must be one of {one_of(kind_names())} (default search), got {kind!r}")
    return get_kind(kind).parse(doc, path, where)


def infer_folder(out_dir: Path, options) -> tuple[PresetKind, Any] | None:
    """The kind and preset that describe a results folder no preset wrote (None: no kind knows it)."""
    for name in KINDS_ORDER:
        kind = get_kind(name)
        preset = kind.infer(out_dir, options)
        if preset is not None:
            return kind, preset
    return None


__all__ = ["KINDS", "get_kind", "infer_folder", "kind_names", "kind_of", "load_preset", "register_kind"]
