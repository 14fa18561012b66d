"""Presets: a reproduction described as data (TOML files in this folder).

This module holds what every kind's preset parser shares: :class:`PresetError`, the
:class:`StrategyEntry` row, reading a preset file (:func:`read_preset_doc`: size-bounded, UTF-8,
TOML), and the key and type checks that name the offending key and what it must be
(:func:`check_keys` with a "did you mean", :func:`require`, :func:`require_int` with bounds,
:func:`check_type`: a bool is never an integer, a list never a hyperparameter value).

The schema of each kind lives with its kind (``reproduce/kinds/``): ``search`` (the default;
:mod:`reproduce.kinds.search`), ``multiobjective``, ``predictors`` and ``oneshot``.
:func:`reproduce.kinds.load_preset` reads a file and hands it to its kind.
"""
from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nasbench.errors import NasbenchError, one_of, unknown_name_message

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PRESET_DIR = Path(__file__).resolve().parent
#: a preset file larger than this is refused before it is parsed
MAX_PRESET_BYTES = 1 << 20


class PresetError(NasbenchError):
    """A preset file that does not follow the schema."""


@dataclass(frozen=True)
class StrategyEntry:
    """One strategy row of a preset.

    Parameters
    ----------
    name : str
        The registered strategy name (``re``, ``bananas``, ``module:Class``).
    label : str
        The row's name in tables and legends.
    hyperparameters : dict
        Hyperparameter name -> value (a number, string or bool); default empty (the strategy's
        defaults).
    """

    name: str
    label: str
    hyperparameters: dict = field(default_factory=dict)


def preset_names() -> list[str]:
    """Presets shipped with the package.

    Returns
    -------
    list of str
        The names (file stems) of the ``.toml`` files in :data:`PRESET_DIR`, sorted.
    """
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def preset_path(name_or_path: str | Path) -> Path:
    """The file of a shipped preset name, or the given ``.toml`` path; PresetError when neither
    exists (listing the shipped names, with the closest one first when it is a likely typo).

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        A shipped preset's name (no suffix) or a file path.

    Returns
    -------
    pathlib.Path
        The preset file.

    Raises
    ------
    PresetError
        No such shipped preset or file.
    """
    path = Path(name_or_path)
    if not path.suffix:
        path = PRESET_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise PresetError(unknown_name_message("preset", str(name_or_path), preset_names(), "; or give a .toml path"))
    return path


def read_preset_doc(name_or_path: str | Path) -> tuple[dict, Path]:
    """The parsed TOML of a preset and its path (typed errors for a file that is too large, not
    text or not TOML).

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        A shipped preset's name or a file path.

    Returns
    -------
    doc : dict
        The TOML document.
    path : pathlib.Path
        The file it was read from.

    Raises
    ------
    PresetError
        No such preset or file, or the file is larger than :data:`MAX_PRESET_BYTES`, cannot be
        read, is not UTF-8 or is not valid TOML.
    """
    path = preset_path(name_or_path)
    try:
        size = path.stat().st_size
        if size > MAX_PRESET_BYTES:
            raise PresetError(f"{path}: {size} bytes; a preset is a small TOML file (at most {MAX_PRESET_BYTES} bytes)")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise PresetError(f"{path}: not a text file (not UTF-8); a preset is a TOML file") from None
    except OSError as exc:
        raise PresetError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return tomllib.loads(text), path
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"{path}: not valid TOML ({exc})") from None


def _type_name(kind) -> str:
    if isinstance(kind, tuple) and set(kind) == {int, float}:
        return "a number"
    if isinstance(kind, tuple):
        return " or ".join(_type_name(k) for k in kind)
    return {"str": "a string", "int": "an integer", "list": "a list", "dict": "a table", "bool": "true or false",
            "float": "a number"}.get(kind.__name__, kind.__name__)


def require(doc: dict, key: str, kind, where: str):
    """``doc[key]``, which must exist and be of ``kind`` (a bool is not an integer here).

    Parameters
    ----------
    doc : dict
        A table of the preset.
    key : str
        The key that must be present.
    kind : type or tuple of type
        The type(s) the value must have.
    where : str
        Where the table is, for the message (file and section).

    Returns
    -------
    object
        ``doc[key]``.

    Raises
    ------
    PresetError
        ``key`` is missing or its value is not of ``kind``.
    """
    if key not in doc:
        raise PresetError(f"{where}: missing key '{key}'")
    return check_type(doc[key], kind, f"{where}: '{key}'")


def check_type(value, kind, what: str):
    """``value`` when it is of ``kind``; else PresetError ``what must be ..., got ...``.

    Parameters
    ----------
    value : object
        The value to check.
    kind : type or tuple of type
        The type(s) it must have; a bool passes only when ``bool`` is one of them.
    what : str
        What the value is, for the message (file, section and key).

    Returns
    -------
    object
        ``value`` unchanged.

    Raises
    ------
    PresetError
        ``value`` is not of ``kind``.
    """
    kinds = kind if isinstance(kind, tuple) else (kind,)
    bad_bool = isinstance(value, bool) and bool not in kinds
    if bad_bool or not isinstance(value, kinds):
        raise PresetError(f"{what} must be {_type_name(kind)}, got {value!r}")
    return value


def require_int(doc: dict, key: str, where: str, *, minimum: int, default: int | None = None,
                maximum: int | None = None) -> int:
    """An integer setting within ``[minimum, maximum]`` (``default`` when absent and given).

    Parameters
    ----------
    doc : dict
        A table of the preset.
    key : str
        The key of the setting.
    where : str
        Where the table is, for the message.
    minimum : int
        The smallest value allowed.
    default : int, optional
        The value when ``key`` is absent; None (default) makes the key required.
    maximum : int, optional
        The largest value allowed; None (default): no upper bound.

    Returns
    -------
    int
        The value (``default`` when absent; not checked against the bounds).

    Raises
    ------
    PresetError
        ``key`` is missing without a default, is not an integer (a bool is not), or is out of
        bounds.
    """
    if key not in doc and default is not None:
        return default
    value = require(doc, key, int, where)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and <= {maximum}" if maximum is not None else ""
        raise PresetError(f"{where}: '{key}' must be an integer >= {minimum}{upper}, got {value}")
    return int(value)


def check_keys(doc: dict, allowed: set[str], where: str) -> None:
    """PresetError naming every key of ``doc`` not in ``allowed`` (with the allowed keys).

    Parameters
    ----------
    doc : dict
        A table of the preset.
    allowed : set of str
        The keys it may hold.
    where : str
        Where the table is, for the message.

    Raises
    ------
    PresetError
        ``doc`` is not a table, or holds keys not in ``allowed``.
    """
    if not isinstance(doc, dict):
        raise PresetError(f"{where} must be a table, got {doc!r}")
    unknown = sorted(set(doc) - allowed)
    if unknown:
        close = [difflib.get_close_matches(u, sorted(allowed), n=1) for u in unknown]
        hint = "".join(f" ('{u}': did you mean '{c[0]}'?)" for u, c in zip(unknown, close) if c)
        raise PresetError(f"{where}: unknown key(s) {one_of(unknown)}{hint}; allowed: {one_of(sorted(allowed))}")


def _plain_value(value, what: str):
    """A hyperparameter value: a number, string or bool (a TOML list or table is refused)."""
    if isinstance(value, (list, dict)):
        raise PresetError(f"{what} must be a number, a string or true/false, got {value!r}")
    return value


def parse_strategies(doc: dict, where: str) -> list[StrategyEntry]:
    """The ``[[strategies]]`` rows: name, label (default: the name) and hyperparameters.

    Parameters
    ----------
    doc : dict
        The preset document (its ``strategies`` key is required).
    where : str
        The file, for the messages.

    Returns
    -------
    list of StrategyEntry
        One per row, in file order.

    Raises
    ------
    PresetError
        ``strategies`` is missing, empty or not a list, or a row has an unknown key, no ``name``,
        a value of the wrong type or a hyperparameter that is a list or table.
    """
    strategies = []
    entries = require(doc, "strategies", list, where)
    if not entries:
        raise PresetError(f"{where}: 'strategies' must list at least one strategy")
    for i, entry in enumerate(entries):
        w = f"{where} [[strategies]] #{i + 1}"
        check_keys(entry, {"name", "label", "hyperparameters"}, w)
        name = require(entry, "name", str, w)
        label = check_type(entry.get("label", name), str, f"{w}: 'label'")
        hps = check_type(entry.get("hyperparameters", {}), dict, f"{w}: 'hyperparameters'")
        hps = {str(k): _plain_value(v, f"{w}: hyperparameter '{k}'") for k, v in hps.items()}
        strategies.append(StrategyEntry(name, label, hps))
    return strategies


def parse_notes(published: dict, where: str) -> tuple[str, ...]:
    """``[published] notes``: a list of strings.

    Parameters
    ----------
    published : dict
        The preset's ``[published]`` table.
    where : str
        The file, for the messages.

    Returns
    -------
    tuple of str
        The notes, in file order; empty when there are none.

    Raises
    ------
    PresetError
        ``notes`` is not a list of strings.
    """
    notes = check_type(published.get("notes", []), list, f"{where} [published]: 'notes'")
    return tuple(check_type(n, str, f"{where} [published]: a note") for n in notes)


__all__ = ["MAX_PRESET_BYTES", "PRESET_DIR", "PresetError", "StrategyEntry", "check_keys", "check_type",
           "parse_notes", "parse_strategies", "preset_names", "preset_path", "read_preset_doc", "require",
           "require_int"]
