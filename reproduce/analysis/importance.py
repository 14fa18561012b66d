"""Operation importance: functional ANOVA over a space's decisions, marginal effects of each
operation per edge/node with uncertainty, and operation frequencies among the top-k.

Functional ANOVA (Hutter, Hoos & Leyton-Brown, "An Efficient Approach for Assessing
Hyperparameter Importance", ICML 2014) splits the variance of a function over a product space
into the variance of its main effects ``f_i(v) = E[y | d_i = v] - E[y]`` and interactions
``f_ij(v, w) = E[y | d_i = v, d_j = w] - f_i(v) - f_j(w) - E[y]``, each as a fraction of the
total variance. Hutter et al. compute these marginals from a random forest fitted to sampled
configurations; a tabular benchmark has the function itself, so here:

- ``exact``: when (almost) every decision vector has a table value, the marginals are plain
  means over the whole decision grid under the uniform measure (NB201: the 5^6 = 15,625 cells,
  each once; NB-Graph: the 2*3*4*9^4 = 157,464 raw decision vectors, each valued by its
  canonical architecture; the 24 all-``skip`` vectors, 0.015%, have no architecture and are left
  out, which makes the measure very nearly but not exactly a product measure);
- ``random-forest`` (Hutter et al.'s method): for user tables that cover part of a space, a
  random forest on the measured architectures predicts the whole grid; the decomposition is
  of its mean prediction, and the spread over its trees gives the uncertainty.

Uncertainty of a marginal effect (exact method): the 95% normal interval of the group mean,
``1.96 * sd / sqrt(n)`` with ``n`` the distinct architectures in the group, and, where the table
has several fully measured training seeds at that fidelity, the standard deviation of the effect
across seeds.
"""
from __future__ import annotations

import numpy as np

from reproduce.analysis import data

#: a grid is analysed exactly when at least this fraction of its vectors has a value
EXACT_COVERAGE = 0.99
#: the top-k of the frequency comparison: this fraction of the space (at least MIN_TOP_K)
TOP_FRACTION = 0.01
MIN_TOP_K = 10
Z95 = 1.959963984540054


def anova(grid: np.ndarray, y: np.ndarray, sizes) -> dict:
    """Main-effect and pairwise-interaction variance fractions of ``y`` over ``grid``.

    ``grid`` ``[M, d]`` int, ``y`` ``[M]`` (NaN rows are left out; the remaining rows weigh
    equally). Returns ``mean``, ``variance``, ``main`` (``[d]`` fractions), ``pairs``
    (``{(i, j): fraction}``) and ``marginal`` (per decision, the mean of y for each value).
    """
    grid = np.asarray(grid, dtype=np.int64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(y)
    g, v = grid[ok], y[ok]
    n = len(v)
    mu = float(v.mean())
    var = float(v.var())
    main, marginal = [], []
    for i, s in enumerate(sizes):
        cnt = np.bincount(g[:, i], minlength=s).astype(np.float64)
        m = np.bincount(g[:, i], weights=v, minlength=s) / np.maximum(cnt, 1)
        m[cnt == 0] = np.nan
        marginal.append(m)
        main.append(float(np.nansum(cnt / n * (m - mu) ** 2) / var) if var > 0 else 0.0)
    pairs = {}
    d = len(sizes)
    for i in range(d):
        for j in range(i + 1, d):
            si, sj = int(sizes[i]), int(sizes[j])
            idx = g[:, i] * sj + g[:, j]
            cnt = np.bincount(idx, minlength=si * sj).astype(np.float64)
            m = (np.bincount(idx, weights=v, minlength=si * sj) / np.maximum(cnt, 1)).reshape(si, sj)
            f = m - marginal[i][:, None] - marginal[j][None, :] + mu
            w = (cnt / n).reshape(si, sj)
            pairs[(i, j)] = float(np.nansum(w * f**2) / var) if var > 0 else 0.0
    return {"mean": mu, "variance": var, "main": np.array(main), "pairs": pairs, "marginal": marginal}


def effects(grid: np.ndarray, ids: np.ndarray, y: np.ndarray, sizes, replicates=()) -> list[dict]:
    """Marginal effect ``E[y | d_i = v] - E[y]`` of every value of every decision, with a 95%
    interval over the distinct architectures of the group and the sd across ``replicates``
    (other ``y`` arrays on the same grid, e.g. one per training seed)."""
    grid = np.asarray(grid, dtype=np.int64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(y) & (ids >= 0)
    mu = float(y[ok].mean())
    rep_effects = []
    for r in replicates:
        r = np.asarray(r, dtype=np.float64)
        rok = np.isfinite(r) & (ids >= 0)
        rmu = r[rok].mean()
        rep_effects.append([
            np.bincount(grid[rok, i], weights=r[rok], minlength=s) / np.maximum(np.bincount(grid[rok, i], minlength=s), 1) - rmu
            for i, s in enumerate(sizes)
        ])
    out = []
    for i, s in enumerate(sizes):
        rows = []
        # statistics over distinct architectures: a grid row per raw vector may repeat an id
        key = np.unique(grid[ok, i] * (ids.max() + 1) + ids[ok])
        vals, arch = np.divmod(key, ids.max() + 1)
        ya = _arch_values(arch, ids[ok], y[ok])
        for v in range(s):
            sel = vals == v
            group = ya[sel]
            mean_grid = float(y[ok][grid[ok, i] == v].mean()) if (grid[ok, i] == v).any() else float("nan")
            n = int(sel.sum())
            sd = float(group.std(ddof=1)) if n > 1 else float("nan")
            half = Z95 * sd / np.sqrt(n) if n > 1 else float("nan")
            eff = mean_grid - mu
            row = {"value": v, "effect": eff, "ci95": [eff - half, eff + half], "n_archs": n, "sd_within": sd}
            if rep_effects:
                row["seed_sd"] = float(np.std([re[i][v] for re in rep_effects], ddof=1)) if len(rep_effects) > 1 else 0.0
            rows.append(row)
        out.append(rows)
    return out


def _arch_values(arch: np.ndarray, ids: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Value of each arch in ``arch`` (every arch's rows share one value, its table value)."""
    lookup = np.full(int(ids.max()) + 1, np.nan)
    lookup[ids] = y
    return lookup[arch]


def topk_frequencies(decisions: np.ndarray, y: np.ndarray, sizes, k: int) -> list[dict]:
    """Per decision: frequency of each value among the ``k`` best architectures (by ``y``) and
    in the whole space, and their ratio (enrichment)."""
    ok = np.flatnonzero(np.isfinite(y))
    top = ok[np.argsort(-y[ok], kind="stable")[:k]]
    out = []
    for i, s in enumerate(sizes):
        f_top = np.bincount(decisions[top, i], minlength=s) / len(top)
        f_all = np.bincount(decisions[ok, i], minlength=s) / len(ok)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(f_all > 0, f_top / f_all, np.nan)
        out.append({"top": f_top.tolist(), "space": f_all.tolist(), "enrichment": ratio.tolist()})
    return out


def _forest_grid(space, grid: np.ndarray, y_ids: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random-forest mean prediction over the grid and the per-tree predictions (Hutter et al.)."""
    from sklearn.ensemble import RandomForestRegressor

    sizes = np.asarray(space.decision_sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def onehot(dec):
        x = np.zeros((len(dec), int(sizes.sum())), dtype=np.float32)
        x[np.arange(len(dec))[:, None], offsets + dec] = 1.0
        return x

    ids = np.flatnonzero(np.isfinite(y_ids))
    forest = RandomForestRegressor(n_estimators=64, random_state=seed, n_jobs=1)
    forest.fit(onehot(space.to_decisions(ids)), y_ids[ids])
    x = onehot(grid)
    per_tree = np.stack([t.predict(x) for t in forest.estimators_])
    return per_tree.mean(axis=0), per_tree


def analyze(bench, *, seed: int = 0, top_fraction: float = TOP_FRACTION) -> dict:
    """Importance of every decision of ``bench`` for its final validation accuracy."""
    space, table = bench.space, bench.table
    target = data.final(bench, "valid_acc")
    sizes = tuple(int(s) for s in space.decision_sizes)
    names = list(space.decision_names)
    grid, gid = data.decision_grid(space)
    y_grid = np.where(gid >= 0, target.values[np.maximum(gid, 0)], np.nan)
    coverage = float(np.isfinite(y_grid).mean())
    replicates = []
    if coverage >= EXACT_COVERAGE:
        method = "exact"
        arr = table.array("valid_acc")[:, :, -1]
        full = [r for r in range(arr.shape[1]) if not np.isnan(arr[:, r]).any()]
        if len(full) > 1:
            replicates = [np.where(gid >= 0, arr[np.maximum(gid, 0), r], np.nan) for r in full]
        dec = anova(grid, y_grid, sizes)
        eff = effects(grid, gid, y_grid, sizes, replicates)
    else:
        method = "random-forest"
        mean_pred, per_tree = _forest_grid(space, grid, target.values, seed)
        dec = anova(grid, mean_pred, sizes)
        tree_marg = [anova(grid, t, sizes)["marginal"] for t in per_tree]
        eff = []
        for i, s in enumerate(sizes):
            rows = []
            for v in range(s):
                e = float(dec["marginal"][i][v] - dec["mean"])
                t_eff = np.array([tm[i][v] - np.mean(pt) for tm, pt in zip(tree_marg, per_tree)])
                sd = float(t_eff.std(ddof=1))
                rows.append({"value": v, "effect": e, "ci95": [e - Z95 * sd, e + Z95 * sd],
                             "n_archs": int(np.isfinite(target.values).sum()), "tree_sd": sd})
            eff.append(rows)
    k = max(MIN_TOP_K, int(np.ceil(top_fraction * space.size)))
    freqs = topk_frequencies(space.to_decisions(np.arange(space.size)), target.values, sizes, k)
    vnames = data.value_names(space)
    for i, rows in enumerate(eff):
        for row in rows:
            row["name"] = vnames[i][row["value"]]
    order = np.argsort(-dec["main"], kind="stable")
    top_decisions = []
    for i in order[:3]:
        rows = eff[i]
        best = max(rows, key=lambda r: r["effect"])
        worst = min(rows, key=lambda r: r["effect"])
        top_decisions.append({
            "decision": names[i], "main_fraction": float(dec["main"][i]),
            "best": {"op": best["name"], "effect": best["effect"], "ci95": best["ci95"]},
            "worst": {"op": worst["name"], "effect": worst["effect"], "ci95": worst["ci95"]},
            "range": best["effect"] - worst["effect"],
        })
    flat = [(names[i], row) for i, rows in enumerate(eff) for row in rows]
    top_ops = sorted(flat, key=lambda t: -abs(t[1]["effect"]))[:3]
    pairs = sorted(dec["pairs"].items(), key=lambda t: -t[1])
    return {
        "metric": target.label,
        "method": method,
        "grid_vectors": int(len(grid)),
        "grid_coverage": coverage,
        "mean": dec["mean"],
        "variance": dec["variance"],
        "decisions": names,
        "value_names": vnames,
        "main_fraction": {names[i]: float(dec["main"][i]) for i in range(len(names))},
        "main_total": float(dec["main"].sum()),
        "pair_fraction": {f"{names[i]}x{names[j]}": f for (i, j), f in pairs},
        "pairs_total": float(sum(dec["pairs"].values())),
        "effects": {names[i]: rows for i, rows in enumerate(eff)},
        "seed_replicates": len(replicates),
        "top_k": k,
        "top_k_frequencies": {names[i]: f for i, f in enumerate(freqs)},
        "top_decisions": top_decisions,
        "top_operations": [{"decision": d, "op": r["name"], "effect": r["effect"], "ci95": r["ci95"]} for d, r in top_ops],
    }


__all__ = ["anova", "analyze", "effects", "topk_frequencies"]
