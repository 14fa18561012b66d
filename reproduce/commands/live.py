"""Live-training commands: ``nasbench validate``, ``nasbench zc`` and ``nasbench build``.

    nasbench validate results/ --top 5 --calibration 5 --epochs 400 --seeds 3 --device auto
    nasbench zc nbgraph/cora --proxies synflow,snip,naswot --sample 1000 --seed 0
    nasbench build nbgraph --dataset cora --archs 200 --seeds 2 --epochs 400 --out cora-live

Need torch (and torch_geometric for NB-Graph); data come from local files only (Cora and
CiteSeer shipped in ``data/planetoid``, or Planetoid raw files under ``--data-root``; CIFAR-10
from ``--data-root`` or ``$NASBENCH_DATA``). Tables written by ``zc`` and ``build`` are user tables:
``nasbench.load("user:NAME")`` (``NASBENCH_HOME/user/NAME.h5``). See docs/live.md.
"""
from __future__ import annotations

from pathlib import Path

from nasbench.errors import NasbenchError
from nasbench.executors import EXECUTORS, check_executor
from reproduce.progress import stage_progress


def _names(text: str) -> list[str]:
    return [n.strip() for n in str(text).split(",") if n.strip()]


def _positive(value: int | None, flag: str, allow_zero: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not allow_zero)):
        raise NasbenchError(f"{flag} must be {'>= 0' if allow_zero else '>= 1'}, got {value}")


def cmd_validate(args) -> int:
    import nasbench
    from nasbench.live.validate import validate
    from reproduce.store.results import load_final

    for v, flag in ((args.top, "--top"), (args.seeds, "--seeds"), (args.epochs, "--epochs")):
        _positive(v, flag)
    _positive(args.calibration, "--calibration", allow_zero=True)
    check_executor(args.executor)
    src = Path(args.dir)
    if not src.is_dir():
        raise NasbenchError(f"result folder {src} does not exist")
    if (src / "runs").is_dir() and not any(p.name != "runs" and p.is_dir() for p in src.iterdir()):
        src = src / "runs"  # a `nasbench reproduce --out DIR` folder keeps its runs in DIR/runs
    final = load_final(src)
    if final.empty:
        raise NasbenchError(f"no run results under {src} (expected <benchmark>/<strategy>-<key>/seed-*.json, as "
                            "`nasbench run --out DIR` writes; a `nasbench reproduce --out DIR` folder has them in DIR/runs)")
    benches = sorted(final["benchmark"].unique())
    name = args.benchmark or (benches[0] if len(benches) == 1 else None)
    if name is None:
        raise NasbenchError(f"{src} holds runs of several benchmarks ({', '.join(benches)}); choose one with --benchmark")
    if name not in benches:
        raise NasbenchError(f"{src} has no runs of '{name}'; it has {', '.join(benches)}")
    bench = nasbench.load(name)
    incumbents = final.loc[final["benchmark"] == name, "incumbent"].dropna().astype(int).tolist()
    out = Path(args.out) if args.out else src / "validate"
    with stage_progress(None, "validate", args.quiet, unit="trainings", defer=True) as progress:
        validate(bench, incumbents, out, top=args.top, calibration=args.calibration, seeds=args.seeds,
                 epochs=args.epochs, device=args.device, data_root=args.data_root,
                 executor=args.executor, workers=args.workers, progress=progress.record_callback())
    print((out / "table.md").read_text())
    print(f"wrote {out / 'table.md'}, {out / 'results.csv'}, {out / 'scatter.png'}, {out / 'summary.json'}")
    return 0


def cmd_zc(args) -> int:
    from nasbench.live.proxies import score_benchmark

    _positive(args.sample, "--sample")

    with stage_progress(None, "zc", args.quiet, unit="archs", defer=True) as progress:
        res = score_benchmark(args.benchmark, _names(args.proxies), sample=args.sample, seed=args.seed,
                              data_root=args.data_root, out=args.out, progress=progress.callback)
    print(f"{len(res['ids'])} archs of {args.benchmark}, {res['seconds_per_arch']:.2f} s per arch")
    print(f"{'proxy':12s} Spearman vs table valid_acc")
    for p, rho in res["spearman"].items():
        print(f"{p:12s} {rho:+.3f}")
    print(f"wrote {res['path']} (load with nasbench.load('{res['name']}'), metrics zc_<proxy>)")
    return 0


def cmd_build(args) -> int:
    import nasbench
    from nasbench.benchmark import user_tables_dir
    from nasbench.live.build import build_user_table

    for v, flag in ((args.seeds, "--seeds"), (args.epochs, "--epochs")):
        _positive(v, flag)
    check_executor(args.executor)
    with stage_progress(None, "build", args.quiet, unit="trainings", defer=True) as progress:
        path = build_user_table(args.space, args.dataset, archs=args.archs, seeds=args.seeds, epochs=args.epochs,
                                out=args.out, device=args.device, data_root=args.data_root,
                                executor=args.executor, workers=args.workers, arch_seed=args.arch_seed,
                                progress=progress.record_callback())
    name = f"user:{path.stem}" if path.parent == user_tables_dir() else f"user:{path}"
    bench = nasbench.load(name)
    print(f"wrote {path}: {bench.table.n_archs} archs, metrics {', '.join(bench.table.metric_names)}, "
          f"fidelities {bench.table.fidelities.tolist()}")
    print(f"load with nasbench.load('{name}')")
    return 0


def _common(p, device: bool = True) -> None:
    p.add_argument("--data-root", default=None, help="data folder (CIFAR-10 python batches, or <Name>/raw Planetoid files)")
    if device:
        p.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def add_parsers(sub) -> None:
    """Register ``validate``, ``zc`` and ``build``."""
    p = sub.add_parser("validate", help="train a search's top incumbents live and compare with the table")
    p.add_argument("dir", help="a results folder of `nasbench run`")
    p.add_argument("--top", type=int, default=5, help="distinct incumbents to train (best table validation first)")
    p.add_argument("--calibration", type=int, default=5, help="extra archs at quantiles of the table ranking")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the benchmark's)")
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--benchmark", default=None, help="which benchmark when the folder holds several")
    p.add_argument("--out", default=None, help="output folder (default DIR/validate)")
    p.add_argument("--executor", default="local", choices=EXECUTORS)
    p.add_argument("--workers", type=int, default=None)
    _common(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("zc", help="zero-cost proxies of sampled archs, stored in a user table copy")
    p.add_argument("benchmark", help="e.g. nbgraph/cora, nb201/cifar10 (needs --data-root) or user:NAME")
    p.add_argument("--proxies", default="synflow,snip,grad_norm,naswot,params,flops")
    p.add_argument("--sample", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="user table name (default <benchmark>-zc)")
    _common(p, device=False)
    p.set_defaults(func=cmd_zc)

    p = sub.add_parser("build", help="train archs live and write a user table (resumable)")
    p.add_argument("space", help="nbgraph or nb201")
    p.add_argument("--dataset", required=True, help="cora, citeseer, pubmed (nbgraph) or cifar10 (nb201)")
    p.add_argument("--archs", default="all", help="'all' or N (uniform sample, --arch-seed)")
    p.add_argument("--arch-seed", type=int, default=0)
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the benchmark's)")
    p.add_argument("--out", default=None, help="user table name (default <space>-<dataset>-live)")
    p.add_argument("--executor", default="local", choices=EXECUTORS)
    p.add_argument("--workers", type=int, default=None)
    _common(p)
    p.set_defaults(func=cmd_build)
