"""The predictors kind: the performance-predictor evaluation protocol of White et al. (NeurIPS
2021), as a preset (``kind = "predictors"``) or a ``nasbench predictors --out DIR`` folder.

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

Outputs: ``results.csv`` (one row per trial x predictor x training-set size), ``summary.csv``,
``summary.json``, ``table.md`` and ``spearman.png/.pdf``. Not resumable: a rerun recomputes
every trial (``--seeds N`` = N trials).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from nasbench.errors import NasbenchError
from reproduce.kinds.base import Collected, PresetKind, ReportOptions, RunOptions
from reproduce.presets import PresetError, check_keys, check_type, parse_notes, require, require_int

#: the most trials one evaluation runs
MAX_TRIALS = 100_000
#: the root seed of a `nasbench predictors` folder
SETTINGS = "predictors.json"


@dataclass(frozen=True)
class PredictorPreset:
    """A parsed ``kind = "predictors"`` preset (see module docstring)."""

    kind: ClassVar[str] = "predictors"

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



def _load_predictor_preset(doc: dict, path: Path, where: str) -> PredictorPreset:
    check_keys(doc, {"kind", "name", "title", "predictors", "published"}, where)
    table = require(doc, "predictors", dict, where)
    w = f"{where} [predictors]"
    check_keys(table, {"benchmark", "predictors", "train_sizes", "trials", "test_size", "encoding", "metric", "seed"}, w)
    names = require(table, "predictors", list, w)
    sizes = require(table, "train_sizes", list, w)
    if not names or not all(isinstance(n, str) for n in names):
        raise PresetError(f"{w}: 'predictors' must be a non-empty list of predictor names")
    if not sizes or not all(isinstance(v, int) and v >= 2 for v in sizes):
        raise PresetError(f"{w}: 'train_sizes' must be a non-empty list of integers >= 2, got {sizes!r}")
    trials = require_int(table, "trials", w, minimum=1, maximum=MAX_TRIALS)
    test_size = require_int(table, "test_size", w, minimum=2)
    encoding = table.get("encoding", "default")
    if not isinstance(encoding, str):
        raise PresetError(f"{w}: 'encoding' must be a string ('default' = each predictor's own)")
    metric, _, fid = str(table.get("metric", "valid_acc")).partition("@")
    try:
        fidelity = float(fid) if fid else None
    except ValueError:
        raise PresetError(f"{w}: bad 'metric' {table['metric']!r}; use METRIC or METRIC@EPOCHS") from None
    published = dict(check_type(doc.get("published", {}), dict, f"{where}: [published]"))
    check_keys(published, {"source", "notes"}, f"{where} [published]")
    return PredictorPreset(
        name=require(doc, "name", str, where),
        title=doc.get("title", doc["name"]),
        benchmark=require(table, "benchmark", str, w),
        predictors=tuple(names),
        train_sizes=tuple(sorted(set(sizes))),
        trials=trials,
        test_size=test_size,
        encoding=None if encoding == "default" else encoding,
        metric=metric,
        fidelity=fidelity,
        seed=require_int(table, "seed", w, minimum=0, default=0),
        source=str(published.get("source", "")),
        notes=parse_notes(published, where),
        path=path,
    )


PREDICTOR_RESULTS = "results.csv"


def run_predictor_preset(
    preset: PredictorPreset, out_dir: Path, *, trials: int | None = None, jobs: int | None = None, progress: bool = True,
) -> Any:
    """Run the predictor evaluation protocol of ``preset`` and write ``results.csv``; returns its rows
    (the report is :func:`write_predictor_report`'s, called by the pipeline).

    ``jobs`` None = every available core (trials are spread over processes; the rows do not
    depend on it). Not resumable: a rerun recomputes every trial.
    """
    import os

    import pandas as pd

    from nasbench.atomic import atomic_path
    from predictors.evaluation import COLUMNS, evaluate_predictors
    from reproduce.progress import stage_progress

    n = preset.trials if trials is None else trials
    jobs = jobs or os.cpu_count() or 1

    with stage_progress(n, preset.name, quiet=not progress, unit="trials", defer=True) as bar:
        rows = evaluate_predictors(
            preset.benchmark, list(preset.predictors), train_sizes=preset.train_sizes, n_test=preset.test_size,
            trials=n, encoding=preset.encoding, metric=preset.metric, fidelity=preset.fidelity, seed=preset.seed,
            jobs=min(jobs, n), progress=bar.callback,
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    with atomic_path(out_dir / PREDICTOR_RESULTS) as tmp:
        frame.to_csv(tmp, index=False)
    return frame


def write_predictor_report(preset: PredictorPreset, frame, out_dir: Path) -> dict:
    """``summary.csv``, ``summary.json``, ``table.md`` and ``spearman.png/.pdf`` from the tidy rows.

    ``summary.json`` holds every number unrounded; ``table.md`` shows them to 3 decimals.
    """
    import json

    from nasbench.atomic import atomic_path, write_text_atomic
    from predictors.evaluation import format_ci, plot_spearman, summarise

    out_dir = Path(out_dir)
    summary = summarise(frame)
    with atomic_path(out_dir / "summary.csv") as tmp:
        summary.to_csv(tmp, index=False)
    sizes = sorted(int(s) for s in summary["train_size"].unique())
    trials = int(frame["trial"].nunique())
    fidelity = float(frame["fidelity"].iloc[0])
    n_test = int(frame["n_test"].iloc[0])
    results: dict = {}
    for (name, enc), part in summary.groupby(["predictor", "encoding"], sort=False):
        results[name] = {"encoding": enc, "sizes": {
            str(int(r["train_size"])): {
                k: (int(r[k]) if k == "trials" else float(r[k]))
                for k in ("spearman", "spearman_lo", "spearman_hi", "kendall", "fit_time", "predict_time", "trials")}
            for _, r in part.iterrows()}}
    last = str(sizes[-1])
    order = sorted(results, key=lambda p: -results[p]["sizes"][last]["spearman"])
    protocol = (f"{preset.benchmark}, target {preset.metric}@{fidelity:g}; per trial {n_test} held-out test "
                f"architectures and nested training sets of {', '.join(map(str, sizes))}; {trials} trials, root seed "
                f"{preset.seed}; Spearman and Kendall tau between predictions and measured values on the test set "
                f"(White et al., NeurIPS 2021 protocol)")
    figures = []
    title = f"{preset.benchmark}: {preset.metric}@{fidelity:g}, {n_test} test archs, {trials} trials (mean, 95% CI)"
    for ext in ("png", "pdf"):
        with atomic_path(out_dir / f"spearman.{ext}") as tmp:
            plot_spearman(summary, title, [tmp], fmt=ext)
        figures.append(f"spearman.{ext}")
    doc = {
        "meta": {"name": preset.name, "title": preset.title, "kind": "predictors", "benchmark": preset.benchmark,
                 "metric": preset.metric, "fidelity": fidelity, "n_test": n_test, "trials": trials,
                 "train_sizes": sizes, "seed": preset.seed, "protocol": protocol, "source": preset.source,
                 "notes": list(preset.notes)},
        "results": {p: results[p] for p in order},
        "figures": figures,
    }
    write_text_atomic(out_dir / "summary.json", json.dumps(doc, indent=2))
    head = "| predictor | encoding | " + " | ".join(str(s) for s in sizes) + " |"
    rule = "| --- | --- |" + " --- |" * len(sizes)
    lines = [f"# {preset.title}", "", f"**Spearman** (mean [95% CI] over {trials} trials), by training set size", "",
             head, rule]
    for p in order:
        cells = [results[p]["sizes"][str(s)] for s in sizes]
        lines.append(f"| {p} | {results[p]['encoding']} | "
                     + " | ".join(f"{c['spearman']:.3f} {format_ci(c['spearman_lo'], c['spearman_hi'])}" for c in cells) + " |")
    lines += ["", f"**Kendall tau** (mean over {trials} trials)", "", head, rule]
    for p in order:
        cells = [results[p]["sizes"][str(s)] for s in sizes]
        lines.append(f"| {p} | {results[p]['encoding']} | " + " | ".join(f"{c['kendall']:.3f}" for c in cells) + " |")
    lines += ["", "**Fit time** (s, mean, one process)", "", head, rule]
    for p in order:
        cells = [results[p]["sizes"][str(s)] for s in sizes]
        lines.append(f"| {p} | {results[p]['encoding']} | " + " | ".join(f"{c['fit_time']:.3f}" for c in cells) + " |")
    lines += ["", f"Protocol: {protocol}."]
    if preset.source:
        lines.append(f"Reference: {preset.source}.")
    lines += [f"- {n}" for n in preset.notes]
    write_text_atomic(out_dir / "table.md", "\n".join(lines) + "\n")
    return doc


# ----- folders ----------------------------------------------------------------------------------
def is_predictors_folder(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a ``nasbench predictors`` evaluation (its results.csv)."""
    path = out_dir / PREDICTOR_RESULTS
    if not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as fh:
        header = fh.readline().strip().split(",")
    return {"predictor", "train_size", "spearman"} <= set(header)


def read_results(out_dir: Path):
    """``results.csv`` of an evaluation folder as a frame (a typed error naming the file when it is
    unreadable or lacks a column)."""
    import pandas as pd

    from predictors.evaluation import COLUMNS

    path = out_dir / PREDICTOR_RESULTS
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise NasbenchError(f"{path} cannot be read ({exc}); rerun the evaluation") from None
    lacking = [c for c in COLUMNS if c not in frame.columns]
    if lacking or frame.empty:
        raise NasbenchError(f"{path} lacks column(s) {', '.join(lacking) or '(no rows)'}; rerun the evaluation")
    return frame


def preset_of_folder(out_dir: Path) -> PredictorPreset:
    """The preset that describes a ``nasbench predictors`` folder (from its results.csv and seed)."""
    frame = read_results(out_dir)
    settings = out_dir / SETTINGS
    if not settings.is_file():
        raise NasbenchError(f"{out_dir} has {PREDICTOR_RESULTS} but no {SETTINGS} (its root seed); rerun "
                            f"`nasbench predictors ... --out {out_dir}`")
    try:
        seed = int(json.loads(settings.read_text(encoding="utf-8"))["seed"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NasbenchError(f"{settings} is unreadable ({exc}); rerun `nasbench predictors ... --out {out_dir}`") from None
    encodings = frame["encoding"].unique()
    return PredictorPreset(
        name=out_dir.name,
        title=f"`nasbench predictors` results in {out_dir}",
        benchmark=str(frame["benchmark"].iloc[0]),
        predictors=tuple(dict.fromkeys(frame["predictor"])),
        train_sizes=tuple(sorted(int(s) for s in frame["train_size"].unique())),
        trials=int(frame["trial"].nunique()),
        test_size=int(frame["n_test"].iloc[0]),
        encoding=str(encodings[0]) if len(encodings) == 1 else None,
        metric=str(frame["metric"].iloc[0]),
        fidelity=float(frame["fidelity"].iloc[0]),
        seed=seed,
        source="",
        notes=(f"Report of the `nasbench predictors` results stored in {out_dir / PREDICTOR_RESULTS}.",),
        path=out_dir / "command.json",
    )


# ----- the kind -----------------------------------------------------------------------------------
class PredictorsKind(PresetKind):
    """Predictor-evaluation presets and ``nasbench predictors`` folders."""

    name = "predictors"
    summary = "predictors' rank correlation against training-set size (White et al. 2021 protocol)"

    def parse(self, doc: dict, path: Path, where: str) -> PredictorPreset:
        return _load_predictor_preset(doc, path, where)

    def default_seeds(self, preset: PredictorPreset) -> int:
        return preset.trials

    def execute(self, preset: PredictorPreset, out_dir: Path, seeds: list[int], options: RunOptions) -> int:
        if seeds != list(range(len(seeds))):
            raise NasbenchError(f"a predictors preset runs trials 0..N-1; give --seeds N (got {len(seeds)} seeds "
                                "that do not start at 0)")
        run_predictor_preset(preset, out_dir, trials=len(seeds), jobs=1 if options.executor == "serial" else options.jobs,
                             progress=options.progress)
        return 0

    def collect(self, preset: PredictorPreset, out_dir: Path, seeds: list[int], options: ReportOptions) -> Collected:
        frame = read_results(out_dir)
        return Collected(frame, expected=int(frame["trial"].nunique()))

    def write(self, preset: PredictorPreset, collected: Collected, out_dir: Path) -> dict:
        return write_predictor_report(preset, collected.data, out_dir)

    def page(self, preset: PredictorPreset, collected: Collected, out_dir: Path, summary: dict | None) -> Path | None:
        from reproduce.kinds.predictors_page import write_predictor_html

        if summary is None:
            return None
        return write_predictor_html(out_dir, preset, collected.data, summary)

    def infer(self, out_dir: Path, options: ReportOptions) -> PredictorPreset | None:
        return preset_of_folder(out_dir) if is_predictors_folder(out_dir) else None

    def benchmarks(self, preset: PredictorPreset) -> list[str]:
        return [preset.benchmark]


__all__ = ["PREDICTOR_RESULTS", "SETTINGS", "PredictorPreset", "PredictorsKind", "is_predictors_folder",
           "preset_of_folder", "read_results", "run_predictor_preset", "write_predictor_report"]
