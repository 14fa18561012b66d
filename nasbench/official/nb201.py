"""Importer of the official NAS-Bench-201 files into ``nb201/<dataset>`` tables.

Accepted sources (``nasbench import nb201/<dataset> --from PATH``):

- ``NAS-Bench-201-v1_0-e61699.pth`` / ``NAS-Bench-201-v1_1-096897.pth``: a ``torch.save`` of
  ``{'meta_archs': [15625 strings], 'arch2infos': {index: {'less': ArchResults-state,
  'full': ArchResults-state}}, 'evaluated_indexes': ...}`` ('less' = the 12-epoch schedule,
  'full' = the 200-epoch schedule: NAS-Bench-201 ``nas_201_api/api_201.py`` lines 76-90);
- a NATS-Bench topology archive: the folder ``NATS-tss-v1_0-3ffb9-simple`` (or ``-full``) of
  ``<index>.pickle.pbz2`` files plus ``meta.pickle.pbz2``, or the single-file
  ``NATS-tss-v1_0-3ffb9.pickle.pbz2`` (same dict as the .pth, hp keys ``'12'``/``'200'``);
  see :mod:`nasbench.official.nats`.

ArchResults-state: ``{'arch_index', 'arch_str', 'dataset_seed': {dataset: [seeds]},
'all_results': {(dataset, seed): ResultsCount-state}}``; ResultsCount-state holds ``epochs``,
``train_acc1es`` / ``train_losses`` / ``train_times`` (per epoch, keyed 0 .. epochs-1),
``eval_acc1es`` / ``eval_losses`` / ``eval_times`` keyed ``'<set>@<epoch>'``, ``params`` (M),
``flop`` (M), ``latency`` (list of seconds per batch). Files are read with the restricted
unpickler of :mod:`nasbench.official._pickles` (plain containers and numbers only).

Which evaluation key is validation and which is test follows the official API,
NATS-Bench ``nats_bench/api_topology.py`` ``get_more_info`` lines 284-331 (same in
NAS-Bench-201 ``api_201.py`` lines 160-185) and ``api_utils.py`` ``remap_dataset_set_names``
lines 127-152 (``('cifar10', 'valid') -> ('cifar10-valid', 'x-valid')``,
``('cifar10', 'test') -> ('cifar10', 'ori-test')``, cifar100 / ImageNet16-120: ``'x-valid'``,
``'x-test'``):

==============  ===============================  =====================================
nasbench        ``valid_*`` (search signal)      ``test_*`` (reported)
==============  ===============================  =====================================
cifar10         run ``cifar10-valid``, ``x-valid``  run ``cifar10`` (train+valid), ``ori-test``
cifar100        run ``cifar100``, ``x-valid``        run ``cifar100``, ``x-test``
imagenet16-120  run ``ImageNet16-120``, ``x-valid``  run ``ImageNet16-120``, ``x-test``
==============  ===============================  =====================================

``ori-test`` of cifar100 / ImageNet16-120 is validation + test together and is never used;
``ori-test`` of ``cifar10-valid`` (test of the model trained on the train half) is not
imported either (the paper reports the train+valid model, as the built-in table does).
``train_*`` and ``train_time`` come from the run that produces the search signal.

The table: fidelities 1..E epochs of the long schedule (E = 200; the run's ``epochs``), one
training run per seed, so the ladder is ``continuable``; replicate k = the k-th smallest seed
of the file (777, 888, 999 in the official files), NaN where an architecture lacks that
seed or an epoch (never imputed). Every architecture of the space has a row; architectures
the file does not hold are NaN throughout. ``train_time`` is cumulative: the sum of the
per-epoch training times of epochs 1..e (seconds), the evaluator's cost of training to e.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nasbench.benchmark import OFFICIAL_IMPORT_RECIPE
from nasbench.catalog import BenchmarkInfo
from nasbench.official import target_info
from nasbench.official._pickles import OfficialFormatError, load_torch_file
from nasbench.official._schema import FLOAT32_MAX, MAX_EPOCHS, Fields, echo
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table

NB201_HP = {"less": "12", "full": "200"}  # .pth keys -> NATS-Bench hp keys
#: largest architecture index of any official topology / size file (NATS-sss: 32,768 archs)
MAX_INDEX = 32_767
#: recipe name written into imported tables (provenance; `nasbench info` shows it)
RECIPE = OFFICIAL_IMPORT_RECIPE


@dataclass(frozen=True)
class Split:
    """Where one table metric family comes from: the official run (dataset) and eval key."""

    run: str
    key: str | None  # None = the training curve


@dataclass(frozen=True)
class DatasetKeys:
    """The official runs and keys feeding one nasbench dataset (see module docstring)."""

    search: str  # the run whose curve is the search signal (train_*, valid_*, train_time, sizes)
    valid: Split
    test: Split
    #: eval key of validation + test together on the search run (cifar100 / ImageNet16-120)
    valtest: str | None = None


#: nasbench dataset -> official keys (api_topology.py get_more_info lines 284-331)
DATASET_KEYS = {
    "cifar10": DatasetKeys("cifar10-valid", Split("cifar10-valid", "x-valid"), Split("cifar10", "ori-test")),
    "cifar100": DatasetKeys("cifar100", Split("cifar100", "x-valid"), Split("cifar100", "x-test"), "ori-test"),
    "imagenet16-120": DatasetKeys("ImageNet16-120", Split("ImageNet16-120", "x-valid"),
                                  Split("ImageNet16-120", "x-test"), "ori-test"),
}


def file_sha256(path: Path) -> str:
    """sha256 of a file, or of a folder: sha256 over ``name\\0sha256\\n`` of its files, sorted."""
    if path.is_dir():
        outer = hashlib.sha256()
        for member in sorted(p for p in path.iterdir() if p.is_file()):
            outer.update(f"{member.name}\0{file_sha256(member)}\n".encode())
        return outer.hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: allowed range of each kind of value (NaN passes: not measured)
ACC = {"lo": 0.0, "hi": 100.0}  # top-1 accuracy in %
NONNEG = {"lo": 0.0}  # losses, times (s), params (M), FLOPs (M)


def _series(values, epochs: int, fields: Fields, field: str, bounds: dict) -> np.ndarray:
    """Per-epoch values (dict keyed 0..E-1 or a list of E) as float64 ``[E]``; NaN where absent.
    None is a curve the file does not have; anything else malformed is an ImportFieldError."""
    out = np.full(epochs, np.nan)
    if values is None:
        return out
    if isinstance(values, dict):
        items = fields.mapping(values, field, epochs).items()
        keys, vals = list(values.keys()), list(values.values())
    else:
        items = enumerate(fields.sequence(values, field, epochs))
        keys, vals = list(range(len(values))), list(values)
    if _plain_numbers(keys, int) and _plain_numbers(vals, float) and (not keys or 0 <= min(keys) <= max(keys) < epochs):
        arr = _as_array(vals)  # fast path: every key and value well typed
        if _in_bounds(arr, bounds):
            out[keys] = arr
            return out
    for k, v in items:  # the slow path names the first bad entry
        k = fields.integer(k, f"{field} key", 0, epochs - 1)
        out[k] = fields.optional_number(v, f"{field}[{k}]", **bounds)
    return out


def _plain_numbers(values: list, kind: type) -> bool:
    """Every value an int (``kind`` int) or an int / float (``kind`` float), no bools."""
    allowed = (int,) if kind is int else (int, float)
    return all(type(v) in allowed for v in values)


def _as_array(values: list) -> np.ndarray | None:
    """``values`` (ints / floats) as float64, or None when one does not fit (10**400)."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (OverflowError, ValueError):
        return None


def _in_bounds(arr: np.ndarray | None, bounds: dict) -> bool:
    if arr is None:
        return False
    lo, hi = bounds.get("lo", -FLOAT32_MAX), bounds.get("hi", FLOAT32_MAX)
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.isnan(arr) | ((arr >= lo) & (arr <= hi))))


def _eval_series(values, key: str, epochs: int, fields: Fields, field: str, bounds: dict) -> np.ndarray:
    """``values['<key>@<epoch>']`` for epochs 0..E-1 (only those keys are read) as float64."""
    out = np.full(epochs, np.nan)
    if values is None:
        return out
    values = fields.mapping(values, field)
    names = [f"{key}@{i}" for i in range(epochs)]
    vals = [values.get(name) for name in names]
    if _plain_numbers(vals, float):
        arr = _as_array(vals)
        if _in_bounds(arr, bounds):
            return arr
    for i, name in enumerate(names):
        out[i] = fields.optional_number(values.get(name), f"{field}['{name}']", **bounds)
    return out


def _legacy_fixed(values: list[float], seeds: list[int]) -> float:
    """params / flops over seeds as the official API: the seed-888 value when the seeds
    disagree at 5 decimals, else their mean (api_utils.py get_compute_costs lines 812-823)."""
    if len(values) > 1 and len({f"{v:.5f}" for v in values}) > 1 and 888 in seeds:
        return float(values[seeds.index(888)])
    return float(np.mean(values)) if values else np.nan


def _latency(results: list[dict]) -> float:
    """Mean of the positive per-run latencies (api_utils.py lines 824-826); NaN if none.
    Each run's ``latency`` was read as a tuple of floats by :meth:`CurveCollector._extract`."""
    lat = []
    for rc in results:
        raw = rc.get("latency")
        if raw:
            v = float(np.mean(raw))
            if v > 0:
                lat.append(v)
    return float(np.mean(lat)) if lat else np.nan


class CurveCollector:
    """Collects the per-epoch curves of one hp (schedule) into table arrays, streaming."""

    def __init__(self, n_archs: int, keys: DatasetKeys, hp: str, source: str):
        self.n, self.keys, self.hp, self.source = n_archs, keys, hp, source
        self.epochs: int | None = None
        self._rows: dict[int, dict] = {}
        self.seeds: dict[str, set[int]] = {keys.search: set(), keys.test.run: set()}

    def add(self, index: int, arch_results: dict) -> None:
        """Add one architecture's ArchResults-state of this hp (every field type- and
        range-checked: :class:`~nasbench.official._schema.ImportFieldError` names a bad one)."""
        fields = Fields(self.source)
        index = fields.integer(index, "an architecture index", 0, self.n - 1)
        where = f"arch2infos[{index}]['{self.hp}']"
        arch_results = fields.mapping(arch_results, where)
        runs = fields.mapping(arch_results.get("all_results"), f"{where}['all_results']")
        row: dict = {}
        for key, rc in runs.items():
            dataset, seed = fields.run_key(key, f"{where}['all_results']")
            if dataset not in self.seeds:
                continue
            field = f"{where}['all_results'][{echo(key)}]"
            rc = fields.mapping(rc, field)
            epochs = fields.integer(rc.get("epochs"), f"{field}['epochs']", 1, MAX_EPOCHS)
            if self.epochs is None:
                self.epochs = epochs
            elif epochs != self.epochs:
                raise OfficialFormatError(
                    f"{self.source}: architecture {index}, run ({dataset}, seed {seed}) has {epochs} epochs, "
                    f"others {self.epochs}; every run of hp '{self.hp}' must have the same schedule"
                )
            self.seeds[dataset].add(seed)
            row[(dataset, seed)] = self._extract(dataset, rc, fields, field)
        self._rows[index] = row

    def _extract(self, dataset: str, rc: dict, fields: Fields, field: str) -> dict:
        e = self.epochs
        keys = self.keys
        latency = rc.get("latency")
        latency = () if latency is None else tuple(
            fields.number(v, f"{field}['latency'][{i}]", nan=False, lo=0.0)
            for i, v in enumerate(fields.sequence(latency, f"{field}['latency']")))
        out = {"params": fields.optional_number(rc.get("params"), f"{field}['params']", **NONNEG),
               "flop": fields.optional_number(rc.get("flop"), f"{field}['flop']", **NONNEG), "latency": latency}
        if dataset == keys.search:
            out["train_acc"] = _series(rc.get("train_acc1es"), e, fields, f"{field}['train_acc1es']", ACC)
            out["train_loss"] = _series(rc.get("train_losses"), e, fields, f"{field}['train_losses']", NONNEG)
            times = _series(rc.get("train_times"), e, fields, f"{field}['train_times']", NONNEG)
            out["train_time"] = np.cumsum(times)  # NaN propagates: never imputed
            if not np.all(np.isnan(out["train_time"]) | (np.abs(out["train_time"]) <= 3.4e38)):
                raise fields.fail(f"{field}['train_times']", "times whose sum fits float32", "an overflowing sum")
            acc, loss = rc.get("eval_acc1es"), rc.get("eval_losses")
            out["valid_acc"] = _eval_series(acc, keys.valid.key, e, fields, f"{field}['eval_acc1es']", ACC)
            out["valid_loss"] = _eval_series(loss, keys.valid.key, e, fields, f"{field}['eval_losses']", NONNEG)
            if keys.valtest:
                out["valtest_acc"] = _eval_series(acc, keys.valtest, e, fields, f"{field}['eval_acc1es']", ACC)
        if dataset == keys.test.run:
            out["test_acc"] = _eval_series(rc.get("eval_acc1es"), keys.test.key, e, fields, f"{field}['eval_acc1es']", ACC)
        return out

    @property
    def n_evaluated(self) -> int:
        return sum(1 for row in self._rows.values() if row)

    def arrays(self) -> tuple[dict[str, np.ndarray], dict[str, list[int]]]:
        """``{metric: float32 [n, replicates, E or 1]}`` and the seed of each replicate."""
        if self.epochs is None or not self.n_evaluated:
            raise OfficialFormatError(
                f"{self.source}: no run of hp '{self.hp}' on '{self.keys.search}' found; is this the right file "
                f"for this dataset?"
            )
        e = self.epochs
        seeds = {d: sorted(s) for d, s in self.seeds.items()}
        search_seeds, test_seeds = seeds[self.keys.search], seeds[self.keys.test.run]
        per_epoch = ("valid_acc", "valid_loss", "train_acc", "train_loss", "train_time") + (
            ("valtest_acc",) if self.keys.valtest else ())
        out = {m: np.full((self.n, max(len(search_seeds), 1), e), np.nan, dtype=np.float32) for m in per_epoch}
        out["test_acc"] = np.full((self.n, max(len(test_seeds), 1), e), np.nan, dtype=np.float32)
        for m in ("params", "flops", "latency"):
            out[m] = np.full((self.n, 1, 1), np.nan, dtype=np.float32)
        for index, row in self._rows.items():
            sizes = []
            for (dataset, seed), vals in row.items():
                if dataset == self.keys.search:
                    r = search_seeds.index(seed)
                    for m in per_epoch:
                        out[m][index, r] = vals[m]
                    sizes.append((seed, vals))
                if dataset == self.keys.test.run:
                    out["test_acc"][index, test_seeds.index(seed)] = vals["test_acc"]
            if sizes:
                sizes.sort(key=lambda sv: sv[0])
                run_seeds = [s for s, _ in sizes]
                params = [v["params"] for _, v in sizes if not np.isnan(v["params"])]
                flops = [v["flop"] for _, v in sizes if not np.isnan(v["flop"])]
                out["params"][index, 0, 0] = _legacy_fixed(params, run_seeds) if len(params) == len(sizes) else np.nan
                out["flops"][index, 0, 0] = _legacy_fixed(flops, run_seeds) if len(flops) == len(sizes) else np.nan
                out["latency"][index, 0, 0] = _latency([v for _, v in sizes])
        return out, {"search": search_seeds, "test": test_seeds}


def metric_columns(arrays: dict, seeds: dict, keys: DatasetKeys, origin: str) -> dict[str, MetricColumn]:
    """The table's metric columns with split, unit and where each came from."""
    s, t = ", ".join(map(str, seeds["search"])), ", ".join(map(str, seeds["test"]))
    run = f"run '{keys.search}'"
    v, te = keys.valid, keys.test
    extra = {}
    if keys.valtest:
        extra["valtest_acc"] = MetricColumn(
            arrays["valtest_acc"], "test", "%",
            f"top-1 accuracy on '{keys.valtest}' (validation + test images together) of {run}; the official "
            f"simulate_train_eval falls back to it where '{v.key}' is missing (every epoch but the last of "
            f"the 200-epoch topology runs): it contains test data, so it is a test-split metric here",
            origin, "accuracy")
    return extra | {
        "valid_acc": MetricColumn(arrays["valid_acc"], "valid", "%",
                                  f"top-1 accuracy on '{v.key}' of {run} after each epoch; replicate k = seed k of [{s}]",
                                  origin, "accuracy"),
        "valid_loss": MetricColumn(arrays["valid_loss"], "valid", "",
                                   f"cross-entropy loss on '{v.key}' of {run}; replicates as valid_acc", origin, "loss"),
        "test_acc": MetricColumn(arrays["test_acc"], "test", "%",
                                 f"top-1 accuracy on '{te.key}' of run '{te.run}' after each epoch; "
                                 f"replicate k = seed k of [{t}]",
                                 origin, "accuracy"),
        "train_acc": MetricColumn(arrays["train_acc"], "train", "%",
                                  f"top-1 training accuracy of {run} in each epoch; replicates as valid_acc", origin, "accuracy"),
        "train_loss": MetricColumn(arrays["train_loss"], "train", "",
                                   f"training loss of {run} in each epoch; replicates as valid_acc", origin, "loss"),
        "train_time": MetricColumn(arrays["train_time"], "cost", "s",
                                   f"cumulative training time of {run} up to this epoch (s; sum of the per-epoch times)", origin),
        "params": MetricColumn(arrays["params"], "size", "M", "number of parameters (millions)", origin),
        "flops": MetricColumn(arrays["flops"], "size", "MFLOPs", "FLOPs of one forward pass (millions)", origin),
        "latency": MetricColumn(arrays["latency"], "hardware", "s",
                                "inference latency per batch measured by the benchmark authors (s; mean over runs)", origin),
    }


def write_curves_table(info: BenchmarkInfo, space, meta_archs: list[str] | None,
                       records: Iterable[tuple[int, dict]], hp: str, source: Path, kind: str,
                       out: Path, notes: str, progress=None, keys: DatasetKeys | None = None) -> Path:
    """Collect ``records`` (index -> {hp: ArchResults-state}) of schedule ``hp`` and write the table."""
    if meta_archs is not None:
        expected = [space.to_str(i) for i in range(space.size)]
        meta_archs = Fields(source).sequence(meta_archs, "meta_archs", space.size)
        if len(meta_archs) != space.size or list(meta_archs) != expected:
            first = next((i for i, (a, b) in enumerate(zip(meta_archs, expected)) if a != b), min(len(meta_archs), space.size))
            raise OfficialFormatError(
                f"{source}: meta_archs ({len(meta_archs)} entries) differ from the {space.size} architectures of "
                f"space '{space.name}' in index order (first difference at index {first}); is it the right {kind}?"
            )
    keys = keys or DATASET_KEYS[info.dataset]
    collector = CurveCollector(space.size, keys, hp, str(source))
    for index, hps in records:
        hps = Fields(source).mapping(hps, f"arch2infos[{echo(index)}]", 100)
        if hp in hps:
            collector.add(index, hps[hp])
    arrays, seeds = collector.arrays()
    origin = f"{kind} {source.name} (hp '{hp}')"
    digest = file_sha256(source)
    record = SourceRecord(name=f"official {kind}: {source.name}",
                          origin=f"imported by `nasbench import {info.name} --from {source}`",
                          license=info.license, sha256=digest, path=source.name)
    spec = TableSpec(
        name=info.name, space=space.name, dataset=info.dataset,
        archs=[space.to_str(i) for i in range(space.size)],
        fidelities=np.arange(1, collector.epochs + 1, dtype=np.float64),
        metrics=metric_columns(arrays, seeds, keys, origin),
        citation=info.citation, recipe=RECIPE, recipe_version=info.recipe_version,
        sources=[record], fidelity_ladder="continuable",
        notes=(f"OFFICIAL IMPORT of {source.name} (sha256 {digest[:12]}...): per-epoch curves 1..{collector.epochs} "
               f"of the hp='{hp}' schedule, {collector.n_evaluated} of {space.size} architectures measured (the rest "
               f"NaN); replicates = seeds {seeds['search']} (test: {seeds['test']}). " + notes),
    )
    return write_table(spec, out)


def _pth_records(data: dict, source: Path) -> Iterator[tuple[int, dict]]:
    fields = Fields(source)
    for index, infos in fields.mapping(data["arch2infos"], "arch2infos").items():
        index = fields.integer(index, "an arch2infos key (architecture index)", 0, MAX_INDEX)
        infos = fields.mapping(infos, f"arch2infos[{index}] (a dict of 'less'/'full')", 100)
        yield index, {NB201_HP.get(fields.text(k, f"arch2infos[{index}] key", 10), k): v for k, v in infos.items()}


def read_pth(source: Path) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """meta_archs and (index, {hp: ArchResults-state}) of a NAS-Bench-201 ``.pth`` file."""
    data = load_torch_file(source)
    if not isinstance(data, dict) or "meta_archs" not in data or "arch2infos" not in data:
        raise OfficialFormatError(
            f"{source}: expected a dict with 'meta_archs', 'arch2infos', 'evaluated_indexes' "
            f"(NAS-Bench-201 v1_0 / v1_1 .pth); got {echo(data)}"
            + (f" with keys {', '.join(echo(k) for k in list(data)[:6])}" if isinstance(data, dict) else "")
        )
    return Fields(source).sequence(data["meta_archs"], "meta_archs", MAX_INDEX + 1), _pth_records(data, source)


def import_nb201(name: str, source: Path, progress=None) -> Path:
    """``nasbench import nb201/<dataset> --from PATH``: the official file replaces the cached
    table of ``name`` (see docs/benchmarks/nb201.md, "Official files")."""
    from nasbench.benchmark import forget, table_path
    from nasbench.spaces import get_space

    info = target_info(name, "nb201", [f"nb201/{d}" for d in DATASET_KEYS], "a NAS-Bench-201 / NATS topology file")
    source = Path(source).expanduser()
    if not source.exists():
        raise OfficialFormatError(
            f"{source} does not exist; give a NAS-Bench-201-v1_*.pth file or a NATS-tss-v1_0-3ffb9-* folder"
        )
    space = get_space("nb201")
    if source.is_dir() or source.name.endswith(".pbz2"):
        from nasbench.official.nats_archive import read_nats_archive

        meta_archs, records = read_nats_archive(source, progress)
        kind = "NATS-Bench topology archive"
    else:
        meta_archs, records = read_pth(source)
        kind = "NAS-Bench-201 .pth file"
    notes = ("The 12-epoch schedule runs (hp='12', 'less') are not imported: on this table valid_acc@12 is "
             "epoch 12 of the 200-epoch run, not the paper's 12-epoch protocol. "
             "`nasbench import " + name + "` (without --from) restores the built-in table.")
    out = table_path(name)
    path = write_curves_table(info, space, meta_archs, records, "200", source, kind, out, notes, progress)
    forget(name)  # a process that loaded the built-in table reopens it
    return path
