"""Live check of NAS-Bench-Graph on Cora: train table architectures, compare with the table.

Picks architectures spread over the cora table's validation ranking (its 3 best-validation
architectures and the ones at ranking quantiles 2%, 10%, 25%, 50%, 75%, 90%, 99%), trains
each with the benchmark's protocol (nasbench.nbgraph_protocol: SGD lr 0.1, wd 5e-4,
dropout 0.7, hidden 256, 0 pre / 1 post layer, 400 full-batch epochs; test accuracy at the
epoch of best validation) for several seeds, and prints per architecture the table and live
test accuracy (mean over seeds), then the Spearman correlation between the two and the mean
absolute difference over the top architectures.

Targets: Spearman >= 0.8, mean |live - table| <= 2 points on the top ones.

    python reproduce/checks/nbgraph_cora_live.py [--seeds 3] [--device auto] [--epochs 400]

Needs torch_geometric, the cora table (built from nas-bench-graph) and the Planetoid raw
files (``--root``, ``$NASBENCH_DATA/planetoid`` or ``../shared/data/planetoid``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

QUANTILES = (0.02, 0.10, 0.25, 0.50, 0.75, 0.90, 0.99)


def spearman(a, b) -> float:
    """Spearman's rho with average ranks for ties (no scipy needed)."""
    def ranks(x):
        x = np.asarray(x, dtype=float)
        order = np.argsort(x, kind="mergesort")
        r = np.empty(len(x))
        r[order] = np.arange(len(x), dtype=float)
        for v in np.unique(x):  # average ties
            m = x == v
            r[m] = r[m].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def select(valid: np.ndarray, n_top: int = 3) -> list[int]:
    order = np.argsort(-valid, kind="mergesort")  # best validation first
    picks = [int(i) for i in order[:n_top]]
    for q in QUANTILES:
        i = int(order[int(q * (len(order) - 1))])
        if i not in picks:
            picks.append(i)
    return picks


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="cora")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--epochs", type=int, default=None, help="override the protocol's epochs")
    ap.add_argument("--root", default=None, help="folder holding <Name>/raw/ind.<name>.*")
    ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    import nasbench
    from nasbench.live import build_model, load_planetoid, nbgraph_recipe, train

    bench = nasbench.load(f"nbgraph/{args.dataset}")
    all_ids = np.arange(bench.space.size)
    valid = np.asarray(bench.query(all_ids, "valid_acc"), dtype=float)
    test = np.asarray(bench.query(all_ids, "test_acc"), dtype=float)
    picks = select(valid, args.top)
    data = load_planetoid(args.dataset, args.root)
    recipe = nbgraph_recipe(args.dataset)
    if args.epochs:
        recipe = recipe.with_(epochs=args.epochs)
    print(f"NB-Graph {args.dataset}: {len(picks)} archs x {args.seeds} seeds, {recipe.epochs} epochs, "
          f"{recipe.optimizer} lr {recipe.lr} wd {recipe.weight_decay}", flush=True)
    rows = []
    t0 = time.perf_counter()
    for rank_i, i in enumerate(picks):
        lives, vals = [], []
        for s in range(args.seeds):
            model = build_model(f"nbgraph/{args.dataset}", i, seed=s, **data.info)
            r = train(model, data, recipe, device=args.device, seed=s)
            if not r.ok:
                print(f"  {bench.space.to_str(i)} seed {s}: FAILED {r.reason}")
                continue
            lives.append(r.test_at_best_valid)
            vals.append(r.best_valid_acc)
        row = {"id": i, "arch": bench.space.to_str(i),
               "valid_rank": int((valid > valid[i]).sum()) + 1,
               "table_valid": float(valid[i]), "table_test": float(test[i]),
               "live_valid": float(np.mean(vals)) if vals else float("nan"),
               "live_test": float(np.mean(lives)) if lives else float("nan"),
               "live_test_std": float(np.std(lives)) if lives else float("nan"),
               "top": rank_i < args.top}
        rows.append(row)
        print(f"  rank {row['valid_rank']:5d} {row['arch']:28s} table valid {row['table_valid']:6.2f} "
              f"test {row['table_test']:6.2f} | live valid {row['live_valid']:6.2f} test "
              f"{row['live_test']:6.2f} +- {row['live_test_std']:.2f}  ({time.perf_counter() - t0:.0f}s)",
              flush=True)
    ok = [r for r in rows if np.isfinite(r["live_test"])]
    rho = spearman([r["table_test"] for r in ok], [r["live_test"] for r in ok])
    rho_v = spearman([r["table_valid"] for r in ok], [r["live_valid"] for r in ok])
    top = [r for r in ok if r["top"]]
    mad = float(np.mean([abs(r["live_test"] - r["table_test"]) for r in top])) if top else float("nan")
    mad_all = float(np.mean([abs(r["live_test"] - r["table_test"]) for r in ok]))
    print()
    print(f"Spearman(table test, live test) = {rho:.3f}   (target >= 0.8)")
    print(f"Spearman(table valid, live valid) = {rho_v:.3f}")
    print(f"mean |live - table| test, top {len(top)} by table validation = {mad:.2f} points (target <= 2)")
    print(f"mean |live - table| test, all {len(ok)} = {mad_all:.2f} points")
    print(f"total {time.perf_counter() - t0:.0f}s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"rows": rows, "spearman_test": rho, "spearman_valid": rho_v,
                       "mad_top": mad, "mad_all": mad_all}, fh, indent=2)
    return 0 if (rho >= 0.8 and mad <= 2.0) else 1


if __name__ == "__main__":
    sys.exit(main())
