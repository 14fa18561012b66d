"""Proxy-task fidelity: how well cheap signals rank architectures like the final result.

For one benchmark, all over the architectures that have both values:

- **fidelities**: Spearman / Kendall between each lower fidelity's validation accuracy and the
  highest one (NB201: 12 vs 200 epochs; independent training runs), over all architectures and
  over the top 10% (by the final validation accuracy), where ranking matters most;
- **seeds** (the noise ceiling): Spearman between training seeds at the same fidelity (NB201's
  200-epoch replicates); no proxy can rank the final *mean* much better than one seed ranks
  another;
- **validation vs test** at every fidelity that has both;
- **proxies**: every metric the table marks as split ``proxy`` (user tables from ``nasbench zc``),
  the size baselines (``params``, ``flops``), the lower fidelities, and on NB201 the
  NAS-Bench-Suite-Zero zero-cost proxies (491 architectures, :mod:`reproduce.analysis.suitezero`);
- **regret of picking by the proxy**: the final test accuracy lost by taking the proxy's best
  architecture instead of the best one, over the whole measured set and for random pools of
  ``n`` architectures (mean over draws; beside it, picking by the final validation accuracy).
"""
from __future__ import annotations

import numpy as np

from reproduce.analysis import data, suitezero

SAMPLE_SIZES = (10, 100)
DRAWS = 2000
TOP_FRACTION = 0.1
SIZE_BASELINES = ("params", "flops")


def pick_regret(proxy: np.ndarray, valid: np.ndarray, test: np.ndarray, rng: np.random.Generator,
                sizes=SAMPLE_SIZES, draws: int = DRAWS) -> dict:
    """Test regret of the proxy's pick over the set measured by all three, and in random pools."""
    ok = np.flatnonzero(np.isfinite(proxy) & np.isfinite(test) & np.isfinite(valid))
    if len(ok) < 2:
        return {"n": int(len(ok))}
    p, v, t = proxy[ok], valid[ok], test[ok]
    best = t.max()
    out = {"n": int(len(ok)), "whole_set": float(best - t[np.argmax(p)]), "by_final_valid": float(best - t[np.argmax(v)])}
    for n in sizes:
        if n > len(ok):
            continue
        idx = rng.integers(len(ok), size=(draws, n))
        rows = np.arange(draws)
        out[f"pool_{n}"] = float(np.mean(best - t[idx[rows, np.argmax(p[idx], axis=1)]]))
        out[f"pool_{n}_by_final_valid"] = float(np.mean(best - t[idx[rows, np.argmax(v[idx], axis=1)]]))
    return out


def _corr(a: np.ndarray, b: np.ndarray) -> dict:
    ok = np.isfinite(a) & np.isfinite(b)
    return {"spearman": data.spearman(a, b), "kendall": data.kendall(a, b), "n": int(ok.sum())}


def _top(a: np.ndarray, ref: np.ndarray, fraction: float = TOP_FRACTION) -> float:
    ok = np.flatnonzero(np.isfinite(a) & np.isfinite(ref))
    k = max(3, int(np.ceil(fraction * len(ok))))
    top = ok[np.argsort(-ref[ok], kind="stable")[:k]]
    return data.spearman(a[top], ref[top])


def analyze(bench, *, seed: int = 0) -> dict:
    """Every fidelity, seed, validation/test and proxy correlation of ``bench`` (see module doc)."""
    table = bench.table
    rng = np.random.default_rng(seed)
    final_valid = data.final(bench, "valid_acc")
    final_test = data.final(bench, "test_acc")
    fids = table.fidelities
    v_info = table.metric("valid_acc")
    out: dict = {"final_valid": final_valid.label, "final_test": final_test.label, "fidelities": [], "seeds": [],
                 "valid_test": [], "proxies": [], "signal": data.signal(bench).label}
    lower = [] if v_info.fidelity_independent else [f for f in fids[:-1]]
    for f in lower:
        low = table.vector("valid_acc", f, "mean").astype(np.float64)
        row = {"low": f"valid_acc@{f:g}", "high": final_valid.label, **_corr(low, final_valid.values),
               "spearman_top10pct": _top(low, final_valid.values),
               "vs_final_test": _corr(low, final_test.values)}
        out["fidelities"].append(row)
    arr = table.array("valid_acc")
    for fi in range(arr.shape[2]):
        block = arr[:, :, fi].astype(np.float64)
        label = "valid_acc" if v_info.fidelity_independent else f"valid_acc@{fids[fi]:g}"
        measured = [r for r in range(block.shape[1]) if np.isfinite(block[:, r]).sum() >= 3]
        for i, r in enumerate(measured):
            for s in measured[i + 1:]:
                out["seeds"].append({"metric": label, "replicates": [r, s], **_corr(block[:, r], block[:, s])})
    t_info = table.metric("test_acc")
    v_fids = [None] if v_info.fidelity_independent else list(fids)
    for f in v_fids:
        if not t_info.fidelity_independent and f is not None and f not in table.fidelities:
            continue
        v = table.vector("valid_acc", f, "mean").astype(np.float64)
        t = table.vector("test_acc", f if not t_info.fidelity_independent else None, "mean").astype(np.float64)
        label = "valid_acc" if f is None else f"valid_acc@{f:g}"
        out["valid_test"].append({"valid": label, "test": "test_acc" if f is None else f"test_acc@{f:g}", **_corr(v, t)})
    candidates = []
    for f in lower:
        candidates.append((f"valid_acc@{f:g}", "lower fidelity", np.arange(table.n_archs),
                           table.vector("valid_acc", f, "mean").astype(np.float64)))
    for name in table.metric_names:
        info = table.metric(name)
        if info.split == "proxy" or name in SIZE_BASELINES:
            kind = "zero-cost proxy (table)" if info.split == "proxy" else "size baseline"
            candidates.append((name, kind, np.arange(table.n_archs), table.vector(name, None, "mean").astype(np.float64)))
    if suitezero.available(bench.name):
        sz = suitezero.proxies(bench)
        out["suite_zero"] = {"archs": int(len(sz["ids"])), "agreement_spearman": sz["agreement"],
                             "median_abs_diff": sz["median_abs_diff"]}
        for name, values in sz["proxies"].items():
            candidates.append((f"suite-zero:{name}", "zero-cost proxy (NAS-Bench-Suite-Zero)", sz["ids"], values))
    for name, kind, ids, values in candidates:
        v, t = final_valid.values[ids], final_test.values[ids]
        out["proxies"].append({
            "proxy": name, "kind": kind, "vs_final_valid": _corr(values, v), "vs_final_test": _corr(values, t),
            "regret": pick_regret(values, v, t, rng),
        })
    out["proxies"].sort(key=lambda r: -np.nan_to_num(r["vs_final_valid"]["spearman"], nan=-2))
    return out


__all__ = ["analyze", "pick_regret"]
