"""Fitness landscape of a finite space under its mutation neighbourhood (``space.neighbors``, the
moves of ``ls`` and ``re``): exact local optima and basins, fitness-distance correlation,
random-walk autocorrelation, and what they predict for local search.

- **Neighbour table**: every architecture's neighbours at once, vectorised over the decision
  view (one ``from_decisions`` call per (decision, value) move); checked against
  ``space.neighbors`` on a sample. NB-Graph's neighbourhood (one decision of the canonical
  representative changed) need not be symmetric; the table is directed and the report says
  how symmetric it is.
- **Local optima** (maximisation, exact): an architecture no neighbour strictly beats; that is
  where ``ls`` restarts. *Strict*: every neighbour is strictly worse. Plateaus: connected groups
  of equal-valued optima.
- **Basins** under steepest ascent (move to the best neighbour while it is strictly better;
  ties to the lowest id): every architecture is followed to its optimum by pointer jumping.
- **Fitness-distance correlation** (Jones & Forrest, ICGA 1995): Pearson r between fitness and
  the mutation distance (fewest moves, breadth-first search on the reversed neighbour graph) to
  the nearest global optimum. For maximisation, r <= -0.15 reads "straightforward" and
  r >= 0.15 "misleading" (their thresholds, stated there for minimisation with the sign flipped).
- **Autocorrelation** (Weinberger, Biol. Cybern. 1990): rho(s) of the fitness along random
  walks of uniform mutations; correlation length ``l = -1 / ln |rho(1)|``. The exact lag-1
  correlation over all neighbour pairs is given too (equal to rho(1) for a walk at stationarity
  on a regular, symmetric neighbourhood such as NB201's).
- **Evolvability** of the best architectures: the chance that a random mutation of one of the
  top 1% strictly improves it, and the mean change (the step ``re`` takes from a good parent).
- **Local-search model**: ``ls`` (White, Nolen & Savani, UAI 2021) starts each climb from the
  best of ``num_init`` random architectures and scans whole neighbourhoods. From the exact
  start distribution (best of k distinct uniform draws), basins and climb lengths it predicts
  the probability that one climb ends at the global optimum, the queries per climb (an upper
  bound: every scanned neighbour counted, none reused) and, for a budget of B queries, the
  chance of having found the global optimum and the expected final accuracy of the incumbent.
  The same order statistics give random search's expectation (best of B uniform draws).
"""
from __future__ import annotations

import math

import numpy as np

from reproduce.analysis import data

#: "straightforward" / "misleading" thresholds of Jones & Forrest (1995), sign flipped for maximisation
FDC_EASY = -0.15
FDC_MISLEADING = 0.15
WALKS = 200
WALK_STEPS = 500
MAX_LAG = 10
TOP_EVOLVABILITY = 0.01


# ----- neighbourhood ---------------------------------------------------------------------------
def neighbor_table(space, check: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(table [n, max_degree] int64 padded with -1, degree [n])`` of ``space.neighbors``.

    Built from the decision view: for every decision column and value, every architecture's
    vector with that entry changed, canonicalised by ``from_decisions`` (invalid -> none).
    ``check`` random architectures are compared with ``space.neighbors`` (ValueError if one
    differs).
    """
    n = space.size
    ids = np.arange(n, dtype=np.int64)
    dec = space.to_decisions(ids)
    moves = []
    for col, size in enumerate(space.decision_sizes):
        for v in range(int(size)):
            changed = dec[:, col] != v
            cand = dec.copy()
            cand[:, col] = v
            out = np.full(n, -1, dtype=np.int64)
            out[changed] = data.ids_or_invalid(space, cand[changed])
            moves.append(out)
    table = np.stack(moves, axis=1)
    table[table == ids[:, None]] = -1
    table = _dedupe_rows(table)
    degree = (table >= 0).sum(axis=1)
    width = max(int(degree.max()), 1)
    table = table[:, :width]
    rng = np.random.default_rng(seed)
    for a in rng.choice(n, size=min(check, n), replace=False):
        mine = table[a, : degree[a]]
        if not np.array_equal(mine, space.neighbors(int(a))):
            raise ValueError(f"neighbour table of '{space.name}' differs from space.neighbors at id {a}")
    return table, degree


def _dedupe_rows(table: np.ndarray) -> np.ndarray:
    """Sort each row, drop repeats, move the -1 padding to the end (vectorised)."""
    big = np.iinfo(np.int64).max
    t = np.where(table < 0, big, table)
    t.sort(axis=1)
    dup = np.zeros_like(t, dtype=bool)
    dup[:, 1:] = t[:, 1:] == t[:, :-1]
    t[dup] = big
    t.sort(axis=1)
    t[t == big] = -1
    return t


def _neighbor_values(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Values of the neighbours, -inf on padding and on unmeasured (NaN) architectures."""
    v = np.where(np.isfinite(values), values, -np.inf)
    return np.where(table >= 0, v[np.maximum(table, 0)], -np.inf)


def symmetry(table: np.ndarray, degree: np.ndarray) -> float:
    """Fraction of directed neighbour pairs (a, b) whose reverse (b, a) is also a pair."""
    n = len(table)
    src = np.repeat(np.arange(n), degree)
    dst = table[table >= 0]
    fwd = src * n + dst
    rev = dst * n + src
    return float(np.isin(rev, fwd).mean()) if len(fwd) else 1.0


# ----- local optima and basins -----------------------------------------------------------------
def local_optima(values: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(optimum, strict)`` boolean masks: no neighbour strictly better / all strictly worse.
    Unmeasured (NaN) architectures are never optima."""
    nv = _neighbor_values(values, table)
    best = nv.max(axis=1) if nv.shape[1] else np.full(len(values), -np.inf)
    fin = np.isfinite(values)
    return fin & (best <= values), fin & (best < values)


def steepest_ascent(values: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(attractor, steps)``: the local optimum steepest ascent reaches from every architecture
    (best neighbour while strictly better, ties to the lowest id) and the number of moves."""
    n = len(values)
    nv = _neighbor_values(values, table)
    v = np.where(np.isfinite(values), values, -np.inf)
    if nv.shape[1]:
        j = nv.argmax(axis=1)  # first maximum: the lowest id (rows are sorted)
        best_val = nv[np.arange(n), j]
        nxt = np.where(best_val > v, table[np.arange(n), j], np.arange(n))
    else:
        nxt = np.arange(n)
    cur = np.arange(n)
    steps = np.zeros(n, dtype=np.int64)
    for _ in range(n):
        moved = nxt[cur] != cur
        if not moved.any():
            break
        steps += moved
        cur = nxt[cur]
    return cur, steps


def plateaus(optimum: np.ndarray, values: np.ndarray, table: np.ndarray) -> int:
    """Number of connected groups of neighbouring local optima with equal values."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    idx = np.flatnonzero(optimum)
    if not len(idx):
        return 0
    local = np.full(len(values), -1)
    local[idx] = np.arange(len(idx))
    src = np.repeat(idx, (table[idx] >= 0).sum(axis=1))
    dst = table[idx][table[idx] >= 0]
    keep = (local[dst] >= 0) & (values[dst] == values[src])
    g = csr_matrix((np.ones(keep.sum()), (local[src[keep]], local[dst[keep]])), shape=(len(idx), len(idx)))
    return int(connected_components(g, directed=True, connection="weak")[0])


# ----- distance and correlation ---------------------------------------------------------------
def distance_to(targets: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Fewest mutations from every architecture to the nearest of ``targets`` (inf: unreachable)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    n = len(table)
    deg = (table >= 0).sum(axis=1)
    src = np.repeat(np.arange(n), deg)
    dst = table[table >= 0]
    reverse = csr_matrix((np.ones(len(src)), (dst, src)), shape=(n, n))  # b -> a when a -> b
    dist = shortest_path(reverse, unweighted=True, indices=np.asarray(targets), directed=True)
    return np.atleast_2d(dist).min(axis=0)


def fdc(values: np.ndarray, dist: np.ndarray) -> float:
    """Fitness-distance correlation (Pearson r over finite values and distances)."""
    ok = np.isfinite(values) & np.isfinite(dist)
    return data.pearson(values[ok], dist[ok])


def neighbor_correlation(values: np.ndarray, table: np.ndarray) -> float:
    """Pearson r of (f(a), f(b)) over every directed neighbour pair with both values finite."""
    deg = (table >= 0).sum(axis=1)
    src = np.repeat(np.arange(len(table)), deg)
    dst = table[table >= 0]
    return data.pearson(values[src], values[dst])


def random_walks(values: np.ndarray, table: np.ndarray, degree: np.ndarray, rng: np.random.Generator,
                 walks: int = WALKS, steps: int = WALK_STEPS) -> np.ndarray:
    """Fitness along ``walks`` random walks of ``steps`` uniform mutations: ``[walks, steps + 1]``.
    Walks start uniformly at random among architectures that have neighbours."""
    starts = np.flatnonzero(degree > 0)
    pos = starts[rng.integers(len(starts), size=walks)]
    out = np.empty((walks, steps + 1))
    out[:, 0] = values[pos]
    for t in range(1, steps + 1):
        pick = (rng.random(walks) * degree[pos]).astype(np.int64)
        pos = table[pos, pick]
        out[:, t] = values[pos]
    return out


def autocorrelation(series: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """rho(s), s = 0..max_lag, pooled over walks (one mean and variance for all walks)."""
    x = np.asarray(series, dtype=np.float64)
    ok = np.isfinite(x)
    mu = x[ok].mean()
    var = x[ok].var()
    z = np.where(ok, x - mu, np.nan)
    rho = [1.0]
    for s in range(1, max_lag + 1):
        prod = z[:, :-s] * z[:, s:]
        rho.append(float(np.nanmean(prod) / var) if var > 0 else float("nan"))
    return np.array(rho)


def correlation_length(rho1: float) -> float:
    """``-1 / ln |rho(1)|`` (inf for |rho(1)| = 1, 0 for rho(1) = 0)."""
    a = abs(rho1)
    if not math.isfinite(a):
        return float("nan")
    if a >= 1:
        return float("inf")
    if a == 0:
        return 0.0
    return -1.0 / math.log(a)


def evolvability(values: np.ndarray, table: np.ndarray, top_fraction: float = TOP_EVOLVABILITY) -> dict:
    """For parents in the top ``top_fraction`` (by value): P(a uniform mutation is strictly better)
    and the mean change parent -> child."""
    ok = np.flatnonzero(np.isfinite(values))
    k = max(1, int(math.ceil(top_fraction * len(ok))))
    parents = ok[np.argsort(-values[ok], kind="stable")[:k]]
    rows = table[parents]
    mask = rows >= 0
    child = np.where(mask, values[np.maximum(rows, 0)], np.nan)
    par = np.repeat(values[parents][:, None], rows.shape[1], axis=1)
    fin = mask & np.isfinite(child)
    w = 1.0 / np.maximum(mask.sum(axis=1, keepdims=True), 1)  # uniform over each parent's neighbours
    w = np.where(fin, w, 0.0)
    if w.sum() == 0:  # the best architectures have no measured neighbours (a partial table)
        return {"top_fraction": top_fraction, "parents": int(k), "p_improve": float("nan"), "mean_delta": float("nan")}
    better = float((w * (child > par)).sum() / w.sum())
    delta = float((w * np.where(fin, child - par, 0.0)).sum() / w.sum())
    return {"top_fraction": top_fraction, "parents": int(k), "p_improve": better, "mean_delta": delta}


# ----- models of search ------------------------------------------------------------------------
def best_of_k_distribution(values: np.ndarray, k: int) -> np.ndarray:
    """P(architecture x is the best of k distinct uniform draws), ties broken by id.

    With x at ascending rank r (1-based, n measured architectures): C(r-1, k-1) / C(n, k).
    Unmeasured architectures have probability 0 (and are never drawn here).
    """
    from scipy.special import gammaln

    ok = np.flatnonzero(np.isfinite(values))
    n = len(ok)
    k = min(int(k), n)
    order = ok[np.lexsort((ok, values[ok]))]  # ascending value, ties by id
    r = np.arange(1, n + 1)
    logp = np.full(n, -np.inf)
    valid = r >= k
    rv = r[valid]
    logp[valid] = (gammaln(rv) - gammaln(k) - gammaln(rv - k + 1)) - (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))
    p = np.zeros(len(values))
    p[order] = np.exp(logp)
    return p / p.sum()


def expected_best(prob_by_value: np.ndarray, signal: np.ndarray, outcome: np.ndarray, draws: float) -> float:
    """E[outcome of the signal-best of ``draws`` independent draws] when one draw lands on x
    with probability ``prob_by_value[x]`` (``draws`` may be fractional: F^draws)."""
    ok = np.flatnonzero(prob_by_value > 0)
    order = ok[np.lexsort((ok, signal[ok]))]
    p = prob_by_value[order]
    cdf = np.cumsum(p)
    cdf = np.clip(cdf / cdf[-1], 0.0, 1.0)
    below = np.concatenate([[0.0], cdf[:-1]])
    weight = cdf**draws - below**draws
    return float(np.nansum(weight * outcome[order]))


def local_search_model(signal: np.ndarray, outcome: np.ndarray, table: np.ndarray, degree: np.ndarray,
                       attractor: np.ndarray, steps: np.ndarray, *, num_init: int, budget: int) -> dict:
    """What the basins predict for ``ls`` with ``num_init`` random starts and ``budget`` queries.

    ``outcome`` is the value reported for an incumbent (e.g. final test accuracy). Climbs are
    taken as independent; the queries of a climb are ``num_init`` plus the neighbours of every
    architecture on its path, the last included (an upper bound: no reuse between climbs).
    """
    start = best_of_k_distribution(signal, num_init)
    n = len(signal)
    reach = np.bincount(attractor, weights=start, minlength=n)  # P(a climb ends at optimum o)
    # queries of the climb from x: the neighbourhoods of x, nxt(x), ..., its optimum
    path_cost = _path_cost(attractor, steps, table, signal, degree)
    cost = num_init + float((start * path_cost).sum())
    gmax = np.nanmax(signal)
    glob = np.isfinite(signal) & (signal == gmax)
    p_global = float(reach[glob].sum())
    climbs = budget / cost if cost > 0 else float("inf")
    return {
        "num_init": int(num_init),
        "budget": int(budget),
        "p_climb_global": p_global,
        "queries_per_climb": cost,
        "expected_queries_to_global": cost / p_global if p_global > 0 else float("inf"),
        "mean_climb_steps": float((start * steps).sum()),
        "climbs_in_budget": climbs,
        "p_global_in_budget": float(1 - (1 - p_global) ** climbs),
        "expected_outcome": expected_best(reach, signal, outcome, climbs),
        "expected_signal": expected_best(reach, signal, signal, climbs),
    }


def _path_cost(attractor: np.ndarray, steps: np.ndarray, table: np.ndarray, signal: np.ndarray,
               degree: np.ndarray) -> np.ndarray:
    """Sum of the degrees along each architecture's steepest-ascent path, its optimum included."""
    n = len(signal)
    nv = _neighbor_values(signal, table)
    v = np.where(np.isfinite(signal), signal, -np.inf)
    if nv.shape[1]:
        j = nv.argmax(axis=1)
        best = nv[np.arange(n), j]
        nxt = np.where(best > v, table[np.arange(n), j], np.arange(n))
    else:
        nxt = np.arange(n)
    total = degree.astype(np.float64).copy()
    cur = np.arange(n)
    for _ in range(int(steps.max()) if len(steps) else 0):
        moving = nxt[cur] != cur
        cur = nxt[cur]
        total += np.where(moving, degree[cur], 0)
    return total


def random_search_expectation(signal: np.ndarray, outcome: np.ndarray, budget: int) -> dict:
    """E[outcome of the signal-best of ``budget`` uniform draws] (with replacement)."""
    ok = np.isfinite(signal)
    p = np.where(ok, 1.0 / ok.sum(), 0.0)
    return {"budget": int(budget), "expected_outcome": expected_best(p, signal, outcome, budget),
            "expected_signal": expected_best(p, signal, signal, budget)}


# ----- one metric on one benchmark ---------------------------------------------------------------
def describe(values: np.ndarray, table: np.ndarray, degree: np.ndarray, rng: np.random.Generator) -> dict:
    """Every landscape statistic of ``values`` on a neighbour table, plus the arrays the model needs."""
    opt, strict = local_optima(values, table)
    attractor, steps = steepest_ascent(values, table)
    basin = np.bincount(attractor[np.isfinite(values)], minlength=len(values))
    opt_idx = np.flatnonzero(opt)
    sizes = basin[opt_idx]
    gmax = np.nanmax(values)
    glob = np.flatnonzero(np.isfinite(values) & (values == gmax))
    dist = distance_to(glob, table)
    walk = random_walks(values, table, degree, rng)
    rho = autocorrelation(walk)
    n = int(np.isfinite(values).sum())
    order = np.argsort(-values[opt_idx], kind="stable")
    top_opt = opt_idx[order]
    rank = np.empty(len(values))
    fin = np.flatnonzero(np.isfinite(values))
    rank[fin[np.argsort(-values[fin], kind="stable")]] = np.arange(1, len(fin) + 1)
    finite_d = dist[np.isfinite(dist)]
    return {
        "n_archs": n,
        "n_local_optima": int(opt.sum()),
        "n_strict_local_optima": int(strict.sum()),
        "n_plateaus": plateaus(opt, values, table),
        "local_optima_fraction": float(opt.sum() / n),
        "local_optima_in_top_1pct": float((rank[opt_idx] <= math.ceil(0.01 * n)).mean()) if len(opt_idx) else float("nan"),
        "global_optima": glob.tolist(),
        "global_value": float(gmax),
        "global_basin_fraction": float(basin[glob].sum() / n),
        "basin_size": {"max": int(sizes.max()), "median": float(np.median(sizes)), "mean": float(sizes.mean()),
                       "singletons": int((sizes == 1).sum())},
        "top_optima": [{"id": int(o), "value": float(values[o]), "rank": int(rank[o]), "basin": int(basin[o])}
                       for o in top_opt[:10]],
        "mean_climb_steps": float(steps[np.isfinite(values)].mean()),
        "max_climb_steps": int(steps.max()),
        "fdc": fdc(values, dist),
        "max_distance": float(finite_d.max()) if len(finite_d) else float("nan"),
        "unreachable": int((~np.isfinite(dist) & np.isfinite(values)).sum()),
        "neighbor_correlation": neighbor_correlation(values, table),
        "autocorrelation": rho.tolist(),
        "correlation_length": correlation_length(rho[1]),
        "evolvability": evolvability(values, table),
        "_arrays": {"attractor": attractor, "steps": steps, "basin": basin, "optima": opt_idx, "distance": dist,
                    "values": values},
    }


def analyze(bench, *, seed: int = 0, budget: int = 150, num_init: int | None = None,
            neighbors: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Landscape of the search signal (and of the final validation accuracy when it differs) of
    ``bench``, with the local-search model at ``budget`` queries. Arrays for plots under ``_arrays``."""
    import time

    from strategies.registry import get_spec

    if num_init is None:
        num_init = int(get_spec("ls").defaults["num_init"])
    space = bench.space
    t0 = time.perf_counter()
    table, degree = neighbors if neighbors is not None else neighbor_table(space, seed=seed)
    t_table = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    sig = data.signal(bench)
    fin_valid = data.final(bench, "valid_acc")
    test = data.final(bench, "test_acc")
    out: dict = {
        "neighborhood": {"max_degree": int(degree.max()), "mean_degree": float(degree.mean()),
                         "min_degree": int(degree.min()), "symmetry": symmetry(table, degree),
                         "build_seconds": t_table},
        "metrics": {},
    }
    targets = [sig] + ([fin_valid] if fin_valid.label != sig.label else [])
    for target in targets:
        t1 = time.perf_counter()
        stats = describe(target.values, table, degree, rng)
        arr = stats["_arrays"]
        stats["ls_model"] = local_search_model(target.values, test.values, table, degree, arr["attractor"], arr["steps"],
                                               num_init=num_init, budget=budget)
        stats["rs_model"] = random_search_expectation(target.values, test.values, budget)
        stats["best_outcome"] = float(np.nanmax(test.values))
        stats["outcome"] = test.label
        stats["seconds"] = time.perf_counter() - t1
        out["metrics"][target.label] = stats
    out["signal"] = sig.label
    out["_walk_example"] = random_walks(sig.values, table, degree, np.random.default_rng(seed + 1), walks=1, steps=200)[0]
    return out


__all__ = [
    "analyze", "autocorrelation", "best_of_k_distribution", "correlation_length", "describe", "distance_to",
    "evolvability", "expected_best", "fdc", "local_optima", "local_search_model", "neighbor_correlation",
    "neighbor_table", "plateaus", "random_search_expectation", "random_walks", "steepest_ascent", "symmetry",
]
