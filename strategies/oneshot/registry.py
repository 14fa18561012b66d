"""One-shot method registry: name -> ``"module:Class"`` (imported on first use).

Each entry is one line; the class's docstring cites where its defaults come from.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nasbench.name_table import NameTable, import_target

if TYPE_CHECKING:
    from strategies.oneshot.base import OneShotMethod

#: method name -> "module:Class" (module under strategies.oneshot)
ONESHOT_METHODS: NameTable[str] = NameTable("unknown one-shot method", {
    "darts": "strategies.oneshot.darts:DARTS",
    "darts-2nd": "strategies.oneshot.darts:DARTS2nd",
    "gdas": "strategies.oneshot.gdas:GDAS",
    "drnas": "strategies.oneshot.drnas:DrNAS",
    "latency-darts": "strategies.oneshot.latency:LatencyDARTS",
    # --- single-path / controller methods (enas, rsps, spos) ---
    "enas": "strategies.oneshot.enas:ENAS",
    "rsps": "strategies.oneshot.rsps:RSPS",
    "spos": "strategies.oneshot.spos:SPOS",
})


def method_names() -> list[str]:
    """Registered one-shot method names, sorted."""
    return ONESHOT_METHODS.names()


def method_class(name: str) -> type[OneShotMethod]:
    """The class registered as ``name``; UnknownNameError lists the registered names."""
    return import_target(ONESHOT_METHODS.lookup(name))


def get_method(name: str, **settings: Any):
    """An instance of method ``name`` with ``settings`` overriding its paper defaults."""
    return method_class(name)(**settings)
