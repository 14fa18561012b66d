"""Transfer between the datasets of one space: rank correlations and the regret of searching on
one dataset and deploying on another.

Benchmarks of one family share architectures: NB201's three datasets have the same 15,625 ids;
NB-Graph's eight full datasets the same 26,206, and ``nbgraph/proteins`` (5 operations, 2,021
architectures) a subset of them, matched through the official NAS-Bench-Graph hash
(``official_hash`` / ``from_official_hash``); every pair is compared over the architectures
both have.

- **matrices**: Spearman, Kendall tau-b and Pearson between the final validation accuracies
  (and the final test accuracies) of every pair of datasets;
- **NB201 paper's figure**: the NAS-Bench-201 paper's correlation heatmap is drawn by
  ``exps/NAS-Bench-201/visualize.py`` (D-X-Y/AutoDL-Projects): ``np.corrcoef`` (Pearson) of the
  accuracies over all architectures on six sets (CIFAR-10 valid/test, CIFAR-100 valid/test,
  ImageNet16-120 valid/test), and again over the architectures whose CIFAR-10 test accuracy
  exceeds 92% and 93%. :func:`nb201_paper_matrix` computes the same thing on these tables;
- **transfer regret**: search on A (take A's best final validation accuracy) and deploy on B:
  B's best final test accuracy minus that of A's pick, with the pick's percentile in B; and
  the same for A's top 10 (mean over them).
"""
from __future__ import annotations

import numpy as np

from reproduce.analysis import data

TOP_N = 10


def shared_keys(bench) -> np.ndarray:
    """A key per architecture that identifies it across the family's benchmarks."""
    space = bench.space
    if hasattr(space, "official_hash"):  # NB-Graph: the official hash is shared by both op sets
        return np.asarray(space.official_hash(np.arange(space.size)), dtype=np.int64)
    return np.arange(space.size, dtype=np.int64)


def align(a_keys: np.ndarray, b_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices into a and b of the keys both have (in a's order)."""
    common, ia, ib = np.intersect1d(a_keys, b_keys, assume_unique=True, return_indices=True)
    order = np.argsort(ia)
    return ia[order], ib[order]


def _pct_rank(values: np.ndarray, x: float) -> float:
    """Percentile of ``x`` among finite ``values`` (100 = the best)."""
    v = values[np.isfinite(values)]
    return float(100.0 * (v < x).mean() + 50.0 * (v == x).mean())


def analyze(benches: list) -> dict:
    """Correlation and transfer-regret matrices for benchmarks of one family (in the given order)."""
    names = [b.name for b in benches]
    k = len(benches)
    keys = [shared_keys(b) for b in benches]
    valid = [data.final(b, "valid_acc").values for b in benches]
    test = [data.final(b, "test_acc").values for b in benches]
    mats = {m: np.full((k, k), np.nan) for m in ("spearman_valid", "kendall_valid", "pearson_valid",
                                                "spearman_test", "kendall_test", "pearson_test")}
    regret = np.full((k, k), np.nan)
    regret_top = np.full((k, k), np.nan)
    percentile = np.full((k, k), np.nan)
    shared = np.zeros((k, k), dtype=np.int64)
    for i in range(k):
        for j in range(k):
            ia, ib = align(keys[i], keys[j])
            shared[i, j] = len(ia)
            if i <= j:
                for split, arrs in (("valid", valid), ("test", test)):
                    a, b = arrs[i][ia], arrs[j][ib]
                    for fn, name in ((data.spearman, "spearman"), (data.kendall, "kendall"), (data.pearson, "pearson")):
                        mats[f"{name}_{split}"][i, j] = mats[f"{name}_{split}"][j, i] = fn(a, b)
            va, tb = valid[i][ia], test[j][ib]
            ok = np.flatnonzero(np.isfinite(va) & np.isfinite(tb))
            if not len(ok):
                continue
            order = ok[np.argsort(-va[ok], kind="stable")]
            best_b = tb[ok].max()
            regret[i, j] = best_b - tb[order[0]]
            regret_top[i, j] = float(np.mean(best_b - tb[order[:TOP_N]]))
            percentile[i, j] = _pct_rank(tb[ok], tb[order[0]])
    return {
        "benchmarks": names,
        "shared_archs": shared.tolist(),
        **{m: v.tolist() for m, v in mats.items()},
        "transfer_regret": regret.tolist(),
        "transfer_regret_top10": regret_top.tolist(),
        "transfer_percentile": percentile.tolist(),
        "note": "row = search (best final validation accuracy), column = deploy (final test accuracy)",
    }


def nb201_paper_matrix(benches: dict) -> dict:
    """The NB201 paper's Pearson matrix on six sets, all architectures and CIFAR-10 test > 92 / 93."""
    order = [("nb201/cifar10", "C10-V", "valid_acc"), ("nb201/cifar10", "C10-T", "test_acc"),
             ("nb201/cifar100", "C100-V", "valid_acc"), ("nb201/cifar100", "C100-T", "test_acc"),
             ("nb201/imagenet16-120", "I120-V", "valid_acc"), ("nb201/imagenet16-120", "I120-T", "test_acc")]
    if not all(name in benches for name, _, _ in order):
        return {}
    vecs = [data.final(benches[name], metric).values for name, _, metric in order]
    c10_test = vecs[1]
    out: dict = {"sets": [label for _, label, _ in order], "method": "Pearson (np.corrcoef) of the accuracies"}
    for key, mask in (("all", np.ones_like(c10_test, dtype=bool)), ("c10_test_gt_92", c10_test > 92),
                      ("c10_test_gt_93", c10_test > 93)):
        m = np.array([[data.pearson(a[mask], b[mask]) for b in vecs] for a in vecs])
        out[key] = {"n_archs": int(mask.sum()), "matrix": m.tolist()}
    return out


__all__ = ["align", "analyze", "nb201_paper_matrix", "shared_keys"]
