"""``reproduce.analysis`` against independent computations on small toy tables.

Every number checked here is recomputed another way in the test: brute-force loops over the
tiny toy space (20 architectures, decisions 2 x 2 x 5), explicit enumeration of subsets, or
published constants (Demsar 2006's critical values and worked example).
"""
from __future__ import annotations

import itertools
import json
import math
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasbench.benchmark import Benchmark
from nasbench.catalog import BenchmarkInfo
from nasbench.errors import InvalidArchitectureError
from nasbench.table import Table
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table
from reproduce.analysis import cost, data, fidelity, importance, landscape, report, results, suitezero, transfer
from tests.toy import SIZES, ToySpace

N = int(np.prod(SIZES))


def make_bench(tmp_path: Path, valid: np.ndarray, test: np.ndarray, *, dataset: str = "toy",
               fidelities=(10.0,), space=None, extra: dict | None = None) -> Benchmark:
    """A toy benchmark with the given valid ``[n, reps, fids]`` and test ``[n]`` values."""
    space = space or ToySpace()
    n = space.size
    valid = np.asarray(valid, dtype=np.float64).reshape(n, -1, len(fidelities))
    metrics = {
        "valid_acc": MetricColumn(valid, "valid", "%", "toy validation", "toy"),
        "test_acc": MetricColumn(np.asarray(test, dtype=np.float64).reshape(n, 1, 1), "test", "%", "toy test", "toy"),
        **(extra or {}),
    }
    spec = TableSpec(name=f"toy/{dataset}", space="toy", dataset=dataset, archs=[ToySpace().to_str(i) for i in range(n)],
                     fidelities=np.asarray(fidelities, dtype=np.float64), metrics=metrics, citation="none", recipe="toy",
                     recipe_version=1, sources=[SourceRecord("toy", "generated", "none", "0" * 64)])
    path = write_table(spec, tmp_path / f"{dataset}.h5")
    info = BenchmarkInfo(name=f"toy/{dataset}", space="toy", dataset=dataset, recipe="toy", recipe_version=1,
                         source="generated", requires="", citation="none", license="none",
                         default_signal=("valid_acc", None), default_noise="mean")
    return Benchmark(info=info, space=space, table=Table(path))


def brute_neighbors(space, a: int) -> list[int]:
    """Every architecture that differs from ``a`` in exactly one decision (by enumeration)."""
    d = space.to_decisions([a])[0]
    out = []
    for b in range(space.size):
        e = space.to_decisions([b])[0]
        if int((e != d).sum()) == 1:
            out.append(b)
    return out


@pytest.fixture
def rng():
    return np.random.default_rng(123)


# ----- data ------------------------------------------------------------------------------------
class HalfSpace(ToySpace):
    """The toy space with every decision vector whose last entry is odd invalid."""

    def from_decisions(self, decisions):
        d = np.asarray(decisions)
        if (d[:, 2] % 2 == 1).any():
            raise InvalidArchitectureError("odd last decision")
        return super().from_decisions(d)


def test_decision_grid_and_invalid_rows_by_bisection():
    grid, ids = data.decision_grid(ToySpace())
    assert grid.shape == (N, 3) and np.array_equal(ids, np.arange(N))
    grid, ids = data.decision_grid(HalfSpace())
    expected = [(-1 if row[2] % 2 else ToySpace().from_decisions(row[None])[0]) for row in grid]
    assert ids.tolist() == expected


# ----- importance --------------------------------------------------------------------------------
def test_anova_matches_loops_and_additive_closed_form(rng):
    space = ToySpace()
    grid, ids = data.decision_grid(space)
    y = rng.normal(size=N)
    res = importance.anova(grid, y, SIZES)
    mu, var = y.mean(), y.var()
    for i, s in enumerate(SIZES):  # main effect by explicit loops (uniform full grid)
        m = [np.mean([y[r] for r in range(N) if grid[r, i] == v]) for v in range(s)]
        assert res["main"][i] == pytest.approx(np.mean([(x - mu) ** 2 for x in m]) / var)
    for (i, j), frac in res["pairs"].items():
        mi = {v: np.mean(y[grid[:, i] == v]) for v in range(SIZES[i])}
        mj = {w: np.mean(y[grid[:, j] == w]) for w in range(SIZES[j])}
        terms = [(np.mean(y[(grid[:, i] == v) & (grid[:, j] == w)]) - mi[v] - mj[w] + mu) ** 2
                 for v in range(SIZES[i]) for w in range(SIZES[j])]
        assert frac == pytest.approx(np.mean(terms) / var)
    # additive function: main effects explain everything, in proportion to each part's variance
    parts = [rng.normal(size=s) * (k + 1) for k, s in enumerate(SIZES)]
    y = sum(p[grid[:, k]] for k, p in enumerate(parts))
    res = importance.anova(grid, y, SIZES)
    total = sum(p.var() for p in parts)
    assert res["main"] == pytest.approx([p.var() / total for p in parts])
    assert max(res["pairs"].values()) == pytest.approx(0.0, abs=1e-12)


def test_effects_interval_and_seed_spread(rng):
    grid, ids = data.decision_grid(ToySpace())
    y = rng.normal(size=N)
    reps = [y + rng.normal(scale=0.1, size=N) for _ in range(3)]
    eff = importance.effects(grid, ids, y, SIZES, reps)
    for i, s in enumerate(SIZES):
        for v in range(s):
            g = y[grid[:, i] == v]
            row = eff[i][v]
            assert row["effect"] == pytest.approx(g.mean() - y.mean())
            half = 1.959963984540054 * g.std(ddof=1) / math.sqrt(len(g))
            assert row["ci95"] == pytest.approx([g.mean() - y.mean() - half, g.mean() - y.mean() + half])
            per_rep = [r[grid[:, i] == v].mean() - r.mean() for r in reps]
            assert row["seed_sd"] == pytest.approx(np.std(per_rep, ddof=1))


def test_topk_frequencies_by_counting(rng):
    dec = ToySpace().to_decisions(np.arange(N))
    y = rng.permutation(N).astype(float)
    out = importance.topk_frequencies(dec, y, SIZES, 4)
    top = np.argsort(-y)[:4]
    for i, s in enumerate(SIZES):
        assert out[i]["top"] == [sum(dec[t, i] == v for t in top) / 4 for v in range(s)]
        assert out[i]["space"] == pytest.approx([1 / s] * s)


def test_importance_analyze_exact_and_random_forest(tmp_path, rng):
    grid = ToySpace().to_decisions(np.arange(N))
    parts = [np.array([0.0, 3.0]), np.array([0.0, 0.5]), np.arange(5) * 0.1]
    y = 50 + sum(p[grid[:, k]] for k, p in enumerate(parts))
    bench = make_bench(tmp_path, y, y)
    res = importance.analyze(bench)
    assert res["method"] == "exact" and res["top_decisions"][0]["decision"] == "d0"
    assert res["top_decisions"][0]["best"]["op"] == "1" and res["top_decisions"][0]["range"] == pytest.approx(3.0)
    # a table covering half of the grid: the random-forest decomposition still finds d0 dominant
    (tmp_path / "h").mkdir()
    res = importance.analyze(make_bench(tmp_path / "h", y, y, space=HalfSpace()))
    assert res["method"] == "random-forest"
    assert max(res["main_fraction"], key=res["main_fraction"].get) == "d0"


# ----- landscape -------------------------------------------------------------------------------
def test_neighbor_table_is_space_neighbors():
    space = ToySpace()
    table, degree = landscape.neighbor_table(space, check=N)
    for a in range(N):
        assert table[a, : degree[a]].tolist() == brute_neighbors(space, a)
    assert landscape.symmetry(table, degree) == 1.0


def test_local_optima_basins_and_distances_brute_force(rng):
    space = ToySpace()
    table, degree = landscape.neighbor_table(space)
    for trial in range(5):
        values = rng.integers(0, 6, size=N).astype(float)  # many ties
        values[rng.integers(N)] = np.nan if trial == 4 else values[0]
        nbrs = {a: brute_neighbors(space, a) for a in range(N)}
        fin = np.isfinite(values)
        opt = [a for a in range(N) if fin[a] and all(not values[b] > values[a] for b in nbrs[a])]
        strict = [a for a in range(N) if fin[a] and all(values[b] < values[a] or not fin[b] for b in nbrs[a])]
        got_opt, got_strict = landscape.local_optima(values, table)
        assert np.flatnonzero(got_opt).tolist() == opt
        assert np.flatnonzero(got_strict).tolist() == strict
        attractor, steps = landscape.steepest_ascent(values, table)
        for a in range(N):  # climb by hand: best neighbour, lowest id on ties, while strictly better
            cur, k = a, 0
            while True:
                cand = [b for b in nbrs[cur] if fin[b]]
                best = max(cand, key=lambda b: (values[b], -b)) if cand else None
                if best is None or not (values[best] > (values[cur] if fin[cur] else -np.inf)):
                    break
                cur, k = best, k + 1
            assert (attractor[a], steps[a]) == (cur, k)
        gmax = np.nanmax(values)
        targets = [a for a in range(N) if values[a] == gmax]
        dist = landscape.distance_to(np.array(targets), table)
        for a in range(N):  # BFS by hand over the forward neighbour relation
            seen, queue, found = {a}, deque([(a, 0)]), math.inf
            while queue:
                x, d = queue.popleft()
                if x in targets:
                    found = d
                    break
                for b in nbrs[x]:
                    if b not in seen:
                        seen.add(b)
                        queue.append((b, d + 1))
            assert dist[a] == found
        ok = np.isfinite(values)
        assert landscape.fdc(values, dist) == pytest.approx(np.corrcoef(values[ok], dist[ok])[0, 1])
        pairs = [(values[a], values[b]) for a in range(N) for b in nbrs[a] if fin[a] and fin[b]]
        assert landscape.neighbor_correlation(values, table) == pytest.approx(np.corrcoef(np.array(pairs).T)[0, 1])


def test_plateaus_join_equal_neighbouring_optima():
    space = ToySpace()
    table, _ = landscape.neighbor_table(space)
    values = np.zeros(N)  # one flat plateau: every architecture an optimum, one group
    opt, _ = landscape.local_optima(values, table)
    assert opt.all() and landscape.plateaus(opt, values, table) == 1


def test_autocorrelation_and_walks(rng):
    x = rng.normal(size=(3, 40))
    rho = landscape.autocorrelation(x, max_lag=3)
    mu, var = x.mean(), x.var()
    for s in (1, 2, 3):
        prods = [(x[w, t] - mu) * (x[w, t + s] - mu) for w in range(3) for t in range(40 - s)]
        assert rho[s] == pytest.approx(np.mean(prods) / var)
    assert landscape.correlation_length(math.exp(-0.5)) == pytest.approx(2.0)
    space = ToySpace()
    table, degree = landscape.neighbor_table(space)
    values = np.arange(N, dtype=float)
    walk = landscape.random_walks(values, table, degree, rng, walks=4, steps=30)
    for w in walk:  # every step is one mutation
        for a, b in zip(w[:-1], w[1:]):
            assert int(b) in brute_neighbors(space, int(a))


def test_best_of_k_distribution_by_enumeration(rng):
    values = rng.permutation(8).astype(float)
    values[3] = np.nan
    for k in (1, 3, 5):
        p = landscape.best_of_k_distribution(values, k)
        ok = [a for a in range(8) if np.isfinite(values[a])]
        subsets = list(itertools.combinations(ok, k))
        exact = np.zeros(8)
        for sub in subsets:
            exact[max(sub, key=lambda a: values[a])] += 1 / len(subsets)
        assert p == pytest.approx(exact)


def test_expected_best_by_enumeration(rng):
    signal = rng.permutation(6).astype(float)
    outcome = rng.normal(size=6)
    prob = rng.random(6)
    prob /= prob.sum()
    exact = sum(prob[a] * prob[b] * outcome[max((a, b), key=lambda x: signal[x])] for a in range(6) for b in range(6))
    assert landscape.expected_best(prob, signal, outcome, 2) == pytest.approx(exact)
    rs = landscape.random_search_expectation(signal, outcome, 2)
    uniform = sum(outcome[max((a, b), key=lambda x: signal[x])] for a in range(6) for b in range(6)) / 36
    assert rs["expected_outcome"] == pytest.approx(uniform)


def test_local_search_model_on_a_single_peak(tmp_path):
    values = np.arange(N, dtype=float)  # the last id dominates all its neighbours; one optimum
    res = landscape.analyze(make_bench(tmp_path, values, values), budget=50, num_init=3)
    s = res["metrics"]["valid_acc"]
    assert s["n_local_optima"] == 1 and s["global_basin_fraction"] == 1.0
    assert s["ls_model"]["p_climb_global"] == pytest.approx(1.0)
    assert s["ls_model"]["expected_outcome"] == pytest.approx(N - 1)
    assert s["evolvability"]["p_improve"] == 0.0


# ----- fidelity ----------------------------------------------------------------------------------
def test_fidelity_correlations_and_pick_regret(tmp_path, rng):
    base = rng.normal(70, 5, size=N)
    valid = np.stack([np.stack([base + rng.normal(0, 2, N), base + rng.normal(0, 2, N)], axis=1),
                      np.stack([base + rng.normal(0, 1, N), base + rng.normal(0, 1, N)], axis=1)], axis=2)
    test = base + rng.normal(0, 1, N)
    params = MetricColumn(rng.random((N, 1, 1)), "size", "M", "toy params", "toy")
    zc = MetricColumn(rng.random((N, 1, 1)), "proxy", "score", "toy proxy", "toy")
    bench = make_bench(tmp_path, valid, test, fidelities=(1.0, 10.0), extra={"params": params, "synflow": zc})
    res = fidelity.analyze(bench)
    low, high = valid[:, :, 0].mean(axis=1), valid[:, :, 1].mean(axis=1)
    row = res["fidelities"][0]
    assert row["spearman"] == pytest.approx(stats.spearmanr(low, high).statistic, rel=1e-5)
    assert row["kendall"] == pytest.approx(stats.kendalltau(low, high).statistic, rel=1e-5)
    seeds = {tuple(r["replicates"]) + (r["metric"],): r["spearman"] for r in res["seeds"]}
    assert seeds[(0, 1, "valid_acc@10")] == pytest.approx(stats.spearmanr(valid[:, 0, 1], valid[:, 1, 1]).statistic, rel=1e-5)
    names = {p["proxy"] for p in res["proxies"]}
    assert names == {"valid_acc@1", "params", "synflow"}
    # pick regret by hand
    proxy, v, t = rng.random(7), rng.random(7), rng.random(7)
    r = fidelity.pick_regret(proxy, v, t, rng, sizes=(3,), draws=50)
    assert r["whole_set"] == pytest.approx(t.max() - t[np.argmax(proxy)])
    assert r["by_final_valid"] == pytest.approx(t.max() - t[np.argmax(v)])
    assert 0 <= r["pool_3"] <= t.max() - t.min()


def test_suite_zero_op_and_edge_mapping():
    class Codes:  # a space whose id is the base-5 number of our op codes
        def from_decisions(self, d):
            return np.asarray(d) @ (5 ** np.arange(5, -1, -1))

    # NASLib edges 1->2, 1->3, 1->4, 2->3, 2->4, 3->4 carry Identity, Zero, conv3x3, conv1x1, avgpool, Identity;
    # ours (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2) are then skip, none, conv1x1, conv3x3, avgpool, skip = 1,0,2,3,4,1
    got = suitezero.naslib_to_ids(Codes(), ["(0, 1, 2, 3, 4, 0)"])
    assert got.tolist() == [int(np.array([1, 0, 2, 3, 4, 1]) @ (5 ** np.arange(5, -1, -1)))]


@pytest.mark.slow
def test_suite_zero_mapping_reproduces_the_nb201_ranking():
    import nasbench

    sz = suitezero.proxies(nasbench.load("nb201/cifar10"))
    assert sz["agreement"] > 0.98 and len(sz["ids"]) == 491 and len(np.unique(sz["ids"])) == 491


# ----- transfer ----------------------------------------------------------------------------------
def test_transfer_matrices_and_regret(tmp_path, rng):
    va, vb = rng.normal(size=N), rng.normal(size=N)
    ta, tb = va + rng.normal(0, 0.3, N), vb + rng.normal(0, 0.3, N)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = make_bench(tmp_path / "a", va, ta, dataset="a")
    b = make_bench(tmp_path / "b", vb, tb, dataset="b")
    res = transfer.analyze([a, b])
    assert res["spearman_valid"][0][1] == pytest.approx(stats.spearmanr(va, vb).statistic, rel=1e-5)
    assert res["kendall_test"][0][1] == pytest.approx(stats.kendalltau(ta, tb).statistic, rel=1e-5)
    assert res["pearson_valid"][1][0] == pytest.approx(np.corrcoef(va, vb)[0, 1], rel=1e-5)
    assert res["transfer_regret"][0][1] == pytest.approx(tb.max() - tb[np.argmax(va)], abs=1e-5)
    assert res["transfer_regret"][1][1] == pytest.approx(tb.max() - tb[np.argmax(vb)], abs=1e-5)
    top = np.argsort(-va)[:10]
    assert res["transfer_regret_top10"][0][1] == pytest.approx(np.mean(tb.max() - tb[top]), abs=1e-5)
    ia, ib = transfer.align(np.array([5, 3, 9]), np.array([9, 1, 5]))
    assert ia.tolist() == [0, 2] and ib.tolist() == [2, 0]


# ----- strategy comparison -------------------------------------------------------------------------
def test_nemenyi_critical_values_and_demsar_example():
    demsar = {2: 1.960, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.850, 7: 2.949, 8: 3.031, 9: 3.102, 10: 3.164}
    for k, q in demsar.items():  # Demsar (2006), Table 5(a), alpha = 0.05
        assert results.nemenyi_q(k) == pytest.approx(q, abs=2e-3)
    # Demsar's worked example: 4 classifiers on 14 data sets, CD = 1.25
    assert results.critical_difference(4, 14) == pytest.approx(1.25, abs=0.01)


def test_friedman_matches_scipy_and_hand_ranks(rng):
    m = rng.normal(size=(9, 4))
    fr = results.friedman(m)
    assert fr["chi2"] == pytest.approx(stats.friedmanchisquare(*m.T).statistic)
    ranks = np.array([stats.rankdata(row) for row in m]).mean(axis=0)
    assert fr["average_ranks"] == pytest.approx(ranks)
    n, k = m.shape
    assert fr["iman_davenport_F"] == pytest.approx((n - 1) * fr["chi2"] / (n * (k - 1) - fr["chi2"]))
    assert results.cliques(np.array([1.0, 1.5, 3.0, 3.2]), 1.0) == [[0, 1], [2, 3]]


def test_compare_paired_bootstrap_and_winner(rng):
    rows = []
    for b in ("b1", "b2", "b3"):
        noise = rng.normal(0, 1, 40)
        for s, shift in (("good", 0.0), ("bad", 2.0), ("same", 0.05)):
            for seed in range(40):
                rows.append({"benchmark": b, "strategy": s, "config_key": s, "hyperparameters": "{}", "seed": seed,
                             "test_regret": 5 + shift + noise[seed] + rng.normal(0, 0.1)})
    frame = pd.DataFrame(rows)
    cmp = results.compare(frame)
    for b in ("b1", "b2", "b3"):
        pb = cmp["per_benchmark"][b]
        pair = next(p for p in pb["pairs"] if {p["a"], p["b"]} == {"bad", "good"})
        sub = frame[frame.benchmark == b].pivot(index="seed", columns="strategy", values="test_regret")
        expected = (sub[pair["a"]] - sub[pair["b"]]).mean()
        assert pair["mean_diff"] == pytest.approx(expected)
        assert pair["ci95"][0] < expected < pair["ci95"][1] and pair["better"] == "good"
        assert pb["strategies"]["good"]["mean"] == pytest.approx(sub["good"].mean())
    cd = cmp["critical_difference"]
    assert cd["strategies"] == ["bad", "good", "same"]
    assert cd["average_ranks"][0] == pytest.approx(3.0)


# ----- cost --------------------------------------------------------------------------------------
def test_cost_from_result_files(tmp_path):
    from reproduce.store.results import write_result
    from strategies.loop import TRAJECTORY_COLUMNS, Trajectory
    from strategies.runner import RunSpec

    costs = {0: [100.0, 200.0, 300.0], 1: [50.0, 50.0, 50.0]}
    for seed, c in costs.items():
        cols = {k: np.zeros(3) for k in TRAJECTORY_COLUMNS}
        cols["cost"] = np.array(c)
        cols["time"] = np.cumsum(c)
        cols["queries"] = np.arange(1, 4)
        write_result(tmp_path, RunSpec("nb201/cifar10", "rs", seed, "3q"),
                     Trajectory(cols, {"cost_model": "train_time at the fidelity"}))
    cols = {k: np.zeros(2) for k in TRAJECTORY_COLUMNS}
    cols["cost"] = np.ones(2)
    write_result(tmp_path, RunSpec("nbgraph/cora", "rs", 0, "2q"),
                 Trajectory(cols, {"cost_model": "constant 1 s per query (table has no train_time)"}))
    energy = cost.EnergyModel(power_w=300.0, pue=1.5, grid_g_per_kwh=400.0)
    res = cost.analyze(tmp_path, energy=energy, sample=0)
    rows = {r["benchmark"]: r for r in res["configurations"]}
    gpu_h = (600 + 150) / 3600
    assert rows["nb201/cifar10"]["gpu_hours_total"] == pytest.approx(gpu_h)
    assert rows["nb201/cifar10"]["gpu_hours_per_run"] == pytest.approx(gpu_h / 2)
    assert rows["nb201/cifar10"]["kwh_total"] == pytest.approx(gpu_h * 0.3 * 1.5)
    assert rows["nb201/cifar10"]["co2_kg_total"] == pytest.approx(gpu_h * 0.3 * 1.5 * 0.4)
    assert not rows["nbgraph/cora"]["train_time_known"] and math.isnan(rows["nbgraph/cora"]["gpu_hours_total"])
    assert res["total"]["runs_without_train_time"] == 1
    assert cost.EnergyModel().describe()["sources"]["power_w"].startswith("NVIDIA")


# ----- report and command line -------------------------------------------------------------------
def test_json_safe_and_tables():
    doc = report.json_safe({"a": np.float32(1.5), "b": [np.nan, np.inf], "_skip": 1, "c": np.arange(2), "d": np.bool_(True)})
    assert doc == {"a": 1.5, "b": [None, None], "c": [0, 1], "d": True}
    json.dumps(doc, allow_nan=False)
    assert report.fmt(float("nan")) == "n/a" and report.fmt(12345.0) == "12,345"


def test_cli_results_folder_and_user_errors(tmp_path, capsys):
    from reproduce.cli import main
    from reproduce.store.results import write_result
    from strategies.loop import TRAJECTORY_COLUMNS, Trajectory
    from strategies.runner import RunSpec

    rng = np.random.default_rng(0)
    for b in ("nb201/cifar10", "nb201/cifar100"):
        for s in ("rs", "re", "ls"):
            for seed in range(5):
                cols = {k: np.zeros(2) for k in TRAJECTORY_COLUMNS}
                cols["test_regret"] = rng.random(2) + (s == "rs")
                cols["cost"] = np.full(2, 10.0)
                write_result(tmp_path / "runs", RunSpec(b, s, seed, "2q"), Trajectory(cols, {"cost_model": "train_time"}))
    assert main(["analyze", str(tmp_path / "runs"), "--time-runs", "0", "--quiet", "--out", str(tmp_path / "an")]) == 0
    summary = json.loads((tmp_path / "an" / "summary.json").read_text())
    assert summary["comparison"]["critical_difference"]["k_strategies"] == 3
    md = (tmp_path / "an" / "analysis.md").read_text()
    for fig in ("strategy-ci", "critical-difference", "cost"):
        assert (tmp_path / "an" / "figures" / f"{fig}.png").exists() and (tmp_path / "an" / "figures" / f"{fig}.pdf").exists()
        assert f"figures/{fig}.png" in md
    capsys.readouterr()
    assert main(["analyze", "nb201/nope", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nasbench: error:") and len(err.strip().splitlines()) == 1
    assert main(["analyze", str(tmp_path / "runs"), "nb201/cifar10"]) == 2


@pytest.mark.slow
def test_cli_benchmark_end_to_end(tmp_path):
    """The whole benchmark pipeline on the smallest shipped benchmark, with a few check runs."""
    from reproduce.cli import main

    out = tmp_path / "an"
    assert main(["analyze", "nbgraph/proteins", "--seeds", "0:3", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    res = summary["benchmarks"]["nbgraph/proteins"]
    assert res["importance"]["method"] == "exact" and res["landscape"]["metrics"]["valid_acc"]["n_archs"] == 2021
    assert summary["search_check"]["rows"][0]["measured"]["test_regret"]["ls"]["runs"] == 3
    for stem in ("nbgraph-proteins-importance", "nbgraph-proteins-landscape", "nbgraph-proteins-fidelity", "search-check"):
        assert (out / "figures" / f"{stem}.png").exists() and (out / "figures" / f"{stem}.pdf").exists()


def test_settings_derived_per_benchmark_are_one_strategy():
    """bohb records each table's fidelity ladder, so its hyperparameters differ between benchmarks;
    it is still one strategy. Two settings on one benchmark are two, named by configuration key."""
    import pandas as pd

    from reproduce.analysis.results import compare

    rows = []
    for bench, hp, key in [("a", '{"f": [12]}', "k1"), ("b", '{"f": [400]}', "k2")]:
        for seed in range(4):
            rows.append({"benchmark": bench, "strategy": "bohb", "hyperparameters": hp, "config_key": key,
                         "seed": seed, "test_regret": 1.0 + seed})
            rows.append({"benchmark": bench, "strategy": "rs", "hyperparameters": "{}", "config_key": "r",
                         "seed": seed, "test_regret": 2.0 + seed})
    def names(frame):
        return sorted({s for b in compare(frame)["per_benchmark"].values() for s in b["strategies"]})

    assert names(pd.DataFrame(rows)) == ["bohb", "rs"]
    rows += [{**r, "hyperparameters": '{"f": [1]}', "config_key": "k3"}
             for r in rows if r["strategy"] == "bohb" and r["benchmark"] == "a"]
    assert names(pd.DataFrame(rows)) == ["bohb [k1]", "bohb [k2]", "bohb [k3]", "rs"]
