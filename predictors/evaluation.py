"""The predictor evaluation protocol of White et al., NeurIPS 2021 ("How Powerful are
Performance Predictors in Neural Architecture Search?").

For each trial: a held-out test set of ``n_test`` (200) architectures and, disjoint from it,
a training pool; each predictor is fit on the first ``s`` pool architectures for every train
size ``s`` (5, 8, 14, 24, 42, 71, 121, 205 by default: the paper's log-spaced sizes) and
scored on the test set by Spearman's rank correlation and Kendall's tau, with fit and
predict wall-clock times. Training sets are nested within a trial (prefixes of one random
order), test sets and orders differ between trials.

Randomness: ``np.random.SeedSequence(seed).spawn(trials)``; trial t's sequence spawns one
stream for the data split and one per (predictor, train size) for the model's
``random_state``. Results are one tidy row per (trial, predictor, train size).
"""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from scipy.stats import kendalltau, spearmanr

from nasbench.errors import NasbenchError
from predictors.encodings import ArchEncoder, default_encoding
from predictors.registry import get_spec, make_predictor

TRAIN_SIZES = (5, 8, 14, 24, 42, 71, 121, 205)
COLUMNS = ("benchmark", "metric", "fidelity", "predictor", "encoding", "trial", "train_size", "n_test",
           "spearman", "kendall", "fit_time", "predict_time")


def _trial_job(arg: tuple) -> list[dict]:
    """One trial in a worker process (the one process pool: :mod:`nasbench.executors`)."""
    bench_name, names, trial, kw = arg
    return evaluate_predictors(bench_name, names, only_trials=[trial], **kw)


def evaluate_predictors(
    benchmark,
    predictors: Sequence[str],
    *,
    train_sizes: Sequence[int] = TRAIN_SIZES,
    n_test: int = 200,
    trials: int = 100,
    encoding: str | None = None,
    metric: str = "valid_acc",
    fidelity: float | None = None,
    seed: int = 0,
    params: dict[str, dict] | None = None,
    progress=None,
    jobs: int = 1,
    only_trials: Sequence[int] | None = None,
) -> list[dict]:
    """Run the protocol; returns rows (dicts with :data:`COLUMNS`), sorted by trial.

    ``jobs`` > 1 spreads the trials over that many processes (spawned); the rows are the
    same whatever ``jobs`` is, since every trial has its own SeedSequence.
    ``only_trials`` runs a subset of the trial indices ``0 .. trials-1``.
    """
    import nasbench
    from predictors.registry import check_available

    for name in predictors:
        check_available(name)  # a missing extra is one typed error before any work
    if jobs > 1 and only_trials is None:
        from nasbench.executors import Job, execute

        bench_name = benchmark if isinstance(benchmark, str) else benchmark.name
        kw = dict(train_sizes=train_sizes, n_test=n_test, trials=trials, encoding=encoding, metric=metric,
                  fidelity=fidelity, seed=seed, params=params)
        per_trial: dict[int, list[dict]] = {}
        for res in execute([Job(_trial_job, (bench_name, list(predictors), t, kw)) for t in range(trials)], "local",
                           workers=jobs, chunksize=1):
            if not res.ok:
                raise NasbenchError(f"trial {res.index} of the predictor evaluation failed: {res.error}")
            per_trial[res.index] = res.value
            if progress:
                progress(len(per_trial), trials)
        return [row for t in range(trials) for row in per_trial[t]]

    bench = nasbench.load(benchmark) if isinstance(benchmark, str) else benchmark
    if fidelity is None:
        fidelity = float(bench.table.fidelities.max())
    y = np.asarray(bench.table.vector(metric, fidelity), dtype=np.float64)
    pool = np.flatnonzero(np.isfinite(y))
    sizes = sorted({int(s) for s in train_sizes})
    if not sizes or sizes[0] < 2:
        raise NasbenchError(f"train sizes must be integers >= 2, got {list(train_sizes)}")
    if trials < 1 or n_test < 2:
        raise NasbenchError("trials must be >= 1 and n_test >= 2")
    if sizes[-1] + n_test > len(pool):
        raise NasbenchError(f"{sizes[-1]} training + {n_test} test architectures exceed the {len(pool)} measured ones")
    specs = [get_spec(p) for p in predictors]  # UnknownNameError early
    encoders = {}
    for spec in specs:
        kind = encoding if encoding and encoding in _kinds(bench.space) and _fits(spec, encoding) else \
            default_encoding(bench.space, spec.encodings)
        encoders[spec.name] = ArchEncoder(bench.space, kind).fit()
    params = params or {}
    rows = []
    wanted = set(range(trials)) if only_trials is None else {int(t) for t in only_trials}
    for t, trial_seq in enumerate(np.random.SeedSequence(seed).spawn(trials)):
        if t not in wanted:
            continue
        data_seq, model_seq = trial_seq.spawn(2)
        order = np.random.default_rng(data_seq).permutation(pool)[: n_test + sizes[-1]]
        test, train_all = order[:n_test], order[n_test:]
        model_seeds = iter(model_seq.spawn(len(specs) * len(sizes)))
        for spec in specs:
            enc = encoders[spec.name]
            X_all = enc.transform(np.concatenate([train_all, test]))
            X_test = X_all[len(train_all):]
            for s in sizes:
                model = make_predictor(spec.name, random_state=next(model_seeds), **params.get(spec.name, {}))
                t0 = time.perf_counter()
                model.fit(X_all[:s], y[train_all[:s]])
                t1 = time.perf_counter()
                pred = model.predict(X_test)
                t2 = time.perf_counter()
                rho = spearmanr(pred, y[test])[0] if np.ptp(pred) > 0 else 0.0
                tau = kendalltau(pred, y[test])[0] if np.ptp(pred) > 0 else 0.0
                rows.append({
                    "benchmark": bench.name, "metric": metric, "fidelity": fidelity, "predictor": spec.name,
                    "encoding": enc.kind, "trial": t, "train_size": s, "n_test": n_test,
                    "spearman": float(rho), "kendall": float(tau), "fit_time": t1 - t0, "predict_time": t2 - t1,
                })
        if progress and jobs <= 1:
            progress(t + 1, trials)
    return rows


def _kinds(space):
    from predictors.encodings import encoding_kinds

    return encoding_kinds(space)


def _fits(spec, encoding: str) -> bool:
    """Whether a forced --encoding applies to this predictor (graph-only models keep theirs)."""
    return spec.encodings != ("graph",) and encoding != "graph"


def summarise(frame):
    """Mean Spearman/Kendall and a 95% confidence band of the mean Spearman per (predictor, train size).

    The band is the Student-t interval of the mean over trials, clipped to [-1, 1] (the range of a
    rank correlation; near +/-1 the t interval would otherwise leave it). With one trial there is
    no band: ``spearman_lo``/``spearman_hi`` are NaN.
    """
    from scipy.stats import t as student_t

    g = frame.groupby(["predictor", "encoding", "train_size"])
    out = g.agg(spearman=("spearman", "mean"), spearman_sd=("spearman", "std"), kendall=("kendall", "mean"),
                fit_time=("fit_time", "mean"), predict_time=("predict_time", "mean"), trials=("trial", "count"))
    q = student_t.ppf(0.975, np.maximum(out["trials"] - 1, 1))
    half = q * out["spearman_sd"].fillna(0) / np.sqrt(out["trials"])
    one = out["trials"] < 2
    out["spearman_lo"] = (out["spearman"] - half).clip(-1.0, 1.0).mask(one)
    out["spearman_hi"] = (out["spearman"] + half).clip(-1.0, 1.0).mask(one)
    return out.reset_index()


def format_ci(lo: float, hi: float) -> str:
    """``[0.465, 1.000]``, or ``[no CI: 1 trial]`` when the band is undefined (NaN)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "[no CI: 1 trial]"
    return f"[{lo:.3f}, {hi:.3f}]"


# Okabe-Ito colour-blind-safe palette
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")


def plot_spearman(summary, title: str, paths: Sequence, fmt: str | None = None) -> None:
    """Spearman vs train size (log x), mean with 95% band, one line per predictor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    markers = "osD^vP*X"
    for i, (name, part) in enumerate(summary.groupby("predictor", sort=True)):
        part = part.sort_values("train_size")
        color = PALETTE[i % len(PALETTE)]
        label = f"{name} ({part['encoding'].iloc[0]})"
        ax.plot(part["train_size"], part["spearman"], marker=markers[i % len(markers)], color=color, label=label, lw=1.6, ms=4)
        ax.fill_between(part["train_size"], part["spearman_lo"], part["spearman_hi"], color=color, alpha=0.2, lw=0)
    ax.set_xscale("log")
    sizes = sorted(summary["train_size"].unique())
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("training set size (architectures)")
    ax.set_ylabel("Spearman rank correlation (test set)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    for p in paths:
        fig.savefig(p, dpi=150, format=str(p).rsplit(".", 1)[-1] if fmt is None else fmt)
    plt.close(fig)
