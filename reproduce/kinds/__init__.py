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
    """Add a kind (an instance, or ``"module:Class"``); it takes precedence in folder recognition.

    Parameters
    ----------
    target : str or PresetKind
        A kind instance, or ``"module:Class"`` naming a :class:`PresetKind` subclass (instantiated
        without arguments).

    Returns
    -------
    PresetKind
        The registered kind (it replaces one registered under the same ``name``).

    Raises
    ------
    TypeError
        ``target`` is not (and does not name) a PresetKind.
    """
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
    """The registered kinds.

    Returns
    -------
    list of str
        The kind names, in registration order.
    """
    return list(KINDS)


def get_kind(name: str) -> PresetKind:
    """The kind registered under ``name`` (PresetError listing the kinds otherwise).

    Parameters
    ----------
    name : str
        A kind name (the ``kind`` key of a preset).

    Returns
    -------
    PresetKind
        The kind's instance (created once, on first use).

    Raises
    ------
    PresetError
        No kind is registered under ``name``.
    """
    if name not in KINDS:
        raise PresetError(f"unknown preset kind {name!r}; kinds: {one_of(kind_names())}")
    if name not in _LOADED:
        _LOADED[name] = _instantiate(KINDS[name])
    return _LOADED[name]


def kind_of(preset: Any) -> PresetKind:
    """The kind of a parsed preset (its ``kind`` attribute).

    Parameters
    ----------
    preset : preset object
        A parsed preset; one without a ``kind`` attribute is a ``search`` preset.

    Returns
    -------
    PresetKind
        The kind that parsed it.

    Raises
    ------
    PresetError
        Its kind is not registered.
    """
    return get_kind(getattr(preset, "kind", "search"))


def load_preset(name_or_path: str | Path) -> Any:
    """A shipped preset by name (:func:`reproduce.presets.preset_names`) or a TOML file by path,
    parsed by its kind (``kind = "search"`` when the file names none).

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        A shipped preset's name, or the path of a ``.toml`` file.

    Returns
    -------
    preset object
        The kind's frozen preset (see the kind's ``parse``).

    Raises
    ------
    PresetError
        No such preset or file, a file that is too large, not text or not TOML, an unknown
        ``kind``, or a key that does not follow the kind's schema.
    """
    doc, path = read_preset_doc(name_or_path)
    where = path.name
    kind = check_type(doc.get("kind", "search"), str, f"{where}: 'kind'")
    if kind not in KINDS:
        raise PresetError(f"{where}: 'kind' must be one of {one_of(kind_names())} (default search), got {kind!r}")
    return get_kind(kind).parse(doc, path, where)


def infer_folder(out_dir: Path, options) -> tuple[PresetKind, Any] | None:
    """The kind and preset that describe a results folder no preset wrote (None: no kind knows it).

    Parameters
    ----------
    out_dir : pathlib.Path
        A results folder.
    options : ReportOptions
        The report options (a kind may use ``select``, ``title`` and ``labels``).

    Returns
    -------
    tuple of (PresetKind, preset object) or None
        The first kind (in :data:`KINDS_ORDER`) that recognises the folder and its inferred preset;
        None when no kind does.
    """
    for name in KINDS_ORDER:
        kind = get_kind(name)
        preset = kind.infer(out_dir, options)
        if preset is not None:
            return kind, preset
    return None


__all__ = ["KINDS", "get_kind", "infer_folder", "kind_names", "kind_of", "load_preset", "register_kind"]
