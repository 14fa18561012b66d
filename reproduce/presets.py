"""Paper presets: a reproduction described as data (TOML under ``reproduce/presets/``).

Schema (every key is checked; unknown keys are an error)::

    name = "nb201-table5"
    title = "..."
    seeds = 500                      # default number of seeds (runs per strategy and benchmark)
    budgets = ["12000s"]             # checkpoints; runs use the largest, the report reads each
    workers = 1                      # simulated parallel trainers
    [search]
    benchmarks = ["nb201/cifar10"]   # where the search runs
    signal = "valid_acc@12"          # optional (default: the benchmark's)
    noise = "per-trial"              # optional (default: the benchmark's)
    allow_test_signal = false        # true only to reproduce a protocol that leaked test data
    [report]
    benchmarks = ["same"]            # "same" = the search benchmark; else benchmarks of the same
                                     # space on which the incumbent is looked up (transfer)
    metrics = [["valid_acc", "C10 valid"], ...]   # or plain names; final fidelity, mean of replicates
    [[strategies]]
    name = "re"
    label = "REA"
    hyperparameters = { population_size = 10, sample_size = 3 }
    [published]
    source = "Dong & Yang, ICLR 2020, Table 5"
    [published.values.REA."nb201/cifar10"]
    valid_acc = [91.19, 0.31]
    notes = ["..."]

A predictor-evaluation preset (White et al., NeurIPS 2021 protocol; see
:func:`predictors.evaluation.evaluate_predictors`) has ``kind = "predictors"`` and, instead of
``seeds``/``budgets``/``[search]``/``[report]``/``[[strategies]]``, one ``[predictors]`` table::

    kind = "predictors"
    name = "predictors-nb201"
    title = "..."
    [predictors]
    benchmark = "nb201/cifar10"
    predictors = ["ridge", "bananas-ensemble"]
    train_sizes = [5, 8, 14, 24, 42, 71, 121, 205]
    trials = 100
    test_size = 200
    encoding = "default"             # or a kind forced on every predictor that can take it
    metric = "valid_acc@200"         # optional (default: valid_acc at the highest fidelity)
    seed = 0                         # optional root seed
    [published]                      # optional: source and notes only

A hardware-aware multi-objective preset (``kind = "multiobjective"``; see
:mod:`reproduce.mo_report` and docs/multiobjective.md) searches accuracy (the signal,
maximised) against the latency on each device; every device is a separate objective set
(``RunSpec.objectives = ("latency_<device>:min",)``, so its own runs and a table column)::

    kind = "multiobjective"
    name = "nb201-hw"
    title = "..."
    seeds = 100
    budgets = ["150q"]               # checkpoints; runs use the largest, the report reads each
    workers = 1
    [search]
    benchmarks = ["nb201/cifar10"]   # exactly one
    signal = "valid_acc@12"          # optional, as above
    noise = "per-trial"              # optional, as above
    devices = ["fpga", "raspi4", "pixel3"]   # the benchmark's latency_<device> metrics (ms)
    [[strategies]]                   # multi-objective strategies only (mo-rs, nsga2, mo-re, parego)
    name = "nsga2"
    label = "NSGA-II"
    [published]                      # optional: source and notes only
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from nasbench.errors import NasbenchError, one_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PRESET_DIR = Path(__file__).resolve().parent / "presets"


class PresetError(NasbenchError):
    """A preset file that does not follow the schema."""


@dataclass(frozen=True)
class StrategyEntry:
    """One strategy row of a preset."""

    name: str
    label: str
    hyperparameters: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Preset:
    """A parsed preset (see module docstring)."""

    name: str
    title: str
    seeds: int
    budgets: tuple[str, ...]
    workers: int
    search_benchmarks: tuple[str, ...]
    signal: str | None
    noise: str | None
    allow_test_signal: bool
    report_benchmarks: tuple[str, ...]
    metrics: tuple[tuple[str, str], ...]
    strategies: tuple[StrategyEntry, ...]
    published: dict
    notes: tuple[str, ...]
    path: Path

    @property
    def max_budget(self) -> str:
        """The budget the runs use (the largest checkpoint)."""
        from strategies.loop import Budget

        parsed = [Budget.parse(b) for b in self.budgets]
        units = {b.unit for b in parsed}
        if len(units) != 1:
            raise PresetError(f"preset '{self.name}': budgets must share one unit (q or s), got {list(self.budgets)}")
        return str(max(parsed, key=lambda b: b.amount))

    def report_targets(self, search_benchmark: str) -> list[str]:
        """The benchmarks a search on ``search_benchmark`` is reported on."""
        return [search_benchmark if b == "same" else b for b in self.report_benchmarks]


@dataclass(frozen=True)
class PredictorPreset:
    """A parsed ``kind = "predictors"`` preset (see module docstring)."""

    name: str
    title: str
    benchmark: str
    predictors: tuple[str, ...]
    train_sizes: tuple[int, ...]
    trials: int
    test_size: int
    encoding: str | None  # None = each predictor's own
    metric: str
    fidelity: float | None
    seed: int
    source: str
    notes: tuple[str, ...]
    path: Path

    @property
    def seeds(self) -> int:
        """The number of trials (what ``--seeds`` overrides)."""
        return self.trials


@dataclass(frozen=True)
class MOPreset:
    """A parsed ``kind = "multiobjective"`` preset (see module docstring)."""

    name: str
    title: str
    seeds: int
    budgets: tuple[str, ...]
    workers: int
    benchmark: str
    signal: str | None
    noise: str | None
    devices: tuple[str, ...]
    strategies: tuple[StrategyEntry, ...]
    source: str
    notes: tuple[str, ...]
    path: Path

    max_budget = Preset.max_budget

    @staticmethod
    def objectives(device: str) -> tuple[str, ...]:
        """``RunSpec.objectives`` of one device (after the signal)."""
        return (f"latency_{device}:min",)


def preset_names() -> list[str]:
    """Presets shipped with the package."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def _require(doc: dict, key: str, kind, where: str):
    if key not in doc:
        raise PresetError(f"{where}: missing key '{key}'")
    value = doc[key]
    if not isinstance(value, kind):
        raise PresetError(f"{where}: '{key}' must be {kind.__name__ if isinstance(kind, type) else kind}, got {value!r}")
    return value


def _check_keys(doc: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise PresetError(f"{where}: unknown key(s) {one_of(unknown)}; allowed: {one_of(sorted(allowed))}")


def load_preset(name_or_path: str) -> Preset | PredictorPreset | MOPreset:
    """A shipped preset by name (see :func:`preset_names`) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PRESET_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise PresetError(f"unknown preset '{name_or_path}'; shipped presets: {one_of(preset_names())}, or give a .toml path")
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"{path}: not valid TOML ({exc})") from None
    where = str(path.name)
    kind = doc.get("kind", "search")
    if kind == "predictors":
        return _load_predictor_preset(doc, path, where)
    if kind == "multiobjective":
        return _load_mo_preset(doc, path, where)
    if kind == "oneshot":  # one-shot methods vs RS / RE at equal wall-clock (reproduce/oneshot_report.py)
        from reproduce.oneshot_report import load_oneshot_preset

        return load_oneshot_preset(doc, path, where)
    if kind != "search":
        raise PresetError(f"{where}: 'kind' must be 'search' (the default), 'predictors', 'multiobjective' or 'oneshot', got {kind!r}")
    _check_keys(doc, {"kind", "name", "title", "seeds", "budgets", "workers", "search", "report", "strategies", "published"}, where)
    search = _require(doc, "search", dict, where)
    _check_keys(search, {"benchmarks", "signal", "noise", "allow_test_signal"}, f"{where} [search]")
    report = _require(doc, "report", dict, where)
    _check_keys(report, {"benchmarks", "metrics"}, f"{where} [report]")
    strategies = _strategies(doc, where)
    metrics = tuple((m, m) if isinstance(m, str) else (str(m[0]), str(m[1])) for m in _require(report, "metrics", list, where))
    published = dict(doc.get("published", {}))
    return Preset(
        name=_require(doc, "name", str, where),
        title=doc.get("title", doc["name"]),
        seeds=int(_require(doc, "seeds", int, where)),
        budgets=tuple(_require(doc, "budgets", list, where)),
        workers=int(doc.get("workers", 1)),
        search_benchmarks=tuple(_require(search, "benchmarks", list, f"{where} [search]")),
        signal=search.get("signal"),
        noise=search.get("noise"),
        allow_test_signal=bool(search.get("allow_test_signal", False)),
        report_benchmarks=tuple(report.get("benchmarks", ["same"])),
        metrics=metrics,
        strategies=tuple(strategies),
        published={"source": published.get("source", ""), "values": published.get("values", {})},
        notes=tuple(published.get("notes", [])),
        path=path,
    )


def _strategies(doc: dict, where: str) -> list[StrategyEntry]:
    strategies = []
    for i, entry in enumerate(_require(doc, "strategies", list, where)):
        _check_keys(entry, {"name", "label", "hyperparameters"}, f"{where} [[strategies]] #{i + 1}")
        name = _require(entry, "name", str, f"{where} [[strategies]] #{i + 1}")
        strategies.append(StrategyEntry(name, entry.get("label", name), dict(entry.get("hyperparameters", {}))))
    return strategies


def _load_mo_preset(doc: dict, path: Path, where: str) -> MOPreset:
    from strategies.registry import get_spec, strategy_names

    _check_keys(doc, {"kind", "name", "title", "seeds", "budgets", "workers", "search", "strategies", "published"}, where)
    search = _require(doc, "search", dict, where)
    w = f"{where} [search]"
    _check_keys(search, {"benchmarks", "signal", "noise", "devices"}, w)
    benchmarks = _require(search, "benchmarks", list, w)
    if len(benchmarks) != 1 or not isinstance(benchmarks[0], str):
        raise PresetError(f"{w}: a multiobjective preset searches exactly one benchmark, got {benchmarks!r}")
    devices = _require(search, "devices", list, w)
    if not devices or not all(isinstance(d, str) and d for d in devices) or len(set(devices)) != len(devices):
        raise PresetError(f"{w}: 'devices' must be a non-empty list of distinct device names (latency_<device>), got {devices!r}")
    strategies = _strategies(doc, where)
    multi = [n for n in strategy_names() if get_spec(n).objectives == "multi"]
    for s in strategies:
        if s.name not in multi:
            raise PresetError(f"{where}: strategy '{s.name}' is not multi-objective; use one of {one_of(multi)}")
    budgets = _require(doc, "budgets", list, where)
    seeds = _require(doc, "seeds", int, where)
    if seeds < 1 or not budgets:
        raise PresetError(f"{where}: 'seeds' must be >= 1 and 'budgets' non-empty")
    published = dict(doc.get("published", {}))
    _check_keys(published, {"source", "notes"}, f"{where} [published]")
    preset = MOPreset(
        name=_require(doc, "name", str, where),
        title=doc.get("title", doc["name"]),
        seeds=int(seeds),
        budgets=tuple(str(b) for b in budgets),
        workers=int(doc.get("workers", 1)),
        benchmark=benchmarks[0],
        signal=search.get("signal"),
        noise=search.get("noise"),
        devices=tuple(devices),
        strategies=tuple(strategies),
        source=str(published.get("source", "")),
        notes=tuple(published.get("notes", [])),
        path=path,
    )
    preset.max_budget  # noqa: B018 - fail early on mixed units
    return preset


def _load_predictor_preset(doc: dict, path: Path, where: str) -> PredictorPreset:
    _check_keys(doc, {"kind", "name", "title", "predictors", "published"}, where)
    table = _require(doc, "predictors", dict, where)
    w = f"{where} [predictors]"
    _check_keys(table, {"benchmark", "predictors", "train_sizes", "trials", "test_size", "encoding", "metric", "seed"}, w)
    names = _require(table, "predictors", list, w)
    sizes = _require(table, "train_sizes", list, w)
    if not names or not all(isinstance(n, str) for n in names):
        raise PresetError(f"{w}: 'predictors' must be a non-empty list of predictor names")
    if not sizes or not all(isinstance(v, int) and v >= 2 for v in sizes):
        raise PresetError(f"{w}: 'train_sizes' must be a non-empty list of integers >= 2, got {sizes!r}")
    trials, test_size = _require(table, "trials", int, w), _require(table, "test_size", int, w)
    if trials < 1 or test_size < 2:
        raise PresetError(f"{w}: 'trials' must be >= 1 and 'test_size' >= 2")
    encoding = table.get("encoding", "default")
    if not isinstance(encoding, str):
        raise PresetError(f"{w}: 'encoding' must be a string ('default' = each predictor's own)")
    metric, _, fid = str(table.get("metric", "valid_acc")).partition("@")
    try:
        fidelity = float(fid) if fid else None
    except ValueError:
        raise PresetError(f"{w}: bad 'metric' {table['metric']!r}; use METRIC or METRIC@EPOCHS") from None
    published = dict(doc.get("published", {}))
    _check_keys(published, {"source", "notes"}, f"{where} [published]")
    return PredictorPreset(
        name=_require(doc, "name", str, where),
        title=doc.get("title", doc["name"]),
        benchmark=_require(table, "benchmark", str, w),
        predictors=tuple(names),
        train_sizes=tuple(sorted(set(sizes))),
        trials=trials,
        test_size=test_size,
        encoding=None if encoding == "default" else encoding,
        metric=metric,
        fidelity=fidelity,
        seed=int(table.get("seed", 0)),
        source=str(published.get("source", "")),
        notes=tuple(published.get("notes", [])),
        path=path,
    )
