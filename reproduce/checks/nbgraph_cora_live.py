"""Live check of NAS-Bench-Graph on Cora: train table architectures, compare with the table.

Architectures: the check set = the table's ``--top`` best-validation architectures and the ones
at ranking quantiles 2%, 10%, 25%, 50%, 75%, 90%, 99% of its validation ranking; plus
``--random`` more drawn uniformly (``--arch-seed``) for a larger, unselected sample. Each is
trained for ``--seeds`` seeds with the benchmark's protocol (nasbench.nbgraph_protocol: SGD lr
0.1, wd 5e-4, dropout 0.7, hidden 256, 0 pre / 1 post layer, 400 full-batch epochs, raw
features) and read off by the benchmark's rule (nasbench.live.reported: valid = best
validation accuracy, test = test accuracy at the minimum validation loss). A run that
diverges (non-finite loss) is a failure: counted, left out of the means.

Printed per architecture: table and live (mean over the ok seeds, seed std) valid/test; then
Spearman(table, live) and mean |live - table| on the check set, its top ones and all
architectures, and the *seed-noise ceiling*: what the same statistics would be if the table
were just another 3-seed replicate of our runs (simulated from the live means and seed stds).
Targets (issue 6): Spearman >= 0.8, mean |live - table| <= 2 points on the top ones.

    python reproduce/checks/nbgraph_cora_live.py [--seeds 3] [--workers 2] [--device cpu]
    python reproduce/checks/nbgraph_cora_live.py --random 20 --workers 12 --device cuda --save-curves c.npz
    python reproduce/checks/nbgraph_cora_live.py --curves c.npz      # analyse saved runs only

Every epoch's metrics of every run can be saved (``--save-curves``, ``.npz``) and analysed
again without training (``--curves``). Needs torch_geometric, the cora table (built from
nas-bench-graph) and the Cora graph (shipped in ``data/planetoid``; raw Planetoid files with
``--root`` or ``$NASBENCH_DATA/planetoid``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from types import SimpleNamespace

import numpy as np

from nasbench.live.proxies import spearman

QUANTILES = (0.02, 0.10, 0.25, 0.50, 0.75, 0.90, 0.99)
FIELDS = ("train_loss", "train_acc", "valid_acc", "test_acc", "valid_loss", "test_loss")
_DATA: dict = {}


def select(valid: np.ndarray, n_top: int = 3) -> list[int]:
    """The check set: the ``n_top`` best-validation ids, then the ranking quantiles."""
    order = np.argsort(-valid, kind="mergesort")  # best validation first
    picks = [int(i) for i in order[:n_top]]
    for q in QUANTILES:
        i = int(order[int(q * (len(order) - 1))])
        if i not in picks:
            picks.append(i)
    return picks


def pick_archs(valid: np.ndarray, top: int, random: int, arch_seed: int) -> list[int]:
    picks = select(valid, top)
    target = len(picks) + random
    for i in np.random.default_rng(arch_seed).permutation(len(valid)):
        if len(picks) >= target:
            break
        if int(i) not in picks:
            picks.append(int(i))
    return picks


# ----- training --------------------------------------------------------------------------------
def _job(job: tuple) -> dict:
    dataset, arch, seed, features, root, device, epochs = job
    import torch

    torch.set_num_threads(1)
    from nasbench.live import build_model, load_planetoid, nbgraph_recipe, train

    if (dataset, features) not in _DATA:
        _DATA[dataset, features] = load_planetoid(dataset, root, normalize_features=features == "normalized")
    data = _DATA[dataset, features]
    recipe = nbgraph_recipe(dataset)
    if epochs:
        recipe = recipe.with_(epochs=epochs)
    t0 = time.perf_counter()
    model = build_model(f"nbgraph/{dataset}", arch, seed=seed, **data.info)
    r = train(model, data, recipe, device=device, seed=seed)
    return {"arch": arch, "seed": seed, "features": features, "ok": r.ok, "reason": r.reason,
            "device": r.device, "seconds": time.perf_counter() - t0,
            "curves": {f: np.array([getattr(e, f) for e in r.epochs], dtype=float) for f in FIELDS}}


def train_runs(jobs: list[tuple], workers: int, checkpoint=None, every: int = 10) -> list[dict]:
    """Run the jobs (``workers`` spawned processes); ``checkpoint(runs)`` every ``every`` runs
    and at the end, so an interrupted sweep keeps what it finished."""
    t0 = time.perf_counter()
    out: list[dict] = []

    def done(r: dict) -> None:
        out.append(r)
        print(f"  {len(out)}/{len(jobs)} runs ({time.perf_counter() - t0:.0f}s)", flush=True)
        if checkpoint is not None and (len(out) % every == 0 or len(out) == len(jobs)):
            checkpoint(out)

    if workers <= 1:
        for j in jobs:
            done(_job(j))
        return out
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(workers) as pool:
        for r in pool.imap_unordered(_job, jobs):
            done(r)
    return out


def save_curves(path: str, runs: list[dict], dataset: str) -> None:
    import os

    n_ep = max(len(r["curves"]["valid_acc"]) for r in runs)
    arrays: dict = {}  # values Any: numpy's stub would match **arrays against savez_compressed's allow_pickle
    for f in FIELDS:
        a = np.full((len(runs), n_ep), np.nan)
        for k, r in enumerate(runs):
            a[k, :len(r["curves"][f])] = r["curves"][f]
        arrays[f] = a
    tmp = f"{path}.part.npz"
    np.savez_compressed(tmp, arch=np.array([r["arch"] for r in runs]), seed=np.array([r["seed"] for r in runs]),
                        features=np.array([r["features"] for r in runs]), ok=np.array([r["ok"] for r in runs]),
                        reason=np.array([r["reason"] or "" for r in runs]),
                        seconds=np.array([r["seconds"] for r in runs]), dataset=dataset,
                        device=runs[0]["device"], **arrays)
    os.replace(tmp, path)


def load_curves(path: str, features: str) -> list[dict]:
    z = np.load(path)
    keep = np.flatnonzero(z["features"] == features)
    runs = []
    for k in keep:
        n = int(np.sum(~np.isnan(z["valid_acc"][k])))  # epochs after a failure are NaN
        runs.append({"arch": int(z["arch"][k]), "seed": int(z["seed"][k]), "features": features,
                     "ok": bool(z["ok"][k]),
                     "reason": (str(z["reason"][k]) if "reason" in z.files else "failed") if not z["ok"][k] else None,
                     "seconds": float(z["seconds"][k]), "device": str(z["device"]),
                     "curves": {f: z[f][k, :n] for f in FIELDS}})
    return runs


# ----- analysis --------------------------------------------------------------------------------
def run_reported(run: dict):
    from nasbench.live.reported import reported

    c = run["curves"]
    epochs = [SimpleNamespace(epoch=i + 1, **{f: float(c[f][i]) for f in FIELDS})
              for i in range(len(c["valid_acc"]))]
    return reported(epochs, "nbgraph")


def summarise(runs: list[dict], picks: list[int], check_set: set[int], top: set[int], valid, test,
              space) -> list[dict]:
    rows = []
    for a in picks:
        mine = [r for r in runs if r["arch"] == a]
        ok = [run_reported(r) for r in mine if r["ok"]]
        lt = [x.test_acc for x in ok if x.test_acc is not None]
        lv = [x.valid_acc for x in ok if x.valid_acc is not None]
        rows.append({
            "id": a, "arch": space.to_str(a), "valid_rank": int((valid > valid[a]).sum()) + 1,
            "table_valid": float(valid[a]), "table_test": float(test[a]),
            "live_valid": float(np.mean(lv)) if lv else float("nan"),
            "live_test": float(np.mean(lt)) if lt else float("nan"),
            "live_test_std": float(np.std(lt, ddof=1)) if len(lt) > 1 else float("nan"),
            "seeds_ok": len(ok), "seeds": len(mine),
            "in_check_set": a in check_set, "top": a in top,
        })
    return rows


def stats(rows: list[dict]) -> dict:
    ok = [r for r in rows if np.isfinite(r["live_test"])]
    tt, lt = np.array([r["table_test"] for r in ok]), np.array([r["live_test"] for r in ok])
    tv, lv = np.array([r["table_valid"] for r in ok]), np.array([r["live_valid"] for r in ok])
    return {"n": len(ok), "spearman_test": spearman(tt, lt), "spearman_valid": spearman(tv, lv),
            "mad_test": float(np.mean(np.abs(lt - tt))), "mad_valid": float(np.mean(np.abs(lv - tv))),
            "bias_test": float(np.mean(lt - tt)), "bias_valid": float(np.mean(lv - tv))}


def noise_ceiling(rows: list[dict], table_seeds: int = 3, draws: int = 4000, seed: int = 0) -> dict:
    """Spearman and mean |diff| between two independent ``table_seeds``-seed means of our own
    runs (per architecture: live mean, live seed std): what agreement seed noise alone allows."""
    ok = [r for r in rows if np.isfinite(r["live_test"]) and np.isfinite(r["live_test_std"])]
    if len(ok) < 3:  # needs >= 2 seeds per architecture and 3 architectures
        return dict.fromkeys(("spearman_median", "spearman_p5", "spearman_p95", "mad_mean"), float("nan"))
    mu = np.array([r["live_test"] for r in ok])
    sd = np.array([r["live_test_std"] for r in ok]) / np.sqrt(table_seeds)
    rng = np.random.default_rng(seed)
    rho, mad = [], []
    for _ in range(draws):
        a, b = mu + rng.normal(size=mu.size) * sd, mu + rng.normal(size=mu.size) * sd
        rho.append(spearman(a, b))
        mad.append(float(np.mean(np.abs(a - b))))
    return {"spearman_median": float(np.median(rho)), "spearman_p5": float(np.percentile(rho, 5)),
            "spearman_p95": float(np.percentile(rho, 95)), "mad_mean": float(np.mean(mad))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="cora")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--random", type=int, default=0, help="extra uniformly drawn architectures")
    ap.add_argument("--arch-seed", type=int, default=0)
    ap.add_argument("--features", default="raw", choices=("raw", "normalized"))
    ap.add_argument("--device", default="auto")
    ap.add_argument("--workers", type=int, default=1, help="training processes (spawned)")
    ap.add_argument("--epochs", type=int, default=None, help="override the protocol's epochs")
    ap.add_argument("--root", default=None, help="folder holding <Name>/raw/ind.<name>.*")
    ap.add_argument("--save-curves", default=None, help="write every run's per-epoch metrics (.npz)")
    ap.add_argument("--curves", default=None, help="analyse saved runs instead of training")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    import nasbench
    from nasbench.live import nbgraph_recipe

    bench = nasbench.load(f"nbgraph/{args.dataset}")
    all_ids = np.arange(bench.space.size)
    valid = np.asarray(bench.query(all_ids, "valid_acc"), dtype=float)
    test = np.asarray(bench.query(all_ids, "test_acc"), dtype=float)
    check = select(valid, args.top)
    recipe = nbgraph_recipe(args.dataset)
    t0 = time.perf_counter()
    if args.curves:
        runs = load_curves(args.curves, args.features)
        picks = list(dict.fromkeys(r["arch"] for r in runs))
        source = f"saved runs {args.curves} ({runs[0]['device'] if runs else '-'})"
    else:
        picks = pick_archs(valid, args.top, args.random, args.arch_seed)
        jobs = [(args.dataset, a, s, args.features, args.root, args.device, args.epochs)
                for a in picks for s in range(args.seeds)]
        print(f"NB-Graph {args.dataset}: {len(picks)} archs x {args.seeds} seeds = {len(jobs)} runs, "
              f"{args.epochs or recipe.epochs} epochs, {recipe.optimizer} lr {recipe.lr} wd "
              f"{recipe.weight_decay}, {args.features} features, {args.workers} workers", flush=True)
        save = (lambda rs: save_curves(args.save_curves, rs, args.dataset)) if args.save_curves else None
        runs = train_runs(jobs, args.workers, checkpoint=save)
        source = f"trained here ({runs[0]['device']})"
    rows = summarise(runs, picks, set(check), set(check[:args.top]), valid, test, bench.space)

    print(f"\n{source}; {args.features} features; valid = best validation accuracy, test = test "
          f"accuracy at the minimum validation loss (mean over ok seeds)")
    print(f"{'rank':>6} {'arch':28s} {'table v/t':>13} {'live v/t':>13} {'seed sd':>7} ok  set")
    for r in rows:
        tag = "top" if r["top"] else ("check" if r["in_check_set"] else "random")
        print(f"{r['valid_rank']:6d} {r['arch']:28s} {r['table_valid']:6.2f}/{r['table_test']:6.2f} "
              f"{r['live_valid']:6.2f}/{r['live_test']:6.2f} {r['live_test_std']:7.2f} "
              f"{r['seeds_ok']}/{r['seeds']} {tag}")
    groups = {"check set": [r for r in rows if r["in_check_set"]],
              "all": rows,
              "all, seed sd < 1.5": [r for r in rows if r["live_test_std"] < 1.5]}
    summary = {"source": source, "features": args.features, "rows": rows, "groups": {}}
    print()
    for name, rs in groups.items():
        if len(rs) < 3:
            continue
        s, c = stats(rs), noise_ceiling(rs)
        summary["groups"][name] = {**s, "noise_ceiling": c}
        print(f"{name} (n={s['n']}): Spearman test {s['spearman_test']:.3f} (seed-noise ceiling median "
              f"{c['spearman_median']:.3f}, 5-95% {c['spearman_p5']:.3f}-{c['spearman_p95']:.3f}), valid "
              f"{s['spearman_valid']:.3f}; mean |live - table| test {s['mad_test']:.2f} (noise alone "
              f"{c['mad_mean']:.2f}), valid {s['mad_valid']:.2f}; bias test {s['bias_test']:+.2f}, valid "
              f"{s['bias_valid']:+.2f}")
    top = [r for r in rows if r["top"] and np.isfinite(r["live_test"])]
    mad_top = float(np.mean([abs(r["live_test"] - r["table_test"]) for r in top])) if top else float("nan")
    rho = summary["groups"].get("check set", {}).get("spearman_test", float("nan"))
    summary.update(mad_top=mad_top, spearman_check_set=rho,
                   failed_runs=[(r["arch"], r["seed"], r["reason"]) for r in runs if not r["ok"]])
    print(f"\ncheck set: Spearman(table test, live test) = {rho:.3f} (target >= 0.8); mean |live - table| "
          f"test over the top {len(top)} = {mad_top:.2f} points (target <= 2)")
    if summary["failed_runs"]:
        print(f"failed runs (left out): {len(summary['failed_runs'])}: " + ", ".join(
            f"{bench.space.to_str(a)} seed {s}" for a, s, _ in summary["failed_runs"]))
    print(f"total {time.perf_counter() - t0:.0f}s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(summary, fh, indent=2, default=float)
    return 0 if (rho >= 0.8 and mad_top <= 2.0) else 1


if __name__ == "__main__":
    sys.exit(main())
